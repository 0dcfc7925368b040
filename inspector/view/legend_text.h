// The words the inspector's tables use, explained once: each flag flags_text() can print, each
// column of the page-table tree, and the page-table levels by their one set of names
// (PML4 / PDPT / PD / PT). The legend popup, the column headers' tooltips and a flags cell's
// tooltip all read this table, so they cannot disagree.
//
// Invariants: every word flags_text() can produce has exactly one FlagMeaning (a host test
// enumerates the flag bits to prove it); flags_explained() lists the meanings of the flags set in
// one entry, in flags_text()'s order. Plain data, no GUI.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace glass::inspector::view {

struct FlagMeaning {
  const char* flag;     // as flags_text prints it
  const char* meaning;  // one line, for a student
};
[[nodiscard]] const std::vector<FlagMeaning>& flag_meanings();
// "P: present - ..." for each flag set in the entry at that level, one per line.
[[nodiscard]] std::vector<std::string> flags_explained(uint64_t entry, uint8_t level);

struct ColumnMeaning {
  const char* column;
  const char* meaning;
};
// The columns of the page-table tree, left to right.
[[nodiscard]] const std::vector<ColumnMeaning>& tree_columns();
// What a frame kind is (the frame map's legend tooltips), one line; "?" past the table.
[[nodiscard]] const char* kind_meaning(uint8_t frame_kind);
// The merged-ranges table's columns.
[[nodiscard]] const std::vector<ColumnMeaning>& merged_columns();

// The four levels, "PML4: level 4, ..." top first.
[[nodiscard]] const std::vector<ColumnMeaning>& level_names();

}  // namespace glass::inspector::view
