// The Perfetto (Chrome trace-event JSON) export of a host recording (the real mm on the host,
// contention from two host threads), loaded back as JSON: a track per cursor whose slices nest
// (holds inside the cursor's life), a CPU track per CPU once there are two, frame counters by
// kind that end at the model's own counts, and an instant track per message type, named from
// the declarations, whose args are the event's declared fields.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "inspector/model/event_text.h"
#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/chrome_export.h"
#include "inspector/trace/host_kernel.h"
#include "mm/phys/frame_kind.h"

namespace glass::inspector {
namespace {

using nlohmann::json;
using telemetry::MsgType;

struct Exported {
  std::vector<StreamItem> items;
  StateModel model;
  ChromeExportStats stats;
  json doc;
};

Exported record_and_export() {
  HostKernel k(4096, 5);
  k.handshake();
  const uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 16, 0);
  k.snapshot();
  k.map(as, 0x800000, 40, 0);
  k.unmap(as, 0x800000, 8, 0);
  k.contend(as, 0x40000000, 8);  // cursor B on a second host thread (CPU 1) waits for A
  k.alloc_frames(2);
  k.send_digest();
  Exported x;
  StreamDecoder d;
  const auto bytes = k.take_bytes();
  d.feed(bytes.data(), bytes.size(), x.items);
  d.finish(x.items);
  for (const auto& it : x.items) x.model.apply(it);
  x.doc = json::parse(chrome_trace_json(x.items, x.stats));
  return x;
}

// tid -> name for the thread_name metadata of process pid.
std::map<int, std::string> thread_names(const json& events, int pid) {
  std::map<int, std::string> out;
  for (const auto& e : events)
    if (e["ph"] == "M" && e["name"] == "thread_name" && e["pid"] == pid)
      out[e["tid"].get<int>()] = e["args"]["name"].get<std::string>();
  return out;
}

TEST(ChromeExport, EveryCursorHasATrackOfNestedSlices) {
  const auto x = record_and_export();
  const json& ev = x.doc["traceEvents"];
  const auto names = thread_names(ev, kCursorsPid);
  std::map<int, std::vector<std::pair<double, double>>> slices;  // tid -> [start, end)
  std::set<std::string> cats;
  for (const auto& e : ev) {
    if (e["ph"] != "X" || e["pid"] != kCursorsPid) continue;
    const int tid = e["tid"].get<int>();
    ASSERT_TRUE(names.count(tid)) << "a slice on an unnamed cursor track " << tid;
    const double t0 = e["ts"].get<double>();
    slices[tid].push_back({t0, t0 + e["dur"].get<double>()});
    cats.insert(e["cat"].get<std::string>());
  }
  EXPECT_EQ(cats, (std::set<std::string>{"cursor", "lock", "wait"}));
  EXPECT_EQ(slices.size(), names.size()) << "a track per cursor id, none empty";
  EXPECT_GT(x.stats.cursors, 3u);
  EXPECT_GT(x.stats.holds, x.stats.cursors);
  EXPECT_EQ(x.stats.waits, 1u) << "contend: cursor B waits once for A's node";
  EXPECT_EQ(x.stats.unmatched, 0u);
  EXPECT_EQ(x.stats.unfinished, 0u);
  // Perfetto draws a track's slices as a stack: each must lie inside or after the ones before.
  for (auto& [tid, s] : slices) {
    std::sort(s.begin(), s.end(), [](auto a, auto b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    std::vector<double> open;  // ends of enclosing slices
    for (const auto& [t0, t1] : s) {
      while (!open.empty() && open.back() <= t0) open.pop_back();
      if (!open.empty()) {
        EXPECT_LE(t1, open.back()) << names.at(tid) << " overlaps at " << t0;
      }
      open.push_back(t1);
    }
  }
}

TEST(ChromeExport, ACpuTrackPerCpuOnceThereAreTwo) {
  const auto x = record_and_export();
  const auto cpus = thread_names(x.doc["traceEvents"], kCpusPid);
  EXPECT_EQ(x.stats.cpus, 2u);
  EXPECT_EQ(cpus, (std::map<int, std::string>{{0, "CPU 0"}, {1, "CPU 1"}}));
  std::set<int> used;
  for (const auto& e : x.doc["traceEvents"])
    if (e["ph"] == "X" && e["pid"] == kCpusPid) used.insert(e["tid"].get<int>());
  EXPECT_EQ(used, (std::set<int>{0, 1}));
}

TEST(ChromeExport, FrameCountersEndAtTheModelsCounts) {
  const auto x = record_and_export();
  std::map<std::string, uint64_t> model;
  for (const auto& f : x.model.frames())
    if (f.kind < mm::kFrameKindCount) ++model[mm::kind_name(static_cast<mm::FrameKind>(f.kind))];
  const json* last = nullptr;
  size_t points = 0;
  for (const auto& e : x.doc["traceEvents"])
    if (e["ph"] == "C" && e["pid"] == kFramesPid) last = &e, ++points;
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(points, x.stats.counter_points);
  EXPECT_GT(points, 2u) << "one after the snapshot, more as the maps allocate";
  std::map<std::string, uint64_t> exported;
  for (const auto& [k, v] : (*last)["args"].items())
    if (v.get<uint64_t>() != 0) exported[k] = v.get<uint64_t>();
  EXPECT_EQ(exported, model);
}

TEST(ChromeExport, EveryOtherMessageIsAnInstantOnItsTypesTrack) {
  const auto x = record_and_export();
  const auto tracks = thread_names(x.doc["traceEvents"], kEventsPid);
  // What the recording holds, by type, besides what became slices and counters.
  std::map<int, size_t> expected;
  for (const auto& it : x.items) {
    const MsgType t = it.event.ev.type;
    if (t == MsgType::kCursorBegin || t == MsgType::kCursorEnd || t == MsgType::kLockAcquired ||
        t == MsgType::kLockReleased || t == MsgType::kLockWaiting || t == MsgType::kFrameRun)
      continue;
    ++expected[static_cast<int>(t)];
  }
  std::map<int, size_t> got;
  for (const auto& e : x.doc["traceEvents"]) {
    if (e["ph"] != "i" || e["pid"] != kEventsPid) continue;
    const int tid = e["tid"].get<int>();
    ++got[tid];
    ASSERT_TRUE(tracks.count(tid));
    EXPECT_EQ(e["name"].get<std::string>(), tracks.at(tid));
    EXPECT_EQ(tracks.at(tid), telemetry::msg_name(static_cast<MsgType>(tid)));
  }
  EXPECT_EQ(got, expected);
  for (MsgType t : {MsgType::kSnapshotBegin, MsgType::kSnapshotEnd, MsgType::kEntries,
                    MsgType::kNodeCreated, MsgType::kFolioRef, MsgType::kDigest})
    EXPECT_TRUE(got.count(static_cast<int>(t))) << telemetry::msg_name(t);
  // An entries instant carries the fields its declaration shows, under their declared names.
  for (const auto& it : x.items) {
    if (it.event.ev.type != MsgType::kEntries) continue;
    for (const auto& e : x.doc["traceEvents"]) {
      if (e["ph"] != "i" || e["tid"] != static_cast<int>(MsgType::kEntries)) continue;
      std::set<std::string> keys, want;
      for (const auto& [k, v] : e["args"].items()) keys.insert(k);
      for (const auto& f : fields(it.event)) want.insert(f.name);
      EXPECT_EQ(keys, want);
      break;
    }
    break;
  }
}

}  // namespace
}  // namespace glass::inspector
