// ShownTree: see shown_tree.h.
#include "inspector/app/shown_tree.h"

#include <algorithm>

namespace glass::inspector::app {

void ShownTree::mark(uint32_t asid, uint64_t gen, double now_s) {
  built_gen_ = gen;
  built_asid_ = asid;
  built_at_ = now_s;
  deferred_ = false;
}

bool ShownTree::update(const StateModel& m, uint32_t asid, uint64_t gen, bool navigated,
                       double now_s) {
  const bool asid_changed = asid != built_asid_;
  if (!asid_changed && gen == built_gen_) {
    deferred_ = false;
    return false;
  }
  if (!asid_changed && !navigated && now_s - built_at_ < kRebuildSeconds) {
    deferred_ = true;
    return false;
  }
  rows_.rebuild(m, asid);
  if (asid_changed) {
    if (rows_.total_rows() <= kExpandAllRows)
      rows_.expand_all();
    else if (!rows_.rows().empty())
      (void)rows_.reveal(m, asid, rows_.rows().front().va_first);
  }
  mark(asid, gen, now_s);
  return true;
}

std::optional<size_t> ShownTree::reveal(const StateModel& m, uint32_t asid, uint64_t va,
                                        uint64_t gen, double now_s) {
  auto row = rows_.reveal(m, asid, va);
  mark(asid, gen, now_s);
  return row;
}

double ShownTree::redraw_in(double now_s) const {
  return deferred_ ? std::max(0.0, built_at_ + kRebuildSeconds - now_s) : 1e9;
}

}  // namespace glass::inspector::app
