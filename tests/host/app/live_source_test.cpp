// The inspector's live source against a stand-in kernel on a real unix socket (HostKernel's
// bytes, served the way QEMU serves COM2): it waits without blocking, attaches, syncs, survives
// the kernel going away with the last state kept, starts a new epoch for a new boot, keeps the
// old one viewable, refuses another protocol version, and records exactly what it received.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "inspector/app/live_source.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/trace_file.h"

namespace glass::inspector::app {
namespace {

using Clock = LiveSource::Clock;

// A listening unix socket: what QEMU's `-serial unix:PATH,server=on,wait=off` offers.
class FakeKernelSocket {
 public:
  explicit FakeKernelSocket(const std::string& path) : path_(path) {
    ::unlink(path.c_str());
    listen_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_, 4), 0);
  }
  ~FakeKernelSocket() {
    drop();
    ::close(listen_);
    ::unlink(path_.c_str());
  }
  bool accept_within(int ms) {
    pollfd p{listen_, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return false;
    conn_ = ::accept(listen_, nullptr, nullptr);
    return conn_ >= 0;
  }
  // Bytes the inspector sent (its HELLO, commands), waiting up to ms for the first.
  std::vector<uint8_t> read_within(int ms) {
    std::vector<uint8_t> out;
    pollfd p{conn_, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return out;
    uint8_t buf[4096];
    ssize_t n = ::read(conn_, buf, sizeof buf);
    if (n > 0) out.assign(buf, buf + n);
    return out;
  }
  void send(const std::vector<uint8_t>& b) {
    ASSERT_EQ(::write(conn_, b.data(), b.size()), static_cast<ssize_t>(b.size()));
  }
  void drop() {
    if (conn_ >= 0) ::close(conn_);
    conn_ = -1;
  }

 private:
  std::string path_;
  int listen_ = -1;
  int conn_ = -1;
};

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "glass_live_" + std::to_string(::getpid()) + "_" + name;
}

// A stand-in boot: handshake, one address space with mappings, the snapshot.
std::vector<uint8_t> boot_bytes(uint64_t seed, uint32_t version = telemetry::kProtocolVersion) {
  HostKernel k(4096, seed);
  k.handshake(version);
  uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 24, 0);
  k.snapshot();
  k.flush();
  return k.take_bytes();
}

uint64_t boot_id_of(const std::vector<uint8_t>& bytes) {
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(bytes.data(), bytes.size(), items);
  for (const auto& it : items)
    if (it.kind == StreamItem::Kind::kEvent && it.event.ev.type == telemetry::MsgType::kHandshake)
      return it.event.ev.handshake.boot_id;
  return 0;
}

// Polls the source (pretending time passes, so retries are due) until pred holds.
template <typename P>
bool poll_until(LiveSource& src, Clock::time_point& t, P pred) {
  for (int i = 0; i < 400; ++i) {
    t += std::chrono::milliseconds(300);
    src.poll(t);
    if (pred()) return true;
    ::usleep(2000);
  }
  return false;
}

TEST(LiveSource, NoKernelMeansWaitingAndNeverBlocks) {
  const auto path = temp_path("none.sock");
  LiveSource src(path);
  const auto start = Clock::now();
  src.poll(Clock::now());
  const uint64_t key = src.change_key();
  for (int i = 0; i < 50; ++i) src.poll(Clock::now() + std::chrono::seconds(i));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(src.change_key(), key) << "retries change nothing drawn: an idle window sleeps";
  EXPECT_EQ(src.state(), LinkState::kWaiting);
  EXPECT_EQ(src.status(), "waiting for the kernel at " + path);
  const auto lines = src.take_transitions();
  ASSERT_EQ(lines.size(), 1u) << "a retry is not a state change";
  EXPECT_NE(lines[0].find("waiting for the kernel at " + path), std::string::npos);
}

