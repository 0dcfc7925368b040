// clear_range: takes every mapping out of a virtual range with one cursor, and hands each mapped
// page back to its owner only once no TLB can still reach it. The one way to empty a range: the
// address-space teardown and unmap (folio pages), the mm demo and the walk ktest (raw frames) all
// use it.
//
// Invariants: release(phys, level) runs for every leaf that was mapped in the range, exactly once,
// after the TLB flush that covered it, so it may free the frame; a sub-tree taken whole is visited
// leaf by leaf after such a flush, then its nodes are freed. A huge page the range covers only in
// part is split first (and its pieces outside the range stay mapped). Nothing is released before
// it is unreachable, and the cursor's locks are held until the last release has run.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "mm/virt/pt_cursor.h"

namespace glass::mm {

template <typename Release>
[[nodiscard]] Result<void> clear_range(PageTable& pt, uint64_t start, uint64_t end,
                                       Release&& release) {
  CursorMut c = TRY(CursorMut::create(pt, start, end));
  // Leaves wait here until the next flush. As many as the TLB batch invalidates page by page:
  // beyond that it would flush everything anyway.
  struct Pending {
    PhysAddr phys;
    unsigned level;
  };
  Pending pending[TlbBatch::kThreshold];
  size_t n = 0;
  auto drain = [&] {
    c.flush_tlb();
    for (size_t i = 0; i < n; ++i) release(pending[i].phys, pending[i].level);
    n = 0;
  };
  for (;;) {
    auto taken = c.take_next(c.end() - c.va());
    if (taken.is_error()) {
      drain();
      return taken.error();
    }
    Taken& t = taken.value();
    if (t.kind == Taken::Kind::kNone) break;
    if (t.kind == Taken::Kind::kMapped) {
      if (n == TlbBatch::kThreshold) drain();
      pending[n++] = {t.phys, t.level};
      continue;
    }
    drain();  // the TLB forgets the sub-tree's pages (and walks through its nodes) first
    t.tree.for_each_leaf([&](uint64_t, Pte e, unsigned level) { release(e.phys(), level); });
    // t.tree frees its nodes here: the flush above already covered them.
  }
  drain();
  return {};
}

// For pages whose frames their owner frees itself (raw frames mapped by a demo or a test).
[[nodiscard]] inline Result<void> clear_range(PageTable& pt, uint64_t start, uint64_t end) {
  return clear_range(pt, start, end, [](PhysAddr, unsigned) {});
}

}  // namespace glass::mm
