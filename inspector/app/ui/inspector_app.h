// InspectorApp: glass-inspect's main window. One source (a live socket or a replayed trace), the
// views as tabs in one window, and the three ways to run: interactive, headless screenshot
// (render a few frames into a hidden window, write a PNG, exit) and the frame-time benchmark.
//
// Invariants:
//  - The UI thread never blocks on the kernel: LiveSource::poll() is non-blocking and bounded.
//  - Every state change of the source is one line on stdout and in --status-file.
//  - Exit status: 0 done, 1 a runtime failure (no display, unreadable trace, PNG not written, a
//    live screenshot whose kernel did not sync or answer the WALK within --sync-timeout), 2 is
//    the caller's (bad arguments); a failure prints one sentence on stderr.
//  - A live screenshot without --exit-after is taken only once the shown model is synced and,
//    on the walk view with --walk-va, the kernel's answer to this run's WALK is drawn.
//  - The model a view draws is borrowed for one frame: the epoch shown (live) or the timeline's
//    state at the position (replay).
#pragma once

#include <stdio.h>

#include <memory>
#include <optional>
#include <string>

#include "inspector/app/live_source.h"
#include "inspector/app/options.h"
#include "inspector/app/replay_source.h"
#include "inspector/app/ui/frame_map_panel.h"
#include "inspector/app/ui/invariants_panel.h"
#include "inspector/app/ui/locks_panel.h"
#include "inspector/app/ui/log_panel.h"
#include "inspector/app/ui/timeline_panel.h"
#include "inspector/app/ui/tree_panel.h"
#include "inspector/app/ui/ui_state.h"
#include "inspector/app/ui/walk_panel.h"
#include "inspector/app/ui/window.h"

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
  // The model shown this frame (never null: an empty model when there is nothing yet).
  [[nodiscard]] const StateModel& model();
  void choose_asid(const StateModel& m);
  void draw_frame();
  void draw_header(const StateModel& m);
  void draw_views(const StateModel& m);
  [[nodiscard]] int screenshot();
  // Live screenshot: empty when ready to shoot, else what is still awaited (for the timeout).
  [[nodiscard]] std::string awaiting_live();
  [[nodiscard]] int bench();

  Options opt_;
  Window win_;
  std::unique_ptr<LiveSource> live_;
  std::unique_ptr<ReplaySource> replay_;
  StateModel empty_;
  UiState ui_;
  uint32_t shown_epoch_ = 0;  // 0: follow the latest
  uint64_t live_gen_key_ = 0;
  TreePanel tree_;
  FrameMapPanel frames_;
  LocksPanel locks_;
  WalkPanel walk_;
  TimelinePanel timeline_;
  LogPanel log_;
  InvariantsPanel invariants_;
  FILE* status_ = nullptr;
  bool bench_layout_ = false;
  // Live --walk-va waits for the first sync: a walk revealed in an empty tree finds nothing.
  std::optional<uint64_t> pending_walk_va_;
};

}  // namespace glass::inspector::app
