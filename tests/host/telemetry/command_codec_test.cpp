// Protocol v2's commands and answers: PING/PONG, WALK/walk_result, PAUSE/STEP/RESUME/demo_state.
// Round trips through encoder, frame and decoder (the text is the field-by-field check), the
// decoder's refusals of malformed answers, the model's bookkeeping, and the model's own walk
// against the walk a (synthetic) kernel answers.
#include <gtest/gtest.h>

#include "inspector/model/event_text.h"
#include "inspector/model/state_model.h"
#include "inspector/trace/host_kernel.h"
#include "protocol/encoder.h"
#include "protocol/event.h"
#include "protocol/walk.h"
#include "tests/host/telemetry/telemetry_test_support.h"

namespace glass::telemetry {
namespace {

using inspector::describe;
namespace te = encode;

std::vector<uint8_t> seal(FrameBuilder& fb, uint32_t seq = 0) {
  uint8_t out[kMaxWireFrame];
  auto n = fb.seal(seq, out, sizeof out);
  EXPECT_TRUE(n.is_ok());
  return {out, out + n.value()};
}

std::vector<std::string> texts(const std::vector<uint8_t>& bytes) {
  std::vector<std::string> got;
  for (const auto& it : inspector::testing::decode_all(bytes)) {
    if (it.kind != inspector::StreamItem::Kind::kEvent) {
      got.push_back(describe(it.gap));
      continue;
    }
    got.push_back(describe(it.event));
  }
  return got;
}

TEST(TelemetryCommands, VersionIsThree) {
  EXPECT_EQ(kProtocolVersion, 3u);
}

TEST(TelemetryCommands, EveryNewMessageRoundTrips) {
  FrameBuilder fb;
  auto& w = fb.writer();
  ASSERT_TRUE(te::ping(w, 42).is_ok());
  ASSERT_TRUE(te::pong(w, 0xffffffffffffffffull).is_ok());
  ASSERT_TRUE(te::walk(w, 7, 3, 0x00007f0000001000ull).is_ok());
  ASSERT_TRUE(te::walk(w, 8, 3, 0x0000800000000000ull).is_ok());  // non-canonical travels
  WalkLevel lv[4] = {{4, 0, 0x100, 0x101027},
                     {3, 1, 0x101, 0x102027},
                     {2, 511, 0x102, 0x8000000040000083ull},
                     {1, 0, 0, 0}};
  ASSERT_TRUE(te::walk_result(w, 7, 3, 0x7fc0000000ull, WalkStatus::kLeaf, lv, 3).is_ok());
  ASSERT_TRUE(te::walk_result(w, 9, 3, 0x1000, WalkStatus::kNotPresent, lv, 1).is_ok());
  ASSERT_TRUE(
      te::walk_result(w, 8, 3, 0x0000800000000000ull, WalkStatus::kNonCanonical, lv, 0).is_ok());
  ASSERT_TRUE(te::walk_result(w, 10, 99, 0, WalkStatus::kUnknownAsid, nullptr, 0).is_ok());
  ASSERT_TRUE(te::demo_control(w, MsgType::kPause).is_ok());
  ASSERT_TRUE(te::demo_control(w, MsgType::kStep).is_ok());
  ASSERT_TRUE(te::demo_control(w, MsgType::kResume).is_ok());
  ASSERT_TRUE(te::demo_state(w, DemoRun::kPaused, 12, 3, "cr3 \"x\"", 7).is_ok());
  ASSERT_TRUE(te::demo_state(w, DemoRun::kNone, 0, 0, "", 0).is_ok());
  std::vector<std::string> want = {
      "ping token=42",
      "pong token=18446744073709551615",
      "walk token=7 asid=3 va=0x7f0000001000",
      "walk token=8 asid=3 va=0x800000000000",
      "walk_result token=7 asid=3 va=0x7fc0000000 status=leaf L4[table=0x100000 index=0 "
      "entry=0x101027] L3[table=0x101000 index=1 entry=0x102027] L2[table=0x102000 index=511 "
      "entry=0x8000000040000083]",
      "walk_result token=9 asid=3 va=0x1000 status=not-present L4[table=0x100000 index=0 "
      "entry=0x101027]",
      "walk_result token=8 asid=3 va=0x800000000000 status=non-canonical",
      "walk_result token=10 asid=99 va=0x0 status=unknown-asid",
      "pause",
      "step",
      "resume",
      "demo_state state=paused step=12 cr3_asid=3 label=\"cr3 \\\"x\\\"\"",
      "demo_state state=none step=0 cr3_asid=0 label=\"\"",
  };
  EXPECT_EQ(texts(seal(fb)), want);
}

TEST(TelemetryCommands, EncoderRefusesWhatCannotDecode) {
  FrameBuilder fb;
  auto& w = fb.writer();
  WalkLevel lv[4] = {{4, 0, 1, 0}, {3, 0, 1, 0}, {2, 0, 1, 0}, {1, 0, 1, 0}};
  EXPECT_EQ(te::walk_result(w, 1, 1, 0, WalkStatus::kLeaf, lv, 0).error(),
            Error::kInvalidArgument);  // a walk needs levels
  EXPECT_EQ(te::walk_result(w, 1, 1, 0, WalkStatus::kUnknownAsid, lv, 1).error(),
            Error::kInvalidArgument);  // a refusal has none
  EXPECT_EQ(te::walk_result(w, 1, 1, 0, WalkStatus::kLeaf, lv, 5).error(), Error::kInvalidArgument);
  EXPECT_EQ(te::walk_result(w, 1, 1, 0, WalkStatus::kLeaf, lv + 1, 1).error(),
            Error::kInvalidArgument);  // must start at level 4
  WalkLevel bad_index[1] = {{4, 512, 1, 0}};
  EXPECT_EQ(te::walk_result(w, 1, 1, 0, WalkStatus::kLeaf, bad_index, 1).error(),
            Error::kInvalidArgument);
  EXPECT_EQ(te::walk_result(w, 1, 1, 0, static_cast<WalkStatus>(9), nullptr, 0).error(),
            Error::kInvalidArgument);
  EXPECT_EQ(te::demo_control(w, MsgType::kPing).error(), Error::kInvalidArgument);
  EXPECT_EQ(te::demo_state(w, static_cast<DemoRun>(3), 0, 0, "", 0).error(),
            Error::kInvalidArgument);
  EXPECT_TRUE(fb.empty());
}

// Hand-made malformed answers: each must be refused by decode_event, never misread.
TEST(TelemetryCommands, DecoderRefusesMalformedAnswers) {
  auto decodes = [](std::vector<uint8_t> b) {
    ByteReader r(b.data(), b.size());
    return decode_event(r).is_ok() && r.at_end();
  };
  const uint8_t R = static_cast<uint8_t>(MsgType::kWalkResult);
  const std::vector<uint8_t> va(8, 0);
  auto result = [&](uint8_t status, uint8_t count, std::vector<uint8_t> levels) {
    std::vector<uint8_t> b = {R, 1, 2};
    b.insert(b.end(), va.begin(), va.end());
    b.push_back(status);
    b.push_back(count);
    b.insert(b.end(), levels.begin(), levels.end());
    return b;
  };
  const std::vector<uint8_t> l4 = {4, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  const std::vector<uint8_t> l2 = {2, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_TRUE(decodes(result(1, 1, l4)));
  EXPECT_FALSE(decodes(result(1, 1, l2)));  // levels start at 4
  EXPECT_FALSE(decodes(result(0, 0, {})));  // leaf without levels
  EXPECT_FALSE(decodes(result(2, 1, l4)));  // refusal with levels
  EXPECT_FALSE(decodes(result(5, 0, {})));  // unknown status
  EXPECT_FALSE(decodes(result(1, 5, l4)));  // more than 4 levels
  EXPECT_FALSE(decodes(result(1, 2, l4)));  // truncated
  EXPECT_FALSE(decodes({static_cast<uint8_t>(MsgType::kDemoState), 3, 0, 0, 0}));  // bad state
  EXPECT_FALSE(decodes({static_cast<uint8_t>(MsgType::kWalk), 1, 1, 0, 0}));       // short va
  EXPECT_FALSE(decodes({static_cast<uint8_t>(MsgType::kPing)}));                   // no token
}

TEST(TelemetryCommands, WalkTablesStopsWhereTheMmuWould) {
  // root 0x10 -> L3 0x11 -> L2 0x12 with a 2 MiB leaf at index 1, nothing at index 2.
  std::map<uint64_t, std::array<uint64_t, 512>> t;
  t[0x10][0] = 0x11000 | 0x7;
  t[0x11][0] = 0x12000 | 0x7;
  t[0x12][1] = 0x40000000 | 0x80 | 0x7;
  auto read = [&](uint64_t pfn, unsigned i, uint64_t& e) {
    auto it = t.find(pfn);
    if (it == t.end()) return false;
    e = it->second[i];
    return true;
  };
  WalkLevel lv[4];
  uint8_t n = 0;
  EXPECT_EQ(walk_tables(0x10, 0x200000 + 0x1234, read, lv, n), WalkStatus::kLeaf);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(lv[2].index, 1);
  EXPECT_EQ(walk_tables(0x10, 0x400000, read, lv, n), WalkStatus::kNotPresent);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(walk_tables(0x10, 0x0000800000000000ull, read, lv, n), WalkStatus::kNonCanonical);
  EXPECT_EQ(n, 0);
  t[0x12][3] = 0x99000 | 0x7;  // points at a table nobody can read
  EXPECT_EQ(walk_tables(0x10, 0x600000, read, lv, n), WalkStatus::kBadTable);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(walk_tables(0x77, 0, read, lv, n), WalkStatus::kUnknownAsid);
}

}  // namespace
}  // namespace glass::telemetry

namespace glass::inspector {
namespace {

// One decoder along a growing stream (take_bytes() returns everything so far): feeds what is new.
struct Feed {
  StreamDecoder d;
  StateModel m;
  size_t seen = 0;
  void operator()(const std::vector<uint8_t>& bytes) {
    std::vector<StreamItem> items;
    d.feed(bytes.data() + seen, bytes.size() - seen, items);
    seen = bytes.size();
    for (const auto& it : items) m.apply(it);
  }
};

TEST(TelemetryCommands, ModelRecordsAnswersAndClearsPendingPing) {
  HostKernel k(2048, 4);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.map(as, 0x7f0000000000ull, 3, 0);
  k.snapshot();
  k.pong(5);
  k.demo_state(telemetry::DemoRun::kPaused, 9, as, "mapped");
  k.answer_walk(77, as, 0x7f0000001000ull);
  Feed f;
  StateModel& m = f.m;
  m.note_ping_sent(6);  // another token: a stale PONG must not clear it
  f(k.take_bytes());
  EXPECT_EQ(m.sync(), Sync::kSynced);
  EXPECT_EQ(m.counters().problems, 0u);
  ASSERT_TRUE(m.pending_ping().has_value());
  EXPECT_EQ(m.pongs(), 1u);
  ASSERT_TRUE(m.demo().has_value());
  EXPECT_EQ(m.demo()->step, 9u);
  EXPECT_EQ(m.demo()->label, "mapped");
  ASSERT_TRUE(m.last_walk().has_value());
  EXPECT_EQ(m.last_walk()->token, 77u);
  EXPECT_EQ(m.last_walk()->status, telemetry::WalkStatus::kLeaf);
  EXPECT_EQ(m.last_walk()->levels.size(), 4u);
  k.pong(6);
  f(k.take_bytes());
  EXPECT_FALSE(m.pending_ping().has_value());
}

// The model's own walk equals the kernel's answer for mapped, unmapped, foreign and bad input.
TEST(TelemetryCommands, ModelWalkEqualsKernelWalk) {
  HostKernel k(4096, 12);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 20, 0);
  k.snapshot();
  k.random_activity(80);
  const uint64_t vas[] = {0x400000,
                          0x404000,
                          0x413000,
                          0x7fffffffe000ull,
                          0,
                          0x0000800000000000ull,
                          0xffff800000000000ull};
  const uint32_t asids[] = {as, 999};
  Feed f;
  StateModel& m = f.m;
  f(k.take_bytes());
  ASSERT_EQ(m.sync(), Sync::kSynced);
  uint64_t token = 1;
  for (uint32_t a : asids)
    for (uint64_t va : vas) {
      k.answer_walk(token, a, va);
      f(k.take_bytes());
      ASSERT_TRUE(m.last_walk().has_value());
      ASSERT_EQ(m.last_walk()->token, token);
      const WalkAnswer mine = m.walk_address(a, va);
      EXPECT_TRUE(same_walk(*m.last_walk(), mine)) << a << " " << std::hex << va;
      ++token;
    }
  EXPECT_EQ(m.walk_address(as, 0x400000).status, telemetry::WalkStatus::kLeaf);
  EXPECT_EQ(m.walk_address(999, 0x400000).status, telemetry::WalkStatus::kUnknownAsid);
  // Every leaf the model lists walks to itself.
  auto leaves = m.leaf_mappings(as, true);
  ASSERT_FALSE(leaves.empty());
  for (const auto& v : leaves) {
    const WalkAnswer w = m.walk_address(as, v.va);
    ASSERT_EQ(w.status, telemetry::WalkStatus::kLeaf);
    EXPECT_EQ(w.levels.back().entry, v.pte);
    EXPECT_EQ(w.levels.back().level, v.level);
  }
}

}  // namespace
}  // namespace glass::inspector
