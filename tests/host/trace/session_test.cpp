// The host session engine fed bytes, without a socket: HELLO first, a snapshot syncs it, a
// damaged frame asks once for a snapshot, a lost snapshot is asked again in time, a reboot starts
// an epoch and keeps the old one, another protocol version is refused and nothing is asked, a
// sequence going back is named as such, an answer split across reads is applied only when whole,
// and the bytes handed out for recording are whole frames, exactly as received.
#include <gtest/gtest.h>

#include <random>

#include "inspector/model/stream_decoder.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/session.h"
#include "tests/host/trace/kernel_tap.h"

namespace glass::inspector {
namespace {

using telemetry::MsgType;

// The host's frames, decoded as the kernel would see them.
std::vector<DecodedEvent> commands(const std::vector<uint8_t>& bytes) {
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(bytes.data(), bytes.size(), items);
  std::vector<DecodedEvent> out;
  for (const auto& it : items) {
    EXPECT_EQ(it.kind, StreamItem::Kind::kEvent) << "host frames must decode cleanly";
    if (it.kind == StreamItem::Kind::kEvent) out.push_back(it.event);
  }
  return out;
}

using testing::Tap;

void feed(Session& s, const std::vector<uint8_t>& b, uint64_t now) {
  s.receive(b.data(), b.size(), now);
}

TEST(Session, SaysHelloFirstAndSyncsFromTheSnapshot) {
  Session s;
  s.connect(0);
  const auto hello = commands(s.take_outgoing());
  ASSERT_EQ(hello.size(), 1u);
  EXPECT_EQ(hello[0].ev.type, MsgType::kHello);
  EXPECT_EQ(hello[0].seq, 0u);
  HostKernel k(2048, 3);
  k.handshake();
  k.map(k.create_address_space(), 0x400000, 16, 0);
  k.snapshot();
  Tap tap{k};
  feed(s, tap.next(), 10);
  EXPECT_TRUE(s.take_outgoing().empty()) << "a clean snapshot needs no request";
  EXPECT_EQ(s.model().sync(), Sync::kSynced);
  EXPECT_EQ(s.model().digest(), k.digest());
  ASSERT_EQ(s.epochs().size(), 1u);
  EXPECT_TRUE(s.epochs().latest()->boot_id.has_value());
  EXPECT_EQ(s.epochs().latest()->bytes, tap.sent);
}

TEST(Session, ADamagedFrameAsksOnceAndTheSnapshotRepairs) {
  HostKernel k(2048, 21);
  Tap tap{k};
  Session s;
  s.connect(0);
  (void)s.take_outgoing();
  k.handshake();
  const uint32_t as = k.create_address_space();
  k.snapshot();
  feed(s, tap.next(), 10);
  const size_t damaged = k.frame_spans().size();
  k.map(as, 0x800000, 30, 1);
  k.flush();
  const auto span = k.frame_spans()[damaged];
  k.send_digest();
  auto b = tap.next();
  b[span.first - (tap.sent - b.size()) + 3] ^= 0x41;
  feed(s, b, 20);
  auto req = commands(s.take_outgoing());
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0].ev.type, MsgType::kRequestSnapshot);
  EXPECT_EQ(req[0].ev.request_snapshot.reason, telemetry::SnapshotReason::kGap);
  EXPECT_EQ(req[0].seq, 1u) << "host frames count from 0: HELLO was 0";
  ASSERT_EQ(s.requests().size(), 1u);
  EXPECT_FALSE(s.requests()[0].retry);
  // More damage-free bytes before the answer ask nothing more.
  k.log("still unsynced");
  feed(s, tap.next(), 30);
  EXPECT_TRUE(s.take_outgoing().empty());
  k.snapshot();
  k.random_activity(40);
  k.send_digest();
  feed(s, tap.next(), 40);
  EXPECT_TRUE(s.take_outgoing().empty());
  EXPECT_EQ(s.model().sync(), Sync::kSynced) << s.model().sync_reason();
  EXPECT_EQ(s.model().digest(), k.digest());
  EXPECT_EQ(s.model().counters().digests_mismatched, 0u);
}

TEST(Session, NoRetryBeforeTheKernelHasSpoken) {
  Session s;
  s.connect(1000);
  (void)s.take_outgoing();
  s.tick(1000 + 10 * Session::kRetryMs);
  EXPECT_TRUE(s.take_outgoing().empty()) << "the HELLO stands until a handshake arrives";
}

