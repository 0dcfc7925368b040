// Drain: the per-CPU rings -> wire events in a Framer. The one place a ring record becomes bytes:
// its time fields are converted from ticks to nanoseconds and the declared message is encoded
// (encode::message), so the drain names no message but `dropped`, whose cpu is the ring's.
//
// Invariants:
//  - Records leave each ring in order, rings in index order; a record that does not fit the
//    transmit buffer is kept and sent first on the next call, so nothing is lost or reordered.
//  - A ring's lost count (take_lost) becomes a `dropped` event after that ring's records.
//  - No allocation, no locks: one consumer at a time (the kernel's poll path, or the host thread
//    that owns the recording).
#pragma once

#include <stdint.h>

#include "protocol/event_ring.h"
#include "protocol/framer.h"

namespace glass::telemetry {

class Drain {
 public:
  using NsOf = uint64_t (*)(uint64_t ticks);
  explicit Drain(NsOf ns_of) : ns_of_(ns_of) {}

  // Rings -> frames until every ring is empty (true) or the framer is full (false).
  [[nodiscard]] bool drain(Framer& f, EventRing* rings, unsigned count);
  // Forgets a record held back (a snapshot replaces everything the rings described).
  void forget_pending() { have_pending_ = false; }

  // Frames, entries and lock operations sent (the benchmark's unit), and records lost to full
  // rings.
  [[nodiscard]] uint64_t state_changes() const { return state_changes_; }
  [[nodiscard]] uint64_t dropped() const { return dropped_; }

 private:
  [[nodiscard]] bool send(Framer& f, Record r, unsigned cpu);

  NsOf ns_of_;
  Record pending_{};
  unsigned pending_cpu_ = 0;
  bool have_pending_ = false;
  uint64_t state_changes_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace glass::telemetry
