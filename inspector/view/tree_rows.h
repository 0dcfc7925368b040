// The page-table tree of one address space as flat rows (for a clipped list), entry flags as
// text, and the merged-ranges view (QEMU's `info mem`).
//
// Invariants: TreeRows holds a copy of every present entry of the tree from the last rebuild()
// (pre-order, index order, so va ascending within a subtree) and shows the subset whose ancestors
// are all expanded; it keeps no pointer into the model, so the model may change or go away
// between calls. Expansion is keyed by (node pfn, index), not by row number, so it survives
// rebuilds while the tree changes. A child is followed only when its level is one below its
// parent's and the total is capped (kMaxRows), so a corrupt stream cannot loop or exhaust memory.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "inspector/model/state_model.h"

namespace glass::inspector::view {

struct TreeRow {
  uint64_t node_pfn = 0;
  uint8_t level = 0;  // 4..1, of the table holding the entry
  uint16_t index = 0;
  uint8_t depth = 0;                   // 0 for the root table's entries
  uint64_t va_first = 0, va_last = 0;  // canonical, inclusive
  uint64_t entry = 0;
  uint64_t target_phys = 0;  // the next table, or the page a leaf maps
  bool leaf = false;
  uint32_t children = 0;  // present entries of the child table, 0 for leaves
  bool expanded = false;
};

class TreeRows {
 public:
  static constexpr size_t kMaxRows = 2'000'000;

  // Reads every present entry of asid's tree; an unknown asid gives no rows.
  void rebuild(const StateModel& m, uint32_t asid);
  [[nodiscard]] const std::vector<TreeRow>& rows() const { return visible_; }
  [[nodiscard]] uint32_t asid() const { return asid_; }
  // Rows of the whole tree, expanded or not.
  [[nodiscard]] size_t total_rows() const { return all_.size(); }
  // True when kMaxRows cut the tree short (only a corrupt stream gets there).
  [[nodiscard]] bool capped() const { return capped_; }

  // Expand or collapse a visible row (a leaf or a row without children: no change).
  void toggle(size_t row);
  void expand_all();
  void collapse_all();
  // Rebuilds, expands every table on va's path and returns the deepest visible row covering va
  // (nullopt when no present entry covers it, or va is not canonical).
  std::optional<size_t> reveal(const StateModel& m, uint32_t asid, uint64_t va);

 private:
  struct Item {
    TreeRow row;
    size_t subtree_end;  // index in all_ just after this row's descendants
  };
  void add_table(const StateModel& m, const PtNode& n, uint64_t va_base, uint8_t depth);
  void refresh();

  uint32_t asid_ = 0;
  bool capped_ = false;
  std::vector<Item> all_;
  std::vector<TreeRow> visible_;
  std::vector<size_t> visible_at_;  // visible_[i] is all_[visible_at_[i]]
  std::set<std::pair<uint64_t, uint16_t>> expanded_;
};

// How far a row's entry label is indented: depth steps of 0.8 font sizes, 0 for the root's
// entries, so a child is always right of its parent. (ImGui::Indent(0) indents by the style's
// default spacing, not by 0: the root's entries sat further right than their children.)
[[nodiscard]] constexpr float tree_indent(uint8_t depth, float font_size) {
  return static_cast<float>(depth) * font_size * 0.8f;
}

// "P W U A D G NX PS": the set flags of an entry at a level, in that order (PWT, PCD and PAT
// where they apply; "-" for a non-present entry).
[[nodiscard]] std::string flags_text(uint64_t entry, uint8_t level);

struct MergedRange {
  uint64_t va_first = 0, va_last = 0;  // canonical, inclusive
  uint64_t pages_4k = 0;
  std::string flags;  // effective rights along the walk: "u"/"-", "r", "w"/"-", "x"/"-"
};
// Contiguous mapped virtual ranges with identical effective user/write/execute rights, merged
// (like QEMU's `info mem`), ascending.
[[nodiscard]] std::vector<MergedRange> merged_ranges(const StateModel& m, uint32_t asid);

}  // namespace glass::inspector::view
