// ShownTree: the page-table rows (view::TreeRows) of the model shown, as the tree panel draws
// them, kept by Navigator's generation so a frame that changes nothing rebuilds nothing.
//
// Invariants:
//  - After update(m, asid, gen, navigated, now) the rows are m's rows for asid whenever the
//    change was a navigation (or the address space changed): a replay always draws the state at
//    the event shown. Only live data streaming in is throttled, to one rebuild per
//    kRebuildSeconds, so a busy stream costs one rebuild per interval, not one per frame; then
//    deferred() says so and redraw_in() when to draw again for the rows to catch up (an idle
//    window that waits for input must not keep stale rows).
//  - Expansion is kept across rebuilds (TreeRows keys it by table and index); a new address
//    space opens fully when small, else shows the way to its first page.
//  - Holds no pointer into the model.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <optional>

#include "inspector/model/state_model.h"
#include "inspector/view/tree_rows.h"

namespace glass::inspector::app {

class ShownTree {
 public:
  static constexpr double kRebuildSeconds = 0.25;
  static constexpr size_t kExpandAllRows = 20000;

  // Brings the rows to m (see the header). Returns true if they were rebuilt.
  bool update(const StateModel& m, uint32_t asid, uint64_t gen, bool navigated, double now_s);
  // Rebuilds from m and opens the path to va; the deepest row covering it, if any.
  std::optional<size_t> reveal(const StateModel& m, uint32_t asid, uint64_t va, uint64_t gen,
                               double now_s);

  [[nodiscard]] view::TreeRows& rows() { return rows_; }
  [[nodiscard]] const view::TreeRows& rows() const { return rows_; }
  // The generation the rows were built from.
  [[nodiscard]] uint64_t built_gen() const { return built_gen_; }
  // A rebuild was put off by the throttle: draw again after redraw_in() seconds.
  [[nodiscard]] bool deferred() const { return deferred_; }
  [[nodiscard]] double redraw_in(double now_s) const;

 private:
  void mark(uint32_t asid, uint64_t gen, double now_s);

  view::TreeRows rows_;
  uint64_t built_gen_ = ~uint64_t{0};
  uint32_t built_asid_ = ~uint32_t{0};
  double built_at_ = -1e9;
  bool deferred_ = false;
};

}  // namespace glass::inspector::app
