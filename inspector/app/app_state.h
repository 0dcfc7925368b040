// AppState: everything the inspector's window draws from, without the GUI: the source (a replay
// or a live socket), the Navigator that picks the model shown, the views' shared UiState, and the
// tree rows (ShownTree). InspectorApp draws from exactly this object and host tests drive it the
// same way (tests/host/app/navigation_test.cpp).
//
// Invariants:
//  - begin_frame() is the only place the model shown changes: it applies the navigations asked
//    since the last frame, fixes model() for the whole frame, sets ui.model_gen to the
//    navigator's generation and ui.navigated, picks the address space (follows the model unless
//    the user or --walk-asid chose one) and brings the tree rows to the model.
//  - So within a frame, model(), ui.model_gen and tree.rows() always describe the same state:
//    for a replay, the state a fresh replay reaches at nav.position().
//  - A tab asked for during a frame (ui.select_view) is selected in the next one (ui.selecting);
//    an address a view asked the tree to reveal during a frame is revealed at the top of the
//    next, and its answer (the row to highlight) is kept for the tree panel's first draw of that
//    model generation, even when the tree is drawn in another tab than the one that asked.
#pragma once

#include <stdint.h>

#include <memory>
#include <optional>

#include "inspector/app/live_source.h"
#include "inspector/app/navigator.h"
#include "inspector/app/replay_source.h"
#include "inspector/app/shown_tree.h"
#include "inspector/app/ui_state.h"

namespace glass::inspector::app {

class AppState {
 public:
  explicit AppState(std::unique_ptr<ReplaySource> replay);
  explicit AppState(std::unique_ptr<LiveSource> live);
  AppState(const AppState&) = delete;
  AppState& operator=(const AppState&) = delete;

  // The top of a frame (see the header); dt: seconds since the last frame (playback), now_s: a
  // monotonic clock (the tree's throttle). Returns true when the model shown changed.
  bool begin_frame(double dt, double now_s);
  [[nodiscard]] const StateModel& model() const { return nav_.model(); }

  // What the tree panel does before drawing (the test does the same): the rows brought to the
  // frame's model for ui.asid (a click earlier in this frame may have changed it), then
  // ui.reveal_va acted on (and reset). A reveal's answer: the deepest row covering va, if any;
  // a reveal made at the top of the frame is answered by the first call after it.
  struct Reveal {
    uint64_t va = 0;
    std::optional<size_t> row;
  };
  std::optional<Reveal> tree_for_frame(double now_s);

  // Ask for a navigation: applied at the next begin_frame().
  void request(const NavRequest& r) { nav_.request(r); }
  [[nodiscard]] const Navigator& nav() const { return nav_; }

  [[nodiscard]] ReplaySource* replay() { return replay_.get(); }
  [[nodiscard]] LiveSource* live() { return live_.get(); }

  UiState ui;
  ShownTree tree;
  // --walk-asid pins the address space even when the model does not hold it yet.
  bool asid_pinned = false;

 private:
  void choose_asid(const StateModel& m);
  std::optional<Reveal> bring_tree(double now_s);

  std::unique_ptr<ReplaySource> replay_;
  std::unique_ptr<LiveSource> live_;
  Navigator nav_;
  // The answer to a reveal made at the top of a frame, for the tree panel (and its generation).
  std::optional<Reveal> revealed_;
  uint64_t revealed_gen_ = 0;
};

}  // namespace glass::inspector::app
