// TreePanel: the page-table tree of one address space as a clipped table of flattened rows
// (view::TreeRows), with search by virtual address, the merged-ranges tab, and overlays from the
// other views: the page walk's rows in its index colours, nodes held by cursors in each cursor's
// colour with the locked range as a bracket in the gutter, and a waiting cursor pointing at the
// node it waits for.
//
// Invariants: the rows drawn are AppState's (ShownTree): the frame's model for the address space
// in focus, rebuilt only when the generation or the address space changed (throttled only while
// live data streams in). Only the visible rows are drawn (ImGuiListClipper). No pointer into the
// model is kept across frames.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "inspector/app/app_state.h"
#include "inspector/app/ui_state.h"
#include "inspector/model/state_model.h"
#include "inspector/view/cursor_rows.h"
#include "inspector/view/tree_rows.h"

namespace glass::inspector::app {

class TreePanel {
 public:
  // The state whose rows are drawn; set once, before the first draw.
  void bind(AppState& s) { app_ = &s; }
  // compact: no tabs and no search box (the tree beside the frame map or the walk).
  void draw(const StateModel& m, UiState& ui, bool compact);
  // The answer to the last reveal or search: "va=0x400000 found=yes" (or found=no).
  [[nodiscard]] const std::string& last_found() const { return last_found_; }

 private:
  // The rows brought to the frame's model, and a reveal another view asked for acted on.
  void rows_for_frame(UiState& ui);
  void found(uint32_t asid, uint64_t va, std::optional<size_t> row);
  void draw_rows(const StateModel& m, UiState& ui, const std::vector<view::CursorRow>& cursors,
                 bool compact);
  void draw_merged(const StateModel& m, UiState& ui);
  void search(const StateModel& m, UiState& ui, uint64_t va);

  AppState* app_ = nullptr;
  std::vector<view::MergedRange> merged_;
  uint64_t merged_gen_ = ~uint64_t{0};
  uint32_t merged_asid_ = ~uint32_t{0};
  char search_text_[32] = {};
  std::string search_message_;
  std::string last_found_;
  std::optional<size_t> highlight_;
  uint32_t highlight_asid_ = ~uint32_t{0};
  std::optional<size_t> scroll_to_;
};

}  // namespace glass::inspector::app
