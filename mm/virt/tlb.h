// TlbBatch: the TLB invalidations a cursor owes, and the page-table nodes it may free only once
// they are paid.
//
// Invariants: pages are invalidated one by one (invlpg) while there are at most kThreshold of
// them; beyond that one full flush is cheaper and is what happens. Detached sub-trees handed to
// defer_free are freed in flush(), after the local invalidation and after the shootdown hook has
// returned (the point where SMP will wait for the other CPUs), so no CPU can still walk through a
// freed node. The batch belongs to one cursor; the destructor flushes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/virt/detached_tree.h"

namespace glass::mm {

// Called after the local flush with what was invalidated (all = everything); SMP shootdown plugs
// in here and must return only when every other CPU has done the same. Null on one CPU.
using TlbShootdownHook = void (*)(const uint64_t* pages, size_t count, bool all);
void set_tlb_shootdown_hook(TlbShootdownHook hook);

class TlbBatch {
 public:
  static constexpr size_t kThreshold = 32;

  TlbBatch() = default;
  // Moves with its cursor (a cursor is returned in a Result); the source owes nothing after.
  TlbBatch(TlbBatch&& o) noexcept : count_(o.count_), full_(o.full_), deferred_(o.deferred_) {
    for (size_t i = 0; i < count_; ++i) pages_[i] = o.pages_[i];
    o.count_ = 0;
    o.full_ = false;
    o.deferred_ = kNoPfn;
  }
  TlbBatch& operator=(TlbBatch&&) = delete;
  TlbBatch(const TlbBatch&) = delete;
  TlbBatch& operator=(const TlbBatch&) = delete;
  ~TlbBatch() { flush(); }

  // Translations of [va, va + bytes) must go.
  void add(uint64_t va, uint64_t bytes) {
    if (full_) return;
    const uint64_t pages = bytes >> kFrameShift;
    if (pages > kThreshold - count_) {
      full_ = true;
      return;
    }
    for (uint64_t i = 0; i < pages; ++i) pages_[count_++] = va + (i << kFrameShift);
  }
  // Free `tree` once the translations through it are gone.
  void defer_free(DetachedTree&& tree);
  [[nodiscard]] bool pending() const { return full_ || count_ != 0 || deferred_ != kNoPfn; }
  void flush();

 private:
  uint64_t pages_[kThreshold];
  size_t count_ = 0;
  bool full_ = false;
  Pfn deferred_ = kNoPfn;  // chained through FrameDesc::u.pt.next_stray of each root
};

}  // namespace glass::mm