TEST(LiveSource, AttachSyncDisconnectKeepStateNewBootNewEpoch) {
  const auto path = temp_path("k.sock");
  const auto rec = temp_path("rec.glt");
  auto boot1 = boot_bytes(1), boot2 = boot_bytes(7);
  ASSERT_NE(boot_id_of(boot1), boot_id_of(boot2)) << "pick seeds with distinct boot ids";
  LiveSource src(path);
  std::string err;
  ASSERT_TRUE(src.start_recording(rec, err)) << err;
  auto t = Clock::now();
  std::vector<uint8_t> sent;
  {
    FakeKernelSocket k(path);
    const uint64_t waiting_key = src.change_key();
    src.poll(t += std::chrono::seconds(1));
    ASSERT_TRUE(k.accept_within(1000));
    EXPECT_EQ(src.state(), LinkState::kAttached);
    EXPECT_NE(src.change_key(), waiting_key) << "attaching must wake an idle window";
    EXPECT_FALSE(k.read_within(1000).empty()) << "the inspector says HELLO first";
    k.send(boot1);
    sent.insert(sent.end(), boot1.begin(), boot1.end());
    const uint64_t attached_key = src.change_key();
    ASSERT_TRUE(poll_until(src, t, [&] {
      return src.epochs().latest() && src.epochs().latest()->model.sync() == Sync::kSynced;
    }));
    EXPECT_NE(src.change_key(), attached_key) << "data arriving must wake an idle window";
    EXPECT_EQ(src.status(), "attached to " + path + ", synced");
  }  // the kernel goes away
  ASSERT_TRUE(poll_until(src, t, [&] { return src.state() == LinkState::kDisconnected; }));
  EXPECT_NE(src.status().find("disconnected"), std::string::npos);
  ASSERT_EQ(src.epochs().size(), 1u);
  const Epoch& e1 = *src.epochs().latest();
  const size_t nodes1 = e1.model.node_count();
  EXPECT_GT(nodes1, 0u) << "the last state is kept after a disconnect";
  EXPECT_EQ(e1.boot_id, boot_id_of(boot1));
  {
    FakeKernelSocket k(path);  // the next boot
    ASSERT_TRUE(poll_until(src, t, [&] { return k.accept_within(5); }));
    k.send(boot2);
    sent.insert(sent.end(), boot2.begin(), boot2.end());
    ASSERT_TRUE(poll_until(src, t, [&] {
      return src.epochs().size() == 2 && src.epochs().latest()->model.sync() == Sync::kSynced;
    }));
    EXPECT_EQ(src.epochs().latest()->number, 2u);
    EXPECT_EQ(src.epochs().latest()->boot_id, boot_id_of(boot2));
    const Epoch* old = src.epochs().find(1);
    ASSERT_NE(old, nullptr) << "the previous boot stays viewable";
    EXPECT_EQ(old->model.node_count(), nodes1);
  }
  ASSERT_TRUE(poll_until(src, t, [&] { return src.state() == LinkState::kDisconnected; }));
  EXPECT_EQ(src.connections(), 2u);
  std::string lines;
  for (const auto& l : src.take_transitions()) lines += l + "\n";
  EXPECT_NE(lines.find("attached epoch=1"), std::string::npos) << lines;
  EXPECT_NE(lines.find("disconnected epoch=1"), std::string::npos) << lines;
  EXPECT_NE(lines.find("sync=synced"), std::string::npos) << lines;
  EXPECT_NE(lines.find("epoch epoch=2 epochs=2"), std::string::npos) << lines;
  // --record saved exactly the bytes received, across both connections.
  TraceFile tf;
  ASSERT_TRUE(read_trace(rec, tf, err)) << err;
  EXPECT_EQ(tf.stream, sent);
  std::remove(rec.c_str());
}

TEST(LiveSource, ReattachToTheSameBootContinuesItsEpoch) {
  const auto path = temp_path("same.sock");
  auto boot = boot_bytes(3);
  LiveSource src(path);
  auto t = Clock::now();
  for (int round = 0; round < 2; ++round) {
    FakeKernelSocket k(path);
    ASSERT_TRUE(poll_until(src, t, [&] { return k.accept_within(5); }));
    k.send(boot);
    ASSERT_TRUE(poll_until(src, t, [&] {
      return src.epochs().latest() && src.epochs().latest()->model.sync() == Sync::kSynced &&
             src.state() == LinkState::kAttached;
    }));
    k.drop();
    ASSERT_TRUE(poll_until(src, t, [&] { return src.state() == LinkState::kDisconnected; }));
  }
  EXPECT_EQ(src.epochs().size(), 1u);
}

TEST(LiveSource, AnotherProtocolVersionIsRefusedWithBothVersions) {
  const auto path = temp_path("ver.sock");
  LiveSource src(path);
  auto t = Clock::now();
  FakeKernelSocket k(path);
  ASSERT_TRUE(poll_until(src, t, [&] { return k.accept_within(5); }));
  k.send(boot_bytes(1, telemetry::kProtocolVersion + 1));
  ASSERT_TRUE(poll_until(src, t, [&] { return src.state() == LinkState::kRefused; }));
  EXPECT_NE(src.status().find("kernel speaks v" + std::to_string(telemetry::kProtocolVersion + 1)),
            std::string::npos)
      << src.status();
}

TEST(LiveSource, WalkIsSentOnlyWhileAttached) {
  LiveSource src(temp_path("walk.sock"));
  std::string err;
  EXPECT_FALSE(src.send_walk(1, 1, 0x400000, err));
  EXPECT_EQ(err, "not attached to a kernel");
}