TEST(Session, ALostSnapshotIsAskedAgainInTimeAndNotBefore) {
  HostKernel k(1024, 4);
  Tap tap{k};
  Session s;
  s.connect(1000);
  (void)s.take_outgoing();
  k.handshake();  // ... but the snapshot the HELLO asked for never comes
  k.log("live events only");
  feed(s, tap.next(), 1100);
  EXPECT_EQ(s.model().sync(), Sync::kNeedSnapshot);
  EXPECT_TRUE(s.take_outgoing().empty());
  s.tick(1000 + Session::kRetryMs - 1);
  EXPECT_TRUE(s.take_outgoing().empty()) << "too early for a retry";
  s.tick(1000 + Session::kRetryMs);
  auto retry = commands(s.take_outgoing());
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].ev.type, MsgType::kRequestSnapshot);
  EXPECT_EQ(retry[0].ev.request_snapshot.reason, telemetry::SnapshotReason::kAttach);
  EXPECT_EQ(s.snapshot_retries(), 1u);
  ASSERT_EQ(s.requests().size(), 1u);
  EXPECT_TRUE(s.requests()[0].retry);
  s.tick(1000 + 2 * Session::kRetryMs - 1);
  EXPECT_TRUE(s.take_outgoing().empty()) << "one retry per interval, not one per tick";
  k.snapshot();
  feed(s, tap.next(), 1000 + 2 * Session::kRetryMs - 1);
  s.tick(1000 + 10 * Session::kRetryMs);
  EXPECT_TRUE(s.take_outgoing().empty()) << "synced: nothing more to ask";
  EXPECT_EQ(s.model().sync(), Sync::kSynced);
}

TEST(Session, ARebootStartsAnEpochAndKeepsTheOldOne) {
  std::vector<uint8_t> boot_a, boot_b;
  {  // one host kernel at a time: mm is global, as in a real boot
    HostKernel a(2048, 1);
    a.handshake();
    a.map(a.create_address_space(), 0x400000, 8, 0);
    a.snapshot();
    boot_a = a.take_bytes();
  }
  {
    HostKernel b(2048, 7);
    b.handshake();
    b.snapshot();
    boot_b = b.take_bytes();
  }
  Session s;
  s.connect(0);
  feed(s, boot_a, 1);
  const size_t nodes_a = s.model().node_count();
  ASSERT_GT(nodes_a, 0u);
  (void)s.take_notes();
  s.end_of_stream();  // QEMU restarts: a new connection to the new boot
  s.connect(2);
  feed(s, boot_b, 3);
  ASSERT_EQ(s.epochs().size(), 2u);
  EXPECT_EQ(s.epochs().latest()->number, 2u);
  EXPECT_NE(s.epochs().find(1)->boot_id, s.epochs().latest()->boot_id);
  EXPECT_EQ(s.epochs().find(1)->model.node_count(), nodes_a) << "the old boot stays viewable";
  EXPECT_EQ(s.model().sync(), Sync::kSynced);
  const auto notes = s.take_notes();
  EXPECT_NE(std::find(notes.begin(), notes.end(), SessionNote::kEpoch), notes.end());
  EXPECT_EQ(s.connections(), 2u);
  // The same boot again continues its epoch.
  s.end_of_stream();
  s.connect(4);
  feed(s, boot_b, 5);
  EXPECT_EQ(s.epochs().size(), 2u);
}

TEST(Session, AnotherProtocolVersionIsRefusedAndNothingIsAsked) {
  HostKernel k(1024, 2);
  k.handshake(telemetry::kProtocolVersion + 1);
  k.log("in a language we do not speak");
  Session s;
  s.connect(0);
  (void)s.take_outgoing();
  const auto bytes = k.take_bytes();
  feed(s, bytes, 1);
  ASSERT_TRUE(s.version_error());
  EXPECT_NE(
      s.version_error()->find("kernel speaks v" + std::to_string(telemetry::kProtocolVersion + 1)),
      std::string::npos);
  EXPECT_NE(s.version_error()->find("inspector v" + std::to_string(telemetry::kProtocolVersion)),
            std::string::npos);
  const auto notes = s.take_notes();
  EXPECT_NE(std::find(notes.begin(), notes.end(), SessionNote::kRefused), notes.end());
  s.tick(100 * Session::kRetryMs);
  EXPECT_TRUE(s.take_outgoing().empty());
  EXPECT_EQ(s.take_record(), bytes) << "the bytes are still recorded as they came";
}

