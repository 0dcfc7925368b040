// Lock contention as telemetry reports it: a cursor that finds a node of its range locked by
// another cursor says so (lock_waiting, before it spins) and then reports how long it waited in
// that node's lock_acquired; a cursor that waits on its way down to its covering node reports
// the wait in the covering lock's lock_acquired. Two real threads, under ThreadSanitizer; the
// events are read from the per-CPU rings the real hooks record into (telemetry/recorder.h), the
// same records the kernel drains.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "kernel/lib/platform.h"
#include "mm/phys/mm_events.h"
#include "telemetry/recorder.h"
#include "tests/host/pt/pt_fixture.h"

namespace glass::mm::testing {
namespace {

using telemetry::MsgType;

struct Seen {
  MsgType type;
  uint64_t cursor, node, wait_ns;
};

constexpr uint32_t kRecords = 1024;
std::vector<telemetry::Record> g_storage;
telemetry::EventRing g_rings[glass::platform::kMaxCpus];
std::vector<Seen> g_seen[glass::platform::kMaxCpus];  // what the test thread popped, per CPU
constexpr unsigned kNobody = ~0u;

// The test thread is the rings' one consumer: it pops what `cpu` recorded so far.
const std::vector<Seen>& pull(unsigned cpu) {
  static const std::vector<Seen> none;
  if (cpu >= glass::platform::kMaxCpus) return none;
  telemetry::Record r{};
  while (g_rings[cpu].pop(r)) {
    Seen s{r.type, 0, 0, 0};
    switch (r.type) {
      case MsgType::kCursorBegin:
        s = {r.type, r.cursor_begin.cursor, r.cursor_begin.covering, 0};
        break;
      case MsgType::kCursorEnd:
        s = {r.type, r.cursor_end.cursor, 0, 0};
        break;
      case MsgType::kLockWaiting:
        s = {r.type, r.lock_waiting.cursor, r.lock_waiting.node, 0};
        break;
      case MsgType::kLockAcquired:
        s = {r.type, r.lock_acquired.cursor, r.lock_acquired.node, r.lock_acquired.wait_ns};
        break;
      case MsgType::kLockReleased:
        s = {r.type, r.lock_released.cursor, r.lock_released.node, 0};
        break;
      default:
        continue;  // frames, nodes, entries: not this test's subject
    }
    g_seen[cpu].push_back(s);
  }
  return g_seen[cpu];
}

bool seen(unsigned cpu, MsgType type) {
  for (const auto& s : pull(cpu))
    if (s.type == type) return true;
  return false;
}

std::vector<Seen> seen_by(unsigned cpu) {
  return pull(cpu);
}

class PtLockWait : public PtTest {
 protected:
  void SetUp() override {
    PtTest::SetUp();
    g_storage.assign(size_t{kRecords} * glass::platform::kMaxCpus, telemetry::Record{});
    for (unsigned c = 0; c < glass::platform::kMaxCpus; ++c) {
      g_rings[c].attach(g_storage.data() + size_t{c} * kRecords, kRecords);
      g_seen[c].clear();
    }
    telemetry::recorder::start(g_rings, true);
  }
  void TearDown() override {
    telemetry::recorder::stop();
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
  std::atomic<unsigned> b_cpu{kNobody};
  {
    CursorMut a = CursorMut::create(pt, kBase, kBase + kFrameSize).value();
    std::thread b([&] {
      b_cpu.store(glass::platform::current_cpu());
      CursorMut c = CursorMut::create(pt, kBase, kBase + (4ull << 20)).value();
      EXPECT_TRUE(released.load()) << "B got A's node while A held it";
    });
    // Hold until B says it waits (bounded), then a little longer so its wait is measurable.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!seen(b_cpu.load(), MsgType::kLockWaiting) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    ASSERT_TRUE(seen(b_cpu.load(), MsgType::kLockWaiting)) << "B never reported waiting";
    std::this_thread::sleep_for(kHoldAfterWaiter);
    released.store(true);
    {
      CursorMut drop = std::move(a);  // A's locks go here, while B spins
    }
    b.join();
  }
  const auto bs = seen_by(b_cpu.load());
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
  std::atomic<unsigned> b_cpu{kNobody};
  {
    CursorMut a = CursorMut::create(pt, kBase, kBase + kFrameSize).value();
    std::thread b([&] {
      b_cpu.store(glass::platform::current_cpu());
      b_started.store(true);
      CursorMut c = CursorMut::create(pt, kBase + 2 * kFrameSize, kBase + 3 * kFrameSize).value();
    });
    while (!b_started.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(seen(b_cpu.load(), MsgType::kCursorBegin)) << "B got past A's covering node";
    { CursorMut drop = std::move(a); }
    b.join();
  }
  const auto bs = seen_by(b_cpu.load());
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
  for (const auto& s : seen_by(glass::platform::current_cpu())) {
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
