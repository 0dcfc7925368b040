// Shortcuts: the keys glass-inspect answers and what each does, as data (the help overlay lists
// this table) and as a GUI-free mapping from a key to a navigation or a command, so the host
// tests press keys the way the window does.
//
// Invariants:
//  - A key does nothing while the user types into a text box (typing "n" into an address is not
//    a step), except F1 (help) and Escape (close it).
//  - Timeline keys are navigations (NavRequest): they go through AppState's one path like a
//    click on the strip, so the state drawn is the state at the event shown. They do nothing live.
//  - Every Key has exactly one row in shortcuts() (a test checks it).
#pragma once

#include <stddef.h>

#include <optional>
#include <vector>

#include "inspector/app/navigation.h"
#include "inspector/app/options.h"

namespace glass::inspector::app {

enum class Key { kLeft, kRight, kHome, kEnd, kSpace, kF1, kQuestion, kEscape, kN };

struct Shortcut {
  Key key;
  const char* keys;  // as the help overlay prints it
  const char* does;
};
[[nodiscard]] const std::vector<Shortcut>& shortcuts();

// What a key press asks for. Exactly one field is set, or none (the key means nothing here).
struct KeyAction {
  std::optional<NavRequest> nav;
  bool toggle_help = false;
  bool close_help = false;
  bool walk_next = false;  // the walk's Next step (only on the walk tab)
};
// replay: a trace is open (events_last = its last event); playing: it plays now; typing: a text
// box has the keyboard; view: the tab shown.
[[nodiscard]] KeyAction key_action(Key k, bool replay, size_t events_last, bool playing,
                                   bool typing, ViewId view);

// What each tab shows, one line each, in tab order (the help overlay).
struct TabHelp {
  ViewId view;
  const char* title;
  const char* shows;
};
[[nodiscard]] const std::vector<TabHelp>& tab_help();

}  // namespace glass::inspector::app
