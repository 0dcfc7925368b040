// The frame table, the buddy allocator and raw block allocation; see frames.h.
#include "mm/phys/frames.h"

namespace glass::mm {
namespace detail {
constinit FrameTable g_table;
constinit BuddyAllocator g_buddy;
}  // namespace detail

using detail::g_buddy;
using detail::g_table;

uint64_t free_frames() {
  return g_buddy.free_frames();
}

Result<PhysAddr> alloc_frames(unsigned order, FrameKind kind, OwnerId owner) {
  if (!is_runtime_kind(kind)) return Error::kInvalidArgument;
  const Pfn pfn = TRY(g_buddy.alloc(order, kind, owner));
  return pfn_to_phys(pfn);
}

Result<void> free_frames(PhysAddr phys, unsigned order, FrameKind kind) {
  const Pfn pfn = TRY(g_table.pfn_of(phys));
  if (order > kMaxOrder || (pfn & ((Pfn{1} << order) - 1)) != 0 ||
      uint64_t{pfn} + (uint64_t{1} << order) > g_table.size()) {
    return Error::kInvalidArgument;
  }
  g_buddy.free(pfn, order, kind);
  return {};
}

}  // namespace glass::mm
