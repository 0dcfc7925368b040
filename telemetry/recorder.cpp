// The listener's state behind mm_events.h (see recorder.h for the invariants).
#include "telemetry/recorder.h"

#include "kernel/lib/platform.h"
#include "kernel/lib/spinlock.h"
#include "mm/phys/mm_events.h"

namespace glass::telemetry {
namespace {
recorder::Space g_spaces[recorder::kMaxSpaces];
uint64_t g_registry_overflows = 0;
SpinLock g_registry_lock;

#if GLASS_HOST
uint64_t tsc() {
  return __builtin_ia32_rdtsc();
}
#endif
}  // namespace

namespace mm_events::detail {
EventRing* g_rings = nullptr;
bool g_per_cpu = false;
#if GLASS_HOST
uint64_t (*g_clock)() = tsc;
#else
uint64_t g_record_ticks = 0;
#endif

void record(MsgType type, const void* message, uint32_t size) {
  EventRing* rings = g_rings;
  if (rings == nullptr) return;
#if GLASS_HOST
  rings[cpu()].push(type, message, size);
#else
  const uint64_t t0 = __builtin_ia32_rdtsc();
  rings[cpu()].push(type, message, size);
  g_record_ticks += __builtin_ia32_rdtsc() - t0;
#endif
}

void cr3_switch(uint64_t root_pfn) {
  uint32_t asid = 0;
  if (!recorder::asid_of_root(root_pfn, asid)) return;  // a table never registered (boot's own)
  report(msg::Cr3Switch{static_cast<uint8_t>(cpu()), asid, ticks()});
}

void registry_add(uint32_t asid, uint64_t root_pfn, bool kernel_half) {
  SpinGuard guard(g_registry_lock);
  for (auto& s : g_spaces) {
    if (!s.live) {
      s = recorder::Space{asid, root_pfn, kernel_half, true};
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

namespace recorder {

void start(EventRing* rings, bool per_cpu) {
  mm_events::detail::g_per_cpu = per_cpu;
  mm_events::detail::g_rings = rings;
}

void stop() {
  mm_events::detail::g_rings = nullptr;
}

bool recording() {
  return mm_events::detail::g_rings != nullptr;
}

const Space* spaces() {
  return g_spaces;
}

uint64_t registry_overflows() {
  return g_registry_overflows;
}

bool asid_of_root(uint64_t root_pfn, uint32_t& asid) {
  SpinGuard guard(g_registry_lock);
  for (const auto& s : g_spaces) {
    if (s.live && s.root == root_pfn) {
      asid = s.asid;
      return true;
    }
  }
  return false;
}

#if GLASS_HOST
void set_clock(uint64_t (*clock)()) {
  mm_events::detail::g_clock = clock ? clock : tsc;
}

void host_reset() {
  SpinGuard guard(g_registry_lock);
  for (auto& s : g_spaces) s = Space{};
  g_registry_overflows = 0;
}
#else
uint64_t record_ticks() {
  return mm_events::detail::g_record_ticks;
}
#endif

}  // namespace recorder
}  // namespace glass::telemetry
