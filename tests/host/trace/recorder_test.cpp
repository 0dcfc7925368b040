// glass-trace record's engine against the host kernel (real mm on the host): a recording that meets
// a corrupted frame asks for a snapshot (one REQUEST_SNAPSHOT frame, reason gap), the answer
// resyncs the model and later digests match; an unanswered request is retried; a recorder that
// leaves a streaming kernel says DETACH and finishes the frame in flight. Once over bytes in
// memory, once over a real unix socket.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include "inspector/model/stream_decoder.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/recorder.h"

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

// Bytes the host kernel (real mm on the host) emitted since the last call.
struct Tap {
  HostKernel& k;
  size_t sent = 0;
  std::vector<uint8_t> next() {
    auto all = k.take_bytes();
    std::vector<uint8_t> out(all.begin() + static_cast<long>(sent), all.end());
    sent = all.size();
    return out;
  }
};

TEST(TraceRecorder, CorruptedFrameIsRequestedAgainAndRepaired) {
  HostKernel k(2048, 21);
  Tap tap{k};
  Recorder rec;
  std::vector<uint8_t> to_kernel;
  std::string err;
  ASSERT_TRUE(rec.start(0, to_kernel, err)) << err;
  auto hello = commands(to_kernel);
  ASSERT_EQ(hello.size(), 1u);
  EXPECT_EQ(hello[0].ev.type, MsgType::kHello);

  k.handshake();
  uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 20, 0);
  k.snapshot();
  auto b = tap.next();
  to_kernel.clear();
  ASSERT_TRUE(rec.on_bytes(b.data(), b.size(), 10, to_kernel, err)) << err;
  EXPECT_TRUE(to_kernel.empty()) << "a clean snapshot needs no request";
  EXPECT_EQ(rec.model().sync(), Sync::kSynced);

  // One frame of mapping is damaged on the way: the model must ask, not claim a match.
  const size_t first_damaged = k.frame_spans().size();
  k.map(as, 0x800000, 30, 1);
  k.flush();
  const auto span = k.frame_spans()[first_damaged];
  k.send_digest();
  b = tap.next();
  b[span.first - (tap.sent - b.size()) + 3] ^= 0x41;
  to_kernel.clear();
  ASSERT_TRUE(rec.on_bytes(b.data(), b.size(), 20, to_kernel, err)) << err;
  auto req = commands(to_kernel);
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0].ev.type, MsgType::kRequestSnapshot);
  EXPECT_EQ(req[0].ev.request_snapshot.reason, telemetry::SnapshotReason::kGap);
  EXPECT_EQ(req[0].seq, 1u) << "host frames count from 0: HELLO was 0";
  ASSERT_EQ(rec.requests().size(), 1u);
  EXPECT_FALSE(rec.requests()[0].retry);
  EXPECT_EQ(rec.model().counters().digests_matched, 1u) << "only the snapshot's";

  // The kernel answers; later changes and digests match again.
  k.snapshot();
  k.random_activity(40);
  k.send_digest();
  b = tap.next();
  to_kernel.clear();
  ASSERT_TRUE(rec.on_bytes(b.data(), b.size(), 30, to_kernel, err)) << err;
  EXPECT_TRUE(to_kernel.empty());
  EXPECT_EQ(rec.model().sync(), Sync::kSynced) << rec.model().sync_reason();
  EXPECT_EQ(rec.model().counters().digests_mismatched, 0u);
  EXPECT_GE(rec.model().counters().digests_matched, 3u);
  EXPECT_EQ(rec.model().digest(), k.digest());
  // What is saved is what came, damage included.
  EXPECT_EQ(rec.stream().size(), tap.sent);
}

TEST(TraceRecorder, UnansweredRequestIsRetriedNotRepeated) {
  HostKernel k(1024, 4);
  Tap tap{k};
  Recorder rec;
  std::vector<uint8_t> out;
  std::string err;
  ASSERT_TRUE(rec.start(0, out, err));
  k.handshake();
  k.snapshot();
  k.flush();
  const size_t damaged = k.frame_spans().size();
  k.log("this frame is lost");
  k.flush();
  k.log("and this one arrives");
  auto b = tap.next();
  b[k.frame_spans()[damaged].first + 2] ^= 0xff;
  out.clear();
  ASSERT_TRUE(rec.on_bytes(b.data(), b.size(), 1000, out, err));
  EXPECT_EQ(commands(out).size(), 1u);
  out.clear();
  ASSERT_TRUE(rec.on_tick(1000 + Recorder::kRetryMs - 1, out, err));
  EXPECT_TRUE(out.empty()) << "too early for a retry";
  ASSERT_TRUE(rec.on_tick(1000 + Recorder::kRetryMs, out, err));
  auto retry = commands(out);
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].ev.request_snapshot.reason, telemetry::SnapshotReason::kGap);
  ASSERT_EQ(rec.requests().size(), 2u);
  EXPECT_TRUE(rec.requests()[1].retry);
  k.snapshot();
  b = tap.next();
  out.clear();
  ASSERT_TRUE(rec.on_bytes(b.data(), b.size(), 1000 + 3 * Recorder::kRetryMs, out, err));
  EXPECT_TRUE(out.empty()) << "synced: nothing more to ask";
  EXPECT_EQ(rec.model().sync(), Sync::kSynced);
}

