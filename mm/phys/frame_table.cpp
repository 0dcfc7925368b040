// FrameTable lookups and policed transitions; see frame_table.h for the invariants.
#include "mm/phys/frame_table.h"

#include "kernel/lib/panic.h"

namespace glass::mm {

Result<Pfn> FrameTable::pfn_of(PhysAddr phys) const {
  if ((phys & (kFrameSize - 1)) != 0) return Error::kInvalidArgument;
  // Compare in 64 bits before narrowing so a huge address cannot wrap into the table.
  if ((phys >> kFrameShift) >= count_) return Error::kInvalidArgument;
  return phys_to_pfn(phys);
}

void FrameTable::transition(Pfn pfn, FrameKind from, FrameKind to, const char* action) const {
  if (!contains(pfn)) {
    panic("mm: frame %u (phys %#llx) %s as %s, but it is beyond the frame table (%u frames)", pfn,
          static_cast<unsigned long long>(pfn_to_phys(pfn)), action, kind_name(from), count_);
  }
  FrameKind seen = from;
  if (!cas_kind(descs_[pfn], seen, to)) ownership_panic(pfn, from, action);
}

void FrameTable::ownership_panic(Pfn pfn, FrameKind expected, const char* action) const {
  const FrameDesc& d = descs_[pfn];
  const FrameKind found = load_kind(d);
  const auto phys = static_cast<unsigned long long>(pfn_to_phys(pfn));
  const char* what = found == FrameKind::kFree      ? "double free"
                     : found == FrameKind::kBusy    ? "race on"
                     : expected == FrameKind::kFree ? "second owner for"
                                                    : "wrong kind for";
  panic("mm: %s frame %u (phys %#llx): %s as %s, but it is %s owned by %u", what, pfn, phys, action,
        kind_name(expected), kind_name(found), load_owner(d));
}

}  // namespace glass::mm
