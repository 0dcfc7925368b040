// walk_tables(): the x86-64 four-level walk of one virtual address, over any picture of the page
// tables. The kernel runs it over the real tables (answering WALK); the inspector runs it over its
// model, so the two answers are comparable level by level.
//
// Invariants: reads at most one entry per level, levels 4 down to 1, through the caller's reader;
// stops at the first non-present entry (kNotPresent) or the first leaf (kLeaf: level 1, or the
// page-size bit at levels 2..3, as the MMU and the model's reverse map read it); a non-canonical
// address is refused before any read. out[] gets one WalkLevel per entry read, so count is 0..4.
// Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/wire.h"

namespace glass::telemetry {

[[nodiscard]] constexpr bool is_canonical_va(uint64_t va) {
  return va < 0x0000800000000000ull || va >= 0xffff800000000000ull;
}

// read(table_pfn, index, entry&) -> bool: false when table_pfn is not a table it can read.
template <typename Read>
[[nodiscard]] WalkStatus walk_tables(uint64_t root_pfn, uint64_t va, Read&& read, WalkLevel* out,
                                     uint8_t& count) {
  constexpr uint64_t kPresent = 1, kHuge = 1ull << 7, kAddr = 0x000ffffffffff000ull;
  count = 0;
  if (!is_canonical_va(va)) return WalkStatus::kNonCanonical;
  uint64_t table = root_pfn;
  for (unsigned level = kMaxLevel; level >= 1; --level) {
    const unsigned index = static_cast<unsigned>((va >> (12 + 9 * (level - 1))) & 511);
    uint64_t entry = 0;
    if (!read(table, index, entry)) {
      // The previous level pointed here (or the root is unreadable): report where it stopped.
      return count == 0 ? WalkStatus::kUnknownAsid : WalkStatus::kBadTable;
    }
    out[count++] =
        WalkLevel{static_cast<uint8_t>(level), static_cast<uint16_t>(index), table, entry};
    if (!(entry & kPresent)) return WalkStatus::kNotPresent;
    if (level == 1 || ((entry & kHuge) && level <= 3)) return WalkStatus::kLeaf;
    table = (entry & kAddr) >> 12;
  }
  return WalkStatus::kLeaf;  // not reached: level 1 always returns above
}

}  // namespace glass::telemetry
