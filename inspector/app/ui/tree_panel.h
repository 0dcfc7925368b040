// TreePanel: the page-table tree of one address space as a clipped table of flattened rows
// (view::TreeRows), with search by virtual address, the merged-ranges tab, and overlays from the
// other views: the page walk's rows in its index colours, nodes held by cursors in each cursor's
// colour with the locked range as a bracket in the gutter, and a waiting cursor pointing at the
// node it waits for.
//
// Invariants: rows are rebuilt from the model only when UiState::model_gen or the address space
// changed, and at most every kRebuildSeconds while the model keeps changing (a live kernel), so a
// busy stream costs one rebuild per interval, not one per frame. Only the visible rows are drawn
// (ImGuiListClipper). No pointer into the model is kept across frames.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "inspector/app/ui/ui_state.h"
#include "inspector/model/state_model.h"
#include "inspector/view/cursor_rows.h"
#include "inspector/view/tree_rows.h"

namespace glass::inspector::app {

class TreePanel {
 public:
  static constexpr double kRebuildSeconds = 0.25;
  static constexpr size_t kExpandAllRows = 20000;

  // compact: no tabs and no search box (the tree beside the frame map or the walk).
  void draw(const StateModel& m, UiState& ui, bool compact);

 private:
  void rebuild_if_needed(const StateModel& m, UiState& ui);
  void draw_rows(const StateModel& m, UiState& ui, const std::vector<view::CursorRow>& cursors,
                 bool compact);
  void draw_merged(const StateModel& m, UiState& ui);
  void search(const StateModel& m, UiState& ui, uint64_t va);

  view::TreeRows rows_;
  uint64_t built_gen_ = ~uint64_t{0};
  uint32_t built_asid_ = ~uint32_t{0};
  double built_at_ = -1e9;
  std::vector<view::MergedRange> merged_;
  uint64_t merged_gen_ = ~uint64_t{0};
  uint32_t merged_asid_ = ~uint32_t{0};
  char search_text_[32] = {};
  std::string search_message_;
  std::optional<size_t> highlight_;
  std::optional<size_t> scroll_to_;
};

}  // namespace glass::inspector::app
