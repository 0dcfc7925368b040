// event_names: see event_names.h.
#include "inspector/view/event_names.h"

namespace glass::inspector::view {

namespace {
std::string known_space(const Names& n, uint32_t asid) {
  const std::string s = n.space(asid);
  return s.rfind("space ", 0) == 0 ? "" : s;
}
std::string known_cursor(const Names& n, uint64_t id) {
  return n.cursor_number(id) != 0 ? n.cursor(id) : "";
}
std::string join(std::string a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + ", " + b;
}
}  // namespace

std::string event_names(const StreamItem& item, const Names& n) {
  if (item.kind != StreamItem::Kind::kEvent) return "";
  const auto& e = item.event.ev;
  using telemetry::MsgType;
  switch (e.type) {
    case MsgType::kFrameRun: {
      const std::string o = n.owner(e.frame_run.owner);
      return o.rfind("0x", 0) == 0 || o == "none" ? "" : "owner " + o;
    }
    case MsgType::kAsCreated:
      return known_space(n, e.as_created.asid);
    case MsgType::kAsDestroyed:
      return known_space(n, e.as_destroyed.asid);
    case MsgType::kCr3Switch:
      return known_space(n, e.cr3_switch.asid);
    case MsgType::kNodeCreated:
      return known_space(n, e.node_created.asid);
    case MsgType::kNodeFreed:
      return known_space(n, e.node_freed.asid);
    case MsgType::kCursorBegin:
      return join(known_cursor(n, e.cursor_begin.cursor), known_space(n, e.cursor_begin.asid));
    case MsgType::kCursorEnd:
      return known_cursor(n, e.cursor_end.cursor);
    case MsgType::kLockAcquired:
      return known_cursor(n, e.lock_acquired.cursor);
    case MsgType::kLockReleased:
      return known_cursor(n, e.lock_released.cursor);
    case MsgType::kLockWaiting:
      return known_cursor(n, e.lock_waiting.cursor);
    default:
      return "";
  }
}

}  // namespace glass::inspector::view
