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
telemetry::EventRing g_rings[platform::kMaxCpus];
std::vector<Seen> g_seen[platform::kMaxCpus];  // what the test thread popped, per CPU
constexpr unsigned kNobody = ~0u;

// The test thread is the rings' one consumer: it pops what `cpu` recorded so far.
const std::vector<Seen>& pull(unsigned cpu) {
  static const std::vector<Seen> none;
  if (cpu >= platform::kMaxCpus) return none;
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
    g_storage.assign(size_t{kRecords} * platform::kMaxCpus, telemetry::Record{});
    for (unsigned c = 0; c < platform::kMaxCpus; ++c) {
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
