// FrameDesc: the fixed-size record mm keeps for every physical frame, indexed by frame number.
//
// Invariants:
//  - Plain data (trivially copyable, 32 bytes, pinned below) so the table is one flat array placed
//    in physical memory at boot and can be snapshotted by the inspector byte for byte.
//  - `kind` is only ever read and written through the atomic helpers below; a kind change is a
//    compare-exchange from the kind the caller believes the frame has, so a second owner or a
//    double free is caught at the transition, not later.
//  - `free_order` is k exactly while the frame heads a block on buddy free list k, and kNoOrder
//    otherwise; it is written only under the buddy lock, so a lock holder can trust it without
//    racing a frame that another CPU is moving in or out of a per-CPU cache.
//  - `alloc_order` belongs to the owner: the order of the allocated block on its head frame,
//    kTailOrder on the block's other frames (which record their head in u.tail.head).
//  - The union member in use is selected by `kind`: free -> u.free (links, guarded by the buddy
//    lock), slab -> u.slab (guarded by the owning cache's lock), folio -> u.folio (atomic
//    refcount), page-table -> u.pt (see mm/virt/pt_node.h), tails -> u.tail. Whoever owns the frame
//    (per kind/owner) owns the union.
#pragma once

#include <stdint.h>

#include <atomic>
#include <type_traits>

#include "mm/phys/frame_kind.h"
#include "mm/phys/owner.h"
#include "mm/phys/platform.h"

namespace glass::mm {

class SlabCache;

inline constexpr uint8_t kTailOrder = 0xFF;  // alloc_order of a block's non-head frames
inline constexpr uint8_t kNoOrder = 0xFF;    // free_order of a frame heading no free-list block
inline constexpr Pfn kNoPfn = 0xFFFFFFFFu;

struct FrameDesc {
  uint8_t kind;         // FrameKind, atomic access only
  uint8_t free_order;   // buddy free-list order, or kNoOrder (buddy lock)
  uint8_t alloc_order;  // allocated block order on heads, kTailOrder on tails (owner)
  uint8_t flags;        // kFlag* bits, atomic access only
  OwnerId owner;
  union {
    struct {
      Pfn next;  // buddy free list of this block's order
      Pfn prev;
    } free;
    struct {
      Pfn head;
    } tail;
    struct {
      SlabCache* cache;
      uint16_t free_index;  // first free object, kSlabNoObject when full
      uint16_t in_use;
      uint16_t capacity;
      uint16_t list;  // which of the cache's lists the slab is on
      Pfn next;       // cache list links
      Pfn prev;
    } slab;
    struct {
      uint32_t refcount;  // atomic access only
      uint32_t reserved;
    } folio;
    struct {
      uint32_t lock;         // node lock: 0 free, 1 held (atomic; only cursors take it)
      uint16_t nr_children;  // present entries (written by the lock holder)
      uint8_t level;         // 1 (4 KiB leaves) .. 4 (root)
      uint8_t reserved;
      Pfn next_stray;  // chain of detached sub-trees waiting for a TLB flush
    } pt;
    uint64_t raw[3];
  } u;
};

static_assert(sizeof(FrameDesc) == 32, "frame descriptors are pinned at 32 bytes");
static_assert(std::is_trivially_copyable_v<FrameDesc>);
static_assert(std::is_standard_layout_v<FrameDesc>);

// Flag bits.
inline constexpr uint8_t kFlagDetached = 1u << 0;  // ownership parked in a raw PhysAddr
// A page-table node taken out of its tree (the page table's "detached" mark, distinct from the
// ownership parking above): a cursor that locks it must start again from the root.
inline constexpr uint8_t kFlagNodeDetached = 1u << 1;

[[nodiscard]] inline FrameKind load_kind(const FrameDesc& d) {
  return static_cast<FrameKind>(
      std::atomic_ref<uint8_t>(const_cast<uint8_t&>(d.kind)).load(std::memory_order_acquire));
}

inline void store_kind(FrameDesc& d, FrameKind k) {
  std::atomic_ref<uint8_t>(d.kind).store(static_cast<uint8_t>(k), std::memory_order_release);
}

// On failure `expected` receives the kind actually found.
[[nodiscard]] inline bool cas_kind(FrameDesc& d, FrameKind& expected, FrameKind desired) {
  auto e = static_cast<uint8_t>(expected);
  bool ok = std::atomic_ref<uint8_t>(d.kind).compare_exchange_strong(
      e, static_cast<uint8_t>(desired), std::memory_order_acq_rel, std::memory_order_acquire);
  expected = static_cast<FrameKind>(e);
  return ok;
}

[[nodiscard]] inline OwnerId load_owner(const FrameDesc& d) {
  return std::atomic_ref<uint32_t>(const_cast<uint32_t&>(d.owner)).load(std::memory_order_relaxed);
}

inline void store_owner(FrameDesc& d, OwnerId o) {
  std::atomic_ref<uint32_t>(d.owner).store(o, std::memory_order_relaxed);
}

[[nodiscard]] inline std::atomic_ref<uint8_t> flags_ref(FrameDesc& d) {
  return std::atomic_ref<uint8_t>(d.flags);
}

[[nodiscard]] inline uint32_t load_refcount(const FrameDesc& d) {
  return std::atomic_ref<uint32_t>(const_cast<uint32_t&>(d.u.folio.refcount))
      .load(std::memory_order_relaxed);
}

[[nodiscard]] inline std::atomic_ref<uint32_t> refcount_ref(FrameDesc& d) {
  return std::atomic_ref<uint32_t>(d.u.folio.refcount);
}

}  // namespace glass::mm
