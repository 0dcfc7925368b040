// StatusReport: what an interactive window tells --status-file (and stdout) as the user works,
// one line per change, so scripts and the e2e tests that drive the real window with input can
// see the effect of each key and click: the tab shown ("view walk"), the replay position
// ("at event 42"), the walk's progress ("walk va=0x400123 shown=6/6 phys=0x5123"), what the tree
// found for a reveal ("tree va=0x400000 found=yes"), the help overlay ("help open"), and where
// things are on screen ("layout tab:tree=x,y ..."), in window pixels.
//
// Invariants: a line is emitted only when its value differs from the last one emitted (the
// first value is always emitted); GUI-free: the window fills a Frame, changes() compares.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace glass::inspector::app {

class StatusReport {
 public:
  struct Frame {
    std::string view;                // the tab shown
    std::optional<size_t> position;  // replay: the event shown
    std::string walk;                // "va=... shown=a/b [phys=...]", empty without a walk
    std::string tree;                // the tree's answer to the last reveal or search
    bool help = false;
    std::map<std::string, std::string> layout;  // widget -> "x,y" (its centre)
  };
  // The lines for what changed since the last call.
  [[nodiscard]] std::vector<std::string> changes(const Frame& f);

 private:
  std::optional<Frame> last_;
};

}  // namespace glass::inspector::app
