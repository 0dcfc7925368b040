// Cursor and CursorMut: the only way to read or change a page table. A cursor is a guard: creating
// one locks a virtual range, destroying it flushes the TLB it owes and unlocks.
//
// THE RANGE-LOCK PROTOCOL
//  1. Find the covering node: start at the root, locked. While the range lies inside a single
//     entry of the current node, does not fill that entry exactly, and the entry is not a huge
//     leaf, go down: a missing child is created right there (CursorMut only), under the parent's
//     lock; lock the child, then release the parent (lock coupling). The node where this stops is
//     the lowest node covering the whole range.
//  2. If that node carries the detached mark, it left its tree while we waited: unlock it and
//     start again from the root.
//  3. Lock, in pre-order DFS, every node of its sub-tree whose span overlaps the range.
//  4. Nodes the cursor creates later (map, huge-page splits) are created locked; nodes it takes
//     out of the tree (take_next, or map over an empty sub-tree) are marked detached and unlocked
//     on the spot, and freed only after the TLB flush (mm/virt/tlb.h).
//  5. On destruction: flush the TLB batch, free deferred nodes, then unlock the covering node's
//     overlapping sub-tree in exactly the reverse order (reverse pre-order).
// Telemetry (mm/phys/mm_events.h): the cursor's id is its covering node. A contended
// lock is measured (PtNode::lock_timed): in step 3 the cursor reports lock_waiting before it
// spins and the wait in that lock's lock_acquired; waits in step 1, before the cursor has an id,
// are summed into the covering node's lock_acquired.wait_ns (no lock_waiting: the host has not
// seen the cursor begin yet).
// Invariants that follow:
//  - Cursors over overlapping ranges serialize: both must lock the lowest node covering the
//    overlap, and whoever locks it first keeps it until destroyed; the second sees every change
//    the first made.
//  - Cursors over disjoint ranges run in parallel unless one's covering node lies on the other's
//    way down (lock coupling passes through ancestors only for an instant, except through the
//    covering node of a cursor that is alive: that is the price of having no RCU).
//  - Every lock is taken in one global order (ancestor before descendant, left before right), so
//    there is no deadlock; a cursor touches entries only inside its locked range.
//  - A node's entries and nr_children change only under its lock.
// Cursors are move-only and must be destroyed by the thread that created them. Page-table locks
// are never taken from interrupt handlers except the page-fault path, which never runs inside
// cursor code.
#pragma once

#include <utility>

#include "mm/virt/detached_tree.h"
#include "mm/virt/page_table.h"
#include "mm/virt/tlb.h"

namespace glass::mm {

// One slot as query() sees it: a leaf (mapped) or an empty slot, with the span it covers.
struct Mapping {
  uint64_t va = 0;    // start of the slot
  uint64_t size = 0;  // its span: 4 KiB, 2 MiB, 1 GiB (or more for an empty upper slot)
  bool mapped = false;
  PhysAddr phys = 0;  // of the slot's first byte, when mapped
  PageProp prop;
  unsigned level = 0;
};

struct VaRange {
  uint64_t start = 0;
  uint64_t end = 0;
  [[nodiscard]] bool empty() const { return start == end; }
};

// What take_next removed.
struct Taken {
  enum class Kind : uint8_t { kNone, kMapped, kSubtree };
  Kind kind = Kind::kNone;
  uint64_t va = 0;
  uint64_t size = 0;
  PhysAddr phys = 0;  // kMapped
  PageProp prop;      // kMapped
  unsigned level = 0;
  DetachedTree tree;  // kSubtree: hand it to CursorMut::defer_free (or flush first)
};

class Cursor {
 public:
  // Locks [start, end) of `pt` for reading (missing nodes are not created). Errors: see
  // PageTable::check_range.
  [[nodiscard]] static Result<Cursor> create(PageTable& pt, uint64_t start, uint64_t end);

  Cursor(Cursor&& o) noexcept;
  Cursor& operator=(Cursor&&) = delete;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() { release(); }

  [[nodiscard]] uint64_t va() const { return va_; }
  [[nodiscard]] uint64_t start() const { return start_; }
  [[nodiscard]] uint64_t end() const { return end_; }
  [[nodiscard]] unsigned covering_level() const { return guard_level_; }
  [[nodiscard]] PhysAddr covering_node() const { return pfn_to_phys(path_[guard_level_ - 1]); }

  // The slot at va(). kInvalidArgument once the cursor is at its end.
  [[nodiscard]] Result<Mapping> query();
  // Moves to the next mapped address in [va(), va() + len): true and stops there, or false and
  // stops at va() + len. kInvalidArgument if len is misaligned or leaves the range.
  [[nodiscard]] Result<bool> find_next(uint64_t len) { return find_next_impl(len, false, false); }
  // kInvalidArgument if va is misaligned or outside [start(), end()).
  [[nodiscard]] Result<void> jump(uint64_t va);

 protected:
  Cursor(PageTable& pt, uint64_t start, uint64_t end, bool create_nodes)
      : pt_(&pt), va_(start), start_(start), end_(end), create_(create_nodes) {}
  [[nodiscard]] Result<void> lock_range();
  void release();

