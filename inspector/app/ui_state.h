// UiState: what the views share for one session: the address space in focus, requests one view
// makes of another (the frame map asks the tree to reveal an address), the walk being taught and
// the rows it highlights.
//
// Invariants: owned by InspectorApp and lent to each panel for the duration of a draw call;
// requests are consumed (reset) by the view that acts on them, in the same or the next frame.
// model_gen is the Navigator's generation, set once at the top of each frame (AppState): it
// changes whenever the model a view draws may have changed and never within a frame, so views
// can cache by it. Views never move the position themselves: they ask AppState::request().
#pragma once

#include <stdint.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "inspector/app/options.h"

namespace glass::inspector::app {

struct UiState {
  uint32_t asid = 0;
  bool asid_chosen = false;  // the user (or --walk-asid) picked it; otherwise follow the model
  uint64_t model_gen = 0;    // bumped when the model shown changes (new events, epoch, scrub)
  // The last change was a navigation: show it now. Throttled refreshes (tree, invariants, the
  // frame counts) may wait only while live data streams in.
  bool navigated = true;
  // A view put a refresh off: the window must draw again within this many seconds even if no
  // input comes (an idle window waits for input). Reset at the top of every frame.
  double redraw_in_s = 1e9;
  bool live = false;

  // A view asks for another tab (Invariants -> "show in tree") by setting select_view while it
  // draws; AppState::begin_frame moves the request to selecting, the tab the tab bar selects in
  // the frame that follows. (Reset at the end of the tab bar, a request made by a tab drawn
  // after the one it names was lost: "show in tree" never switched.)
  std::optional<ViewId> select_view;
  std::optional<ViewId> selecting;
  std::optional<uint64_t> reveal_va;   // tree: expand to and scroll to this address
  std::optional<uint64_t> search_pfn;  // tree: the frame the user clicked in the map

  // Facts about the frame just drawn, for headless runs to report (e.g. "map=x,y,w,h"): where
  // a test should look in the screenshot. Cleared at the start of every frame.
  std::string facts;
  // Where the widgets a script may click are, in window pixels ("x,y" of their centre), for the
  // interactive window's "layout" status line (status_report.h). Filled while drawing.
  std::map<std::string, std::string> layout;

  // The page walk on screen: highlighted tree rows (node pfn, index) -> step number 0..3.
  std::map<std::pair<uint64_t, uint16_t>, int> walk_rows;
};

// The colours of the four 9-bit indices and the offset, shared by the walk view and the tree's
// highlighting of the walk (IM_COL32 order).
inline constexpr uint32_t kIndexRgba[5] = {0xFF4FA8FFu, 0xFF5ADA6Bu, 0xFFE8B04Au, 0xFFD27CE8u,
                                           0xFFC8C8C8u};

}  // namespace glass::inspector::app
