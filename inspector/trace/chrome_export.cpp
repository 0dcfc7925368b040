// Chrome/Perfetto export (see chrome_export.h for the tracks). Why complete "X" slices rather
// than B/E pairs: a lock hold is matched here, where the cursor id is known, so a viewer never
// pairs events across tracks itself. Why one instant track per message type: the export is then
// derived from the declarations (a new message needs no rule here). The JSON is built with
// nlohmann-json (Debian nlohmann-json3-dev), which escapes every string.
#include "inspector/trace/chrome_export.h"

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <type_traits>

#include "inspector/model/event_text.h"
#include "mm/phys/frame_kind.h"

namespace glass::inspector {

using nlohmann::json;
using telemetry::MsgType;

namespace {

// Microseconds, fractional: Chrome's trace format counts in µs; the kernel's clock is ns.
double us(uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

std::string kind_label(uint8_t k) {
  if (k < mm::kFrameKindCount) return mm::kind_name(static_cast<mm::FrameKind>(k));
  return "kind#" + std::to_string(k);
}

// The event's time field, if its declaration has one.
std::optional<uint64_t> time_of(const telemetry::Event& e) {
  std::optional<uint64_t> t;
  (void)telemetry::visit(e, [&](const auto& m) {
    telemetry::msg::for_each_field(m, [&](auto codec, const auto& v, const char*) {
      if constexpr (std::is_same_v<decltype(codec), telemetry::field::TimeNs>) t = v;
    });
  });
  return t;
}

json args_of(const DecodedEvent& d) {
  json a = json::object();
  for (const FieldText& f : fields(d)) {
    if (f.form == FieldText::kNumber)
      a[f.name] = std::stoull(f.value);
    else
      a[f.name] = f.value;
  }
  return a;
}

constexpr uint64_t kMaxFramesCounted = uint64_t{1} << 24;  // 64 GiB of RAM in 4 KiB frames
constexpr uint8_t kUnknown = 0xff;                         // not yet described by a frame_run

class Exporter {
 public:
  explicit Exporter(ChromeExportStats& st) : st_(st) {}

  void item(const StreamItem& it) {
    if (it.kind == StreamItem::Kind::kGap) {
      flush_counts();
      out_.push_back({{"name", "gap"},
                      {"cat", "gap"},
                      {"ph", "i"},
                      {"s", "t"},
                      {"pid", kEventsPid},
                      {"tid", 0},
                      {"ts", us(now_)},
                      {"args", {{"detail", describe(it.gap)}}}});
      ++st_.instants;
      return;
    }
    const DecodedEvent& d = it.event;
    const auto& e = d.ev;
    if (auto t = time_of(e); t && *t > now_) {
      flush_counts();  // one counter point per time stamp: the counts as they were at now_
      now_ = *t;
    }
    switch (e.type) {
      case MsgType::kCursorBegin:
        cursor_begin(e.cursor_begin);
        return;
      case MsgType::kCursorEnd:
        cursor_end(e.cursor_end.cursor);
        return;
      case MsgType::kLockAcquired:
        lock_acquired(e.lock_acquired);
        return;
      case MsgType::kLockReleased:
        lock_released(e.lock_released.cursor, e.lock_released.node);
        return;
      case MsgType::kLockWaiting:
        return;  // drawn as the wait slice that its lock_acquired closes (wait_ns)
      case MsgType::kFrameRun:
        frame_run(e.frame_run);
        return;
      case MsgType::kHandshake:
        handshake(e.handshake);
        break;
      case MsgType::kSnapshotBegin:
        snapshot_begin(e.snapshot_begin.frame_count);
        break;
      case MsgType::kSnapshotEnd:
        in_snapshot_ = false;
        break;
      default:
        break;
    }
    instant(d);
    if (e.type == MsgType::kSnapshotEnd) flush_counts();
  }

  std::string finish() {
    flush_counts();
    for (const auto& [key, h] : holds_) {
      cursor_slice(key.first, "hold node " + hex(key.second), "lock", h.t, now_,
                   {{"cursor", key.first}, {"unfinished", true}});
      ++st_.unfinished;
    }
    for (const auto& [id, c] : cursors_) {
      cursor_slice(id, "cursor " + hex(id), "cursor", c.t, now_,
                   {{"asid", c.asid}, {"cpu", c.cpu}, {"unfinished", true}});
      if (cpus_.size() > 1)
        slice(kCpusPid, c.cpu, "cursor " + hex(id), "cursor", c.t, now_, {{"unfinished", true}});
      ++st_.unfinished;
    }
    st_.cpus = cpus_.size();
    json events = json::array();
    name(events, kCursorsPid, "process_name", "cursors");
    name(events, kFramesPid, "process_name", "frames by kind");
    name(events, kEventsPid, "process_name", "events");
    lay_out_cursors(events);
    for (const auto& [type, seen] : instant_tracks_)
      name(events, kEventsPid, "thread_name", seen, type);
    if (cpus_.size() > 1) {
      name(events, kCpusPid, "process_name", "CPUs");
      for (uint8_t c : cpus_) name(events, kCpusPid, "thread_name", "CPU " + std::to_string(c), c);
      for (auto& s : cpu_slices_) out_.push_back(std::move(s));
    }
    for (auto& e : out_) events.push_back(std::move(e));
    const json doc = {{"displayTimeUnit", "ns"}, {"traceEvents", std::move(events)}};
    return doc.dump(1) + "\n";
  }

 private:
  struct Open {
    uint64_t t = 0;
    uint8_t cpu = 0;
    uint32_t asid = 0;
    uint64_t wait = 0;
  };
  struct Slice {
    std::string name;
    const char* cat;
    uint64_t t0, t1;
    json args;
  };

  static void name(json& events, int pid, const char* what, const std::string& value, int tid = 0) {
    events.push_back(
        {{"name", what}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", value}}}});
  }

  // A slice on cursor `id`'s track: kept until finish() lays the track out in lanes.
  void cursor_slice(uint64_t id, std::string nm, const char* cat, uint64_t t0, uint64_t t1,
                    json args) {
    cursor_slices_[id].push_back({std::move(nm), cat, t0, t1 >= t0 ? t1 : t0, std::move(args)});
  }

  void slice(int pid, int tid, const std::string& nm, const char* cat, uint64_t t0, uint64_t t1,
             json args) {
    json s = {{"name", nm},
              {"cat", cat},
              {"ph", "X"},
              {"pid", pid},
              {"tid", tid},
              {"ts", us(t0)},
              {"dur", us(t1 >= t0 ? t1 - t0 : 0)},
              {"args", std::move(args)}};
    if (pid == kCpusPid)
      cpu_slices_.push_back(std::move(s));
    else
      out_.push_back(std::move(s));
  }

  // A cursor's locks are not released in exactly the reverse order they were taken, so its
  // slices do not always nest; Perfetto needs a track's slices to nest. Each slice goes on the
  // cursor's first lane where it nests (sorted by start, longest first; lane 0 gets the
  // cursor's lifetimes), each lane a track: "cursor 0x223", "cursor 0x223 (2)", ...
  void lay_out_cursors(json& events) {
    int next_tid = 1;
    for (auto& [id, slices] : cursor_slices_) {
      std::stable_sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
        return a.t0 != b.t0 ? a.t0 < b.t0 : a.t1 > b.t1;
      });
      std::vector<std::vector<uint64_t>> lanes;  // per lane, the ends of its open slices
      for (Slice& sl : slices) {
        size_t lane = 0;
        for (; lane < lanes.size(); ++lane) {
          auto& open = lanes[lane];
          while (!open.empty() && open.back() <= sl.t0) open.pop_back();
          if (open.empty() || sl.t1 <= open.back()) break;
        }
        if (lane == lanes.size()) lanes.emplace_back();
        lanes[lane].push_back(sl.t1);
        out_.push_back({{"name", std::move(sl.name)},
                        {"cat", sl.cat},
                        {"ph", "X"},
                        {"pid", kCursorsPid},
                        {"tid", next_tid + static_cast<int>(lane)},
                        {"ts", us(sl.t0)},
                        {"dur", us(sl.t1 - sl.t0)},
                        {"args", std::move(sl.args)}});
      }
      for (size_t lane = 0; lane < lanes.size(); ++lane)
        name(events, kCursorsPid, "thread_name",
             "cursor " + hex(id) + (lane ? " (" + std::to_string(lane + 1) + ")" : std::string()),
             next_tid + static_cast<int>(lane));
      next_tid += static_cast<int>(lanes.size());
    }
  }

  void cursor_begin(const telemetry::msg::CursorBegin& m) {
    cursors_[m.cursor] = {m.t, m.cpu, m.asid, 0};
    cpus_.insert(m.cpu);
  }

  void cursor_end(uint64_t id) {
    auto c = cursors_.find(id);
    if (c == cursors_.end()) {
      ++st_.unmatched;
      return;
    }
    cursor_slice(id, "cursor " + hex(id), "cursor", c->second.t, now_,
                 {{"asid", c->second.asid}, {"cpu", c->second.cpu}});
    slice(kCpusPid, c->second.cpu, "cursor " + hex(id), "cursor", c->second.t, now_,
          {{"asid", c->second.asid}});
    ++st_.cursors;
    cursors_.erase(c);
  }

  void lock_acquired(const telemetry::msg::LockAcquired& m) {
    auto c = cursors_.find(m.cursor);
    if (c == cursors_.end()) {
      ++st_.unmatched;
      return;
    }
    holds_[{m.cursor, m.node}] = {m.t, c->second.cpu, c->second.asid, m.wait_ns};
    if (m.wait_ns) {
      const uint64_t start = m.t >= m.wait_ns ? m.t - m.wait_ns : 0;
      cursor_slice(m.cursor, "wait node " + hex(m.node), "wait", start, m.t,
                   {{"cursor", m.cursor}});
      ++st_.waits;
    }
  }

  void lock_released(uint64_t cursor, uint64_t node) {
    auto h = holds_.find({cursor, node});
    if (h == holds_.end()) {
      ++st_.unmatched;
      return;
    }
    cursor_slice(cursor, "hold node " + hex(node), "lock", h->second.t, now_,
                 {{"cursor", cursor}, {"wait_ns", h->second.wait}});
    ++st_.holds;
    holds_.erase(h);
  }

  void handshake(const telemetry::msg::Handshake& m) {
    flush_counts();
    kinds_.assign(std::min<uint64_t>(m.frame_count, kMaxFramesCounted), kUnknown);
    counts_.fill(0);
    counts_dirty_ = !shown_kinds_.empty();  // the old boot's kinds drop to zero
  }

  // A snapshot describes every frame: those it sends no run for are free.
  void snapshot_begin(uint64_t frame_count) {
    in_snapshot_ = true;
    kinds_.assign(std::min<uint64_t>(frame_count, kMaxFramesCounted), 0);
    counts_.fill(0);
    counts_[0] = kinds_.size();
    counts_dirty_ = true;
  }

  void frame_run(const telemetry::msg::FrameRun& m) {
    const uint64_t end = std::min<uint64_t>(m.first + m.count, kMaxFramesCounted);
    if (end > kinds_.size()) kinds_.resize(end, kUnknown);
    for (uint64_t p = m.first; p < end; ++p) {
      if (kinds_[p] == m.kind) continue;
      if (kinds_[p] != kUnknown) --counts_[kinds_[p]];
      kinds_[p] = m.kind;
      ++counts_[m.kind];
      counts_dirty_ = true;
    }
  }

  // One counter point with every kind ever shown (a kind that drops to zero says so).
  void flush_counts() {
    if (!counts_dirty_ || in_snapshot_) return;
    counts_dirty_ = false;
    for (size_t k = 0; k < counts_.size(); ++k)
      if (counts_[k] != 0) shown_kinds_.insert(static_cast<uint8_t>(k));
    json a = json::object();
    for (uint8_t k : shown_kinds_) a[kind_label(k)] = counts_[k];
    out_.push_back({{"name", "frames"},
                    {"cat", "frames"},
                    {"ph", "C"},
                    {"pid", kFramesPid},
                    {"tid", 0},
                    {"ts", us(now_)},
                    {"args", std::move(a)}});
    ++st_.counter_points;
  }

  void instant(const DecodedEvent& d) {
    const auto type = static_cast<int>(d.ev.type);
    const char* nm = telemetry::msg_name(d.ev.type);
    const std::string label = nm ? nm : "type#" + std::to_string(type);
    instant_tracks_.emplace(type, label);
    out_.push_back({{"name", label},
                    {"cat", "event"},
                    {"ph", "i"},
                    {"s", "t"},
                    {"pid", kEventsPid},
                    {"tid", type},
                    {"ts", us(now_)},
                    {"args", args_of(d)}});
    ++st_.instants;
  }

  ChromeExportStats& st_;
  json out_ = json::array();
  std::vector<json> cpu_slices_;
  uint64_t now_ = 0;                                      // the latest time seen
  std::map<uint64_t, Open> cursors_;                      // id -> begin
  std::map<std::pair<uint64_t, uint64_t>, Open> holds_;   // (cursor, node) -> acquire
  std::map<uint64_t, std::vector<Slice>> cursor_slices_;  // cursor id -> its slices
  std::map<int, std::string> instant_tracks_;             // message type -> its name
  std::set<uint8_t> cpus_;
  std::vector<uint8_t> kinds_;  // per pfn
  std::array<uint64_t, 256> counts_{};
  std::set<uint8_t> shown_kinds_;
  bool counts_dirty_ = false;
  bool in_snapshot_ = false;
};

}  // namespace

std::string chrome_trace_json(const std::vector<StreamItem>& items, ChromeExportStats& stats) {
  Exporter x(stats);
  for (const auto& it : items) x.item(it);
  return x.finish();
}

}  // namespace glass::inspector
