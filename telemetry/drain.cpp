// Drain: see drain.h.
#include "telemetry/drain.h"

namespace glass::telemetry {
namespace {

// A state change as the benchmark counts it: one frame's kind/owner, one entry's value, one lock
// taken or released.
uint64_t changes_in(const Record& r) {
  switch (r.type) {
    case MsgType::kFrameRun:
      return r.frame_run.count;
    case MsgType::kEntries:
      return r.entries.count;
    case MsgType::kLockAcquired:
    case MsgType::kLockReleased:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

bool Drain::send(Framer& f, Record r, unsigned cpu) {
  if (r.type == MsgType::kDropped) r.dropped.cpu = static_cast<uint8_t>(cpu);
  const NsOf conv = ns_of_;
  (void)visit(r, [&](auto& m) { for_each_time(m, conv); });
  if (!f.emit([&](ByteWriter& w) { return encode::message(w, r); })) return false;
  state_changes_ += changes_in(r);
  if (r.type == MsgType::kDropped) dropped_ += r.dropped.count;
  return true;
}

bool Drain::drain(Framer& f, EventRing* rings, unsigned count) {
  if (have_pending_) {
    if (!send(f, pending_, pending_cpu_)) return false;
    have_pending_ = false;
  }
  for (unsigned cpu = 0; cpu < count; ++cpu) {
    EventRing& ring = rings[cpu];
    if (!ring.attached()) continue;
    Record r{};
    while (ring.pop(r)) {
      if (!send(f, r, cpu)) {
        // Held in ring order: it was popped, so it goes first next time (times unconverted).
        pending_ = r;
        pending_cpu_ = cpu;
        have_pending_ = true;
        return false;
      }
    }
    if (const uint64_t lost = ring.take_lost(); lost != 0) {
      const Record d = tagged<Record>(msg::Dropped{static_cast<uint8_t>(cpu), lost});
      if (!send(f, d, cpu)) {
        pending_ = d;
        pending_cpu_ = cpu;
        have_pending_ = true;
        return false;
      }
    }
  }
  return true;
}

}  // namespace glass::telemetry
