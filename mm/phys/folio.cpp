// Folio reference counting; see folio.h for the invariants. Every change of a count is reported
// to telemetry (folio_ref) with the value this change produced, after making it.
#include "mm/phys/folio.h"

#include "kernel/lib/panic.h"
#include "mm/phys/mm_events.h"

namespace glass::mm {
namespace {

void report(Pfn pfn, uint32_t refcount) {
  if (!telemetry::mm_events::on()) return;
  telemetry::mm_events::folio_ref(pfn, uint64_t{1} << frame_table()[pfn].alloc_order, refcount);
}

// Increment unless zero; panics instead of passing kMaxRefs.
bool inc_not_zero(Pfn pfn) {
  FrameDesc& d = frame_table_mut()[pfn];
  auto count = refcount_ref(d);
  uint32_t c = count.load(std::memory_order_relaxed);
  do {
    if (c == 0) return false;
    if (c >= Folio::kMaxRefs) {
      panic("mm: folio frame %u (owner %u) refcount overflow at %u", pfn, load_owner(d), c);
    }
  } while (!count.compare_exchange_weak(c, c + 1, std::memory_order_relaxed));
  report(pfn, c + 1);
  return true;
}

}  // namespace

Result<Folio> Folio::alloc(unsigned order, OwnerId owner) {
  const PhysAddr phys = TRY(alloc_frames(order, FrameKind::kFolio, owner));
  const Pfn pfn = phys_to_pfn(phys);
  refcount_ref(frame_table_mut()[pfn]).store(1, std::memory_order_release);
  report(pfn, 1);
  return Folio(pfn);
}

Result<Folio> Folio::try_get(FrameRef head) {
  const FrameDesc& d = frame_table()[head.pfn()];
  if (load_kind(d) != FrameKind::kFolio || d.alloc_order == kTailOrder) return Error::kNotFound;
  if (!inc_not_zero(head.pfn())) return Error::kNotFound;
  return Folio(head.pfn());
}

Result<Folio> Folio::adopt_phys(PhysAddr phys) {
  const Pfn pfn = TRY(frame_table().pfn_of(phys));
  const FrameDesc& d = frame_table()[pfn];
  if (load_kind(d) != FrameKind::kFolio || d.alloc_order == kTailOrder || load_refcount(d) == 0) {
    return Error::kNotFound;
  }
  return Folio(pfn);
}

void Folio::get_existing() {
  if (!inc_not_zero(pfn_)) {
    panic("mm: folio frame %u copied while its refcount is zero (owner %u)", pfn_,
          load_owner(frame_table()[pfn_]));
  }
}

uint32_t Folio::refcount() const {
  return load_refcount(frame_table()[pfn_]);
}

void Folio::put() {
  if (pfn_ == kNoPfn) return;
  const Pfn pfn = std::exchange(pfn_, kNoPfn);
  FrameDesc& d = frame_table_mut()[pfn];
  // acq_rel: the last holder must see every other holder's writes before the frame is reused.
  const uint32_t old = refcount_ref(d).fetch_sub(1, std::memory_order_acq_rel);
  if (old == 0) panic("mm: folio frame %u (owner %u) refcount underflow", pfn, load_owner(d));
  report(pfn, old - 1);
  if (old == 1) buddy().free(pfn, d.alloc_order, FrameKind::kFolio);
}

}  // namespace glass::mm
