// BlockBuffer: the single owner of a physically contiguous run of 2^order frames of the
// block-buffer kind, the memory block requests read into and write from (and the ramdisk's
// storage). Move-only; the destructor frees the run. The kind is fixed by the type, so the frame
// map shows every byte a request holds as block-buffer, and a request cannot be handed frames of
// another kind.
//
// Invariants: a BlockBuffer owns exactly the run [pfn_, pfn_ + 2^order_) of kind kBlockBuffer,
// or nothing (default-constructed or moved from). Pointers from with_mapped/with_pointer_into
// live no longer than the callback, and the buffer outlives them.
#pragma once

#include <stdint.h>

#include <utility>

#include "kernel/lib/result.h"
#include "mm/phys/frame_ref.h"
#include "mm/phys/frames.h"

namespace glass::block {

class BlockBuffer : public mm::ScopedAccess<BlockBuffer> {
 public:
  // At least `frames` contiguous frames (rounded up to a power of two). kInvalidArgument for 0
  // or more than a max-order block; kOutOfMemory when no run is free (or one is injected).
  [[nodiscard]] static Result<BlockBuffer> alloc(uint64_t frames, mm::OwnerId owner) {
    if (frames == 0 || frames > (uint64_t{1} << mm::kMaxOrder)) return Error::kInvalidArgument;
    const unsigned order = mm::order_for_frames(frames);
    const mm::PhysAddr phys = TRY(mm::alloc_frames(order, mm::FrameKind::kBlockBuffer, owner));
    return BlockBuffer(mm::phys_to_pfn(phys), order);
  }

  BlockBuffer() = default;
  BlockBuffer(BlockBuffer&& o) noexcept
      : pfn_(std::exchange(o.pfn_, mm::kNoPfn)), order_(std::exchange(o.order_, 0)) {}
  BlockBuffer& operator=(BlockBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      pfn_ = std::exchange(o.pfn_, mm::kNoPfn);
      order_ = std::exchange(o.order_, 0);
    }
    return *this;
  }
  BlockBuffer(const BlockBuffer&) = delete;
  BlockBuffer& operator=(const BlockBuffer&) = delete;
  ~BlockBuffer() { reset(); }

  [[nodiscard]] bool owns() const { return pfn_ != mm::kNoPfn; }
  [[nodiscard]] mm::Pfn pfn() const { return pfn_; }
  [[nodiscard]] mm::PhysAddr phys() const { return mm::pfn_to_phys(pfn_); }
  // 0 for an empty buffer.
  [[nodiscard]] uint64_t frames() const { return owns() ? uint64_t{1} << order_ : 0; }
  [[nodiscard]] uint64_t bytes() const { return frames() << mm::kFrameShift; }
  void reset() {
    if (pfn_ != mm::kNoPfn)
      mm::buddy().free(std::exchange(pfn_, mm::kNoPfn), order_, mm::FrameKind::kBlockBuffer);
    order_ = 0;
  }

 private:
  friend class mm::ScopedAccess<BlockBuffer>;
  [[nodiscard]] mm::Pfn access_pfn() const { return pfn_; }
  [[nodiscard]] uint64_t access_bytes() const { return bytes(); }
  BlockBuffer(mm::Pfn pfn, unsigned order) : pfn_(pfn), order_(static_cast<uint8_t>(order)) {}

  mm::Pfn pfn_ = mm::kNoPfn;
  uint8_t order_ = 0;
};

}  // namespace glass::block
