// WalkPanel: teach a page walk. The address's bits split into the four 9-bit indices and the
// offset in distinct colours; the steps CR3 -> PML4E -> PDPTE -> PDE -> PTE revealed one at a
// time ("Next step" or the N key; WalkStepper), each with its entry decoded; the walked rows
// highlighted in the tree beside it; the final frame with its owner. Live, the kernel walks (WALK
// over the socket) and its answer is shown; on a trace, the model's own walk.
//
// Invariants: what is shown is always one WalkAnswer turned into a view::WalkView (never a mix of
// two answers); a kernel answer is shown only if it carries the token of this panel's latest
// WALK for the same (asid, va); UiState::walk_rows holds exactly the rows of the steps revealed
// so far; outcome() describes what was drawn last.
#pragma once

#include <stdint.h>

#include <functional>
#include <optional>
#include <string>

#include "inspector/app/ui/tree_panel.h"
#include "inspector/app/ui_state.h"
#include "inspector/app/walk_stepper.h"
#include "inspector/model/state_model.h"

namespace glass::inspector::app {

class WalkPanel {
 public:
  // send_walk: live sessions pass a function that sends WALK(token, asid, va); empty on a trace.
  using SendWalk = std::function<bool(uint64_t token, uint32_t asid, uint64_t va, std::string&)>;

  // The walk drawn last, for scripts and the headless screenshot's status line.
  struct Outcome {
    bool drawn = false;
    bool kernel = false;  // the kernel's answer to this panel's WALK (its token), not the model's
    telemetry::WalkStatus status = telemetry::WalkStatus::kUnknownAsid;
    size_t levels = 0;
    bool matches_model = false;  // the answer equals the model's own walk (same_walk)
  };

  void set_address(uint64_t va, bool reveal_all);
  void draw(const StateModel& m, UiState& ui, TreePanel& tree, const SendWalk& send_walk);
  [[nodiscard]] const Outcome& outcome() const { return outcome_; }
  // "va=0x400123 shown=3/6" and " phys=0x5123" once the result is shown; empty before a walk.
  [[nodiscard]] const std::string& status_text() const { return status_text_; }

 private:
  char input_[40] = {};
  WalkStepper stepper_;  // the address and how far its walk is revealed
  uint32_t asid_ = 0;
  bool reveal_pending_ = false;
  uint64_t token_ = 0;
  bool requested_ = false;  // a WALK for (asid_, va_) went to the kernel
  std::string message_;
  Outcome outcome_;
  std::string status_text_;
};

}  // namespace glass::inspector::app
