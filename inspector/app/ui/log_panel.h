// LogPanel: the kernel's log lines, KTAP results (ok green, not ok red, skip amber) and a panic
// as a red banner above them, in arrival order (view::log_lines), newest kept in view.
//
// Invariants: reads the model only; draws only the visible lines (clipped).
#pragma once

#include "inspector/app/ui_state.h"
#include "inspector/model/state_model.h"

namespace glass::inspector::app {

class LogPanel {
 public:
  void draw(const StateModel& m, UiState& ui);

 private:
  size_t last_count_ = 0;
};

}  // namespace glass::inspector::app
