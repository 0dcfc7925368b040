// The recording side on the host (HostKernel: the real mm, hooks, rings, drain and snapshot, as
// the kernel runs them): mm operations give a stream that decodes, keeps the model in step with
// the kernel-side scan, carries the events each operation is specified to make, and has the same
// event kinds as a real kernel's recording of the same operations (the golden real_demo_mm_walk:
// handshake, snapshot of an address space with folios mapped, a walk).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/trace_file.h"

namespace glass::inspector {
namespace {

using telemetry::MsgType;

std::vector<StreamItem> decode(const std::vector<uint8_t>& bytes) {
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(bytes.data(), bytes.size(), items);
  d.finish(items);
  return items;
}

std::multiset<MsgType> kinds(const std::vector<StreamItem>& items) {
  std::multiset<MsgType> out;
  for (const auto& it : items) {
    EXPECT_EQ(it.kind, StreamItem::Kind::kEvent) << "a gap in a clean recording";
    if (it.kind == StreamItem::Kind::kEvent) out.insert(it.event.ev.type);
  }
  return out;
}

std::set<MsgType> distinct(const std::multiset<MsgType>& m) {
  return {m.begin(), m.end()};
}

TEST(HostRecording, MmOperationsGiveTheKernelsStream) {
  HostKernel k(4096, 3);
  k.handshake();
  const uint32_t as = k.create_address_space();
  k.snapshot();
  const size_t after_snapshot = decode(k.take_bytes()).size();
  k.map(as, 0x400000, 12);
  k.unmap(as, 0x402000, 4);
  k.send_digest();
  const auto items = decode(k.take_bytes());
  const auto live =
      std::vector<StreamItem>(items.begin() + static_cast<long>(after_snapshot), items.end());
  const auto seen = kinds(live);
  // A map: a cursor, its locks, the nodes it creates, a frame run and a folio refcount per page,
  // the entries of its range; an unmap: the entries cleared and the folios freed.
  for (MsgType t : {MsgType::kCursorBegin, MsgType::kLockAcquired, MsgType::kNodeCreated,
                    MsgType::kFrameRun, MsgType::kFolioRef, MsgType::kEntries,
                    MsgType::kLockReleased, MsgType::kCursorEnd, MsgType::kDigest})
    EXPECT_EQ(seen.count(t) > 0, true) << telemetry::msg_name(t);
  EXPECT_EQ(seen.count(MsgType::kCursorBegin), 2u);
  EXPECT_EQ(seen.count(MsgType::kCursorBegin), seen.count(MsgType::kCursorEnd));
  EXPECT_EQ(seen.count(MsgType::kLockAcquired), seen.count(MsgType::kLockReleased));
  // Replayed, the model is synced and agrees with the kernel-side full scan.
  StateModel m;
  for (const auto& it : items) m.apply(it);
  EXPECT_EQ(m.sync(), Sync::kSynced) << m.sync_reason();
  EXPECT_EQ(m.counters().digests_mismatched, 0u);
  EXPECT_GE(m.counters().digests_matched, 2u);
  EXPECT_EQ(m.digest(), k.digest());
  EXPECT_EQ(m.digest(), m.recompute_digest());
}

TEST(HostRecording, ContentionFromTwoThreadsIsReportedAsAWait) {
  HostKernel k(4096, 9);
  k.handshake();
  const uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 4);
  k.snapshot();
  k.contend(as, 0x600000, 8);
  k.send_digest();
  const auto items = decode(k.take_bytes());
  const auto seen = kinds(items);
  EXPECT_EQ(seen.count(MsgType::kLockWaiting), 1u);
  bool waited = false;
  for (const auto& it : items)
    if (it.event.ev.type == MsgType::kLockAcquired && it.event.ev.lock_acquired.wait_ns > 0)
      waited = true;
  EXPECT_TRUE(waited);
  StateModel m;
  for (const auto& it : items) m.apply(it);
  EXPECT_EQ(m.sync(), Sync::kSynced) << m.sync_reason();
  EXPECT_EQ(m.digest(), k.digest());
}

std::filesystem::path golden(const char* name) {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "telemetry" /
         "golden" / name;
}

TEST(HostRecording, SameEventKindsAsARealKernelRecording) {
  TraceFile f;
  std::string err;
  ASSERT_TRUE(read_trace(golden("real_demo_mm_walk.glt").string(), f, err)) << err;
  const auto real = distinct(kinds(decode(f.stream)));
  // The same operations on the host: attach (handshake, snapshot) to a state with an address
  // space whose pages are folios, then a walk of one of them.
  HostKernel k(4096, 1);
  const uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 8);
  k.handshake();
  k.snapshot();
  k.answer_walk(1, as, 0x400000);
  const auto host = distinct(kinds(decode(k.take_bytes())));
  EXPECT_EQ(host, real);
}

}  // namespace
}  // namespace glass::inspector
