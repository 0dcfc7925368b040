// Multi-threaded stress of the range-lock protocol under ThreadSanitizer: cursors over overlapping
// ranges never interleave (each critical section checks an occupancy word and bumps a plain,
// unsynchronized counter that TSan would flag if the node locks did not order them), and cursors
// over disjoint ranges are inside their critical sections at the same time (each waits, with a
// deadline, for the other to arrive: if they serialized, the wait would time out).
#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "tests/host/lib/test_seed.h"
#include "tests/host/pt/pt_fixture.h"

namespace glass::mm::testing {
namespace {

class PtCursorTsan : public PtTest {};

TEST_F(PtCursorTsan, OverlappingCursorsNeverInterleave) {
  const uint64_t seed = glass::testing::test_seed();
  GLASS_SEED_TRACE(seed);
  PageTable pt = PageTable::create_user(kTestOwner, nullptr).value();
  const uint64_t frames = page_table_frames();
  constexpr uint64_t kBase = 3 * kGiB;
  constexpr uint64_t kMid = kBase + (8 << 20);  // every range contains this page
  std::atomic<int> inside{0};
  std::atomic<bool> failed{false};
  uint64_t plain_counter = 0;  // written only under the cursors' locks
  constexpr int kThreads = 4, kRounds = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + t);
      for (int r = 0; r < kRounds; ++r) {
        // Left and right extents vary so covering nodes sit at different levels.
        const uint64_t left = (rng() % 2048) * kFrameSize * (rng() % 2 ? 1 : 4);
        const uint64_t right = (1 + rng() % 2048) * kFrameSize * (rng() % 2 ? 1 : 4);
        auto c = CursorMut::create(pt, kMid - left, kMid + right);
        if (c.is_error()) {
          failed = true;
          return;
        }
        if (inside.exchange(t + 1) != 0) failed = true;
        ++plain_counter;
        CursorMut& cur = c.value();
        if (cur.jump(kMid).is_error() || cur.map(0x1000 * (t + 1), 1, rw()).is_error()) {
          failed = true;
        }
        if (cur.jump(kMid).is_error()) failed = true;
        auto taken = cur.take_next(kFrameSize);
        if (taken.is_error() || taken.value().kind != Taken::Kind::kMapped ||
            taken.value().phys != 0x1000u * (t + 1)) {
          failed = true;
        }
        if (inside.exchange(0) != t + 1) failed = true;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(plain_counter, uint64_t{kThreads} * kRounds);
  EXPECT_GE(page_table_frames(), frames);
}

TEST_F(PtCursorTsan, DisjointCursorsRunAtOnce) {
  PageTable pt = PageTable::create_user(kTestOwner, nullptr).value();
  constexpr int kRounds = 100;
  std::atomic<int> arrived[2] = {0, 0};
  std::atomic<int> overlapped{0};
  auto worker = [&](int me) {
    const uint64_t base = (1 + me) * kGiB;  // different level-2 nodes under one level-3 node
    for (int r = 1; r <= kRounds; ++r) {
      CursorMut c = CursorMut::create(pt, base, base + (2 << 20)).value();
      for (uint64_t off = 0; off < 64 * kFrameSize; off += kFrameSize) {
        (void)c.map(off, 1, rw());
      }
      arrived[me].store(r);
      // Wait (bounded) until the other thread is inside its own cursor of this round.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (arrived[1 - me].load() < r && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      if (arrived[1 - me].load() >= r) overlapped.fetch_add(1);
      ASSERT_TRUE(c.jump(base).is_ok());
      while (c.take_next(c.end() - c.va()).value().kind != Taken::Kind::kNone) {
      }
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  EXPECT_EQ(overlapped.load(), 2 * kRounds);
}

}  // namespace
}  // namespace glass::mm::testing
