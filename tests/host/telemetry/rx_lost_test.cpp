// Host bytes the kernel lost before decoding them (issue 11): the rx_lost event round-trips through
// encoder, frame and decoder, a cut one is refused, and the receive queue says how much room it
// has (the COM2 handler reads a byte only when there is room, so nothing overflows) and counts
// what a full queue refused.
#include <gtest/gtest.h>

#include "inspector/model/event_text.h"
#include "kernel/telemetry/rx_queue.h"
#include "protocol/encoder.h"
#include "protocol/event.h"
#include "tests/host/telemetry/telemetry_test_support.h"

namespace glass::telemetry {
namespace {

TEST(TelemetryRxLost, RoundTripsAndNamesBothCounts) {
  FrameBuilder fb;
  ASSERT_TRUE(encode::rx_lost(fb.writer(), 162031, 0).is_ok());
  ASSERT_TRUE(encode::rx_lost(fb.writer(), 0, 3).is_ok());
  uint8_t out[kMaxWireFrame];
  auto n = fb.seal(0, out, sizeof out);
  ASSERT_TRUE(n.is_ok());
  std::vector<std::string> got;
  for (const auto& it : inspector::testing::decode_all({out, out + n.value()})) {
    ASSERT_EQ(it.kind, inspector::StreamItem::Kind::kEvent);
    got.push_back(inspector::describe(it.event));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"rx_lost overflows=162031 line_errors=0",
                                           "rx_lost overflows=0 line_errors=3"}));
  EXPECT_FALSE(is_host_command(MsgType::kRxLost));
}

TEST(TelemetryRxLost, ACutEventIsRefused) {
  const uint8_t t = static_cast<uint8_t>(MsgType::kRxLost);
  for (std::vector<uint8_t> b :
       {std::vector<uint8_t>{t}, std::vector<uint8_t>{t, 5}, std::vector<uint8_t>{t, 0x80, 1}}) {
    ByteReader r(b.data(), b.size());
    EXPECT_TRUE(decode_event(r).is_error()) << b.size() << " bytes";
  }
}

TEST(TelemetryRxLost, QueueRoomAndOverflows) {
  auto q = std::make_unique<RxQueue>();
  EXPECT_EQ(q->room(), RxQueue::kCapacity);
  for (uint32_t i = 0; i < RxQueue::kCapacity; ++i) ASSERT_TRUE(q->push(static_cast<uint8_t>(i)));
  EXPECT_EQ(q->room(), 0u);
  EXPECT_FALSE(q->push(1));  // a producer that did not ask room() first loses the byte: counted
  EXPECT_EQ(q->overflows(), 1u);
  EXPECT_EQ(q->pop(), 0);
  EXPECT_EQ(q->room(), 1u);
  EXPECT_TRUE(q->push(2));
  EXPECT_EQ(q->overflows(), 1u);
}

}  // namespace
}  // namespace glass::telemetry
