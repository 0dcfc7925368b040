// x86-64 page-table entry bits as the views read them: present, writable, user, huge, NX, the
// target address, and the virtual span one entry of a level covers.
//
// Invariants: pure functions of the raw entry and its level (1 = PT .. 4 = PML4); an entry is a
// leaf exactly when the MMU stops there (level 1, or PS at levels 2 and 3), the same rule as
// protocol/walk.h and the model's reverse map.
#pragma once

#include <stdint.h>

#include "mm/virt/pte.h"

namespace glass::inspector::view {

// The bit names are mm's own (mm/virt/pte.h): the views read entries exactly as the kernel writes
// them.
inline constexpr uint64_t kPteP = mm::pte::kPresent;
inline constexpr uint64_t kPteW = mm::pte::kWrite;
inline constexpr uint64_t kPteU = mm::pte::kUser;
inline constexpr uint64_t kPtePwt = mm::pte::kPwt;
inline constexpr uint64_t kPtePcd = mm::pte::kPcd;
inline constexpr uint64_t kPteA = mm::pte::kAccessed;
inline constexpr uint64_t kPteD = mm::pte::kDirty;
inline constexpr uint64_t kPtePs = mm::pte::kHuge;  // levels 2-3; PAT at level 1
inline constexpr uint64_t kPteG = mm::pte::kGlobal;
inline constexpr uint64_t kPtePatHuge = 1ull << 12;  // PAT of a 2 MiB / 1 GiB leaf
inline constexpr uint64_t kPteNx = mm::pte::kNx;
inline constexpr uint64_t kPteAddr = mm::pte::kAddrMask;
// The direct map: all physical memory at this virtual base (kernel half, see docs/architecture).
inline constexpr uint64_t kDirectMapBase = mm::kKernelStart;

[[nodiscard]] constexpr uint64_t span_of(uint8_t level) {
  return mm::page_size(level);
}
[[nodiscard]] constexpr bool present(uint64_t e) {
  return (e & kPteP) != 0;
}
[[nodiscard]] constexpr bool is_leaf(uint64_t e, uint8_t level) {
  return level == 1 || ((e & kPtePs) && (level == 2 || level == 3));
}
// Where the entry points: the next table, or the first byte of the page a leaf maps.
[[nodiscard]] constexpr uint64_t target_phys(uint64_t e, uint8_t level) {
  uint64_t a = e & kPteAddr;
  return is_leaf(e, level) && level > 1 ? a & ~(span_of(level) - 1) : a;
}
// The table a level's entries live in, as the views label it: 4 PML4, 3 PDPT, 2 PD, 1 PT.
[[nodiscard]] constexpr const char* table_abbrev(uint8_t level) {
  constexpr const char* kNames[5] = {"?", "PT", "PD", "PDPT", "PML4"};
  return level >= 1 && level <= 4 ? kNames[level] : "?";
}
// The size of the page a leaf of a level maps: "4 KiB" (PT), "2 MiB" (PD), "1 GiB" (PDPT).
[[nodiscard]] constexpr const char* page_size_text(uint8_t level) {
  return level == 3 ? "1 GiB" : level == 2 ? "2 MiB" : "4 KiB";
}
[[nodiscard]] constexpr uint64_t canonical(uint64_t va) {
  return (va & (1ull << 47)) ? (va | 0xffff000000000000ull) : (va & 0x0000ffffffffffffull);
}

}  // namespace glass::inspector::view
