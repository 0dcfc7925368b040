// WALK over the kernel's real page tables, and "which address space is in CR3".
//
// Invariants: called from telemetry::poll() only (a quiescent point: no cursor alive, every node
// attached and final); reads a table only if its frame is in the frame table, so a corrupt entry
// ends the walk as kBadTable instead of a wild read; the registry is read as snapshot_kernel.cpp
// reads it (single CPU, poll context).
#include "kernel/telemetry/telemetry.h"
#include "mm/mm.h"
#include "mm/phys/platform.h"
#include "protocol/walk.h"

namespace glass::telemetry::internal {

WalkStatus walk(uint32_t asid, uint64_t va, WalkLevel* out, uint8_t& count) {
  count = 0;
  const Space* s = spaces();
  const Space* found = nullptr;
  for (size_t i = 0; i < kMaxSpaces; ++i)
    if (s[i].live && s[i].asid == asid) found = &s[i];
  if (!is_canonical_va(va)) return WalkStatus::kNonCanonical;
  if (found == nullptr) return WalkStatus::kUnknownAsid;
  auto read = [](uint64_t pfn, unsigned index, uint64_t& entry) {
    if (!mm::frame_table().contains(static_cast<mm::Pfn>(pfn))) return false;
    entry = static_cast<const volatile uint64_t*>(mm::platform::phys_to_virt(pfn << 12))[index];
    return true;
  };
  return walk_tables(found->root, va, read, out, count);
}

uint32_t current_asid() {
  uint64_t cr3 = 0;
  asm volatile("mov %%cr3, %0" : "=r"(cr3));
  const uint64_t root = (cr3 & 0x000ffffffffff000ull) >> 12;
  const Space* s = spaces();
  for (size_t i = 0; i < kMaxSpaces; ++i)
    if (s[i].live && s[i].root == root) return s[i].asid;
  return 0;
}

}  // namespace glass::telemetry::internal