TEST(TraceRecorder, NoRetryBeforeTheKernelHasSpoken) {
  Recorder rec;
  std::vector<uint8_t> out;
  std::string err;
  ASSERT_TRUE(rec.start(0, out, err));
  out.clear();
  ASSERT_TRUE(rec.on_tick(10 * Recorder::kRetryMs, out, err));
  EXPECT_TRUE(out.empty()) << "the HELLO stands until a handshake arrives";
}

// A listening unix socket in a fresh directory, removed on the way out.
class Listener {
 public:
  Listener() {
    char tmpl[] = "/tmp/glass-rec-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/k.sock";
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
  }
  ~Listener() {
    ::close(fd_);
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }
  int accept_one() { return ::accept(fd_, nullptr, nullptr); }

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

// Reads host frames until one of type t arrives (or 5 s pass); returns those seen.
bool await_command(int fd, MsgType t, std::vector<DecodedEvent>& seen) {
  StreamDecoder d;
  std::vector<StreamItem> items;
  uint8_t buf[4096];
  for (int i = 0; i < 50; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    items.clear();
    d.feed(buf, static_cast<size_t>(n), items);
    for (const auto& it : items) {
      if (it.kind != StreamItem::Kind::kEvent) continue;
      seen.push_back(it.event);
      if (it.event.ev.type == t) return true;
    }
  }
  return false;
}

void send_all(int fd, const std::vector<uint8_t>& b) {
  size_t off = 0;
  while (off < b.size()) {
    ssize_t w = ::send(fd, b.data() + off, b.size() - off, MSG_NOSIGNAL);
    if (w <= 0) return;
    off += static_cast<size_t>(w);
  }
}

TEST(TraceRecorder, LiveSocketRecordingRepairsAGap) {
  Listener l;
  std::vector<DecodedEvent> seen;
  bool got_hello = false, got_request = false;
  std::thread kernel([&] {
    int fd = l.accept_one();
    HostKernel k(2048, 8);
    Tap tap{k};
    got_hello = await_command(fd, MsgType::kHello, seen);
    k.handshake();
    uint32_t as = k.create_address_space();
    k.snapshot();
    k.flush();
    const size_t damaged = k.frame_spans().size();
    k.map(as, 0x200000, 64, 0);
    auto b = tap.next();
    b[k.frame_spans()[damaged].first - (tap.sent - b.size()) + 1] ^= 0x10;
    send_all(fd, b);
    got_request = await_command(fd, MsgType::kRequestSnapshot, seen);
    k.snapshot();
    k.random_activity(30);
    k.send_digest();
    send_all(fd, tap.next());
    ::close(fd);  // the kernel leaves: the recording ends by itself
  });
  UnixSocket s;
  std::string err, why;
  ASSERT_TRUE(s.connect(l.path(), err)) << err;
  Recorder rec;
  const bool ran = run_recording(s, rec, RecordLimits{20000, 0}, nullptr, why, err);
  kernel.join();
  ASSERT_TRUE(ran) << err;
  EXPECT_TRUE(got_hello);
  EXPECT_TRUE(got_request);
  EXPECT_EQ(why, "the kernel closed the stream");
  ASSERT_EQ(rec.requests().size(), 1u);
  EXPECT_EQ(rec.requests()[0].reason, telemetry::SnapshotReason::kGap);
  EXPECT_EQ(rec.model().sync(), Sync::kSynced) << rec.model().sync_reason();
  EXPECT_EQ(rec.model().counters().digests_mismatched, 0u);
  EXPECT_GE(rec.model().counters().digests_matched, 3u);
}

TEST(TraceRecorder, LeavingAStreamingKernelSendsDetach) {
  Listener l;
  std::vector<DecodedEvent> seen;
  bool got_detach = false;
  std::thread kernel([&] {
    int fd = l.accept_one();
    HostKernel k(512, 3);
    Tap tap{k};
    (void)await_command(fd, MsgType::kHello, seen);
    k.handshake();
    k.snapshot();
    send_all(fd, tap.next());
    // A frame is on the wire when the recorder leaves: half now, the rest after its DETACH.
    k.log("a frame in flight");
    auto tail = tap.next();
    const auto half = static_cast<long>(tail.size() / 2);
    send_all(fd, std::vector<uint8_t>(tail.begin(), tail.begin() + half));
    got_detach = await_command(fd, MsgType::kDetach, seen);
    send_all(fd, std::vector<uint8_t>(tail.begin() + half, tail.end()));
    ::close(fd);
  });
  UnixSocket s;
  std::string err, why;
  ASSERT_TRUE(s.connect(l.path(), err)) << err;
  Recorder rec;
  ASSERT_TRUE(run_recording(s, rec, RecordLimits{300, 0}, nullptr, why, err)) << err;
  kernel.join();
  EXPECT_EQ(why, "duration reached");
  EXPECT_TRUE(got_detach);
  EXPECT_TRUE(rec.requests().empty());
  EXPECT_EQ(rec.model().sync(), Sync::kSynced);
  // The file does not end inside the frame: replayed to its end, the model stays synced.
  EXPECT_TRUE(rec.ends_on_frame_boundary());
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(rec.stream().data(), rec.stream().size(), items);
  d.finish(items);
  StateModel m;
  for (const auto& it : items) m.apply(it);
  EXPECT_EQ(m.sync(), Sync::kSynced) << m.sync_reason();
}

}  // namespace
}  // namespace glass::inspector
