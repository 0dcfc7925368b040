// EventRing in the kernel: a full ring drops and counts instead of blocking, the loss reaches the
// consumer as one kDropped record in the position it happened, and the ring keeps working after.
#include "kernel/ktest/ktest.h"
#include "kernel/telemetry/telemetry.h"
#include "protocol/event_ring.h"

namespace glass::telemetry {
namespace {

Record g_slots[8];

Record rec(uint64_t n) {
  return tagged<Record>(msg::FrameRun{n, 1, 0, 0});
}

}  // namespace

KTEST(telemetry_ring, fifo_order) {
  EventRing ring;
  ring.attach(g_slots, 8);
  for (uint64_t i = 0; i < 5; ++i) KEXPECT(ring.push(rec(i)));
  Record r{};
  for (uint64_t i = 0; i < 5; ++i) {
    KASSERT(ring.pop(r));
    KEXPECT_EQ(r.frame_run.first, i);
  }
  KEXPECT(!ring.pop(r));
  KEXPECT_EQ(ring.take_lost(), 0u);
}

KTEST(telemetry_ring, overflow_counts_dropped_and_never_blocks) {
  EventRing ring;
  ring.attach(g_slots, 8);
  int accepted = 0;
  for (uint64_t i = 0; i < 100000; ++i) accepted += ring.push(rec(i)) ? 1 : 0;  // returns at once
  KEXPECT_EQ(accepted, 8);
  KEXPECT_EQ(ring.lost_pending(), 100000u - 8u);
  Record r{};
  for (int i = 0; i < 3; ++i) KASSERT(ring.pop(r));
  // Room again: the loss is recorded first, where it happened, then the new record.
  KEXPECT(ring.push(rec(777)));
  for (uint64_t i = 3; i < 8; ++i) {
    KASSERT(ring.pop(r));
    KEXPECT_EQ(r.frame_run.first, i);
  }
  KASSERT(ring.pop(r));
  KEXPECT(r.type == MsgType::kDropped);
  KEXPECT_EQ(r.dropped.count, 100000u - 8u);
  KASSERT(ring.pop(r));
  KEXPECT_EQ(r.frame_run.first, 777u);
  KEXPECT(!ring.pop(r));
  KEXPECT_EQ(ring.take_lost(), 0u);
}

KTEST(telemetry_ring, loss_left_in_an_empty_ring_is_taken_by_the_consumer) {
  EventRing ring;
  ring.attach(g_slots, 8);
  for (uint64_t i = 0; i < 9; ++i) (void)ring.push(rec(i));
  Record r{};
  while (ring.pop(r)) {
  }
  KEXPECT_EQ(ring.take_lost(), 1u);
  KEXPECT_EQ(ring.take_lost(), 0u);
}

KTEST(telemetry_ring, unattached_ring_drops_everything) {
  EventRing ring;
  KEXPECT(!ring.push(rec(1)));
  Record r{};
  KEXPECT(!ring.pop(r));
}

KTEST(telemetry_ring, channel_is_set_up_and_idle_without_a_host) {
  const ChannelStats s = stats();
  KEXPECT(s.enabled);  // the default command line leaves telemetry on
  KEXPECT(!s.attached);
  KEXPECT_EQ(s.dropped, 0u);
}

}  // namespace glass::telemetry
