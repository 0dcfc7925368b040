// The model against the host kernel (real mm on the host): digests agree, a damaged or cut stream
// is reported as a gap, the model asks for a snapshot, and after the snapshot the digests match
// again. Also the reverse map and the incremental digest against a full recompute.
#include <gtest/gtest.h>

#include "inspector/model/state_model.h"
#include "inspector/trace/host_kernel.h"
#include "tests/host/telemetry/telemetry_test_support.h"

namespace glass::inspector {
namespace {

using testing::decode_all;

StateModel replay(const std::vector<uint8_t>& bytes) {
  StateModel m;
  for (const auto& it : decode_all(bytes)) m.apply(it);
  return m;
}

TEST(TelemetryModel, SnapshotThenDeltasMatchEveryDigest) {
  HostKernel k(2048, 5);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 40, 0);
  k.snapshot();
  k.random_activity(60);
  k.send_digest();
  StateModel m = replay(k.take_bytes());
  EXPECT_EQ(m.sync(), Sync::kSynced) << m.sync_reason();
  EXPECT_GE(m.counters().digests_matched, 2u);
  EXPECT_EQ(m.counters().digests_mismatched, 0u);
  EXPECT_EQ(m.counters().problems, 0u) << m.problems()[0].what;
  EXPECT_EQ(m.digest(), k.digest());
  EXPECT_EQ(m.digest(), m.recompute_digest());
  EXPECT_TRUE(m.cursors().empty());
  EXPECT_TRUE(m.held_locks().empty());
}

TEST(TelemetryModel, DeltasBeforeAnySnapshotAreNotTrusted) {
  HostKernel k(1024, 2);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 8, 0);
  k.send_digest();
  StateModel m = replay(k.take_bytes());
  EXPECT_EQ(m.sync(), Sync::kNeedSnapshot);
  EXPECT_EQ(m.counters().digests_unchecked, 1u);
  auto req = m.take_snapshot_request();
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(*req, telemetry::SnapshotReason::kAttach);
  EXPECT_FALSE(m.take_snapshot_request().has_value());  // one request per fall
}

// Corrupt one byte of a mid-stream frame: gap -> snapshot request -> snapshot -> match.
TEST(TelemetryModel, CorruptionIsAGapAndASnapshotRepairsIt) {
  HostKernel k(2048, 9);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.snapshot();
  k.flush();
  size_t damaged_frame = k.frame_spans().size();
  k.map(as, 0x800000, 30, 1);  // the frame that will be damaged holds this
  k.flush();
  k.send_digest();  // the model misses the map: must not claim a match
  k.flush();
  auto bytes = k.take_bytes();
  auto [b, e] = k.frame_spans()[damaged_frame];
  bytes[b + (e - b) / 2] ^= 0x5a;
  StateModel m;
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(bytes.data(), bytes.size(), items);
  bool saw_gap = false;
  for (const auto& it : items) {
    m.apply(it);
    saw_gap |= it.kind == StreamItem::Kind::kGap;
  }
  EXPECT_TRUE(saw_gap);
  EXPECT_EQ(m.sync(), Sync::kNeedSnapshot);
  EXPECT_EQ(m.counters().digests_mismatched, 0u);  // unsynced: not checked, not "matched"
  EXPECT_EQ(m.take_snapshot_request(), telemetry::SnapshotReason::kGap);
  // The kernel answers REQUEST_SNAPSHOT.
  k.snapshot();
  k.random_activity(10);
  k.send_digest();
  auto more = k.take_bytes();
  items.clear();
  d.feed(more.data() + bytes.size(), more.size() - bytes.size(), items);
  for (const auto& it : items) m.apply(it);
  EXPECT_EQ(m.sync(), Sync::kSynced) << m.sync_reason();
  EXPECT_EQ(m.digest(), k.digest());
  EXPECT_EQ(m.counters().digests_mismatched, 0u);
}

