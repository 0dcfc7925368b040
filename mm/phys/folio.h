// Folio: the one kind of frame with a reference count — data that several independent holders
// share and none of them alone decides to free (page-cache pages mapped by several address
// spaces, buffers shared between a request and a cache). Copying a Folio takes a reference;
// destroying one drops it; the last drop frees the block.
//
// Invariants: the count lives in the head descriptor (u.folio.refcount) and is only touched
// atomically. A count of zero means "being freed": nothing may resurrect it, so references are
// only ever taken with increment-if-not-zero. Counting past kMaxRefs panics rather than wrapping
// (a wrapped count frees memory that is still in use). A Folio handle is either empty or holds
// exactly one reference.
#pragma once

#include <utility>

#include "mm/phys/frame_ref.h"

namespace glass::mm {

class Folio : public ScopedAccess<Folio> {
 public:
  static constexpr uint32_t kMaxRefs = 0x7FFFFFFF;

  // A new folio of 2^order frames with one reference (the returned handle).
  [[nodiscard]] static Result<Folio> alloc(unsigned order, OwnerId owner);
  // A new reference to the folio whose head frame `head` borrows. kNotFound if the frame is not a
  // folio head or its count already reached zero. The caller must hold whatever keeps the frame
  // from being reused as another kind meanwhile (e.g. the lock of the cache that indexes it).
  [[nodiscard]] static Result<Folio> try_get(FrameRef head);

  Folio(const Folio& o) : pfn_(o.pfn_) {
    if (pfn_ != kNoPfn) get_existing();
  }
  Folio& operator=(const Folio& o) {
    if (this != &o) {
      Folio copy(o);
      swap(copy);
    }
    return *this;
  }
  Folio(Folio&& o) noexcept : pfn_(std::exchange(o.pfn_, kNoPfn)) {}
  Folio& operator=(Folio&& o) noexcept {
    if (this != &o) {
      put();
      pfn_ = std::exchange(o.pfn_, kNoPfn);
    }
    return *this;
  }
  ~Folio() { put(); }

  [[nodiscard]] bool holds() const { return pfn_ != kNoPfn; }
  [[nodiscard]] PhysAddr phys() const { return pfn_to_phys(pfn_); }
  [[nodiscard]] unsigned order() const { return frame_table()[pfn_].alloc_order; }
  [[nodiscard]] uint64_t bytes() const { return kFrameSize << order(); }
  [[nodiscard]] uint32_t refcount() const;
  [[nodiscard]] FrameRef ref() const& { return FrameRef(pfn_); }
  FrameRef ref() const&& = delete;

  // Parks this handle's reference in a raw address (a page-table entry mapping the folio holds one
  // reference): the count is unchanged and adopt_phys() takes the reference back exactly once.
  [[nodiscard]] PhysAddr into_phys() && { return pfn_to_phys(std::exchange(pfn_, kNoPfn)); }
  // The reference parked by into_phys(). kInvalidArgument for a misaligned or out-of-range address,
  // kNotFound if the frame is not the head of a live folio.
  [[nodiscard]] static Result<Folio> adopt_phys(PhysAddr phys);

 private:
  friend class ScopedAccess<Folio>;
  [[nodiscard]] Pfn access_pfn() const { return pfn_; }
  [[nodiscard]] uint64_t access_bytes() const { return bytes(); }
  explicit Folio(Pfn pfn) : pfn_(pfn) {}
  void swap(Folio& o) { std::swap(pfn_, o.pfn_); }
  void get_existing();  // we hold a reference, so the count is > 0
  void put();

  Pfn pfn_ = kNoPfn;
};

}  // namespace glass::mm
