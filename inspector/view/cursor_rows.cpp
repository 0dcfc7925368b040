// cursor_rows / node_holder: see cursor_rows.h.
#include "inspector/view/cursor_rows.h"

#include "inspector/view/palette.h"

namespace glass::inspector::view {

namespace {
uint64_t since(uint64_t now, uint64_t t) {
  return now > t ? now - t : 0;
}
}  // namespace

std::optional<uint64_t> node_holder(const StateModel& m, uint64_t node_pfn) {
  auto it = m.held_locks().find(node_pfn);
  if (it == m.held_locks().end()) return std::nullopt;
  return it->second.cursor;
}

std::vector<CursorRow> cursor_rows(const StateModel& m) {
  std::vector<CursorRow> out;
  const uint64_t now = m.last_t_ns();
  for (const auto& [id, c] : m.cursors()) {
    CursorRow r;
    r.id = id;
    r.number = m.names().cursor_number(id);
    r.cpu = c.cpu;
    r.asid = c.asid;
    r.va_first = c.va_start;
    r.va_last = c.va_end > c.va_start ? c.va_end - 1 : c.va_start;
    r.nodes_held = c.locks;
    r.held_ns = since(now, c.t_begin);
    r.waited_ns = c.waited_ns;
    if (auto w = m.waiting().find(id); w != m.waiting().end()) {
      r.waiting_on = w->second.node;
      r.waiting_ns = since(now, w->second.since_ns);
      r.waiting_for_cursor = node_holder(m, w->second.node);
    }
    r.rgba = cursor_rgba(id);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace glass::inspector::view
