// RedrawPolicy: see redraw_policy.h.
#include "inspector/app/redraw_policy.h"

#include <algorithm>

namespace glass::inspector::app {

bool RedrawPolicy::should_draw(const Cause& c) {
  const bool source_moved = !have_key_ || c.source_key != key_;
  key_ = c.source_key;
  have_key_ = true;
  return settle_ > 0 || c.navigation || c.playing || source_moved || c.now_s >= due_s_;
}

double RedrawPolicy::wait_seconds(const Cause& c, bool live) const {
  const double bound = live ? kLivePollSeconds : kIdleSeconds;
  return std::clamp(due_s_ - c.now_s, 0.0, bound);
}

void RedrawPolicy::drawn(double now_s, double redraw_in_s) {
  settle_ = std::max(0, settle_ - 1);
  due_s_ = redraw_in_s < 1e8 ? now_s + redraw_in_s : 1e18;
}

}  // namespace glass::inspector::app
