// Encode -> frame -> decode round trips for every event, plus the building blocks (varint, CRC,
// COBS) and the encoder's all-or-nothing promise.
#include <gtest/gtest.h>

#include <random>

#include "inspector/model/event_text.h"
#include "protocol/encoder.h"
#include "protocol/event.h"
#include "tests/host/telemetry/telemetry_test_support.h"

namespace glass::telemetry {
namespace {

using inspector::describe;
namespace te = encode;

std::vector<uint8_t> frame_of(FrameBuilder& fb, uint32_t seq) {
  uint8_t out[kMaxWireFrame];
  auto n = fb.seal(seq, out, sizeof out);
  EXPECT_TRUE(n.is_ok());
  return {out, out + n.value()};
}

TEST(TelemetryCodec, Crc32cCheckValue) {
  const uint8_t s[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(crc32c(s, 9), 0xE3069283u);
  EXPECT_EQ(crc32c_update(crc32c(s, 4), s + 4, 5), 0xE3069283u);
}

TEST(TelemetryCodec, VarintRoundTripAndBounds) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    uint64_t v = rng() >> (rng() % 64);
    int64_t sv = static_cast<int64_t>(rng());
    uint8_t buf[32];
    ByteWriter w(buf, sizeof buf);
    w.varint(v);
    w.svarint(sv);
    ASSERT_EQ(w.size(), varint_size(v) + varint_size(zigzag(sv)));
    ByteReader r(buf, w.size());
    EXPECT_EQ(r.varint().value(), v);
    EXPECT_EQ(r.svarint().value(), sv);
    EXPECT_TRUE(r.at_end());
  }
  const uint8_t too_long[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0};
  ByteReader r(too_long, 11);
  EXPECT_TRUE(r.varint().is_error());
  const uint8_t over64[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  ByteReader r2(over64, 10);
  EXPECT_TRUE(r2.varint().is_error());
}

TEST(TelemetryCodec, CobsRoundTripNeverEmitsZero) {
  std::mt19937_64 rng(3);
  for (int len : {0, 1, 253, 254, 255, 508, 1000}) {
    std::vector<uint8_t> in(len);
    for (auto& b : in) b = rng() % 3 == 0 ? 0 : static_cast<uint8_t>(rng());
    std::vector<uint8_t> enc(cobs_max_encoded(len)), dec(len + 1);
    size_t n = cobs_encode(in.data(), in.size(), enc.data(), enc.size()).value();
    for (size_t i = 0; i < n; ++i) ASSERT_NE(enc[i], 0) << len;
    size_t m = cobs_decode(enc.data(), n, dec.data(), dec.size()).value();
    ASSERT_EQ(m, in.size());
    EXPECT_TRUE(std::equal(in.begin(), in.end(), dec.begin()));
  }
}

// Every message type, encoded, framed, decoded, rendered: the text is the field-by-field check.
TEST(TelemetryCodec, EveryEventRoundTrips) {
  FrameBuilder fb;
  auto& w = fb.writer();
  HandshakeInfo h{0x1122334455667788, 0xabcdef, 512ull << 20, 131072, 4};
  ASSERT_TRUE(te::handshake(w, h).is_ok());
  ASSERT_TRUE(te::snapshot_begin(w, 3, 131072).is_ok());
  ASSERT_TRUE(te::digest(w, true, 3, 0x1111, 0x2222).is_ok());
  ASSERT_TRUE(te::digest(w, false, 3, ~0ull, 1).is_ok());
  ASSERT_TRUE(te::dropped(w, 2, 99).is_ok());
  ASSERT_TRUE(te::frame_run(w, 0x1234, 512, 7, 0x101).is_ok());
  ASSERT_TRUE(te::as_created(w, 5, 0x2000).is_ok());
  ASSERT_TRUE(te::as_destroyed(w, 5).is_ok());
  ASSERT_TRUE(te::cr3_switch(w, 1, 5, 123456789).is_ok());
  ASSERT_TRUE(te::node_created(w, 5, 3, 0x2001, 0x2000, 511).is_ok());
  ASSERT_TRUE(te::node_freed(w, 5, 0x2001).is_ok());
  ASSERT_TRUE(
      te::cursor_begin(w, 77, 1, 5, 0xffff800000200000ull, 0xffff800000400000ull, 0x2001, 1000)
          .is_ok());
  ASSERT_TRUE(te::lock_acquired(w, 77, 0x2001, 350, 1100).is_ok());
  ASSERT_TRUE(te::lock_released(w, 77, 0x2001, 1200).is_ok());
  ASSERT_TRUE(te::lock_waiting(w, 78, 0x2001, 1050).is_ok());
  ASSERT_TRUE(te::folio_ref(w, 0x3000, 16, 2).is_ok());
  ASSERT_TRUE(te::cursor_end(w, 77, 1300).is_ok());
  ASSERT_TRUE(te::log(w, LogLevel::kWarn, 5, "hi \"x\"\n", 7).is_ok());
  ASSERT_TRUE(te::ktap(w, KtapStatus::kNotOk, 4, "mm_frames", 9).is_ok());
  ASSERT_TRUE(te::panic(w, 0, 9, "boom", 4).is_ok());
  ASSERT_TRUE(te::hello(w).is_ok());
  ASSERT_TRUE(te::request_snapshot(w, SnapshotReason::kGap).is_ok());
  ASSERT_TRUE(te::detach(w).is_ok());
  auto items = inspector::testing::decode_all(frame_of(fb, 9));
  std::vector<std::string> got;
  for (const auto& it : items) {
    ASSERT_EQ(it.kind, inspector::StreamItem::Kind::kEvent) << describe(it.gap);
    EXPECT_EQ(it.event.seq, 9u);
    got.push_back(describe(it.event));
  }
  std::vector<std::string> want = {
      "handshake version=3 boot_id=0x1122334455667788 build_id=0xabcdef ram_bytes=536870912 "
      "frame_count=131072 cpu_count=4",
      "snapshot_begin epoch=3 frame_count=131072",
      "snapshot_end epoch=3 frames=0x1111 tables=0x2222",
      "digest epoch=3 frames=0xffffffffffffffff tables=0x1",
      "dropped cpu=2 count=99",
      "frame_run first=0x1234 count=512 kind=page-table owner=0x101",
      "as_created asid=5 root=0x2000",
      "as_destroyed asid=5",
      "cr3_switch cpu=1 asid=5 t=123456789",
      "node_created asid=5 level=3 pfn=0x2001 parent=0x2000 index=511",
      "node_freed asid=5 pfn=0x2001",
      "cursor_begin cursor=77 cpu=1 asid=5 va=0xffff800000200000 pages=512 covering=0x2001 "
      "t=1000",
      "lock_acquired cursor=77 node=0x2001 wait_ns=350 t=1100",
      "lock_released cursor=77 node=0x2001 t=1200",
      "lock_waiting cursor=78 node=0x2001 t=1050",
      "folio_ref first=0x3000 count=16 refcount=2",
      "cursor_end cursor=77 t=1300",
      "log level=2 t=5 text=\"hi \\\"x\\\"\\x0a\"",
      "ktap status=not-ok number=4 name=\"mm_frames\"",
      "panic cpu=0 t=9 text=\"boom\"",
      "hello version=3",
      "request_snapshot reason=1",
      "detach",
  };
  EXPECT_EQ(got, want);
}

TEST(TelemetryCodec, EntriesRoundTripInEveryShape) {
  std::mt19937_64 rng(11);
  std::vector<std::vector<uint64_t>> cases;
  cases.push_back(std::vector<uint64_t>(512, 0));  // unmap a whole node
  std::vector<uint64_t> seq(512);
  for (int i = 0; i < 512; ++i) seq[i] = (0x100000ull + i) << 12 | 0x3 | (1ull << 63);
  cases.push_back(seq);  // contiguous map: one progression
  std::vector<uint64_t> mixed = seq;
  for (int i = 0; i < 100; ++i) mixed[rng() % 512] = rng();
  cases.push_back(mixed);
  cases.push_back({42});
  for (const auto& vals : cases) {
    std::vector<uint64_t> back;
    FrameBuilder fb;
    uint32_t first = 0;
    uint32_t seq_no = 0;
    std::vector<uint8_t> stream;
    while (first < vals.size()) {
      auto r = te::entries(fb.writer(), 0x77, first, vals.data() + first,
                           static_cast<uint32_t>(vals.size() - first));
      if (r.is_error()) {
        ASSERT_EQ(r.error(), Error::kOverflow);
        auto f = frame_of(fb, seq_no++);
        stream.insert(stream.end(), f.begin(), f.end());
        continue;
      }
      first += r.value();
    }
    auto f = frame_of(fb, seq_no);
    stream.insert(stream.end(), f.begin(), f.end());
    for (const auto& it : inspector::testing::decode_all(stream)) {
      ASSERT_EQ(it.kind, inspector::StreamItem::Kind::kEvent) << describe(it.gap);
      EXPECT_EQ(it.event.ev.entries.first, back.size());
      back.insert(back.end(), it.event.values.begin(), it.event.values.end());
    }
    EXPECT_EQ(back, vals);
  }
  // A contiguous 512-entry map is one event of a few bytes, not 512 entries' worth.
  FrameBuilder fb;
  ASSERT_EQ(te::entries(fb.writer(), 0x77, 0, seq.data(), 512).value(), 512u);
  EXPECT_LE(fb.size(), 24u);
}

TEST(TelemetryCodec, EncoderIsAllOrNothingAndChecksArguments) {
  uint8_t buf[6];
  ByteWriter w(buf, sizeof buf);
  ASSERT_TRUE(te::as_destroyed(w, 1).is_ok());
  size_t before = w.size();
  auto r = te::frame_run(w, 0x123456, 1000, 1, 0x10000);
  ASSERT_TRUE(r.is_error());
  EXPECT_EQ(r.error(), Error::kOverflow);
  EXPECT_EQ(w.size(), before);
  EXPECT_FALSE(w.overflowed());
  uint8_t big[64];
  ByteWriter w2(big, sizeof big);
  EXPECT_EQ(te::frame_run(w2, 0, 0, 1, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(te::node_created(w2, 1, 5, 1, 0, 0).error(), Error::kInvalidArgument);
  EXPECT_EQ(
      te::cursor_begin(w2, 1, 0, 1, 0x0000800000000000ull, 0x0000800000001000ull, 1, 0).error(),
      Error::kInvalidArgument);  // non-canonical
  uint64_t v = 1;
  EXPECT_EQ(te::entries(w2, 1, 511, &v, 2).error(), Error::kInvalidArgument);
  EXPECT_EQ(w2.size(), 0u);
}

TEST(TelemetryCodec, DecoderRejectsOutOfRangeFields) {
  // node_created with level 0, reserved block type, unknown type, truncated handshake, an empty
  // entries run, an empty folio, a folio past the last pfn, a refcount over 32 bits, a truncated
  // lock_waiting.
  std::vector<std::vector<uint8_t>> bad = {{0x14, 1, 0, 1, 0, 0},
                                           {0x40},
                                           {0x7e},
                                           {0x01, 'G', 'L'},
                                           {0x16, 1, 0, 0},
                                           {0x17, 1, 0, 1},
                                           {0x17, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 2, 1},
                                           {0x17, 1, 1, 0x80, 0x80, 0x80, 0x80, 0x10},
                                           {0x24, 1}};
  for (const auto& b : bad) {
    ByteReader r(b.data(), b.size());
    EXPECT_TRUE(decode_event(r).is_error()) << int(b[0]);
  }
}

// v3: lock_waiting shares Event::lock with wait_ns 0; folio_ref keeps all three fields.
TEST(TelemetryCodec, V3MessagesDecodeIntoTheirStructs) {
  uint8_t buf[64];
  ByteWriter w(buf, sizeof buf);
  ASSERT_TRUE(te::lock_waiting(w, 9, kMaxPfn, 77).is_ok());
  ASSERT_TRUE(te::folio_ref(w, kMaxPfn, 1, 0xffffffffu).is_ok());
  EXPECT_EQ(te::folio_ref(w, 5, 0, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(te::lock_waiting(w, 1, kMaxPfn + 1, 0).error(), Error::kInvalidArgument);
  ByteReader r(buf, w.size());
  Event a = decode_event(r).value();
  ASSERT_EQ(a.type, MsgType::kLockWaiting);
  EXPECT_EQ(a.lock_waiting.cursor, 9u);
  EXPECT_EQ(a.lock_waiting.node, kMaxPfn);
  EXPECT_EQ(a.lock_waiting.t, 77u);
  Event b = decode_event(r).value();
  ASSERT_EQ(b.type, MsgType::kFolioRef);
  EXPECT_EQ(b.folio_ref.first, kMaxPfn);
  EXPECT_EQ(b.folio_ref.count, 1u);
  EXPECT_EQ(b.folio_ref.refcount, 0xffffffffu);
  EXPECT_TRUE(r.at_end());
}

}  // namespace
}  // namespace glass::telemetry
