// WalkStepper: see walk_stepper.h.
#include "inspector/app/walk_stepper.h"

#include <algorithm>

#include "inspector/app/address_input.h"

namespace glass::inspector::app {

bool WalkStepper::submit(const std::string& text) {
  uint64_t va = 0;
  if (!read_address(text, va, message_)) return false;
  message_.clear();
  set_address(va, false);
  return true;
}

void WalkStepper::set_address(uint64_t va, bool reveal_all) {
  va_ = va;
  shown_ = 0;
  asked_ = 0;
  all_ = keep_all_ = reveal_all;
}

size_t WalkStepper::fit(size_t steps) {
  const size_t stages = steps + 1;
  if (all_ || steps == 0) {
    shown_ = stages;
  } else {
    shown_ = std::min(shown_ + asked_, stages);
  }
  asked_ = 0;
  return shown_;
}

}  // namespace glass::inspector::app
