// LocksPanel: the live cursors (id, CPU, range, nodes held, time held, time waited, what each
// waits for) in each cursor's colour, above the tree that shows the same cursors' held nodes and
// locked ranges (TreePanel's overlays).
//
// Invariants: reads the model only; times are the model's (view::cursor_rows), so a replayed
// trace shows them as they were.
#pragma once

#include "inspector/app/ui/tree_panel.h"
#include "inspector/app/ui_state.h"
#include "inspector/model/state_model.h"

namespace glass::inspector::app {

class LocksPanel {
 public:
  void draw(const StateModel& m, UiState& ui, TreePanel& tree);
};

}  // namespace glass::inspector::app
