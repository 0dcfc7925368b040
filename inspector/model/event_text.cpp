// Event text. Why a fixed format: golden traces and scripts read it; change it with the goldens.
#include "inspector/model/event_text.h"

#include <cstdio>

#include "mm/phys/frame_kind.h"

namespace glass::inspector {

using telemetry::MsgType;

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

namespace {
std::string kind_text(uint8_t k) {
  if (k < mm::kFrameKindCount) return mm::kind_name(static_cast<mm::FrameKind>(k));
  return "kind#" + std::to_string(k);
}
std::string quoted(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      o += b;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o + "\"";
}
const char* ktap_text(telemetry::KtapStatus s) {
  switch (s) {
    case telemetry::KtapStatus::kOk:
      return "ok";
    case telemetry::KtapStatus::kNotOk:
      return "not-ok";
    case telemetry::KtapStatus::kSkip:
      return "skip";
  }
  return "?";
}
}  // namespace

std::string describe(const DecodedEvent& d) {
  const auto& e = d.ev;
  std::string s = telemetry::msg_name(e.type);
  auto f = [&](const char* k, const std::string& v) { s += std::string(" ") + k + "=" + v; };
  auto n = [&](const char* k, uint64_t v) { f(k, std::to_string(v)); };
  auto x = [&](const char* k, uint64_t v) { f(k, hex(v)); };
  switch (e.type) {
    case MsgType::kHandshake:
      n("version", e.handshake.version);
      x("boot_id", e.handshake.boot_id);
      x("build_id", e.handshake.build_id);
      n("ram_bytes", e.handshake.ram_bytes);
      n("frames", e.handshake.frame_count);
      n("cpus", e.handshake.cpu_count);
      break;
    case MsgType::kSnapshotBegin:
      n("epoch", e.snapshot_begin.epoch);
      n("frames", e.snapshot_begin.frame_count);
      break;
    case MsgType::kSnapshotEnd:
    case MsgType::kDigest:
      n("epoch", e.digest.epoch);
      x("frames", e.digest.frames);
      x("tables", e.digest.tables);
      break;
    case MsgType::kDropped:
      n("cpu", e.dropped.cpu);
      n("count", e.dropped.count);
      break;
    case MsgType::kFrameRun:
      x("first", e.frame_run.first);
      n("count", e.frame_run.count);
      f("kind", kind_text(e.frame_run.kind));
      x("owner", e.frame_run.owner);
      break;
    case MsgType::kAsCreated:
      n("asid", e.as.asid);
      x("root", e.as.root);
      break;
    case MsgType::kAsDestroyed:
      n("asid", e.as.asid);
      break;
    case MsgType::kCr3Switch:
      n("cpu", e.cr3.cpu);
      n("asid", e.cr3.asid);
      n("t", e.cr3.t);
      break;
    case MsgType::kNodeCreated:
      n("asid", e.node.asid);
      n("level", e.node.level);
      x("pfn", e.node.pfn);
      x("parent", e.node.parent);
      n("index", e.node.index);
      break;
    case MsgType::kNodeFreed:
      n("asid", e.node.asid);
      x("pfn", e.node.pfn);
      break;
    case MsgType::kEntries: {
      x("node", e.entries.node);
      n("first", e.entries.first);
      n("count", e.entries.count);
      std::string v;
      for (size_t i = 0; i < d.values.size(); ++i) {
        if (i == 4 && d.values.size() > 5) {
          v += ",...," + hex(d.values.back());
          break;
        }
        v += (i ? "," : "") + hex(d.values[i]);
      }
      f("values", v);
      break;
    }
    case MsgType::kFolioRef:
      x("first", e.folio.first);
      n("count", e.folio.count);
      n("refcount", e.folio.refcount);
      break;
    case MsgType::kCursorBegin:
      n("cursor", e.cursor_begin.cursor);
      n("cpu", e.cursor_begin.cpu);
      n("asid", e.cursor_begin.asid);
      x("va", telemetry::va_of(e.cursor_begin.first_vpn));
      n("pages", e.cursor_begin.pages);
      x("covering", e.cursor_begin.covering);
      n("t", e.cursor_begin.t);
      break;
    case MsgType::kCursorEnd:
      n("cursor", e.cursor_end.cursor);
      n("t", e.cursor_end.t);
      break;
    case MsgType::kLockAcquired:
      n("cursor", e.lock.cursor);
      x("node", e.lock.node);
      n("wait_ns", e.lock.wait_ns);
      n("t", e.lock.t);
      break;
    case MsgType::kLockReleased:
    case MsgType::kLockWaiting:
      n("cursor", e.lock.cursor);
      x("node", e.lock.node);
      n("t", e.lock.t);
      break;
    case MsgType::kLog:
      n("level", e.log.level);
      n("t", e.log.t);
      f("text", quoted(d.text));
      break;
    case MsgType::kKtap:
      f("status", ktap_text(e.ktap.status));
      n("number", e.ktap.number);
      f("name", quoted(d.text));
      break;
    case MsgType::kPanic:
      n("cpu", e.panic.cpu);
      n("t", e.panic.t);
      f("text", quoted(d.text));
      break;
    case MsgType::kHello:
      n("version", e.hello.version);
      break;
    case MsgType::kRequestSnapshot:
      n("reason", static_cast<uint8_t>(e.request_snapshot.reason));
      break;
    case MsgType::kPing:
    case MsgType::kPong:
      n("token", e.ping.token);
      break;
    case MsgType::kWalk:
      n("token", e.walk.token);
      n("asid", e.walk.asid);
      x("va", e.walk.va);
      break;
    case MsgType::kWalkResult: {
      const auto& w = e.walk_result;
      n("token", w.token);
      n("asid", w.asid);
      x("va", w.va);
      f("status", walk_status_name(w.status));
      for (uint8_t i = 0; i < w.count; ++i) s += " " + describe(w.levels[i]);
      break;
    }
    case MsgType::kDemoState:
      f("state", demo_run_name(e.demo.state));
      n("step", e.demo.step);
      n("cr3_asid", e.demo.cr3_asid);
      f("label", quoted(d.text));
      break;
    case MsgType::kRxLost:
      n("overflows", e.rx_lost.overflows);
      n("line_errors", e.rx_lost.line_errors);
      break;
    case MsgType::kDetach:
    case MsgType::kPause:
    case MsgType::kStep:
    case MsgType::kResume:
    case MsgType::kBlockFirst:
    case MsgType::kBlockLast:
      break;
  }
  return s;
}

const char* walk_status_name(telemetry::WalkStatus s) {
  switch (s) {
    case telemetry::WalkStatus::kLeaf:
      return "leaf";
    case telemetry::WalkStatus::kNotPresent:
      return "not-present";
    case telemetry::WalkStatus::kUnknownAsid:
      return "unknown-asid";
    case telemetry::WalkStatus::kNonCanonical:
      return "non-canonical";
    case telemetry::WalkStatus::kBadTable:
      return "bad-table";
  }
  return "?";
}

const char* demo_run_name(telemetry::DemoRun r) {
  switch (r) {
    case telemetry::DemoRun::kNone:
      return "none";
    case telemetry::DemoRun::kRunning:
      return "running";
    case telemetry::DemoRun::kPaused:
      return "paused";
  }
  return "?";
}

std::string describe(const telemetry::WalkLevel& l) {
  return "L" + std::to_string(l.level) + "[table=" + hex(l.table_pfn << 12) +
         " index=" + std::to_string(l.index) + " entry=" + hex(l.entry) + "]";
}

std::string dump_line(const StreamItem& it) {
  if (it.kind == StreamItem::Kind::kGap) return describe(it.gap);
  return "seq=" + std::to_string(it.event.seq) + " " + describe(it.event);
}

std::string describe(const Gap& g) {
  return std::string("GAP ") + gap_kind_name(g.kind) + " at=" + std::to_string(g.offset) +
         " bytes=" + std::to_string(g.bytes) + " frames=" + std::to_string(g.frames) + ": " +
         g.detail;
}

}  // namespace glass::inspector
