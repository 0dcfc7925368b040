// Chrome export. Why complete events rather than B/E pairs: a lock hold is matched here, where the
// cursor id is known, so a viewer never has to pair events across threads itself. The JSON is
// built with nlohmann-json (Debian nlohmann-json3-dev), which escapes every string.
#include "inspector/trace/chrome_export.h"

#include <map>
#include <nlohmann/json.hpp>

#include "inspector/model/event_text.h"

namespace glass::inspector {

using telemetry::MsgType;

namespace {
struct Open {
  uint64_t t;
  uint8_t cpu;
  uint32_t asid;
  uint64_t wait;
};

// Microseconds, fractional: Chrome's trace format counts in µs; the kernel's clock is ns.
double us(uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

void event(nlohmann::json& out, const std::string& name, const char* cat, uint32_t pid, uint8_t tid,
           uint64_t ts, uint64_t dur, nlohmann::json args) {
  out.push_back({{"name", name},
                 {"cat", cat},
                 {"ph", "X"},
                 {"pid", pid},
                 {"tid", tid},
                 {"ts", us(ts)},
                 {"dur", us(dur)},
                 {"args", std::move(args)}});
}
}  // namespace

std::string chrome_trace_json(const std::vector<StreamItem>& items, ChromeExportStats& stats) {
  std::map<uint64_t, Open> cursors;                     // id -> begin
  std::map<std::pair<uint64_t, uint64_t>, Open> holds;  // (cursor, node) -> acquire
  uint64_t last_t = 0;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& it : items) {
    if (it.kind != StreamItem::Kind::kEvent) continue;
    const auto& e = it.event.ev;
    switch (e.type) {
      case MsgType::kCursorBegin:
        cursors[e.cursor_begin.cursor] = {e.cursor_begin.t, e.cursor_begin.cpu, e.cursor_begin.asid,
                                          0};
        last_t = std::max(last_t, e.cursor_begin.t);
        break;
      case MsgType::kCursorEnd: {
        last_t = std::max(last_t, e.cursor_end.t);
        auto c = cursors.find(e.cursor_end.cursor);
        if (c == cursors.end()) {
          ++stats.unmatched;
          break;
        }
        uint64_t t0 = c->second.t;
        event(out, "cursor " + std::to_string(c->first), "cursor", c->second.asid, c->second.cpu,
              t0, e.cursor_end.t >= t0 ? e.cursor_end.t - t0 : 0, nlohmann::json::object());
        ++stats.cursors;
        cursors.erase(c);
        break;
      }
      case MsgType::kLockAcquired: {
        last_t = std::max(last_t, e.lock.t);
        auto c = cursors.find(e.lock.cursor);
        if (c == cursors.end()) {
          ++stats.unmatched;
          break;
        }
        holds[{e.lock.cursor, e.lock.node}] = {e.lock.t, c->second.cpu, c->second.asid,
                                               e.lock.wait_ns};
        if (e.lock.wait_ns) {
          uint64_t start = e.lock.t >= e.lock.wait_ns ? e.lock.t - e.lock.wait_ns : 0;
          event(out, "wait node " + hex(e.lock.node), "wait", c->second.asid, c->second.cpu, start,
                e.lock.t - start, {{"cursor", e.lock.cursor}});
          ++stats.waits;
        }
        break;
      }
      case MsgType::kLockReleased: {
        last_t = std::max(last_t, e.lock.t);
        auto h = holds.find({e.lock.cursor, e.lock.node});
        if (h == holds.end()) {
          ++stats.unmatched;
          break;
        }
        uint64_t t0 = h->second.t;
        event(out, "hold node " + hex(e.lock.node), "lock", h->second.asid, h->second.cpu, t0,
              e.lock.t >= t0 ? e.lock.t - t0 : 0,
              {{"cursor", e.lock.cursor}, {"wait_ns", h->second.wait}});
        ++stats.holds;
        holds.erase(h);
        break;
      }
      default:
        break;
    }
  }
  for (const auto& [key, h] : holds) {
    event(out, "hold node " + hex(key.second), "lock", h.asid, h.cpu, h.t,
          last_t >= h.t ? last_t - h.t : 0, {{"cursor", key.first}, {"unfinished", true}});
    ++stats.unfinished;
  }
  for (const auto& [id, c] : cursors) {
    event(out, "cursor " + std::to_string(id), "cursor", c.asid, c.cpu, c.t,
          last_t >= c.t ? last_t - c.t : 0, {{"unfinished", true}});
    ++stats.unfinished;
  }
  const nlohmann::json doc = {{"displayTimeUnit", "ns"}, {"traceEvents", std::move(out)}};
  return doc.dump(1) + "\n";
}

}  // namespace glass::inspector
