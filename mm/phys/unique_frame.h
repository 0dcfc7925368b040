// UniqueFrame<Kind>: the single owner of one frame of a given kind. Move-only; its destructor
// gives the frame back to the buddy allocator. The kind is part of the type, so a page-table
// frame cannot be freed as a block buffer: the free names the kind the type says, and the
// descriptor's compare-exchange catches any disagreement.
//
// Invariants: a UniqueFrame either owns exactly one frame of kind K (pfn_ != kNoPfn) or is empty
// (moved from). into_phys() parks ownership in a raw physical address (e.g. a parent page-table
// entry) and marks the descriptor detached; from_phys() takes it back exactly once — a second
// from_phys on the same frame is a second owner and panics.
#pragma once

#include <utility>

#include "kernel/lib/panic.h"
#include "mm/phys/frame_ref.h"

namespace glass::mm {

template <FrameKind K>
class UniqueFrame : public ScopedAccess<UniqueFrame<K>> {
  static_assert(is_runtime_kind(K) && K != FrameKind::kSlab && K != FrameKind::kFolio,
                "slab frames belong to caches and folios are refcounted: use those types");

 public:
  [[nodiscard]] static Result<UniqueFrame> alloc(OwnerId owner) {
    const PhysAddr phys = TRY(alloc_frames(0, K, owner));
    return UniqueFrame(phys_to_pfn(phys));
  }

  // Takes back ownership parked by into_phys(). kInvalidArgument for a misaligned or out-of-range
  // address; panics if the frame is not K or is not parked (someone else owns it).
  [[nodiscard]] static Result<UniqueFrame> from_phys(PhysAddr phys) {
    FrameTable& t = frame_table_mut();
    const Pfn pfn = TRY(t.pfn_of(phys));
    FrameDesc& d = t[pfn];
    if (load_kind(d) != K) t.ownership_panic(pfn, K, "adopted from a raw address");
    const uint8_t old =
        flags_ref(d).fetch_and(static_cast<uint8_t>(~kFlagDetached), std::memory_order_acq_rel);
    if ((old & kFlagDetached) == 0) {
      panic(
          "mm: second owner for frame %u (phys %#llx): adopted as %s, but it is %s owned by %u "
          "and not parked",
          pfn, static_cast<unsigned long long>(phys), kind_name(K), kind_name(load_kind(d)),
          load_owner(d));
    }
    return UniqueFrame(pfn);
  }

  UniqueFrame() = default;  // empty: owns nothing until a frame is moved in
  UniqueFrame(UniqueFrame&& o) noexcept : pfn_(std::exchange(o.pfn_, kNoPfn)) {}
  UniqueFrame& operator=(UniqueFrame&& o) noexcept {
    if (this != &o) {
      reset();
      pfn_ = std::exchange(o.pfn_, kNoPfn);
    }
    return *this;
  }
  UniqueFrame(const UniqueFrame&) = delete;
  UniqueFrame& operator=(const UniqueFrame&) = delete;
  ~UniqueFrame() { reset(); }

  [[nodiscard]] bool owns() const { return pfn_ != kNoPfn; }
  [[nodiscard]] PhysAddr phys() const { return pfn_to_phys(pfn_); }
  [[nodiscard]] Pfn pfn() const { return pfn_; }
  // A borrow tied to this owner; not from a temporary, whose frame would be freed at once.
  [[nodiscard]] FrameRef ref() const& { return FrameRef(pfn_); }
  FrameRef ref() const&& = delete;

  // Gives up the handle but not the frame: ownership now lives in the returned address until
  // from_phys() takes it back.
  [[nodiscard]] PhysAddr into_phys() && {
    flags_ref(frame_table_mut()[pfn_]).fetch_or(kFlagDetached, std::memory_order_acq_rel);
    return pfn_to_phys(std::exchange(pfn_, kNoPfn));
  }

 private:
  friend class ScopedAccess<UniqueFrame<K>>;
  [[nodiscard]] Pfn access_pfn() const { return pfn_; }
  [[nodiscard]] uint64_t access_bytes() const { return kFrameSize; }
  explicit UniqueFrame(Pfn pfn) : pfn_(pfn) {}
  void reset() {
    if (pfn_ != kNoPfn) buddy().free(std::exchange(pfn_, kNoPfn), 0, K);
  }

  Pfn pfn_ = kNoPfn;
};

using PageTableFrame = UniqueFrame<FrameKind::kPageTable>;
using BlockBufferFrame = UniqueFrame<FrameKind::kBlockBuffer>;
using TelemetryFrame = UniqueFrame<FrameKind::kTelemetry>;
using DeviceQueueFrame = UniqueFrame<FrameKind::kDeviceQueue>;

}  // namespace glass::mm
