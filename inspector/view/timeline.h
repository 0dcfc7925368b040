// The timeline: a recorded trace as a sequence of events (and gaps) with the model's state after
// any of them, rebuilt quickly from keyframes.
//
// Invariants: state_at(i) is exactly the state a fresh StateModel reaches by applying items
// [0..i] in order (tests compare it with such a replay). Keyframes are deep copies taken every
// interval() items during load(); when their estimated size passes kKeyframeBudget every other
// one is dropped and the interval doubles, so memory stays bounded and reaching any index costs
// at most one copy plus interval() applies. A trace cut short or damaged loads up to its last
// good frame: damaged frames in the middle stay in the sequence as gaps (the model reacts to
// them as it would live), a partial last frame is left out and the message says where the file
// was cut.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"

namespace glass::inspector::view {

class Timeline {
 public:
  static constexpr size_t kFirstInterval = 1024;
  // 64 MiB: with 128 the keyframes of the benchmark's trace alone passed the peak-RSS goal
  // (inspector_peak_rss 1.12); stepping stays one copy plus interval() applies either way.
  static constexpr size_t kKeyframeBudget = size_t{64} << 20;

  // Reads a whole .glt file from memory. false (and why in message) when it is not a trace this
  // inspector can read; true otherwise, with "loaded N events ..." (and where it was truncated).
  bool load(std::vector<uint8_t> bytes, std::string& message);

  [[nodiscard]] size_t event_count() const { return items_.size(); }
  // The state after applying items [0..event_index] (clamped to the last; an empty timeline gives
  // an empty model). The reference stays valid until the next state_at() or load().
  const StateModel& state_at(size_t event_index);
  [[nodiscard]] const StreamItem& item(size_t i) const { return items_.at(i); }
  // One line, as `glass-trace dump` prints it.
  [[nodiscard]] std::string event_text(size_t i) const;
  // The kernel time at item i: its own timestamp, or the latest one before it (0 if none yet).
  [[nodiscard]] uint64_t event_t_ns(size_t i) const;
  // The first item at or after `from` that is an event of that type / matches pred.
  [[nodiscard]] std::optional<size_t> find_next(size_t from, telemetry::MsgType type) const;
  [[nodiscard]] std::optional<size_t> find_next(
      size_t from, const std::function<bool(const StreamItem&)>& pred) const;

  [[nodiscard]] bool truncated() const { return truncated_; }
  [[nodiscard]] size_t keyframe_count() const { return keys_.size(); }
  [[nodiscard]] size_t interval() const { return interval_; }

 private:
  struct Keyframe {
    size_t applied;  // items applied to reach it
    StateModel model;
  };
  static size_t estimate_bytes(const StateModel& m);
  void add_keyframe(size_t applied, const StateModel& m);

  std::vector<StreamItem> items_;
  std::vector<uint64_t> t_ns_;
  std::vector<Keyframe> keys_;
  size_t interval_ = kFirstInterval;
  size_t key_bytes_ = 0;
  bool truncated_ = false;
  StateModel current_;
  size_t current_applied_ = 0;
};

}  // namespace glass::inspector::view