// Detach mid-stream and attach again somewhere inside a frame; also attach twice from scratch.
TEST(TelemetryModel, AttachMidStreamAndTwice) {
  HostKernel k(2048, 4);
  k.handshake();
  k.create_address_space();
  k.snapshot();
  k.random_activity(40);
  auto first = k.take_bytes();
  size_t cut = first.size() / 2 + 3;  // somewhere inside a frame
  k.snapshot();                       // what a second HELLO provokes
  k.random_activity(10);
  k.send_digest();
  auto all = k.take_bytes();
  for (int attach = 0; attach < 2; ++attach) {
    StateModel m;
    std::vector<uint8_t> tail(all.begin() + (attach == 0 ? cut : first.size()), all.end());
    for (const auto& it : decode_all(tail)) m.apply(it);
    EXPECT_EQ(m.sync(), Sync::kSynced) << attach << ": " << m.sync_reason();
    EXPECT_EQ(m.digest(), k.digest());
    EXPECT_EQ(m.counters().problems, 0u);
  }
}

TEST(TelemetryModel, TruncatedStreamReportsPartialFrame) {
  HostKernel k(1024, 3);
  k.handshake();
  k.snapshot();
  auto bytes = k.take_bytes();
  bytes.erase(bytes.end() - 5, bytes.end());
  auto items = decode_all(bytes);
  ASSERT_FALSE(items.empty());
  ASSERT_EQ(items.back().kind, StreamItem::Kind::kGap);
  EXPECT_EQ(items.back().gap.kind, GapKind::kTruncated);
  EXPECT_NE(items.back().gap.detail.find("after the last complete frame"), std::string::npos);
}

TEST(TelemetryModel, DigestMismatchIsDetected) {
  HostKernel k(1024, 6);
  k.handshake();
  k.snapshot();
  auto bytes = k.take_bytes();
  StateModel m = replay(bytes);
  ASSERT_EQ(m.sync(), Sync::kSynced);
  // A digest event with wrong content, correctly framed.
  telemetry::FrameBuilder fb;
  ASSERT_TRUE(telemetry::encode::digest(fb.writer(), false, 1, 1, 2).is_ok());
  uint8_t out[telemetry::kMaxWireFrame];
  size_t n = fb.seal(k.next_seq(), out, sizeof out).value();
  bytes.insert(bytes.end(), out, out + n);
  m = replay(bytes);
  EXPECT_EQ(m.sync(), Sync::kNeedSnapshot);
  EXPECT_EQ(m.counters().digests_mismatched, 1u);
  EXPECT_NE(m.sync_reason().find("frames and page tables differ"), std::string::npos);
}

TEST(TelemetryModel, ReverseMapFindsEveryMapping) {
  HostKernel k(2048, 8);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.snapshot();
  k.map(as, 0x7f0000000000ull, 3, 0);
  StateModel m = replay(k.take_bytes());
  ASSERT_EQ(m.sync(), Sync::kSynced);
  int found = 0;
  for (uint64_t p = 0; p < m.frames().size(); ++p)
    for (const auto& vm : m.reverse_map(p)) {
      EXPECT_EQ(vm.asid, as);
      EXPECT_GE(vm.va, 0x7f0000000000ull);
      EXPECT_LT(vm.va, 0x7f0000003000ull);
      EXPECT_EQ((vm.pte >> 12) & 0xffffffffffull, p);
      ++found;
    }
  EXPECT_EQ(found, 3);
}

TEST(TelemetryModel, VersionMismatchIsNamed) {
  HostKernel k(64, 1);
  k.handshake(4);
  k.log("after");
  auto bytes = k.take_bytes();
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(bytes.data(), bytes.size(), items);
  ASSERT_TRUE(d.version_error().has_value());
  EXPECT_NE(d.version_error()->find("kernel speaks v4, inspector v3"), std::string::npos);
}

}  // namespace
}  // namespace glass::inspector
