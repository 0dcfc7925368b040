// The timeline: the state at any event equals a fresh replay up to it (random indices, in any
// order), keyframes bound the work, a damaged or truncated trace loads what it can and says so.
#include "inspector/view/timeline.h"

#include <gtest/gtest.h>

#include <random>

#include "inspector/trace/host_kernel.h"
#include "inspector/trace/trace_file.h"
#include "tests/host/lib/test_seed.h"
#include "tests/host/telemetry/telemetry_test_support.h"

namespace glass::inspector::view {
namespace {

std::vector<uint8_t> trace_bytes(uint64_t seed, int ops) {
  // Room for any seed: an operation maps at most 40 pages (random_activity); 4096 frames alone
  // ran out of folios for some seeds of the 400-operation trace.
  HostKernel k(4096 + 40 * static_cast<uint64_t>(ops), seed);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 700, 0);
  k.snapshot();
  k.random_activity(ops);
  k.send_digest();
  auto file = trace_header(telemetry::kProtocolVersion, 1);
  auto body = k.take_bytes();
  file.insert(file.end(), body.begin(), body.end());
  return file;
}

StateModel replay(const std::vector<uint8_t>& file, size_t through) {
  TraceFile tf;
  std::string err;
  EXPECT_TRUE(parse_trace(file, tf, err));
  auto items = testing::decode_all(tf.stream);
  StateModel m;
  for (size_t i = 0; i <= through && i < items.size(); ++i) m.apply(items[i]);
  return m;
}

void expect_same(const StateModel& a, const StateModel& b, size_t at) {
  EXPECT_EQ(a.digest(), b.digest()) << "at " << at;
  EXPECT_EQ(a.sync(), b.sync()) << "at " << at;
  EXPECT_EQ(a.node_count(), b.node_count()) << "at " << at;
  EXPECT_EQ(a.address_spaces().size(), b.address_spaces().size()) << "at " << at;
  EXPECT_EQ(a.cursors().size(), b.cursors().size()) << "at " << at;
  EXPECT_EQ(a.held_locks().size(), b.held_locks().size()) << "at " << at;
  EXPECT_EQ(a.journal().size(), b.journal().size()) << "at " << at;
  EXPECT_EQ(a.counters().digests_matched, b.counters().digests_matched) << "at " << at;
  EXPECT_EQ(a.last_t_ns(), b.last_t_ns()) << "at " << at;
  ASSERT_EQ(a.frames().size(), b.frames().size()) << "at " << at;
  for (size_t p = 0; p < a.frames().size(); ++p)
    ASSERT_TRUE(a.frames()[p].kind == b.frames()[p].kind &&
                a.frames()[p].owner == b.frames()[p].owner)
        << "frame " << p << " at " << at;
}

TEST(Timeline, StateAtAnyEventEqualsAFreshReplay) {
  const uint64_t seed = glass::testing::test_seed();
  GLASS_SEED_TRACE(seed);
  auto file = trace_bytes(seed, 400);
  Timeline t;
  std::string msg;
  ASSERT_TRUE(t.load(file, msg)) << msg;
  ASSERT_GT(t.event_count(), 3 * Timeline::kFirstInterval) << "too short to cross keyframes";
  EXPECT_GT(t.keyframe_count(), 2u);
  EXPECT_FALSE(t.truncated());
  EXPECT_EQ(msg.find("truncated"), std::string::npos) << msg;
  std::mt19937_64 rng(seed);
  std::vector<size_t> at{0, t.event_count() - 1, Timeline::kFirstInterval - 1,
                         Timeline::kFirstInterval};
  for (int i = 0; i < 12; ++i) at.push_back(rng() % t.event_count());
  for (size_t i : at) {  // forwards and backwards, across keyframes
    const StateModel& s = t.state_at(i);
    expect_same(s, replay(file, i), i);
  }
  // The last event's state is the synced end of the trace.
  EXPECT_EQ(t.state_at(t.event_count() - 1).sync(), Sync::kSynced);
}

TEST(Timeline, EventTextTimesAndSearch) {
  auto file = trace_bytes(3, 30);
  Timeline t;
  std::string msg;
  ASSERT_TRUE(t.load(file, msg)) << msg;
  EXPECT_NE(msg.find("loaded " + std::to_string(t.event_count()) + " events"), std::string::npos)
      << msg;
  EXPECT_EQ(t.event_text(0).rfind("seq=0 handshake", 0), 0u) << t.event_text(0);
  auto begin = t.find_next(0, telemetry::MsgType::kCursorBegin);
  ASSERT_TRUE(begin.has_value());
  EXPECT_EQ(t.item(*begin).event.ev.type, telemetry::MsgType::kCursorBegin);
  EXPECT_EQ(t.event_t_ns(*begin), t.item(*begin).event.ev.cursor_begin.t);
  EXPECT_EQ(t.event_t_ns(0), 0u);  // no time seen yet
  auto next = t.find_next(*begin + 1, telemetry::MsgType::kCursorBegin);
  ASSERT_TRUE(next.has_value());
  EXPECT_GT(*next, *begin);
  for (size_t i = 1; i < t.event_count(); ++i) EXPECT_GE(t.event_t_ns(i), t.event_t_ns(i - 1));
  EXPECT_FALSE(t.find_next(0, telemetry::MsgType::kPanic).has_value());
  auto snap_end = t.find_next(0, [](const StreamItem& it) {
    return it.kind == StreamItem::Kind::kEvent &&
           it.event.ev.type == telemetry::MsgType::kSnapshotEnd;
  });
  ASSERT_TRUE(snap_end.has_value());
  EXPECT_EQ(t.state_at(*snap_end).sync(), Sync::kSynced);
  EXPECT_EQ(t.state_at(*snap_end - 1).sync(), Sync::kInSnapshot);
}

TEST(Timeline, ATruncatedTraceLoadsUpToItsLastGoodFrameAndSaysWhere) {
  auto file = trace_bytes(5, 40);
  Timeline whole;
  std::string msg;
  ASSERT_TRUE(whole.load(file, msg));
  const size_t cut = file.size() - 5;  // inside the last frame
  std::vector<uint8_t> shorter(file.begin(), file.begin() + cut);
  Timeline t;
  ASSERT_TRUE(t.load(shorter, msg)) << msg;
  EXPECT_TRUE(t.truncated());
  EXPECT_LT(t.event_count(), whole.event_count());
  EXPECT_GT(t.event_count(), 0u);
  EXPECT_NE(msg.find("truncated after byte"), std::string::npos) << msg;
  // Every event kept equals the whole trace's.
  for (size_t i = 0; i < t.event_count(); ++i) EXPECT_EQ(t.event_text(i), whole.event_text(i));
  expect_same(t.state_at(t.event_count() - 1), whole.state_at(t.event_count() - 1), 0);
}

TEST(Timeline, ADamagedFrameIsAGapAndTheRestStillLoads) {
  auto file = trace_bytes(6, 40);
  file[file.size() / 2] ^= 0x5a;
  Timeline t;
  std::string msg;
  ASSERT_TRUE(t.load(file, msg)) << msg;
  EXPECT_NE(msg.find("gap"), std::string::npos) << msg;
  auto gap = t.find_next(0, [](const StreamItem& it) { return it.kind == StreamItem::Kind::kGap; });
  ASSERT_TRUE(gap.has_value());
  EXPECT_EQ(t.event_text(*gap).rfind("GAP", 0), 0u) << t.event_text(*gap);
  EXPECT_EQ(t.state_at(*gap).sync(), Sync::kNeedSnapshot);
}

TEST(Timeline, NotATraceIsRefusedWithAReason) {
  Timeline t;
  std::string msg;
  EXPECT_FALSE(t.load({1, 2, 3}, msg));
  EXPECT_NE(msg.find("not a Glass trace"), std::string::npos) << msg;
  EXPECT_EQ(t.event_count(), 0u);
  EXPECT_EQ(t.state_at(5).frames().size(), 0u);  // an empty model, not a crash
  std::vector<uint8_t> junk(64, 0x41);
  EXPECT_FALSE(t.load(junk, msg));
}

TEST(Timeline, AnotherProtocolVersionIsRefusedWithBothVersions) {
  HostKernel k(1024, 1);
  k.handshake(telemetry::kProtocolVersion + 1);
  auto file = trace_header(telemetry::kProtocolVersion + 1, 1);
  auto body = k.take_bytes();
  file.insert(file.end(), body.begin(), body.end());
  Timeline t;
  std::string msg;
  EXPECT_FALSE(t.load(file, msg));
  EXPECT_NE(msg.find("v" + std::to_string(telemetry::kProtocolVersion + 1)), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace glass::inspector::view
