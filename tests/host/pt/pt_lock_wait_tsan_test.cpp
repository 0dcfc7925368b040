// Lock contention as telemetry reports it: a cursor that finds a node of its range locked by
// another cursor says so (lock_waiting, before it spins) and then reports how long it waited in
// that node's lock_acquired; a cursor that waits on its way down to its covering node reports
// the wait in the covering lock's lock_acquired. Two real threads, under ThreadSanitizer; the
// events come through mm_events' host lock sink, the same calls the kernel records into its rings.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "mm/phys/mm_events.h"
#include "tests/host/pt/pt_fixture.h"

namespace glass::mm::testing {
namespace {

using telemetry::MsgType;
namespace events = telemetry::mm_events;

struct Seen {
  std::thread::id thread;
  MsgType type;
  uint64_t cursor, node, wait_ns;
};

std::mutex g_mu;
std::vector<Seen> g_seen;

void sink(MsgType type, uint64_t cursor, uint64_t node, uint64_t wait_ns) {
  std::lock_guard<std::mutex> g(g_mu);
  g_seen.push_back({std::this_thread::get_id(), type, cursor, node, wait_ns});
}

bool seen(std::thread::id who, MsgType type) {
  std::lock_guard<std::mutex> g(g_mu);
  for (const auto& s : g_seen)
    if (s.thread == who && s.type == type) return true;
  return false;
}

std::vector<Seen> seen_by(std::thread::id who) {
  std::lock_guard<std::mutex> g(g_mu);
  std::vector<Seen> out;
  for (const auto& s : g_seen)
    if (s.thread == who) out.push_back(s);
  return out;
}

class PtLockWait : public PtTest {
 protected:
  void SetUp() override {
    PtTest::SetUp();
    g_seen.clear();
    events::g_host_lock_sink.store(&sink);
  }
  void TearDown() override {
    events::g_host_lock_sink.store(nullptr);
    PtTest::TearDown();
  }
};

constexpr uint64_t kBase = 3 * kGiB;
constexpr auto kHoldAfterWaiter = std::chrono::milliseconds(20);

// Holder A covers one 4 KiB page (its covering node is that page's level-1 node); B's range spans
// two level-2 entries, so B covers with the level-2 node and meets A's node in step 3.
TEST_F(PtLockWait, WaitInTheSubtreeIsAnnouncedThenMeasured) {
  PageTable pt = PageTable::create_user(kTestOwner, nullptr).value();
  ASSERT_TRUE(map_range(pt, kBase, kFrameSize, 0x5000, 1, rw()).is_ok());
  std::atomic<bool> released{false};
  std::thread::id b_id;
  {
    CursorMut a = CursorMut::create(pt, kBase, kBase + kFrameSize).value();
    std::thread b([&] {
      CursorMut c = CursorMut::create(pt, kBase, kBase + (4ull << 20)).value();
      EXPECT_TRUE(released.load()) << "B got A's node while A held it";
    });
    b_id = b.get_id();
    // Hold until B says it waits (bounded), then a little longer so its wait is measurable.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!seen(b_id, MsgType::kLockWaiting) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    ASSERT_TRUE(seen(b_id, MsgType::kLockWaiting)) << "B never reported waiting";
    std::this_thread::sleep_for(kHoldAfterWaiter);
    released.store(true);
    {
      CursorMut drop = std::move(a);  // A's locks go here, while B spins
    }
    b.join();
  }
  const auto bs = seen_by(b_id);
  ASSERT_FALSE(bs.empty());
  ASSERT_EQ(bs.front().type, MsgType::kCursorBegin);
  const uint64_t b_cursor = bs.front().cursor;
  size_t waiting = bs.size(), acquired = bs.size();
  for (size_t i = 0; i < bs.size(); ++i) {
    if (bs[i].type == MsgType::kLockWaiting && waiting == bs.size()) waiting = i;
    if (waiting != bs.size() && bs[i].type == MsgType::kLockAcquired &&
        bs[i].node == bs[waiting].node && acquired == bs.size())
      acquired = i;
  }
  ASSERT_LT(waiting, bs.size());
  ASSERT_LT(acquired, bs.size()) << "no lock_acquired for the node B waited on";
  EXPECT_EQ(bs[waiting].cursor, b_cursor);
  EXPECT_EQ(bs[acquired].cursor, b_cursor);
  EXPECT_NE(bs[waiting].node, b_cursor) << "B waited on its own covering node";
  // Nothing of B's happened between starting to wait and getting the node.
  EXPECT_EQ(acquired, waiting + 1);
  EXPECT_GE(bs[acquired].wait_ns,
            static_cast<uint64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(kHoldAfterWaiter).count()));
  // Every other lock B took was free: wait 0.
  for (size_t i = 0; i < bs.size(); ++i) {
    if (i != acquired && bs[i].type == MsgType::kLockAcquired) {
      EXPECT_EQ(bs[i].wait_ns, 0u);
    }
  }
}

// B's range lies inside A's covering node, so B meets A's lock on its way down, before it has an
// id on the wire: no lock_waiting, and the wait lands in B's covering lock_acquired.
TEST_F(PtLockWait, WaitOnTheWayDownLandsInTheCoveringLock) {
  PageTable pt = PageTable::create_user(kTestOwner, nullptr).value();
  ASSERT_TRUE(map_range(pt, kBase, 4 * kFrameSize, 0x5000, 1, rw()).is_ok());
  std::atomic<bool> b_started{false};
  std::thread::id b_id;
  {
    CursorMut a = CursorMut::create(pt, kBase, kBase + kFrameSize).value();
    std::thread b([&] {
      b_started.store(true);
      CursorMut c = CursorMut::create(pt, kBase + 2 * kFrameSize, kBase + 3 * kFrameSize).value();
    });
    b_id = b.get_id();
    while (!b_started.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(seen(b_id, MsgType::kCursorBegin)) << "B got past A's covering node";
    { CursorMut drop = std::move(a); }
    b.join();
  }
  const auto bs = seen_by(b_id);
  ASSERT_GE(bs.size(), 2u);
  EXPECT_EQ(bs[0].type, MsgType::kCursorBegin);
  ASSERT_EQ(bs[1].type, MsgType::kLockAcquired);
  EXPECT_EQ(bs[1].node, bs[0].cursor);  // the covering node
  EXPECT_GT(bs[1].wait_ns, 0u);
  for (const auto& s : bs) EXPECT_NE(s.type, MsgType::kLockWaiting);
}

// Without contention no lock reports a wait (and the clock is never read for it).
TEST_F(PtLockWait, UncontendedLocksReportNoWait) {
  PageTable pt = PageTable::create_user(kTestOwner, nullptr).value();
  ASSERT_TRUE(map_range(pt, kBase, 8ull << 20, 0x200000, 2, rw()).is_ok());
  ASSERT_TRUE(map_range(pt, kBase + kGiB, 64 * kFrameSize, 0x5000, 1, rw()).is_ok());
  { CursorMut c = CursorMut::create(pt, kBase, kBase + 2 * kGiB).value(); }
  int acquired = 0;
  for (const auto& s : seen_by(std::this_thread::get_id())) {
    EXPECT_NE(s.type, MsgType::kLockWaiting);
    if (s.type == MsgType::kLockAcquired) {
      ++acquired;
      EXPECT_EQ(s.wait_ns, 0u);
    }
  }
  EXPECT_GE(acquired, 3);
}

}  // namespace
}  // namespace glass::mm::testing
