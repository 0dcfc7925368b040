// Host-only: the simulated physical RAM behind mm's platform seam in tests and benchmarks.
//
// Invariants: at most one arena exists at a time; simulated physical address p lives at
// arena_base + p, so "physical" 0 .. size-1 are all addressable (holes are a matter of the memory
// map the test hands to mm::init, not of the arena). The arena is reserved lazily (MAP_NORESERVE),
// so a 4 GiB arena only costs the pages mm actually touches.
#pragma once

#include <stdint.h>

namespace glass::mm::host {

// Creates the arena ("physical memory" of `bytes` bytes). Aborts if one already exists.
void arena_create(uint64_t bytes);
// Unmaps the arena. mm must be reset first (mm::host_reset()).
void arena_destroy();
[[nodiscard]] uint64_t arena_size();

// What the mm platform seam's TLB/CR3 calls did so far (the host has no MMU; they only count).
struct TlbCounters {
  uint64_t page_flushes;
  uint64_t full_flushes;
  uint64_t root_loads;
};
[[nodiscard]] TlbCounters tlb_counters();

}  // namespace glass::mm::host
