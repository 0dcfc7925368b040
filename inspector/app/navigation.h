// NavRequest: one navigation a user (or a command-line option) asks for: what Navigator applies at
// the top of the next frame. A plain value, so panels and tests make them the same way.
//
// Invariants: a request names where to go, never a state; out-of-range targets are clamped when
// applied (a step before event 0 stays at 0, past the end stays at the last event), never refused.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/wire.h"

namespace glass::inspector::app {

struct NavRequest {
  enum class Kind : uint8_t {
    kSeek,      // replay: go to event `at`
    kStep,      // replay: move by `delta` events
    kJumpNext,  // replay: the next event of type `type` after the position (none: stay)
    kPlay,      // replay: play (on) or pause
    kRate,      // replay: playback rate in events per second
    kEpoch,     // live: show epoch `at` (0: follow the latest boot)
  };
  Kind kind = Kind::kSeek;
  size_t at = 0;
  int64_t delta = 0;
  telemetry::MsgType type{};
  bool on = false;
  double rate = 0;

  static NavRequest seek(size_t n) { return {.kind = Kind::kSeek, .at = n}; }
  static NavRequest step(int64_t d) { return {.kind = Kind::kStep, .delta = d}; }
  static NavRequest jump_next(telemetry::MsgType t) { return {.kind = Kind::kJumpNext, .type = t}; }
  static NavRequest play(bool on) { return {.kind = Kind::kPlay, .on = on}; }
  static NavRequest set_rate(double r) { return {.kind = Kind::kRate, .rate = r}; }
  static NavRequest epoch(uint32_t n) { return {.kind = Kind::kEpoch, .at = n}; }
};

}  // namespace glass::inspector::app
