// InvariantsPanel: violations of what should always hold, re-checked on the model
// (view::check_invariants), in red with their one-line explanation.
//
// Invariants: re-checked only when the model changed (UiState::model_gen): at once after a
// navigation, at most every kCheckSeconds while live data keeps changing it (then it asks to be
// drawn again when due, UiState::redraw_in_s); reads the model only.
#pragma once

#include <stdint.h>

#include <vector>

#include "inspector/app/ui_state.h"
#include "inspector/model/state_model.h"
#include "inspector/view/invariants.h"

namespace glass::inspector::app {

class InvariantsPanel {
 public:
  static constexpr double kCheckSeconds = 0.5;
  void draw(const StateModel& m, UiState& ui);
  // For the status line and the tab title.
  [[nodiscard]] size_t count(const StateModel& m, UiState& ui);

 private:
  void check(const StateModel& m, UiState& ui);

  uint64_t checked_gen_ = ~uint64_t{0};
  double checked_at_ = -1e9;
  std::vector<view::Violation> found_;
};

}  // namespace glass::inspector::app
