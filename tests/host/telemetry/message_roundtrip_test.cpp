// Every message of the table (protocol/message_table.h), walked from the table itself: a sample of
// each is encoded, decoded and compared field by field, and its text form names every shown
// field. A new message is covered the day it is declared.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <type_traits>

#include "inspector/model/event_text.h"
#include "protocol/encoder.h"
#include "protocol/event.h"

namespace glass::telemetry {
namespace {

namespace f = field;

// A value every codec accepts and that is not its zero: the largest of 7 and its maximum.
template <typename V, uint64_t Max, Show S>
V sample(f::VarintOf<V, Max, S>) {
  return static_cast<V>(Max < 7 ? Max : 7);
}
template <typename V, uint8_t Max, Show S>
V sample(f::ByteOf<V, Max, S>) {
  return static_cast<V>(Max < 7 ? Max : 7);
}
uint64_t sample(f::Hex64) {
  return 0x0123456789abcdefull;
}
uint32_t sample(f::Magic) {
  return kMagic;
}
uint32_t sample(f::Version) {
  return kProtocolVersion;
}
uint64_t sample(f::TimeNs) {
  return 123456789;
}
Text sample(f::Text) {
  return Text{"sample \"text\"", 13};
}
EntryDeltas sample(f::Deltas) {
  return EntryDeltas{nullptr, 0};
}
WalkLevels sample(f::WalkLevels) {
  WalkLevels l{};
  l.count = kMaxLevel;
  for (uint8_t i = 0; i < kMaxLevel; ++i)
    l.at[i] = WalkLevel{static_cast<uint8_t>(kMaxLevel - i), static_cast<uint16_t>(i + 1),
                        0x100u + i, 0x8000000000000003ull + (uint64_t{i} << 12)};
  return l;
}

// The message with every field at its sample, then the cross-field rules honoured.
template <typename M>
M make() {
  M m{};
  msg::for_each_field(m, [](auto codec, auto& v, const char*) { v = sample(codec); });
  if constexpr (std::is_same_v<M, msg::Entries>) m.mode = EntriesMode::kProgression;
  return m;
}

template <typename C, typename V>
void expect_same(const V& a, const V& b, const char* name) {
  if constexpr (std::is_same_v<V, Text>) {
    EXPECT_EQ(std::string(a.data, a.len), std::string(b.data, b.len)) << name;
  } else if constexpr (std::is_same_v<V, EntryDeltas>) {
    ASSERT_EQ(a.len, b.len) << name;
    EXPECT_EQ(0, a.len ? std::memcmp(a.data, b.data, a.len) : 0) << name;
  } else if constexpr (std::is_same_v<V, WalkLevels>) {
    ASSERT_EQ(a.count, b.count) << name;
    for (uint8_t i = 0; i < a.count; ++i) {
      EXPECT_EQ(a.at[i].level, b.at[i].level);
      EXPECT_EQ(a.at[i].index, b.at[i].index);
      EXPECT_EQ(a.at[i].table_pfn, b.at[i].table_pfn);
      EXPECT_EQ(a.at[i].entry, b.at[i].entry);
    }
  } else {
    EXPECT_EQ(a, b) << name;
  }
}

// Encode, decode, compare; the text form names the message and every field it shows.
template <typename M>
void roundtrip(const M& m, int& walked) {
  SCOPED_TRACE(M::kName);
  ++walked;
  uint8_t buf[kMaxPayload];
  ByteWriter w(buf, sizeof buf);
  ASSERT_TRUE(encode::message(w, m).is_ok());
  ByteReader r(buf, w.size());
  auto e = decode_event(r);
  ASSERT_TRUE(e.is_ok());
  EXPECT_TRUE(r.at_end()) << "the decoder read a different length than the encoder wrote";
  ASSERT_EQ(e.value().type, M::kType);
  const M& back = member(e.value(), static_cast<const M*>(nullptr));
  // Walk both messages' fields side by side (same type: same order).
  std::vector<std::string> shown;
  {
    const M* other = &back;
    size_t i = 0;
    msg::for_each_field(m, [&](auto codec, const auto& v, const char* name) {
      size_t j = 0;
      msg::for_each_field(*other, [&](auto, const auto& u, const char*) {
        if constexpr (std::is_same_v<std::decay_t<decltype(u)>, std::decay_t<decltype(v)>>)
          if (j == i) expect_same<decltype(codec)>(v, u, name);
        ++j;
      });
      if (decltype(codec)::show != Show::kHidden) shown.push_back(name);
      ++i;
    });
  }
  inspector::DecodedEvent d;
  d.ev = e.value();
  if constexpr (std::is_same_v<M, msg::Entries>) {
    d.values.resize(back.count);
    ASSERT_TRUE(entry_values(d.ev, d.values.data(), d.values.size()).is_ok());
  }
  const std::string text = inspector::describe(d);
  EXPECT_EQ(text.rfind(M::kName, 0), 0u) << text;
  for (const std::string& name : shown) {
    const bool named = text.find(" " + name + "=") != std::string::npos || name == "first_vpn" ||
                       name == "levels" || name == "deltas";
    EXPECT_TRUE(named) << name << " missing from: " << text;
  }
}

TEST(MessageTable, EveryDeclaredMessageRoundTrips) {
  int walked = 0;
#define GLASS_ROUNDTRIP(Camel, snake, number, dir, ring, fields) \
  roundtrip(make<msg::Camel>(), walked);
  GLASS_MESSAGES(GLASS_ROUNDTRIP, GLASS_NO_FIELD)
#undef GLASS_ROUNDTRIP
  // Every type this version knows was walked: the table is the whole protocol.
  int known = 0;
  for (unsigned t = 0; t < 256; ++t) known += is_known(static_cast<uint8_t>(t)) ? 1 : 0;
  EXPECT_EQ(walked, known);
}

TEST(MessageTable, EntriesWithDeltasRoundTrip) {
  const uint64_t values[5] = {0x1003, 0x5003, 0x2003, 0x9003, 0x7003};
  uint8_t buf[128];
  ByteWriter w(buf, sizeof buf);
  auto n = encode::entries(w, 0x42, 10, values, 5);
  ASSERT_TRUE(n.is_ok());
  ASSERT_EQ(n.value(), 5u);
  ByteReader r(buf, w.size());
  Event e = decode_event(r).value();
  ASSERT_EQ(e.entries.mode, EntriesMode::kDeltas);
  uint64_t back[5];
  ASSERT_TRUE(entry_values(e, back, 5).is_ok());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(back[i], values[i]);
}

TEST(MessageTable, CrossFieldRulesRefuseAndReject) {
  uint8_t buf[64];
  ByteWriter w(buf, sizeof buf);
  EXPECT_EQ(encode::message(w, msg::FrameRun{5, 0, 1, 1}).error(), Error::kInvalidArgument);
  EXPECT_EQ(encode::message(w, msg::NodeCreated{1, 0, 5, 0, 0}).error(), Error::kInvalidArgument);
  EXPECT_EQ(
      encode::message(w, msg::Entries{5, 500, 20, EntriesMode::kProgression, 0, 0, {}}).error(),
      Error::kInvalidArgument);
  EXPECT_EQ(w.size(), 0u);
  // The same frame_run written by hand (count 0) does not decode.
  const uint8_t bad[] = {static_cast<uint8_t>(MsgType::kFrameRun), 5, 0, 1, 1};
  ByteReader r(bad, sizeof bad);
  EXPECT_EQ(decode_event(r).error(), Error::kMalformed);
}

// The ring's record is derived from the same table: every message mm records fits it, and a
// record becomes the Event holding the same message (same bytes on the wire).
template <typename M>
void record_keeps(int& count) {
  SCOPED_TRACE(M::kName);
  ++count;
  const M m = make<M>();
  const Event e = to_event(tagged<Record>(m));
  ASSERT_EQ(e.type, M::kType);
  uint8_t a[kMaxPayload], b[kMaxPayload];
  ByteWriter wa(a, sizeof a), wb(b, sizeof b);
  ASSERT_TRUE(encode::message(wa, m).is_ok());
  ASSERT_TRUE(encode::message(wb, e).is_ok());
  ASSERT_EQ(wa.size(), wb.size());
  EXPECT_EQ(0, std::memcmp(a, b, wa.size()));
}

TEST(MessageTable, RingRecordsCarryTheDeclaredMessages) {
  int ring_messages = 0;
#define GLASS_RING(Camel, snake, number, dir, ring, fields) \
  GLASS_IF_##ring(record_keeps<msg::Camel>(ring_messages);)
  GLASS_MESSAGES(GLASS_RING, GLASS_NO_FIELD)
#undef GLASS_RING
  EXPECT_GE(ring_messages, 13);
}

}  // namespace
}  // namespace glass::telemetry
