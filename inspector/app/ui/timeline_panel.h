// TimelinePanel: play, pause and scrub a recorded trace; step one event; jump to the next event
// of a kind; find when an address got mapped or a frame changed owner (view::timeline_search)
// and jump there; the event list around the position (click to jump). Every other view shows the
// state at the position, rebuilt by view::Timeline from its keyframes.
//
// Invariants: never moves the position itself: every play, step, scrub, jump or click on an event
// is a NavRequest to AppState, applied at the top of the next frame (navigator.h). Reads the
// source only to show where it is. Live sessions have no timeline (it says how to get
// one: --record, then --replay).
#pragma once

#include <stddef.h>

#include <string>

#include "inspector/app/app_state.h"
#include "inspector/app/replay_source.h"
#include "inspector/app/ui_state.h"

namespace glass::inspector::app {

class TimelinePanel {
 public:
  // The play/scrub strip (drawn at the top of every view while replaying).
  void draw_strip(ReplaySource& src, AppState& app);
  // The whole view: the strip, jumps and the event list.
  void draw(ReplaySource& src, AppState& app);

 private:
  void draw_search(ReplaySource& src, AppState& app);

  int jump_kind_ = 0;
  char find_text_[40] = {};
  bool any_space_ = true;
  std::string find_message_;
  size_t listed_pos_ = ~size_t{0};
};

}  // namespace glass::inspector::app
