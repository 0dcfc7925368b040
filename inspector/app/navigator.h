// Navigator: the one path from a navigation (step, jump, play, scrub, epoch switch, live data
// arriving, attaching mid-run) to the model the window draws.
//
// Invariants:
//  - Panels never move a source themselves: they request() a navigation, and every request is
//    applied at the top of the next frame (begin_frame()), in the order made. So the model drawn
//    in a frame is fixed before anything is drawn and every view of that frame draws the same
//    state; a click in the header can no longer move the position under views that draw later
//    (the bug of issue 16: the views cached the old position's state under the new generation).
//  - generation() changes exactly when the model shown may have changed (another position,
//    epoch or source, or live data arrived); it never changes in the middle of a frame, so views
//    may cache anything derived from the model by it.
//  - Replay: the model shown is Timeline::state_at(position()), the same as a fresh replay of
//    events [0..position()] (view::Timeline's invariant).
//  - Live: the model shown is the chosen epoch's, or the latest epoch's when following (0).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "inspector/app/epoch_list.h"
#include "inspector/app/navigation.h"
#include "inspector/app/replay_source.h"

namespace glass::inspector::app {

class Navigator {
 public:
  // Exactly one source is given; the other is null. Neither is owned; both outlive this.
  Navigator(ReplaySource* replay, const EpochList* live) : replay_(replay), live_(live) {}

  // Queued until the next begin_frame(): see the header.
  void request(const NavRequest& r) { pending_.push_back(r); }
  [[nodiscard]] bool has_pending() const { return !pending_.empty(); }

  // The top of a frame: applies the requests made since the last frame, advances playback by dt
  // seconds, fixes the model drawn in this frame and bumps generation() if it may have changed.
  // Returns true when it changed.
  bool begin_frame(double dt);

  // The model fixed by the last begin_frame() (an empty model before the first, or when the
  // source has nothing yet). Valid until the next begin_frame().
  [[nodiscard]] const StateModel& model() const { return *model_; }
  [[nodiscard]] uint64_t generation() const { return generation_; }
  // The last change came from a navigation (not from live data streaming in): views should show
  // it at once rather than on their throttled refresh.
  [[nodiscard]] bool navigated() const { return navigated_; }
  // Replay: the event shown in this frame.
  [[nodiscard]] size_t position() const { return shown_pos_; }
  // Live: the epoch chosen (0: follow the latest boot) and the epoch shown (null: none yet).
  [[nodiscard]] uint32_t chosen_epoch() const { return chosen_epoch_; }
  [[nodiscard]] const Epoch* shown_epoch() const;
  [[nodiscard]] bool playing() const { return replay_ != nullptr && replay_->playing(); }

 private:
  void apply(const NavRequest& r);
  // What identifies the state shown: a change of it is a new generation.
  struct Key {
    size_t pos = 0;
    uint32_t epoch = 0;
    uint64_t bytes = 0, events = 0;
    bool operator==(const Key&) const = default;
  };

  ReplaySource* replay_;
  const EpochList* live_;
  std::vector<NavRequest> pending_;
  uint32_t chosen_epoch_ = 0;
  StateModel empty_;
  const StateModel* model_ = &empty_;
  size_t shown_pos_ = 0;
  Key key_{};
  bool first_ = true;
  bool navigated_ = false;
  uint64_t generation_ = 0;
};

}  // namespace glass::inspector::app