// The host's frames, decoded as the kernel would see them.
std::vector<DecodedEvent> host_commands(const std::vector<uint8_t>& bytes) {
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(bytes.data(), bytes.size(), items);
  std::vector<DecodedEvent> out;
  for (const auto& it : items)
    if (it.kind == StreamItem::Kind::kEvent) out.push_back(it.event);
  return out;
}

// A kernel that says its handshake but whose snapshot request got lost (the HELLO's answer never
// comes): the source asks again once SnapshotRetry::kRetryMs have passed, not before, and not
// again once the snapshot has synced the model.
TEST(LiveSource, ResendsASnapshotRequestTheKernelNeverAnswered) {
  const auto path = temp_path("retry.sock");
  HostKernel kern(4096, 5);
  kern.handshake();
  uint32_t as = kern.create_address_space();
  kern.map(as, 0x400000, 8, 0);
  const auto hello_answer = kern.take_bytes();
  FakeKernelSocket k(path);
  LiveSource src(path);
  const auto t0 = Clock::now() + std::chrono::seconds(1);
  src.poll(t0);
  ASSERT_TRUE(k.accept_within(1000));
  ASSERT_EQ(src.state(), LinkState::kAttached);
  auto hello = host_commands(k.read_within(1000));
  ASSERT_EQ(hello.size(), 1u);
  EXPECT_EQ(hello[0].ev.type, telemetry::MsgType::kHello);
  k.send(hello_answer);  // the handshake and live events, but no snapshot
  for (int i = 0; i < 500 && !src.epochs().latest(); ++i) {
    src.poll(t0);
    ::usleep(2000);
  }
  ASSERT_NE(src.epochs().latest(), nullptr) << "the handshake never arrived";
  ASSERT_EQ(src.epochs().latest()->model.sync(), Sync::kNeedSnapshot);
  const auto retry = std::chrono::milliseconds(SnapshotRetry::kRetryMs);
  src.poll(t0 + retry - std::chrono::milliseconds(1));
  EXPECT_TRUE(k.read_within(50).empty()) << "too early for a retry";
  EXPECT_EQ(src.snapshot_retries(), 0u);
  src.poll(t0 + retry);
  auto again = host_commands(k.read_within(1000));
  ASSERT_EQ(again.size(), 1u) << "one REQUEST_SNAPSHOT after kRetryMs without an answer";
  EXPECT_EQ(again[0].ev.type, telemetry::MsgType::kRequestSnapshot);
  EXPECT_EQ(again[0].ev.request_snapshot.reason, telemetry::SnapshotReason::kAttach);
  EXPECT_EQ(src.snapshot_retries(), 1u);
  // Still unanswered: asked again after another kRetryMs, not on every poll in between.
  src.poll(t0 + retry + retry / 2);
  EXPECT_TRUE(k.read_within(50).empty());
  src.poll(t0 + 2 * retry);
  EXPECT_EQ(host_commands(k.read_within(1000)).size(), 1u);
  // The kernel answers: synced, and nothing more is asked however long it stays quiet.
  const size_t before = kern.take_bytes().size();
  kern.snapshot();
  auto all = kern.take_bytes();
  k.send(std::vector<uint8_t>(all.begin() + static_cast<long>(before), all.end()));
  auto t = t0 + 2 * retry;
  for (int i = 0; i < 500 && src.epochs().latest()->model.sync() != Sync::kSynced; ++i) {
    src.poll(t);
    ::usleep(2000);
  }
  ASSERT_EQ(src.epochs().latest()->model.sync(), Sync::kSynced);
  src.poll(t0 + 10 * retry);
  EXPECT_TRUE(k.read_within(50).empty()) << "synced: nothing to ask";
  EXPECT_EQ(src.snapshot_retries(), 2u);
}

TEST(EpochList, NumbersAreStableAndTheOldestIsDroppedFirst) {
  EpochList l;
  EXPECT_EQ(l.current().number, 1u);
  EXPECT_EQ(l.on_boot(100).number, 1u) << "bytes before the first handshake belong to that boot";
  EXPECT_EQ(l.on_boot(100).number, 1u);
  for (uint64_t b = 0; b < EpochList::kMaxEpochs + 3; ++b) l.on_boot(200 + b);
  EXPECT_EQ(l.size(), EpochList::kMaxEpochs);
  EXPECT_EQ(l.find(1), nullptr);
  EXPECT_EQ(l.latest()->number, EpochList::kMaxEpochs + 4);
  EXPECT_EQ(l.all().front()->number, 5u);
}

}  // namespace
}  // namespace glass::inspector::app
