// The listening side of mm's hooks (mm/phys/mm_events.h), portable: which rings mm records into,
// the address-space registry a snapshot walks, and the host's clock. The kernel's channel
// (kernel/telemetry) and the host's recorder (inspector/trace/host_kernel.h) both use it.
//
// Invariants:
//  - start()/stop() run only while no mm operation is in flight (the kernel: at a quiescent
//    point in poll(); the host: between operations), so a hook sees the rings set or not, never
//    half.
//  - The registry holds every live page table (recording or not), at most kMaxSpaces; one that
//    does not fit is counted (registry_overflows) and its snapshot's digest says so.
//  - The registry changes only at page-table creation and destruction, under its spinlock guard.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/event_ring.h"

namespace glass::telemetry::recorder {

// mm's hooks record into rings[0..cpus) from now on (rings[platform::current_cpu()] when
// per_cpu, else rings[0]).
void start(EventRing* rings, bool per_cpu);
void stop();
[[nodiscard]] bool recording();

struct Space {
  uint32_t asid = 0;
  uint64_t root = 0;
  bool kernel_half = false;
  bool live = false;
};
inline constexpr size_t kMaxSpaces = 128;
// kMaxSpaces slots, live ones in any order. Read at quiescent points only.
[[nodiscard]] const Space* spaces();
[[nodiscard]] uint64_t registry_overflows();
// The registered address space rooted at root_pfn (false: none).
[[nodiscard]] bool asid_of_root(uint64_t root_pfn, uint32_t& asid);

#if GLASS_HOST
// The hooks' time stamps come from `clock` (nullptr: the TSC again).
void set_clock(uint64_t (*clock)());
// Forgets every registered space (mm was reset under it: host tests boot mm many times).
void host_reset();
#else
// TSC ticks spent inside the hooks since boot.
[[nodiscard]] uint64_t record_ticks();
#endif

}  // namespace glass::telemetry::recorder
