// Allocation-failure injection: a test mode in which the Nth allocation fails (as SQLite's OOM
// tests and Linux's failslab / fail_page_alloc do), so every error path can be driven on purpose.
//
// Every allocation site calls should_fail(site) first and, when it returns true, returns
// kOutOfMemory exactly as if memory had run out. mm checks in two places that every allocation
// passes through: BuddyAllocator::alloc (frames of every kind: page-table nodes, slab frames,
// large kmalloc blocks, folios, block buffers) and SlabCache::alloc (kmalloc's small objects and
// TypedCache). Code added later (block, processes, syscalls) that allocates through mm is covered
// already; a new allocator of its own calls should_fail with a new Site.
//
// Invariants:
//  - Off (the default) costs one relaxed atomic load and a predicted branch per allocation.
//  - Armed with arm(n), checks are counted from 1; the nth check fails, and with
//    Mode::kPersistent every later one too (Mode::kOnce: only the nth). checks() and failures()
//    tell a driver whether the workload reached the nth allocation at all: a run with
//    checks() < n completed without an injected failure, which ends an N = 1, 2, ... sweep.
//  - A failure may be absorbed only where the allocation was optional (a slab magazine's refill
//    asks for a batch and is satisfied by one object); such code calls absorbed() so a sweep can
//    tell "the error was handled by design" from "the error was lost".
//  - The counters are atomics: correct on several CPUs, though which CPU's allocation is "the
//    nth" then depends on timing. Sweeps run single-threaded workloads.
#pragma once

#include <stdint.h>

#include <atomic>

namespace glass::fail_inject {

// Where an allocation happens; counted separately so a sweep can say which sites it reached.
enum class Site : uint8_t {
  kPageTableNode,  // a page-table frame
  kSlabFrame,      // a frame a slab cache grows by
  kLargeFrames,    // kmalloc beyond the slab classes
  kFolio,          // folio frames (demand-zero pages, page cache)
  kBlockBuffer,    // block-buffer frames
  kTelemetry,      // telemetry ring frames
  kSlabObject,     // an object from a slab cache (kmalloc, TypedCache, operator new)
  kOther,
};
inline constexpr unsigned kSiteCount = 8;
[[nodiscard]] const char* site_name(Site s);

enum class Mode : uint8_t { kOnce, kPersistent };

namespace detail {
extern std::atomic<bool> g_armed;
[[nodiscard]] bool count_and_decide(Site site);
}  // namespace detail

// True if the caller must fail this allocation (with kOutOfMemory).
[[nodiscard]] inline bool should_fail(Site site) {
  if (!detail::g_armed.load(std::memory_order_relaxed)) [[likely]]
    return false;
  return detail::count_and_decide(site);
}

// Counts from zero again; the nth check from now fails (n >= 1; n == 0 disarms).
void arm(uint64_t nth, Mode mode = Mode::kOnce);
// Stops failing and counting; the counters keep their values for the driver to read.
void disarm();
[[nodiscard]] bool armed();
// Checks made since arm() (while armed).
[[nodiscard]] uint64_t checks();
// Allocations failed on purpose since arm().
[[nodiscard]] uint64_t failures();
// An injected (or real) failure was handled without failing the caller, by design (see the
// invariants); absorbed_failures() counts them since arm().
void absorbed();
[[nodiscard]] uint64_t absorbed_failures();
// Where the first injected failure happened (kOther before any).
[[nodiscard]] Site failed_site();
// Checks per site since arm().
[[nodiscard]] uint64_t checks_at(Site site);

// Disarms on scope exit: a sweep that returns early never leaves the next test armed.
class ArmedScope {
 public:
  ArmedScope(uint64_t nth, Mode mode = Mode::kOnce) { arm(nth, mode); }
  ~ArmedScope() { disarm(); }
  ArmedScope(const ArmedScope&) = delete;
  ArmedScope& operator=(const ArmedScope&) = delete;
};

}  // namespace glass::fail_inject
