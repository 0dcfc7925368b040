// The bottom of mm: the frame table and the buddy allocator every handle is built on, and raw
// block allocation. Everything in mm/phys and mm/virt reaches frames through here; mm/mm.h (the
// top: init, stats, audit) builds these two objects once at boot.
//
// Invariants: g_table and g_buddy are written only by mm::init (single-threaded, before any other
// mm call) and afterwards only through the buddy's lock and the descriptors' atomic kinds. The
// accessors inline so hot paths pay nothing for the indirection.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "mm/phys/buddy.h"
#include "mm/phys/frame_table.h"

namespace glass::mm {

inline constexpr unsigned kMaxOrder = BuddyAllocator::kMaxOrder;
inline constexpr PhysAddr kLowMemoryEnd = 0x100000;  // below this nothing is handed out

[[nodiscard]] uint64_t free_frames();

// Raw block allocation for the handles; most code wants UniqueFrame/Segment/Folio instead.
// `kind` must be a runtime kind (is_runtime_kind), else kInvalidArgument.
[[nodiscard]] Result<PhysAddr> alloc_frames(unsigned order, FrameKind kind, OwnerId owner);
// kInvalidArgument for a misaligned or out-of-range address; a kind/order mismatch or a double
// free panics naming the frame.
[[nodiscard]] Result<void> free_frames(PhysAddr phys, unsigned order, FrameKind kind);

namespace detail {
// Defined in frames.cpp; reached through the accessors below, which inline on hot paths.
extern FrameTable g_table;
extern BuddyAllocator g_buddy;
}  // namespace detail

// The descriptor table, read-only: for the inspector, audits and queries.
[[nodiscard]] inline const FrameTable& frame_table() {
  return detail::g_table;
}
// The same table for mm's own writers (allocators, handles, page-table nodes): whoever owns a
// frame by its kind (mm/phys/frame_desc.h) may change its descriptor.
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

}  // namespace glass::mm
