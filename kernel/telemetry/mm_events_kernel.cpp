// The kernel side of mm_events.h: each hook copies its fields into a Record and pushes it on this
// CPU's ring with interrupts off (the page-fault path may report from an exception). No bytes are
// formatted here; channel_kernel.cpp does that when it drains.
//
// Invariants: a hook never blocks and never fails (ring.h counts what does not fit); the
// address-space registry changes only at page-table creation and destruction, which mm does in
// thread context, under this file's spinlock guard; time stamps are raw TSC values, converted to
// nanoseconds by the drain.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/lib/platform.h"
#include "kernel/lib/spinlock.h"
#include "kernel/telemetry/telemetry.h"
#include "mm/phys/frame_kind.h"
#include "mm/phys/mm_events.h"

namespace glass::telemetry {

static_assert(static_cast<uint8_t>(mm::FrameKind::kPageTable) == 7,
              "mm_events.h names the page-table kind by value");

namespace mm_events::detail {
bool g_on = false;
}  // namespace mm_events::detail

namespace {

EventRing g_rings[platform::kMaxCpus];
internal::Space g_spaces[internal::kMaxSpaces];
uint64_t g_registry_overflows = 0;
SpinLock g_registry_lock;

// TSC ticks spent inside the hooks below (the benchmark's "recording" figure: the whole hook,
// run detection included; two rdtsc per hook call). Hooks never nest.
uint64_t g_record_tsc = 0;

class HookTimer {
 public:
  HookTimer() : t0_(cpu::rdtsc()) {}
  ~HookTimer() { g_record_tsc += cpu::rdtsc() - t0_; }
  HookTimer(const HookTimer&) = delete;
  HookTimer& operator=(const HookTimer&) = delete;

 private:
  uint64_t t0_;
};

void record(const Record& r) {
  const uintptr_t irq = platform::irq_save();
  g_rings[platform::current_cpu()].push(r);
  platform::irq_restore(irq);
}

uint8_t cpu_id() {
  return static_cast<uint8_t>(platform::current_cpu());
}

// The three lock messages share one layout: cursor, node, wait (acquired only), time stamp.
void lock_event(MsgType type, uint64_t cursor, uint64_t node_pfn, uint64_t wait_ns) {
  const HookTimer timer;
  Record r{type};
  r.x[0] = cursor;
  r.x[1] = node_pfn;
  r.x[2] = wait_ns;
  r.x[4] = cpu::rdtsc();
  record(r);
}

}  // namespace

namespace internal {
uint64_t record_tsc() {
  return g_record_tsc;
}
const Space* spaces() {
  return g_spaces;
}
uint64_t registry_overflows() {
  return g_registry_overflows;
}
void set_recording(bool on) {
  mm_events::detail::g_on = on;
}
EventRing& ring(unsigned cpu) {
  return g_rings[cpu < platform::kMaxCpus ? cpu : 0];
}
unsigned ring_count() {
  return platform::kMaxCpus;
}
}  // namespace internal

namespace mm_events::detail {

void frame_run(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner) {
  const HookTimer timer;
  Record r{MsgType::kFrameRun};
  r.b = kind;
  r.a = owner;
  r.x[0] = first;
  r.x[1] = count;
  record(r);
}

void node_freed(uint32_t asid, uint64_t pfn) {
  const HookTimer timer;
  Record r{MsgType::kNodeFreed};
  r.a = asid;
  r.x[0] = pfn;
  record(r);
}

void as_created(uint32_t asid, uint64_t root_pfn) {
  const HookTimer timer;
  Record r{MsgType::kAsCreated};
  r.a = asid;
  r.x[0] = root_pfn;
  record(r);
}

void as_destroyed(uint32_t asid) {
  const HookTimer timer;
  Record r{MsgType::kAsDestroyed};
  r.a = asid;
  record(r);
}

void cr3_switch(uint64_t root_pfn) {
  const HookTimer timer;
  uint32_t asid = 0;
  bool found = false;
  {
    SpinGuard guard(g_registry_lock);
    for (const auto& s : g_spaces) {
      if (s.live && s.root == root_pfn) {
        asid = s.asid;
        found = true;
        break;
      }
    }
  }
  if (!found) return;  // a table telemetry never heard of (boot's own): nothing to show
  Record r{MsgType::kCr3Switch};
  r.b = cpu_id();
  r.a = asid;
  r.x[4] = cpu::rdtsc();
  record(r);
}

void node_created(uint32_t asid, uint8_t level, uint64_t pfn, uint64_t parent, uint32_t index) {
  const HookTimer timer;
  Record r{MsgType::kNodeCreated};
  r.a = asid;
  r.b = level;
  r.h = static_cast<uint16_t>(index);
  r.x[0] = pfn;
  r.x[1] = parent;
  record(r);
}

// One record per arithmetic run (identical entries, or consecutive frames with equal flags):
// mapping or clearing a whole node is one record, random values cost one per pair.
void entries(uint64_t node_pfn, uint32_t first, const uint64_t* values, uint32_t count) {
  const HookTimer timer;
  uint32_t i = 0;
  while (i < count) {
    uint32_t j = i + 1;
    uint64_t stride = 0;
    if (j < count) {
      stride = values[j] - values[i];
      ++j;
      while (j < count && values[j] - values[j - 1] == stride) ++j;
    }
    Record r{MsgType::kEntries};
    r.h = static_cast<uint16_t>(first + i);
    r.x[0] = node_pfn;
    r.x[1] = j - i;
    r.x[2] = values[i];
    r.x[3] = stride;
    record(r);
    i = j;
  }
}

void cursor_begin(uint64_t id, uint32_t asid, uint64_t va_start, uint64_t va_end) {
  const HookTimer timer;
  Record r{MsgType::kCursorBegin};
  r.b = cpu_id();
  r.a = asid;
  r.x[0] = id;
  r.x[1] = va_start;
  r.x[2] = va_end;
  r.x[4] = cpu::rdtsc();
  record(r);
}

void cursor_end(uint64_t id) {
  const HookTimer timer;
  Record r{MsgType::kCursorEnd};
  r.x[0] = id;
  r.x[4] = cpu::rdtsc();
  record(r);
}

void folio_ref(uint64_t first, uint64_t count, uint32_t refcount) {
  const HookTimer timer;
  Record r{MsgType::kFolioRef};
  r.a = refcount;
  r.x[0] = first;
  r.x[1] = count;
  record(r);
}

void lock_waiting(uint64_t cursor, uint64_t node_pfn) {
  lock_event(MsgType::kLockWaiting, cursor, node_pfn, 0);
}

void lock_acquired(uint64_t cursor, uint64_t node_pfn, uint64_t wait_ns) {
  lock_event(MsgType::kLockAcquired, cursor, node_pfn, wait_ns);
}

void lock_released(uint64_t cursor, uint64_t node_pfn) {
  lock_event(MsgType::kLockReleased, cursor, node_pfn, 0);
}

void registry_add(uint32_t asid, uint64_t root_pfn, bool kernel_half) {
  SpinGuard guard(g_registry_lock);
  for (auto& s : g_spaces) {
    if (!s.live) {
      s = internal::Space{asid, root_pfn, kernel_half, true};
      return;
    }
  }
  ++g_registry_overflows;  // snapshots will miss it: their digest says so
}

void registry_remove(uint64_t root_pfn) {
  SpinGuard guard(g_registry_lock);
  for (auto& s : g_spaces) {
    if (s.live && s.root == root_pfn) {
      s.live = false;
      return;
    }
  }
}

}  // namespace mm_events::detail
}  // namespace glass::telemetry
