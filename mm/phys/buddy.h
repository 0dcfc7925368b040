// BuddyAllocator: power-of-two blocks of physical frames, orders 0..kMaxOrder, with a per-CPU
// cache of single frames in front (the common case: page tables, slabs, buffers).
//
// Invariants:
//  - lock_ (held only through SpinGuard) guards the free lists, blocks_, counts_ and every
//    descriptor's free_order. A block of order k at frame p (p aligned to 2^k) is on free list k
//    iff p's free_order == k; all its frames are then kFree. Free buddies of equal order never
//    coexist: release merges eagerly.
//  - cpu_[c] belongs to CPU c alone and is touched only with interrupts off on that CPU (so
//    without a lock): its frames are kFree with free_order kNoOrder, on no list. Other CPUs only
//    read its counters (atomically) for stats and audit. Consequence: a CPU can see
//    out-of-memory while other CPUs' caches still hold up to kCpuCacheCapacity frames each.
//  - Kind census: counts_[kind] (under lock_) plus the sum of every CPU's kind_delta equals the
//    number of frames of each kind; frames change kind only through alloc()/free().
//  - A frame leaves by a compare-exchange kFree -> kind (after it left the lists or a CPU cache,
//    so it is exclusively the allocating thread's), and comes back by kind -> kBusy (catching a
//    double free or a wrong kind before any list is touched), then kBusy -> kFree.
#pragma once

#include "kernel/lib/platform.h"
#include "kernel/lib/result.h"
#include "kernel/lib/spinlock.h"
#include "mm/phys/audit_report.h"
#include "mm/phys/frame_table.h"

namespace glass::mm {

class BuddyAllocator {
 public:
  static constexpr unsigned kMaxOrder = 10;
  static constexpr uint32_t kCpuCacheCapacity = 64;
  static constexpr uint32_t kCpuCacheBatch = 32;

  constexpr BuddyAllocator() = default;
  BuddyAllocator(const BuddyAllocator&) = delete;
  BuddyAllocator& operator=(const BuddyAllocator&) = delete;

  // Boot only (single-threaded): forget everything and describe `table`.
  void reset(FrameTable* table);
  // Boot only: frames [begin, end) are kFree in the table and on no list; hand them over.
  void add_free_run(Pfn begin, Pfn end);
  // Boot only: the kind census after mm::init placed the boot kinds.
  void set_counts(const uint64_t counts[kFrameKindCount]);

  // A block of 2^order frames, now of `kind` and owned by `owner`. kOutOfMemory when no block of
  // that order (or larger, to split) is free; kInvalidArgument for an order above kMaxOrder.
  [[nodiscard]] Result<Pfn> alloc(unsigned order, FrameKind kind, OwnerId owner);
  // Returns a block obtained from alloc(order, kind, ...). Panics (naming the frame) when the block
  // is not of `kind`, is already free, or was allocated with another order.
  void free(Pfn pfn, unsigned order, FrameKind kind);

  [[nodiscard]] uint64_t free_frames() const;
  void kind_counts(uint64_t out[kFrameKindCount]) const;
  // Gives this CPU's cached frames back to the free lists (e.g. before a large allocation).
  void drain_this_cpu();
  // Checks the free lists, CPU caches and counters against the descriptors. Quiescent callers.
  void audit(AuditReport& report) const;

 private:
  struct alignas(64) CpuFrames {
    Pfn frames[kCpuCacheCapacity] = {};
    uint32_t count = 0;                        // written by its CPU only, atomically
    int64_t kind_delta[kFrameKindCount] = {};  // written by its CPU only, atomically
  };

  void push(Pfn pfn, unsigned order) TA_REQ(lock_);
  void remove(Pfn pfn, unsigned order) TA_REQ(lock_);
  [[nodiscard]] Pfn take_locked(unsigned order) TA_REQ(lock_);
  void release_locked(Pfn pfn, unsigned order) TA_REQ(lock_);  // frames already kFree, on no list
  void claim(Pfn pfn, unsigned order, FrameKind kind, OwnerId owner) const;
  void unclaim(Pfn pfn, unsigned order) const;

  // The per-CPU cache (buddy_cpu_cache.cpp).
  [[nodiscard]] Result<Pfn> alloc_cached(FrameKind kind, OwnerId owner);
  void free_cached(Pfn pfn, FrameKind kind);
  [[nodiscard]] uint32_t refill(CpuFrames& c);
  void drain(CpuFrames& c, uint32_t keep);
  static void set_count(CpuFrames& c, uint32_t n);
  static void add_delta(CpuFrames& c, FrameKind kind, int64_t d);
  void audit_cpu_caches(uint64_t* cached, int64_t deltas[kFrameKindCount],
                        AuditReport& report) const;

  [[nodiscard]] bool audit_free_block(Pfn pfn, unsigned order, AuditReport& report) const;

  mutable SpinLock lock_;
  // The descriptors' free_order and u.free links are lock_'s too, but they live in the frame
  // table, where the analysis cannot name this lock (a descriptor's guard depends on its kind).
  FrameTable* table_ = nullptr;
  Pfn heads_[kMaxOrder + 1] TA_GUARDED(lock_) = {kNoPfn, kNoPfn, kNoPfn, kNoPfn, kNoPfn, kNoPfn,
                                                 kNoPfn, kNoPfn, kNoPfn, kNoPfn, kNoPfn};
  uint64_t blocks_[kMaxOrder + 1] TA_GUARDED(lock_) = {};
  uint64_t counts_[kFrameKindCount] TA_GUARDED(lock_) = {};
  CpuFrames cpu_[glass::platform::kMaxCpus] = {};
};

}  // namespace glass::mm