  [[nodiscard]] PtNode node() const { return PtNode(path_[level_ - 1]); }
  [[nodiscard]] unsigned idx() const { return pte_index(va_, level_); }
  [[nodiscard]] uint64_t slot_start() const { return va_ & ~(page_size(level_) - 1); }
  void push(PtNode child) {
    --level_;
    path_[level_ - 1] = child.pfn();
    tables_[level_ - 1] = child.entries();
  }
  // The entry at va() in the current node, for the hot paths.
  [[nodiscard]] std::atomic_ref<uint64_t> cur_slot() const {
    return std::atomic_ref<uint64_t>(tables_[level_ - 1][idx()]);
  }
  void move_forward() {
    const uint64_t next = slot_start() + page_size(level_);
    if (next <= va_ || next >= end_) {  // the end (or the top of the address space)
      va_ = end_;
      return;
    }
    while (level_ < guard_level_ && pte_index(next, level_) == 0) ++level_;
    va_ = next;
  }
  [[nodiscard]] Result<bool> find_next_impl(uint64_t len, bool whole_subtrees, bool split_huge);
  [[nodiscard]] Result<void> split_huge();
  [[nodiscard]] Pte table_entry(PtNode child) const {
    return Pte(child.phys() | pt_->table_flags(start_));
  }
  void lock_subtree(PtNode n, unsigned level, uint64_t base);
  void unlock_subtree(PtNode n, unsigned level, uint64_t base);
  // Marks a sub-tree that just left the tree detached and unlocks it; returns its node count.
  static size_t detach_and_unlock(PtNode n);
  [[nodiscard]] static bool has_leaves(PtNode n);

  PageTable* pt_;
  uint64_t va_;
  uint64_t start_;
  uint64_t end_;
  unsigned level_ = 0;
  unsigned guard_level_ = 0;
  bool create_;
  Pfn path_[kLevels] = {kNoPfn, kNoPfn, kNoPfn, kNoPfn};
  uint64_t* tables_[kLevels] = {};  // the entries of path_[i], through the direct map
  TlbBatch tlb_;
};

class CursorMut : public Cursor {
 public:
  // Locks [start, end) of `pt` for changing, creating missing nodes down to the covering one.
  // Errors: see PageTable::check_range; kOutOfMemory if a node cannot be created.
  [[nodiscard]] static Result<CursorMut> create(PageTable& pt, uint64_t start, uint64_t end);

  // Maps the page of page_size(level) at va() to phys and moves past it. kInvalidArgument: at the
  // end, level not 1..3, va() or phys misaligned for the size, phys beyond 52 bits, or the page
  // leaving the range; kAlreadyExists: anything is mapped in that span (a huge page covering it
  // included; an empty leftover sub-tree is reclaimed instead); kOutOfMemory: no frame for a node.
  [[nodiscard]] Result<void> map(PhysAddr phys, unsigned level, PageProp prop) {
    if (level == 1 && level_ == 1 && va_ < end_ && ((phys & ~pte::kAddrMask) == 0)) {
      // The common case, kept short: 4 KiB after 4 KiB in the same leaf node.
      auto slot = cur_slot();
      if ((slot.load(std::memory_order_relaxed) & pte::kPresent) != 0) {
        return Error::kAlreadyExists;
      }
      PtNode(path_[0]).fill(slot, Pte(phys | prop.to_flags()));
      move_forward();
      return {};
    }
    return map_slow(phys, level, prop);
  }

  // Removes the next mapping or whole sub-tree in [va(), va() + len), splitting a huge page that
  // the window covers only in part, and moves past it; Kind::kNone when nothing is left.
  // kInvalidArgument as find_next; kOutOfMemory if a split needs a node.
  [[nodiscard]] Result<Taken> take_next(uint64_t len);

  // Applies op(PageProp) -> PageProp to the next mapping in [va(), va() + len) (splitting a huge
  // page covered only in part) and moves past it. Returns the span changed, empty when none.
  template <typename F>
  [[nodiscard]] Result<VaRange> protect_next(uint64_t len, F&& op) {
    if (level_ == 1 && va_ < end_ && len >= kFrameSize && len <= end_ - va_ &&
        (len & (kFrameSize - 1)) == 0) {
      // The common case: the next 4 KiB page of the current leaf node is mapped.
      auto slot = cur_slot();
      const Pte e(slot.load(std::memory_order_relaxed));
      if (e.present()) {
        const uint64_t keep = e.raw() & (pte::kAccessed | pte::kDirty);
        slot.store(e.phys() | op(PageProp::from(e)).to_flags() | keep, std::memory_order_relaxed);
        const VaRange r{va_, va_ + kFrameSize};
        tlb_.add(r.start, kFrameSize);
        move_forward();
        return r;
      }
    }
    const bool found = TRY(find_next_impl(len, false, true));
    if (!found) return VaRange{va_, va_};
    const Pte e = node().load(idx());
    return apply_protect(e, op(PageProp::from(e)));
  }

  // Frees a taken sub-tree once the TLB flush it waits for has happened.
  void defer_free(DetachedTree&& tree) { tlb_.defer_free(std::move(tree)); }
  // Pays the TLB invalidations owed so far (and frees deferred nodes).
  void flush_tlb() { tlb_.flush(); }

 private:
  using Cursor::Cursor;
  [[nodiscard]] Result<void> map_slow(PhysAddr phys, unsigned level, PageProp prop);
  [[nodiscard]] VaRange apply_protect(Pte old, PageProp prop);
};

}  // namespace glass::mm
