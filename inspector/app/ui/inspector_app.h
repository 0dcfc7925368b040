// InspectorApp: glass-inspect's main window. One source (a live socket or a replayed trace), the
// views as tabs in one window, and the three ways to run: interactive, headless screenshot
// (render a few frames into a hidden window, write a PNG, exit) and the frame-time benchmark.
//
// Invariants:
//  - The UI thread never blocks on the kernel: LiveSource::poll() is non-blocking and bounded.
//  - Every state change of the source is one line on stdout and in --status-file; so is, in an
//    interactive window, every change a user makes (tab, position, walk, reveal, help, layout).
//  - Exit status: 0 done, 1 a runtime failure (no display, unreadable trace, PNG not written, a
//    live screenshot whose kernel did not sync or answer the WALK within --sync-timeout), 2 is
//    the caller's (bad arguments); a failure prints one sentence on stderr.
//  - A live screenshot without --exit-after is taken only once the shown model is synced and,
//    on the walk view with --walk-va, the kernel's answer to this run's WALK is drawn.
//  - The model a view draws is borrowed for one frame from AppState (app_state.h), fixed at the
//    top of the frame: the epoch shown (live) or the timeline's state at the position (replay).
//    Every navigation goes through AppState::request(); nothing moves a source mid-frame.
//  - Interactive, the window draws only when something may have changed (an input, live data,
//    playback, a navigation asked, a refresh a view put off); otherwise it sleeps in
//    glfwWaitEventsTimeout (Window::wait), so an idle inspector costs next to no CPU.
#pragma once

#include <algorithm>

#include <stdio.h>

#include <memory>
#include <optional>
#include <string>

#include "inspector/app/app_state.h"
#include "inspector/app/live_source.h"
#include "inspector/app/options.h"
#include "inspector/app/redraw_policy.h"
#include "inspector/app/replay_source.h"
#include "inspector/app/status_report.h"
#include "inspector/app/ui/block_panel.h"
#include "inspector/app/ui/frame_map_panel.h"
#include "inspector/app/ui/help_overlay.h"
#include "inspector/app/ui/invariants_panel.h"
#include "inspector/app/ui/locks_panel.h"
#include "inspector/app/ui/log_panel.h"
#include "inspector/app/ui/timeline_panel.h"
#include "inspector/app/ui/tree_panel.h"
#include "inspector/app/ui/walk_panel.h"
#include "inspector/app/ui/window.h"
#include "inspector/app/ui_state.h"

namespace glass::inspector::app {

class InspectorApp {
 public:
  explicit InspectorApp(Options o) : opt_(std::move(o)) {}
  InspectorApp(const InspectorApp&) = delete;
  InspectorApp& operator=(const InspectorApp&) = delete;
  ~InspectorApp();

  [[nodiscard]] int run();

 private:
  [[nodiscard]] bool open_source(std::string& error);
  void status_line(const std::string& line);
  void poll_source();
  // The model shown this frame (an empty model when there is nothing yet).
  [[nodiscard]] const StateModel& model() const { return app_->model(); }
  // The top of a frame (AppState::begin_frame) and the frame drawn from it.
  void draw_frame(double dt);
  void draw_header(const StateModel& m);
  void draw_views(const StateModel& m);
  // Interactive: the status lines for what this frame changed (status_report.h).
  void report_frame();
  // The shortcut keys of this frame (shortcuts.h) turned into navigations and help toggles.
  void handle_keys();
  [[nodiscard]] int screenshot();
  [[nodiscard]] bool shooting(ViewId v) const {
    return std::find(opt_.shot_views.begin(), opt_.shot_views.end(), v) != opt_.shot_views.end();
  }
  // Live screenshot: empty when ready to shoot, else what is still awaited (for the timeout).
  [[nodiscard]] std::string awaiting_live();
  [[nodiscard]] int bench();

  Options opt_;
  Window win_;
  std::unique_ptr<AppState> app_;
  LiveSource* live_ = nullptr;      // app_'s, when attached to a socket
  ReplaySource* replay_ = nullptr;  // app_'s, when replaying
  TreePanel tree_;
  FrameMapPanel frames_;
  LocksPanel locks_;
  WalkPanel walk_;
  TimelinePanel timeline_;
  LogPanel log_;
  BlockPanel block_;
  InvariantsPanel invariants_;
  HelpOverlay help_;
  StatusReport report_;
  ViewId shown_view_ = ViewId::kTree;  // the tab drawn last frame
  FILE* status_ = nullptr;
  bool bench_layout_ = false;
  // Live --walk-va waits for the first sync: a walk revealed in an empty tree finds nothing.
  std::optional<uint64_t> pending_walk_va_;
};

}  // namespace glass::inspector::app
