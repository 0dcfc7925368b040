// mm: the physical memory manager's front door. Boot calls init() once with the memory map; after
// that frames are allocated through the typed handles (unique_frame.h, folio.h, segment.h), small
// objects through kmalloc.h / typed_cache.h, and the boot summary reads stats().
//
// Invariants: init() runs once, single-threaded, before any other mm call (on the host,
// host_reset() returns mm to the uninitialised state between tests). Frames below 1 MiB, the
// kernel image, boot modules, the boot information and the frame table itself are never on a free
// list. All functions here are SMP-safe; audit() expects a quiescent system.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "mm/audit_report.h"
#include "mm/boot_memory.h"
#include "mm/buddy.h"
#include "mm/frame_table.h"

namespace glass::mm {

inline constexpr unsigned kMaxOrder = BuddyAllocator::kMaxOrder;
inline constexpr PhysAddr kLowMemoryEnd = 0x100000;  // below this nothing is handed out

// Builds the frame table and the buddy allocator from the boot memory map.
// kMalformed: a range wraps around; kOutOfMemory: no room for the frame table;
// kAlreadyExists: called twice.
[[nodiscard]] Result<void> init(const BootMemory& boot);
[[nodiscard]] bool initialised();

struct Stats {
  uint64_t table_frames;                  // frames described (0 .. highest usable frame)
  uint64_t usable_frames;                 // whole frames inside the available ranges (as reported)
  uint64_t boot_taken_frames;             // usable frames taken at boot (low memory, images, table)
  uint64_t free_frames;                   // on the buddy free lists now
  uint64_t kind_frames[kFrameKindCount];  // per-kind census of the whole table
};
[[nodiscard]] Stats stats();
[[nodiscard]] uint64_t free_frames();

// Raw block allocation for the handles; most code wants UniqueFrame/Segment/Folio instead.
// `kind` must be a runtime kind (is_runtime_kind), else kInvalidArgument.
[[nodiscard]] Result<PhysAddr> alloc_frames(unsigned order, FrameKind kind, OwnerId owner);
// kInvalidArgument for a misaligned or out-of-range address; a kind/order mismatch or a double
// free panics naming the frame.
[[nodiscard]] Result<void> free_frames(PhysAddr phys, unsigned order, FrameKind kind);

// Full consistency check: free lists vs descriptors, kind counters vs a census, slab caches.
[[nodiscard]] AuditReport audit();

namespace detail {
// Defined in mm.cpp; reached through the accessors below, which inline on hot paths.
extern FrameTable g_table;
extern BuddyAllocator g_buddy;
}  // namespace detail

// The descriptor table, read-only: for the inspector, audits and queries.
[[nodiscard]] inline const FrameTable& frame_table() {
  return detail::g_table;
}
// The same table for mm's own writers (allocators, handles, page-table nodes): whoever owns a
// frame by its kind (mm/frame_desc.h) may change its descriptor.
[[nodiscard]] inline FrameTable& frame_table_mut() {
  return detail::g_table;
}
[[nodiscard]] inline BuddyAllocator& buddy() {
  return detail::g_buddy;
}

// Smallest order whose block holds `frames` frames (frames >= 1).
[[nodiscard]] constexpr unsigned order_for_frames(uint64_t frames) {
  unsigned order = 0;
  while ((uint64_t{1} << order) < frames) ++order;
  return order;
}

#if GLASS_HOST
// Host tests only: forget all mm state (the arena is about to go away).
void host_reset();
#endif

}  // namespace glass::mm
