// The cursor-locks view's data: one row per live cursor (what it covers, which nodes it holds,
// how long it has held and waited, what it waits for) and who holds a node.
//
// Invariants: times are measured against the model's latest event time (last_t_ns()), never the
// host clock, so a paused or replayed trace shows the durations as they were; a duration never
// goes negative (a begin later than "now" reads as 0). Rows come in cursor-id order.
#pragma once

#include <stdint.h>

#include <optional>
#include <vector>

#include "inspector/model/state_model.h"

namespace glass::inspector::view {

struct CursorRow {
  uint64_t id = 0;      // the kernel's id (a frame number): colours and tooltips
  uint32_t number = 0;  // 1, 2, ... in this boot (Names); 0 if its begin was not seen
  uint8_t cpu = 0;
  uint32_t asid = 0;
  uint64_t va_first = 0, va_last = 0;          // inclusive
  std::vector<uint64_t> nodes_held;            // node pfns, in acquisition order
  uint64_t held_ns = 0;                        // now - begin
  uint64_t waited_ns = 0;                      // sum of the wait_ns of its acquisitions
  std::optional<uint64_t> waiting_on;          // node pfn it waits for
  uint64_t waiting_ns = 0;                     // how long it has waited for it so far
  std::optional<uint64_t> waiting_for_cursor;  // who holds that node (its id), if anyone
  uint32_t rgba = 0;
};

[[nodiscard]] std::vector<CursorRow> cursor_rows(const StateModel& m);
// The cursor holding node_pfn's lock, if any.
[[nodiscard]] std::optional<uint64_t> node_holder(const StateModel& m, uint64_t node_pfn);

}  // namespace glass::inspector::view
