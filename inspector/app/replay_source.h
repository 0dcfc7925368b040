// ReplaySource: a .glt trace opened for the timeline (view::Timeline): the position shown, play
// and pause at a chosen rate, seeking, and the sentences a user needs when the file is bad.
//
// Invariants: position() < event_count() whenever the trace has events (0 otherwise), and 0 right
// after open(): a replay starts at its first event; state() is always
// Timeline::state_at(position()). The app moves it only through Navigator (navigator.h). A missing,
// unreadable or non-trace file makes open() fail with a sentence naming the path (a directory, a
// device, an empty or foreign file: from its header alone); a truncated or damaged one opens, and
// message() says how much was loaded and, for a recording that ends without a goodbye, where it was
// cut (TraceCut).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <optional>
#include <string>

#include "inspector/trace/trace_end.h"
#include "inspector/view/timeline.h"

namespace glass::inspector::app {

class ReplaySource {
 public:
  [[nodiscard]] bool open(const std::string& path, std::string& error);
  // --at-event N: false (and why) when the trace has no event N.
  [[nodiscard]] bool seek_checked(uint64_t n, std::string& error);

  void seek(size_t n);
  void play(bool on) { playing_ = on && event_count() > 0; }
  [[nodiscard]] bool playing() const { return playing_; }
  void set_rate(double events_per_s) { rate_ = events_per_s; }
  [[nodiscard]] double rate() const { return rate_; }
  // Advance by dt seconds of playback; stops at the end. Returns true if the position moved.
  bool tick(double dt);

  [[nodiscard]] size_t event_count() const { return timeline_.event_count(); }
  [[nodiscard]] size_t position() const { return pos_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const StateModel& state() { return timeline_.state_at(pos_); }
  [[nodiscard]] view::Timeline& timeline() { return timeline_; }
  [[nodiscard]] double load_seconds() const { return load_s_; }
  // Set when the recording ends without a goodbye.
  [[nodiscard]] const std::optional<TraceCut>& cut() const { return cut_; }

 private:
  view::Timeline timeline_;
  std::string path_, message_;
  size_t pos_ = 0;
  bool playing_ = false;
  double rate_ = 200;  // events per second
  double carry_ = 0;   // fractional events owed by tick()
  double load_s_ = 0;
  std::optional<TraceCut> cut_;
};

}  // namespace glass::inspector::app
