// Segment: the single owner of a physically contiguous run of 2^order frames (DMA buffers,
// telemetry rings, large block buffers). Move-only; the destructor frees the whole block.
//
// Invariants: a Segment owns exactly the block [pfn_, pfn_ + 2^order_) of kind kind_, or nothing
// (moved from). Borrowed frames (frame(i)) and mapped views live no longer than the Segment.
#pragma once

#include <utility>

#include "mm/phys/frame_ref.h"

namespace glass::mm {

class Segment : public ScopedAccess<Segment> {
 public:
  // At least `frames` contiguous frames (rounded up to a power of two). kInvalidArgument for 0
  // frames, more than a max-order block, or a kind a Segment cannot own; kOutOfMemory when no
  // block is free.
  [[nodiscard]] static Result<Segment> alloc(uint64_t frames, FrameKind kind, OwnerId owner) {
    if (frames == 0 || frames > (uint64_t{1} << kMaxOrder) || !is_runtime_kind(kind) ||
        kind == FrameKind::kSlab || kind == FrameKind::kFolio) {
      return Error::kInvalidArgument;
    }
    const unsigned order = order_for_frames(frames);
    const PhysAddr phys = TRY(alloc_frames(order, kind, owner));
    return Segment(phys_to_pfn(phys), order, kind);
  }

  Segment(Segment&& o) noexcept
      : pfn_(std::exchange(o.pfn_, kNoPfn)), order_(o.order_), kind_(o.kind_) {}
  Segment& operator=(Segment&& o) noexcept {
    if (this != &o) {
      reset();
      pfn_ = std::exchange(o.pfn_, kNoPfn);
      order_ = o.order_;
      kind_ = o.kind_;
    }
    return *this;
  }
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
  ~Segment() { reset(); }

  [[nodiscard]] bool owns() const { return pfn_ != kNoPfn; }
  [[nodiscard]] PhysAddr phys() const { return pfn_to_phys(pfn_); }
  [[nodiscard]] unsigned order() const { return order_; }
  [[nodiscard]] uint64_t frames() const { return uint64_t{1} << order_; }
  [[nodiscard]] uint64_t bytes() const { return frames() << kFrameShift; }
  [[nodiscard]] FrameKind kind() const { return kind_; }

  // Borrow frame i of the segment; kInvalidArgument past the end.
  [[nodiscard]] Result<FrameRef> frame(uint64_t i) const& {
    if (i >= frames()) return Error::kInvalidArgument;
    return FrameRef(static_cast<Pfn>(pfn_ + i));
  }
  Result<FrameRef> frame(uint64_t i) const&& = delete;

 private:
  friend class ScopedAccess<Segment>;
  [[nodiscard]] Pfn access_pfn() const { return pfn_; }
  [[nodiscard]] uint64_t access_bytes() const { return bytes(); }
  Segment(Pfn pfn, unsigned order, FrameKind kind)
      : pfn_(pfn), order_(static_cast<uint8_t>(order)), kind_(kind) {}
  void reset() {
    if (pfn_ != kNoPfn) buddy().free(std::exchange(pfn_, kNoPfn), order_, kind_);
  }

  Pfn pfn_ = kNoPfn;
  uint8_t order_ = 0;
  FrameKind kind_ = FrameKind::kFree;
};

}  // namespace glass::mm