TEST(Session, AnAnswerSplitAcrossReadsIsAppliedWhenWhole) {
  HostKernel k(2048, 9);
  Tap tap{k};
  Session s;
  s.connect(0);
  (void)s.take_outgoing();
  k.handshake();
  k.map(k.create_address_space(), 0x400000, 40, 0);
  k.snapshot();
  feed(s, tap.next(), 1);
  (void)s.take_record();
  std::string err;
  ASSERT_TRUE(s.ping(77, err)) << err;
  auto ping = commands(s.take_outgoing());
  ASSERT_EQ(ping.size(), 1u);
  EXPECT_EQ(ping[0].ev.type, MsgType::kPing);
  k.random_activity(30);
  k.pong(77);
  k.send_digest();
  const auto reply = tap.next();
  std::vector<uint8_t> recorded;
  std::mt19937 rng(5);
  size_t at = 0;
  while (at < reply.size()) {
    const size_t n = std::min(reply.size() - at, size_t{1} + rng() % 7);
    s.receive(reply.data() + at, n, 2);
    at += n;
    const auto rec = s.take_record();
    if (!rec.empty()) {
      EXPECT_EQ(rec.back(), 0) << "the record is handed out in whole frames";
    }
    recorded.insert(recorded.end(), rec.begin(), rec.end());
    if (at < reply.size() && reply[at - 1] != 0) {
      EXPECT_FALSE(s.on_frame_boundary());
    }
  }
  EXPECT_FALSE(s.model().pending_ping()) << "the PONG, once whole, was applied";
  EXPECT_EQ(s.model().sync(), Sync::kSynced);
  EXPECT_EQ(s.model().digest(), k.digest());
  EXPECT_TRUE(s.take_outgoing().empty());
  EXPECT_EQ(recorded, reply);
}

TEST(Session, ASequenceGoingBackIsNamedNotCountedAsLoss) {
  HostKernel k(1024, 6);
  k.handshake();
  k.snapshot();
  k.flush();  // the log line gets a frame of its own
  k.log("one");
  k.flush();
  const auto bytes = k.take_bytes();
  const auto first = k.frame_spans().back();  // the log line's frame
  Session s;
  s.connect(0);
  feed(s, bytes, 1);
  // The first frame again, after later ones.
  std::vector<uint8_t> again(bytes.begin() + static_cast<long>(first.first),
                             bytes.begin() + static_cast<long>(first.second));
  StreamDecoder d;
  std::vector<StreamItem> items;
  auto all = bytes;
  all.insert(all.end(), again.begin(), again.end());
  d.feed(all.data(), all.size(), items);
  const Gap* back = nullptr;
  for (const auto& it : items)
    if (it.kind == StreamItem::Kind::kGap && it.gap.kind == GapKind::kMissingFrames) back = &it.gap;
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->frames, 0u) << back->detail;
  EXPECT_NE(back->detail.find("went back"), std::string::npos) << back->detail;
  EXPECT_EQ(back->detail.find("4294967"), std::string::npos) << back->detail;
  again.push_back(0);  // its delimiter
  feed(s, again, 2);
  EXPECT_EQ(s.model().sync(), Sync::kNeedSnapshot) << "a step back is still a gap";
  EXPECT_EQ(commands(s.take_outgoing()).size(), 2u) << "HELLO, then one REQUEST_SNAPSHOT";
}

TEST(Session, DetachAsksNothingMoreButKeepsTheFrameInFlight) {
  HostKernel k(1024, 8);
  Tap tap{k};
  Session s;
  s.connect(0);
  k.handshake();
  k.snapshot();
  feed(s, tap.next(), 1);
  (void)s.take_outgoing();
  std::string err;
  ASSERT_TRUE(s.detach(err));
  auto d = commands(s.take_outgoing());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].ev.type, MsgType::kDetach);
  EXPECT_TRUE(s.detached());
  k.log("in flight");
  auto tail = tap.next();
  tail[tail.size() / 2] ^= 0x20;  // even damage asks nothing now
  feed(s, tail, 2);
  s.tick(10 * Session::kRetryMs);
  EXPECT_TRUE(s.take_outgoing().empty());
  EXPECT_TRUE(s.on_frame_boundary());
}

TEST(Session, EndOfStreamInsideAFrameReleasesTheRestAndReportsIt) {
  HostKernel k(1024, 10);
  k.handshake();
  k.snapshot();
  const auto bytes = k.take_bytes();
  Session s;
  s.connect(0);
  feed(s, std::vector<uint8_t>(bytes.begin(), bytes.end() - 5), 1);
  EXPECT_FALSE(s.on_frame_boundary());
  auto rec = s.take_record();
  s.end_of_stream();
  const auto rest = s.take_record();
  rec.insert(rec.end(), rest.begin(), rest.end());
  EXPECT_EQ(rec, std::vector<uint8_t>(bytes.begin(), bytes.end() - 5));
  EXPECT_FALSE(s.connected());
}

}  // namespace
}  // namespace glass::inspector
