// FrameRef: a borrowed view of one frame. It does not own the frame, counts nothing and frees
// nothing: it is valid only while whatever lent it (a UniqueFrame, a Segment, a Folio, a lock that
// pins the frame) keeps the frame alive — the same rule as a C++ reference.
//
// Invariant: trivially copyable and trivially destructible (pinned below); the only state is the
// frame number. Creating one from a raw physical address checks alignment and range.
#pragma once

#include <type_traits>

#include "kernel/lib/result.h"
#include "mm/phys/frame_desc.h"
#include "mm/phys/frames.h"
#include "mm/phys/page_access.h"

namespace glass::mm {

class FrameRef : public ScopedAccess<FrameRef> {
 public:
  // Borrow the frame at `phys`: kInvalidArgument if misaligned or beyond the frame table. The
  // caller vouches for the frame staying alive (e.g. it holds the lock that keeps it mapped).
  [[nodiscard]] static Result<FrameRef> from_phys(PhysAddr phys) {
    const Pfn pfn = TRY(frame_table().pfn_of(phys));
    return FrameRef(pfn);
  }

  [[nodiscard]] Pfn pfn() const { return pfn_; }
  [[nodiscard]] PhysAddr phys() const { return pfn_to_phys(pfn_); }
  [[nodiscard]] FrameKind kind() const { return load_kind(frame_table()[pfn_]); }
  [[nodiscard]] OwnerId owner() const { return load_owner(frame_table()[pfn_]); }

  bool operator==(const FrameRef&) const = default;

 private:
  friend class ScopedAccess<FrameRef>;
  [[nodiscard]] Pfn access_pfn() const { return pfn_; }
  [[nodiscard]] uint64_t access_bytes() const { return kFrameSize; }
  template <FrameKind>
  friend class UniqueFrame;
  friend class Segment;
  friend class Folio;
  explicit constexpr FrameRef(Pfn pfn) : pfn_(pfn) {}

  Pfn pfn_;
};

static_assert(std::is_trivially_copyable_v<FrameRef>);
static_assert(std::is_trivially_destructible_v<FrameRef>);
static_assert(sizeof(FrameRef) == sizeof(Pfn));

}  // namespace glass::mm
