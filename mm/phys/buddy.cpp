// Buddy allocator: free lists, splitting, merging, census and audit; invariants in buddy.h.
// The per-CPU cache in front of order 0 lives in buddy_cpu_cache.cpp.
#include "mm/phys/buddy.h"

#include "kernel/lib/fail_inject.h"
#include "kernel/lib/panic.h"
#include "mm/phys/mm_events.h"

namespace glass::mm {

void BuddyAllocator::reset(FrameTable* table) {
  SpinGuard guard(lock_);
  table_ = table;
  for (unsigned o = 0; o <= kMaxOrder; ++o) {
    heads_[o] = kNoPfn;
    blocks_[o] = 0;
  }
  for (auto& c : counts_) c = 0;
  for (auto& c : cpu_) c = CpuFrames{};
}

void BuddyAllocator::set_counts(const uint64_t counts[kFrameKindCount]) {
  SpinGuard guard(lock_);
  for (size_t k = 0; k < kFrameKindCount; ++k) counts_[k] = counts[k];
}

void BuddyAllocator::push(Pfn pfn, unsigned order) {
  FrameTable& t = *table_;
  FrameDesc& d = t[pfn];
  d.free_order = static_cast<uint8_t>(order);
  d.u.free.prev = kNoPfn;
  d.u.free.next = heads_[order];
  if (heads_[order] != kNoPfn) t[heads_[order]].u.free.prev = pfn;
  heads_[order] = pfn;
  ++blocks_[order];
}

void BuddyAllocator::remove(Pfn pfn, unsigned order) {
  FrameTable& t = *table_;
  FrameDesc& d = t[pfn];
  if (d.u.free.prev != kNoPfn) {
    t[d.u.free.prev].u.free.next = d.u.free.next;
  } else {
    heads_[order] = d.u.free.next;
  }
  if (d.u.free.next != kNoPfn) t[d.u.free.next].u.free.prev = d.u.free.prev;
  d.free_order = kNoOrder;
  --blocks_[order];
}

void BuddyAllocator::add_free_run(Pfn begin, Pfn end) {
  SpinGuard guard(lock_);
  Pfn p = begin;
  while (p < end) {
    // The largest block that is aligned at p and fits before end.
    unsigned order = 0;
    while (order < kMaxOrder && (p & ((Pfn{2} << order) - 1)) == 0 &&
           uint64_t{p} + (uint64_t{2} << order) <= end) {
      ++order;
    }
    push(p, order);
    p += Pfn{1} << order;
  }
}

Pfn BuddyAllocator::take_locked(unsigned order) {
  unsigned o = order;
  while (o <= kMaxOrder && heads_[o] == kNoPfn) ++o;
  if (o > kMaxOrder) return kNoPfn;
  const Pfn pfn = heads_[o];
  remove(pfn, o);
  while (o > order) {  // split: the upper halves go back on the lower lists
    --o;
    push(pfn + (Pfn{1} << o), o);
  }
  return pfn;
}

void BuddyAllocator::release_locked(Pfn pfn, unsigned order) {
  const FrameTable& t = *table_;
  Pfn head = pfn;
  unsigned o = order;
  while (o < kMaxOrder) {
    const Pfn buddy = head ^ (Pfn{1} << o);
    // free_order is written only under this lock, so it cannot change under our feet; frames
    // in a CPU cache or being claimed have kNoOrder and are left alone.
    if (!t.contains(buddy) || t[buddy].free_order != o) break;
    remove(buddy, o);
    head = head < buddy ? head : buddy;
    ++o;
  }
  push(head, o);
}

// The frames left every list (or a CPU cache), so they are ours alone: no lock needed.
void BuddyAllocator::claim(Pfn pfn, unsigned order, FrameKind kind, OwnerId owner) const {
  FrameTable& t = *table_;
  const Pfn n = Pfn{1} << order;
  for (Pfn i = 0; i < n; ++i) {
    FrameDesc& d = t[pfn + i];
    t.transition(pfn + i, FrameKind::kFree, kind, "claimed by the allocator");
    store_owner(d, owner);
    flags_ref(d).store(0, std::memory_order_relaxed);
    if (i == 0) {
      d.alloc_order = static_cast<uint8_t>(order);
      d.u.raw[0] = d.u.raw[1] = d.u.raw[2] = 0;
    } else {
      d.alloc_order = kTailOrder;
      d.u.tail.head = pfn;
    }
  }
  telemetry::mm_events::frame_run(pfn, n, static_cast<uint8_t>(kind), owner);
}

// The frames are kBusy and ours; make them plain free frames on no list.
void BuddyAllocator::unclaim(Pfn pfn, unsigned order) const {
  FrameTable& t = *table_;
  const Pfn n = Pfn{1} << order;
  for (Pfn i = 0; i < n; ++i) {
    FrameDesc& d = t[pfn + i];
    store_owner(d, kOwnerNone);
    flags_ref(d).store(0, std::memory_order_relaxed);
    d.alloc_order = kTailOrder;
    store_kind(d, FrameKind::kFree);
  }
}

namespace {
// Which injection site a frame allocation of `kind` is (fail_inject.h).
fail_inject::Site inject_site(FrameKind kind) {
  switch (kind) {
    case FrameKind::kPageTable:
      return fail_inject::Site::kPageTableNode;
    case FrameKind::kSlab:
      return fail_inject::Site::kSlabFrame;
    case FrameKind::kLarge:
      return fail_inject::Site::kLargeFrames;
    case FrameKind::kFolio:
      return fail_inject::Site::kFolio;
    case FrameKind::kBlockBuffer:
      return fail_inject::Site::kBlockBuffer;
    case FrameKind::kTelemetry:
      return fail_inject::Site::kTelemetry;
    default:
      return fail_inject::Site::kOther;
  }
}
}  // namespace

Result<Pfn> BuddyAllocator::alloc(unsigned order, FrameKind kind, OwnerId owner) {
  if (order > kMaxOrder) return Error::kInvalidArgument;
  if (fail_inject::should_fail(inject_site(kind))) [[unlikely]]
    return Error::kOutOfMemory;
  if (order == 0) return alloc_cached(kind, owner);
  Pfn pfn = kNoPfn;
  for (int attempt = 0; attempt < 2 && pfn == kNoPfn; ++attempt) {
    // Frames parked in this CPU's cache may be what keeps a large block from merging.
    if (attempt == 1) drain_this_cpu();
    SpinGuard guard(lock_);
    pfn = take_locked(order);
    if (pfn != kNoPfn) {
      counts_[index(FrameKind::kFree)] -= uint64_t{1} << order;
      counts_[index(kind)] += uint64_t{1} << order;
    }
  }
  if (pfn == kNoPfn) return Error::kOutOfMemory;
  claim(pfn, order, kind, owner);
  return pfn;
}

void BuddyAllocator::free(Pfn pfn, unsigned order, FrameKind kind) {
  const FrameTable& t = *table_;
  if (order > kMaxOrder || !t.contains(pfn) || (pfn & ((Pfn{1} << order) - 1)) != 0 ||
      uint64_t{pfn} + (uint64_t{1} << order) > t.size()) {
    panic("mm: free of frame %u order %u: not a block this allocator could have made", pfn, order);
  }
  // Claim the whole block for this thread first: a double free or a wrong kind is caught here,
  // before any list is touched.
  t.transition(pfn, kind, FrameKind::kBusy, "freed");
  if (t[pfn].alloc_order != order) {
    panic("mm: frame %u (%s, owner %u) freed with order %u but allocated with order %u", pfn,
          kind_name(kind), load_owner(t[pfn]), order, t[pfn].alloc_order);
  }
  const Pfn n = Pfn{1} << order;
  for (Pfn i = 1; i < n; ++i) t.transition(pfn + i, kind, FrameKind::kBusy, "freed (tail)");
  // Reported while the block is still ours (kBusy): nobody can reuse it before the event is queued.
  telemetry::mm_events::frame_run_free(pfn, n, static_cast<uint8_t>(kind), load_owner(t[pfn]));
  if (order == 0) {
    free_cached(pfn, kind);
    return;
  }
  unclaim(pfn, order);
  SpinGuard guard(lock_);
  counts_[index(kind)] -= n;
  counts_[index(FrameKind::kFree)] += n;
  release_locked(pfn, order);
}

uint64_t BuddyAllocator::free_frames() const {
  uint64_t counts[kFrameKindCount];
  kind_counts(counts);
  return counts[index(FrameKind::kFree)];
}

void BuddyAllocator::kind_counts(uint64_t out[kFrameKindCount]) const {
  int64_t deltas[kFrameKindCount] = {};
  uint64_t cached = 0;
  AuditReport ignored;
  audit_cpu_caches(&cached, deltas, ignored);
  SpinGuard guard(lock_);
  for (size_t k = 0; k < kFrameKindCount; ++k) {
    out[k] = counts_[k] + static_cast<uint64_t>(deltas[k]);
  }
}

bool BuddyAllocator::audit_free_block(Pfn pfn, unsigned order, AuditReport& report) const {
  const FrameTable& t = *table_;
  if (!t.contains(pfn) || (pfn & ((Pfn{1} << order) - 1)) != 0 ||
      uint64_t{pfn} + (uint64_t{1} << order) > t.size()) {
    report.fail("free list %u holds frame %u, which is not an aligned block in the table", order,
                pfn);
    return false;
  }
  if (t[pfn].free_order != order) {
    report.fail("free list %u holds frame %u whose descriptor says free order %u", order, pfn,
                t[pfn].free_order);
    return false;
  }
  for (Pfn i = 0; i < (Pfn{1} << order); ++i) {
    const FrameDesc& d = t[pfn + i];
    if (load_kind(d) != FrameKind::kFree || (i != 0 && d.free_order != kNoOrder)) {
      report.fail("free block %u order %u: frame %u is %s free order %u owner %u", pfn, order,
                  pfn + i, kind_name(load_kind(d)), d.free_order, load_owner(d));
      return false;
    }
  }
  return true;
}

void BuddyAllocator::audit(AuditReport& report) const {
  const FrameTable& t = *table_;
  uint64_t cached = 0;
  int64_t deltas[kFrameKindCount] = {};
  audit_cpu_caches(&cached, deltas, report);
  if (!report.ok) return;
  SpinGuard guard(lock_);
  uint64_t on_lists = 0;
  for (unsigned o = 0; o <= kMaxOrder; ++o) {
    uint64_t blocks = 0;
    Pfn prev = kNoPfn;
    for (Pfn p = heads_[o]; p != kNoPfn; p = t[p].u.free.next) {
      if (!audit_free_block(p, o, report)) return;
      if (t[p].u.free.prev != prev) {
        report.fail("free list %u: frame %u has prev %u, expected %u", o, p, t[p].u.free.prev,
                    prev);
        return;
      }
      const Pfn buddy = p ^ (Pfn{1} << o);
      if (o < kMaxOrder && t.contains(buddy) && t[buddy].free_order == o) {
        report.fail("free blocks %u and %u (order %u) are unmerged buddies", p, buddy, o);
        return;
      }
      prev = p;
      on_lists += uint64_t{1} << o;
      if (++blocks > blocks_[o]) break;
    }
    if (blocks != blocks_[o]) {
      report.fail("free list %u has %llu blocks, counter says %llu", o,
                  static_cast<unsigned long long>(blocks),
                  static_cast<unsigned long long>(blocks_[o]));
      return;
    }
  }
  uint64_t seen[kFrameKindCount] = {};
  for (Pfn p = 0; p < t.size(); ++p) {
    const auto k = index(load_kind(t[p]));
    if (k >= kFrameKindCount) {
      report.fail("frame %u has invalid kind %zu", p, k);
      return;
    }
    ++seen[k];
  }
  if (seen[index(FrameKind::kFree)] != on_lists + cached) {
    report.fail("%llu frames are free but %llu are on free lists and %llu in CPU caches",
                static_cast<unsigned long long>(seen[index(FrameKind::kFree)]),
                static_cast<unsigned long long>(on_lists), static_cast<unsigned long long>(cached));
    return;
  }
  uint64_t total = 0;
  for (size_t k = 0; k < kFrameKindCount; ++k) {
    const uint64_t counted = counts_[k] + static_cast<uint64_t>(deltas[k]);
    total += counted;
    if (seen[k] != counted) {
      report.fail("%llu frames are %s but the counters say %llu",
                  static_cast<unsigned long long>(seen[k]), kind_name(static_cast<FrameKind>(k)),
                  static_cast<unsigned long long>(counted));
      return;
    }
  }
  if (total != t.size()) {
    report.fail("kind counters add up to %llu, the table has %u frames",
                static_cast<unsigned long long>(total), t.size());
  }
}

}  // namespace glass::mm
