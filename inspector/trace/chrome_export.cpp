// Chrome export. Why complete events rather than B/E pairs: a lock hold is matched here, where the
// cursor id is known, so a viewer never has to pair events across threads itself.
#include "inspector/trace/chrome_export.h"

#include <cstdio>
#include <map>

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

std::string us(uint64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%llu.%03llu", static_cast<unsigned long long>(ns / 1000),
                static_cast<unsigned long long>(ns % 1000));
  return b;
}

void event(std::string& out, bool& first, const std::string& name, const char* cat, uint32_t pid,
           uint8_t tid, uint64_t ts, uint64_t dur, const std::string& args) {
  out += first ? "\n" : ",\n";
  first = false;
  out += "{\"name\":\"" + name + "\",\"cat\":\"" + cat +
         "\",\"ph\":\"X\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid) +
         ",\"ts\":" + us(ts) + ",\"dur\":" + us(dur) + ",\"args\":{" + args + "}}";
}
}  // namespace

std::string chrome_trace_json(const std::vector<StreamItem>& items, ChromeExportStats& stats) {
  std::map<uint64_t, Open> cursors;                     // id -> begin
  std::map<std::pair<uint64_t, uint64_t>, Open> holds;  // (cursor, node) -> acquire
  uint64_t last_t = 0;
  std::string out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
  bool first = true;
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
        event(out, first, "cursor " + std::to_string(c->first), "cursor", c->second.asid,
              c->second.cpu, t0, e.cursor_end.t >= t0 ? e.cursor_end.t - t0 : 0, "");
        ++stats.cursors;
        cursors.erase(c);
        break;
      }
      case MsgType::kLockAcquired: {
        last_t = std::max(last_t, e.lock_acquired.t);
        auto c = cursors.find(e.lock_acquired.cursor);
        if (c == cursors.end()) {
          ++stats.unmatched;
          break;
        }
        holds[{e.lock_acquired.cursor, e.lock_acquired.node}] = {
            e.lock_acquired.t, c->second.cpu, c->second.asid, e.lock_acquired.wait_ns};
        if (e.lock_acquired.wait_ns) {
          uint64_t start = e.lock_acquired.t >= e.lock_acquired.wait_ns
                               ? e.lock_acquired.t - e.lock_acquired.wait_ns
                               : 0;
          event(out, first, "wait node " + hex(e.lock_acquired.node), "wait", c->second.asid,
                c->second.cpu, start, e.lock_acquired.t - start,
                "\"cursor\":" + std::to_string(e.lock_acquired.cursor));
          ++stats.waits;
        }
        break;
      }
      case MsgType::kLockReleased: {
        last_t = std::max(last_t, e.lock_released.t);
        auto h = holds.find({e.lock_released.cursor, e.lock_released.node});
        if (h == holds.end()) {
          ++stats.unmatched;
          break;
        }
        uint64_t t0 = h->second.t;
        event(out, first, "hold node " + hex(e.lock_released.node), "lock", h->second.asid,
              h->second.cpu, t0, e.lock_released.t >= t0 ? e.lock_released.t - t0 : 0,
              "\"cursor\":" + std::to_string(e.lock_released.cursor) +
                  ",\"wait_ns\":" + std::to_string(h->second.wait));
        ++stats.holds;
        holds.erase(h);
        break;
      }
      default:
        break;
    }
  }
  for (const auto& [key, h] : holds) {
    event(out, first, "hold node " + hex(key.second), "lock", h.asid, h.cpu, h.t,
          last_t >= h.t ? last_t - h.t : 0,
          "\"cursor\":" + std::to_string(key.first) + ",\"unfinished\":true");
    ++stats.unfinished;
  }
  for (const auto& [id, c] : cursors) {
    event(out, first, "cursor " + std::to_string(id), "cursor", c.asid, c.cpu, c.t,
          last_t >= c.t ? last_t - c.t : 0, "\"unfinished\":true");
    ++stats.unfinished;
  }
  out += "\n]}\n";
  return out;
}

}  // namespace glass::inspector
