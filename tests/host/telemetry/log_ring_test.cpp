// The kernel's text events before they are framed: a line longer than kMaxText keeps its start and
// ends in the cut marker (never silently shortened), a full ring drops its oldest line and counts
// it, and a cut line still encodes and decodes whole.
#include <gtest/gtest.h>

#include <string>

#include "kernel/telemetry/log_ring.h"
#include "protocol/encoder.h"
#include "protocol/event.h"

namespace glass::telemetry {
namespace {

std::string text_of(const LogSlot& s) {
  return std::string(s.text, s.len);
}

TEST(TelemetryLogRing, LongLinesAreCutWithAMarker) {
  char out[kMaxText];
  const std::string shortline = "GLASS READY init_us=1";
  EXPECT_EQ(std::string(out, fit_text(out, shortline.data(), shortline.size(), false)), shortline);
  const std::string exact(kMaxText, 'x');
  EXPECT_EQ(std::string(out, fit_text(out, exact.data(), exact.size(), false)), exact);
  const std::string longer(kMaxText + 1, 'y');
  const std::string cut(out, fit_text(out, longer.data(), longer.size(), false));
  EXPECT_EQ(cut.size(), kMaxText);
  EXPECT_EQ(cut, std::string(kMaxText - kCutMarkerLen, 'y') + kCutMarker);
  // A caller that already had to cut (kprintf's line buffer) gets the marker too.
  const std::string cut2(out, fit_text(out, "abc", 3, true));
  EXPECT_EQ(cut2, std::string("abc") + kCutMarker);
}

TEST(TelemetryLogRing, FullRingDropsTheOldestAndCountsIt) {
  LogRing<4> r;
  for (int i = 0; i < 6; ++i) {
    LogSlot s;
    const std::string t = "line " + std::to_string(i);
    s.len = static_cast<uint16_t>(fit_text(s.text, t.data(), t.size(), false));
    r.push(s);
  }
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(r.take_lost(), 2u);
  EXPECT_EQ(r.take_lost(), 0u);
  for (int i = 2; i < 6; ++i) {
    ASSERT_NE(r.front(), nullptr);
    EXPECT_EQ(text_of(*r.front()), "line " + std::to_string(i));
    r.pop();
  }
  EXPECT_EQ(r.front(), nullptr);
}

TEST(TelemetryLogRing, ACutLineEncodesAndDecodesWhole) {
  LogSlot s;
  const std::string longer(500, 'z');
  s.len = static_cast<uint16_t>(fit_text(s.text, longer.data(), longer.size(), false));
  uint8_t buf[512];
  ByteWriter w(buf, sizeof buf);
  ASSERT_TRUE(encode::log(w, LogLevel::kWarn, 7, s.text, s.len).is_ok());
  ASSERT_TRUE(encode::ktap(w, KtapStatus::kOk, 3, s.text, s.len).is_ok());
  ByteReader rd(buf, w.size());
  const Event e = decode_event(rd).value();
  ASSERT_EQ(e.type, MsgType::kLog);
  EXPECT_EQ(std::string(e.log.text.data, e.log.text.len), text_of(s));
  EXPECT_EQ(std::string(e.log.text.data + e.log.text.len - kCutMarkerLen, kCutMarkerLen),
            kCutMarker);
  const Event k = decode_event(rd).value();
  ASSERT_EQ(k.type, MsgType::kKtap);
  EXPECT_EQ(k.ktap.number, 3u);
  EXPECT_TRUE(rd.at_end());
}

}  // namespace
}  // namespace glass::telemetry
