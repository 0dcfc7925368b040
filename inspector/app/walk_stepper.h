// WalkStepper: how far the page walk being taught is revealed, without the GUI. A walk has
// steps (CR3, then one per table read) and then its result (the physical address, or why there is
// none); "Next step" (N) reveals one more, "Show all" everything, a new address starts again.
//
// Invariants:
//  - stages(steps) = steps + 1: the result is the last stage, so "Show all" and enough N presses
//    always reach it, whatever the walk's length (4 KiB: CR3 + 4 tables; 1 GiB: CR3 + 2).
//  - A walk with no step to reveal (a non-canonical address, an unknown address space) shows its
//    result at once: there is nothing to step through, and "0 of 0 steps" would say nothing.
//  - shown() never exceeds the stages of the walk it is fitted to; a new address resets it to 0
//    (or to all of it when asked to reveal everything, as headless screenshots do).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <optional>
#include <string>

namespace glass::inspector::app {

class WalkStepper {
 public:
  // The address typed: a new walk, or false with message() saying why the text is no address.
  bool submit(const std::string& text);
  void set_address(uint64_t va, bool reveal_all);
  void next() { ++asked_; }
  void show_all() { all_ = true; }
  // Start the same address again from its first step (another address space was chosen); a
  // reveal-all asked with the address (headless screenshots) stays.
  void restart() { shown_ = 0, asked_ = 0, all_ = keep_all_; }

  // Once per frame, with the number of steps of the walk drawn in it: applies the presses made
  // since. Returns how many stages are revealed (steps first, then the result).
  size_t fit(size_t steps);
  [[nodiscard]] size_t shown() const { return shown_; }
  // The result (physical address or why none) is revealed.
  [[nodiscard]] bool result_shown(size_t steps) const { return shown_ > steps || steps == 0; }
  [[nodiscard]] const std::optional<uint64_t>& va() const { return va_; }
  [[nodiscard]] const std::string& message() const { return message_; }

 private:
  std::optional<uint64_t> va_;
  size_t shown_ = 0;
  size_t asked_ = 0;  // N presses not applied yet
  bool all_ = false;
  bool keep_all_ = false;
  std::string message_;
};

}  // namespace glass::inspector::app
