// Navigator: see navigator.h.
#include "inspector/app/navigator.h"

#include <algorithm>

namespace glass::inspector::app {

const Epoch* Navigator::shown_epoch() const {
  if (live_ == nullptr) return nullptr;
  const Epoch* e = chosen_epoch_ != 0 ? live_->find(chosen_epoch_) : nullptr;
  return e != nullptr ? e : live_->latest();
}

void Navigator::apply(const NavRequest& r) {
  using K = NavRequest::Kind;
  if (r.kind == K::kEpoch) {
    chosen_epoch_ = static_cast<uint32_t>(r.at);
    return;
  }
  if (replay_ == nullptr) return;  // the timeline's requests mean nothing live
  const size_t n = replay_->event_count();
  const size_t pos = replay_->position();
  switch (r.kind) {
    case K::kSeek:
      replay_->seek(r.at);
      break;
    case K::kStep:
      // Clamped at both ends (seek clamps past the end).
      if (r.delta < 0)
        replay_->seek(pos - std::min(pos, static_cast<size_t>(-r.delta)));
      else
        replay_->seek(pos + static_cast<size_t>(r.delta));
      break;
    case K::kJumpNext:
      if (n > 0)
        if (auto at = replay_->timeline().find_next(pos + 1, r.type)) replay_->seek(*at);
      break;
    case K::kPlay:
      replay_->play(r.on);
      break;
    case K::kRate:
      replay_->set_rate(r.rate);
      break;
    case K::kEpoch:
      break;
  }
}

bool Navigator::begin_frame(double dt) {
  const bool asked = !pending_.empty();
  for (const NavRequest& r : pending_) apply(r);
  pending_.clear();
  const bool played = replay_ != nullptr && replay_->tick(dt);
  Key key;
  if (replay_ != nullptr) {
    shown_pos_ = replay_->position();
    key.pos = shown_pos_;
    model_ = &replay_->state();
  } else if (const Epoch* e = shown_epoch()) {
    key = {0, e->number, e->bytes, e->events};
    model_ = &e->model;
  } else {
    model_ = &empty_;
  }
  const bool changed = first_ || !(key == key_);
  first_ = false;
  key_ = key;
  if (changed) {
    ++generation_;
    // Live data streaming in while following the latest epoch is the only change that is not a
    // navigation; an epoch switch or any replay move is one.
    navigated_ = replay_ != nullptr || asked || played;
  }
  return changed;
}

}  // namespace glass::inspector::app
