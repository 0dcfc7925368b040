// HelpOverlay: F1 or ? opens a window over the views listing what each tab shows and every
// shortcut (both from shortcuts.h's tables), and the page-table level names; F1, ? or Escape
// closes it. Also reads this frame's key presses as Keys for InspectorApp.
//
// Invariants: draws nothing while closed; never changes the model or the position (the keys it
// reads are turned into actions by key_action(), which InspectorApp applies).
#pragma once

#include <vector>

#include "inspector/app/shortcuts.h"

namespace glass::inspector::app {

class HelpOverlay {
 public:
  void toggle() { open_ = !open_; }
  void close() { open_ = false; }
  [[nodiscard]] bool open() const { return open_; }
  void draw();
  // The shortcut keys pressed since the last frame (ImGui's input of this frame).
  [[nodiscard]] static std::vector<Key> keys_pressed();

 private:
  bool open_ = false;
};

}  // namespace glass::inspector::app
