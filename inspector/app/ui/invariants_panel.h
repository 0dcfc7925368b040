// InvariantsPanel: violations of what should always hold, re-checked on the model
// (view::check_invariants), in red with their one-line explanation.
//
// Invariants: re-checked only when the model changed (UiState::model_gen). The list, when its tab
// is open, is re-checked at once after a navigation (it always describes the event shown); the
// tab title's count alone, and live data streaming in, at most every kCheckSeconds (a whole-model
// check costs ~10 ms at 100,000 pages), and then the panel asks to be drawn again when due
// (UiState::redraw_in_s), so even an idle window catches up. Reads the model only. Leaves wholly
// outside RAM are listed under the violations as a labelled note (outside_ram.h), never in red
// and never in the count: the standard demo=mm maps one on purpose.
#pragma once

#include <stdint.h>

#include <vector>

#include "inspector/app/ui_state.h"
#include "inspector/model/state_model.h"
#include "inspector/view/invariants.h"
#include "inspector/view/outside_ram.h"

namespace glass::inspector::app {

class InvariantsPanel {
 public:
  static constexpr double kCheckSeconds = 0.5;
  void draw(const StateModel& m, UiState& ui);
  // For the status line and the tab title.
  [[nodiscard]] size_t count(const StateModel& m, UiState& ui);

 private:
  // shown: the list is on screen (it must be the state shown); else only the count is.
  void check(const StateModel& m, UiState& ui, bool shown);
  void draw_outside_ram(const StateModel& m);

  uint64_t checked_gen_ = ~uint64_t{0};
  double checked_at_ = -1e9;
  bool listed_ = false;  // the last check was for the list (it computed the note too)
  std::vector<view::Violation> found_;
  std::vector<view::OutsideRam> outside_;
};

}  // namespace glass::inspector::app
