// glass-trace record (run_recording over Session and TraceWriter) against the host kernel (the real
// mm on the host): the file is a valid trace after every append (what a kill -9 leaves); over a
// real unix socket a recording that meets a corrupted frame asks for a snapshot and ends synced,
// marked cut because the kernel closed the stream; a recorder that leaves a streaming kernel says
// DETACH, finishes the frame in flight and marks the file complete. (The Session itself:
// session_test.cpp.)
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "inspector/model/stream_decoder.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/recorder.h"
#include "inspector/trace/trace_end.h"
#include "tests/host/trace/kernel_tap.h"

namespace glass::inspector {
namespace {

using telemetry::MsgType;

using testing::Tap;

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "glass_rec_" + std::to_string(::getpid()) + "_" + name;
}

// What glass-trace record does between two reads, without the socket: after every append the
// file on disk is a valid trace ending on a whole frame, so a kill -9 at any moment loses only
// the frame still arriving; the header says the recording was never closed (cut, and where).
TEST(TraceRecorder, TheFileIsAValidTraceAfterEveryAppend) {
  HostKernel k(2048, 12);
  Tap tap{k};
  k.handshake();
  k.map(k.create_address_space(), 0x400000, 32, 0);
  k.snapshot();
  k.random_activity(60);
  k.send_digest();
  const auto bytes = tap.next();
  const auto path = temp_path("append.glt");
  TraceWriter w;
  std::string err;
  ASSERT_TRUE(w.open(path, err)) << err;
  Session s;
  s.connect(0);
  size_t at = 0, appends = 0, last_frames = 0;
  while (at < bytes.size()) {
    const size_t n = std::min<size_t>(bytes.size() - at, 97);  // reads that split frames
    s.receive(bytes.data() + at, n, 1);
    at += n;
    const auto rec = s.take_record();
    if (rec.empty()) continue;
    w.append(rec.data(), rec.size());
    ++appends;
    TraceFile f;
    ASSERT_TRUE(read_trace(path, f, err)) << err;
    EXPECT_EQ(f.end, TraceEnd::kOpen);
    StreamDecoder d;
    std::vector<StreamItem> items;
    d.feed(f.stream.data(), f.stream.size(), items);
    d.finish(items);
    for (const auto& it : items)
      ASSERT_EQ(it.kind, StreamItem::Kind::kEvent) << "no gap, no cut frame";
    EXPECT_GE(d.stats().frames, last_frames);
    last_frames = d.stats().frames;
    const auto cut = trace_cut(f, d.stats().frames, d.last_seq(), 0);
    ASSERT_TRUE(cut);
    EXPECT_EQ(cut->at_byte, kTraceHeaderSize + f.stream.size());
    EXPECT_NE(cut->sentence().find("never closed"), std::string::npos) << cut->sentence();
  }
  EXPECT_GT(appends, 5u);
  w.close(TraceEnd::kDetached);
  TraceFile f;
  ASSERT_TRUE(read_trace(path, f, err)) << err;
  EXPECT_EQ(f.stream, bytes);
  EXPECT_EQ(f.end, TraceEnd::kDetached);
  EXPECT_FALSE(trace_cut(f, 1, 0, 0)) << "a goodbye on a frame boundary is complete";
  std::remove(path.c_str());
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
  std::string err;
  ASSERT_TRUE(s.connect(l.path(), err)) << err;
  const auto path = temp_path("live.glt");
  TraceWriter w;
  ASSERT_TRUE(w.open(path, err)) << err;
  Session rec;
  RecordOutcome how;
  const bool ran = run_recording(s, rec, w, RecordLimits{20000, 0}, nullptr, how, err);
  kernel.join();
  ASSERT_TRUE(ran) << err;
  EXPECT_TRUE(got_hello);
  EXPECT_TRUE(got_request);
  EXPECT_EQ(how.why, "the kernel closed the stream");
  EXPECT_EQ(how.end, TraceEnd::kKernelClosed);
  ASSERT_EQ(rec.requests().size(), 1u);
  EXPECT_EQ(rec.requests()[0].reason, telemetry::SnapshotReason::kGap);
  EXPECT_EQ(rec.model().sync(), Sync::kSynced) << rec.model().sync_reason();
  EXPECT_EQ(rec.model().counters().digests_mismatched, 0u);
  EXPECT_GE(rec.model().counters().digests_matched, 3u);
  TraceFile f;
  ASSERT_TRUE(read_trace(path, f, err)) << err;
  EXPECT_EQ(f.stream.size(), rec.bytes_received());
  EXPECT_EQ(f.end, TraceEnd::kKernelClosed);
  const auto cut = trace_cut(f, 1, 0, 0);
  ASSERT_TRUE(cut) << "the kernel says no goodbye: the recording is marked cut";
  EXPECT_NE(cut->sentence().find("closed the stream"), std::string::npos);
  std::remove(path.c_str());
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
  std::string err;
  ASSERT_TRUE(s.connect(l.path(), err)) << err;
  const auto path = temp_path("detach.glt");
  TraceWriter w;
  ASSERT_TRUE(w.open(path, err)) << err;
  Session rec;
  RecordOutcome how;
  ASSERT_TRUE(run_recording(s, rec, w, RecordLimits{300, 0}, nullptr, how, err)) << err;
  kernel.join();
  EXPECT_EQ(how.why, "duration reached");
  EXPECT_EQ(how.end, TraceEnd::kDetached);
  EXPECT_TRUE(got_detach);
  EXPECT_TRUE(rec.requests().empty());
  EXPECT_EQ(rec.model().sync(), Sync::kSynced);
  // The file does not end inside the frame: replayed to its end, the model stays synced, and
  // the goodbye makes it complete.
  TraceFile f;
  ASSERT_TRUE(read_trace(path, f, err)) << err;
  EXPECT_EQ(f.end, TraceEnd::kDetached);
  ASSERT_FALSE(f.stream.empty());
  EXPECT_EQ(f.stream.back(), 0);
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(f.stream.data(), f.stream.size(), items);
  d.finish(items);
  StateModel m;
  for (const auto& it : items) m.apply(it);
  EXPECT_EQ(m.sync(), Sync::kSynced) << m.sync_reason();
  EXPECT_FALSE(trace_cut(f, d.stats().frames, d.last_seq(), 0));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace glass::inspector
