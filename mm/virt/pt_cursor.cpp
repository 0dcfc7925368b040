// Cursor navigation, the range-lock protocol and the changing operations; the protocol and its
// invariants are stated at the top of pt_cursor.h.
#include "mm/virt/pt_cursor.h"

#include "mm/phys/mm_events.h"

namespace glass::mm {
namespace {

// Start of the span of the node at `level` that contains va.
constexpr uint64_t node_base(uint64_t va, unsigned level) {
  return level >= kLevels ? va & ~((uint64_t{1} << 48) - 1) : va & ~(page_size(level + 1) - 1);
}

namespace events = telemetry::mm_events;

// Telemetry: the locks of a sub-tree that is leaving the tree (detach_and_unlock follows).
void report_detached_unlocks(uint64_t cursor, PtNode n) {
  const unsigned level = n.level();
  for (unsigned i = kEntries; level > 1 && i-- > 0;) {
    const Pte e = n.load(i);
    if (e.is_table(level)) report_detached_unlocks(cursor, PtNode::at(e.phys()));
  }
  events::lock_released(cursor, n.pfn());
}

}  // namespace

Result<Cursor> Cursor::create(PageTable& pt, uint64_t start, uint64_t end) {
  TRY(pt.check_range(start, end));
  Cursor c(pt, start, end, false);
  TRY(c.lock_range());
  return c;
}

Result<CursorMut> CursorMut::create(PageTable& pt, uint64_t start, uint64_t end) {
  TRY(pt.check_range(start, end));
  CursorMut c(pt, start, end, true);
  TRY(c.lock_range());
  return c;
}

Cursor::Cursor(Cursor&& o) noexcept
    : pt_(std::exchange(o.pt_, nullptr)),
      va_(o.va_),
      start_(o.start_),
      end_(o.end_),
      level_(o.level_),
      guard_level_(o.guard_level_),
      create_(o.create_),
      tlb_(std::move(o.tlb_)) {
  for (unsigned i = 0; i < kLevels; ++i) {
    path_[i] = o.path_[i];
    tables_[i] = o.tables_[i];
  }
}

Result<void> Cursor::lock_range() {
  // Waits on the way down happen before the cursor has an id on the wire (its id is the covering
  // node it has not reached yet): they are summed into the covering lock's wait_ns.
  uint64_t descent_wait = 0;
  for (;;) {
    PtNode n = pt_->root();
    descent_wait += n.lock_timed([] {});
    unsigned level = kLevels;
    while (level > 1) {
      const unsigned i = pte_index(start_, level);
      if (i != pte_index(end_ - 1, level)) break;  // spans several entries: n covers it
      const uint64_t slot = start_ & ~(page_size(level) - 1);
      if (start_ == slot && end_ - slot == page_size(level)) break;  // fills the entry exactly
      Pte e = n.load(i);
      if (!e.present()) {
        if (!create_) break;
        auto child = alloc_node(level - 1, pt_->owner(), false);
        if (child.is_error()) {
          n.unlock();
          pt_ = nullptr;  // it holds no lock now: its destructor must not release a path it never
                          // took
          return child.error();
        }
        e = table_entry(child.value());
        n.store(i, e);
        if (events::on()) {
          events::node_created(pt_->owner(), static_cast<uint8_t>(level - 1), child.value().pfn(),
                               n.pfn(), i);
          events::entries(n.pfn(), i, n.entries() + i, 1);
        }
      } else if (e.is_leaf(level)) {
        break;
      }
      const PtNode child = PtNode::at(e.phys());
      descent_wait += child.lock_timed([] {});
      n.unlock();
      n = child;
      --level;
    }
    if (n.detached()) {  // taken out of the tree while we waited for it: the path is stale
      n.unlock();
      continue;
    }
    level_ = guard_level_ = level;
    path_[level - 1] = n.pfn();
    tables_[level - 1] = n.entries();
    va_ = start_;
    if (events::on()) {
      events::cursor_begin(n.pfn(), pt_->owner(), start_, end_);
      events::lock_acquired(n.pfn(), n.pfn(), descent_wait);
    }
    // The covering node is held; now its overlapping sub-tree, pre-order.
    const unsigned lv = level;
    if (lv > 1) {
      const uint64_t base = node_base(start_, lv);
      const uint64_t size = page_size(lv);
      const unsigned first = static_cast<unsigned>((start_ - base) / size);
      const unsigned last = static_cast<unsigned>((end_ - 1 - base) / size);
      for (unsigned i = first; i <= last; ++i) {
        const Pte e = n.load(i);
        if (e.is_table(lv)) {
          const PtNode c = PtNode::at(e.phys());
          const uint64_t id = n.pfn();
          const uint64_t waited = c.lock_timed([&] { events::lock_waiting(id, c.pfn()); });
          events::lock_acquired(id, c.pfn(), waited);
          lock_subtree(c, lv - 1, base + i * size);
        }
      }
    }
    return {};
  }
}

void Cursor::lock_subtree(PtNode n, unsigned level, uint64_t base) {
  if (level == 1) return;
  const uint64_t size = page_size(level);
  const unsigned first = start_ <= base ? 0 : static_cast<unsigned>((start_ - base) / size);
  const uint64_t last_off = (end_ - 1 - base) / size;
  const unsigned last = last_off >= kEntries ? kEntries - 1 : static_cast<unsigned>(last_off);
  for (unsigned i = first; i <= last; ++i) {
    const Pte e = n.load(i);
    if (e.is_table(level)) {
      const PtNode c = PtNode::at(e.phys());
      const uint64_t id = path_[guard_level_ - 1];
      const uint64_t waited = c.lock_timed([&] { events::lock_waiting(id, c.pfn()); });
      events::lock_acquired(id, c.pfn(), waited);
      lock_subtree(c, level - 1, base + i * size);
    }
  }
}

void Cursor::unlock_subtree(PtNode n, unsigned level, uint64_t base) {
  if (events::on()) {
    // A changing cursor reports the entries of its range in each node it held: one batch per
    // node per cursor, however many single-entry writes happened.
    const uint64_t size = page_size(level);
    const unsigned first = start_ <= base ? 0 : static_cast<unsigned>((start_ - base) / size);
    const uint64_t last_off = (end_ - 1 - base) / size;
    const unsigned last = last_off >= kEntries ? kEntries - 1 : static_cast<unsigned>(last_off);
    if (create_) events::entries(n.pfn(), first, n.entries() + first, last - first + 1);
    events::lock_released(path_[guard_level_ - 1], n.pfn());
  }
  if (level > 1) {
    const uint64_t size = page_size(level);
    const unsigned first = start_ <= base ? 0 : static_cast<unsigned>((start_ - base) / size);
    const uint64_t last_off = (end_ - 1 - base) / size;
    const unsigned last = last_off >= kEntries ? kEntries - 1 : static_cast<unsigned>(last_off);
    for (unsigned i = last + 1; i-- > first;) {
      const Pte e = n.load(i);
      if (e.is_table(level)) unlock_subtree(PtNode::at(e.phys()), level - 1, base + i * size);
    }
  }
  n.unlock();
}

void Cursor::release() {
  if (pt_ == nullptr) return;
  tlb_.flush();  // before unlocking: nobody may reuse these addresses while stale entries live
  const PtNode cover(path_[guard_level_ - 1]);
  unlock_subtree(cover, guard_level_, node_base(start_, guard_level_));
  events::cursor_end(cover.pfn());
  pt_ = nullptr;
}

size_t Cursor::detach_and_unlock(PtNode n) {
  n.mark_detached();
  size_t frames = 1;
  const unsigned level = n.level();
  for (unsigned i = kEntries; level > 1 && i-- > 0;) {
    const Pte e = n.load(i);
    if (e.is_table(level)) frames += detach_and_unlock(PtNode::at(e.phys()));
  }
  n.unlock();
  return frames;
}

bool Cursor::has_leaves(PtNode n) {
  if (n.nr_children() == 0) return false;
  const unsigned level = n.level();
  for (unsigned i = 0; i < kEntries; ++i) {
    const Pte e = n.load(i);
    if (e.is_leaf(level)) return true;
    if (e.is_table(level) && has_leaves(PtNode::at(e.phys()))) return true;
  }
  return false;
}

Result<Mapping> Cursor::query() {
  if (va_ >= end_) return Error::kInvalidArgument;
  for (;;) {
    const Pte e = node().load(idx());
    if (e.is_table(level_)) {
      push(PtNode::at(e.phys()));
      continue;
    }
    Mapping m;
    m.va = slot_start();
    m.size = page_size(level_);
    m.level = level_;
    if (e.present()) {
      m.mapped = true;
      m.phys = e.phys();
      m.prop = PageProp::from(e);
    }
    return m;
  }
}

Result<void> Cursor::jump(uint64_t va) {
  if ((va & (kFrameSize - 1)) != 0 || va < start_ || va >= end_) return Error::kInvalidArgument;
  level_ = guard_level_;  // the covering node's path is always valid; go down again lazily
  va_ = va;
  return {};
}

Result<bool> Cursor::find_next_impl(uint64_t len, bool whole_subtrees, bool split) {
  if ((len & (kFrameSize - 1)) != 0 || va_ > end_ || len > end_ - va_) {
    return Error::kInvalidArgument;
  }
  const uint64_t end = va_ + len;
  while (va_ < end) {
    const uint64_t size = page_size(level_);
    const uint64_t s = slot_start();
    const bool fits = va_ == s && size <= end - s;
    const Pte e = node().load(idx());
    if (e.is_table(level_)) {
      // A kernel table's root entries are shared with every address space: never taken.
      if (whole_subtrees && fits && (level_ < kLevels || pt_->half() == Half::kUser)) return true;
      const PtNode child = PtNode::at(e.phys());
      if (child.nr_children() != 0) {
        push(child);
      } else {
        move_forward();
      }
      continue;
    }
    if (!e.present()) {
      move_forward();
      continue;
    }
    if (fits || !split) return true;
    TRY(split_huge());
  }
  return false;
}

Result<void> Cursor::split_huge() {
  const PtNode n = node();
  const unsigned i = idx();
  const Pte e = n.load(i);
  const PtNode child = TRY(alloc_node(level_ - 1, pt_->owner(), true));
  const uint64_t child_size = page_size(level_ - 1);
  // Same rights for every piece; at level 1 bit 7 would mean PAT, so "huge" goes.
  const uint64_t flags = level_ - 1 == 1 ? e.flags() & ~pte::kHuge : e.flags();
  for (unsigned k = 0; k < kEntries; ++k) child.store(k, Pte((e.phys() + k * child_size) | flags));
  n.replace(i, table_entry(child));
  if (events::on()) {
    events::node_created(pt_->owner(), static_cast<uint8_t>(level_ - 1), child.pfn(), n.pfn(), i);
    events::lock_acquired(path_[guard_level_ - 1], child.pfn(), 0);
    events::entries(child.pfn(), 0, child.entries(), kEntries);  // all of it, in range or not
  }
  tlb_.add(slot_start(), page_size(level_));
  push(child);
  return {};
}

Result<void> CursorMut::map_slow(PhysAddr phys, unsigned level, PageProp prop) {
  if (va_ >= end_ || level < 1 || level > 3) return Error::kInvalidArgument;
  const uint64_t size = page_size(level);
  if ((va_ & (size - 1)) != 0 || (phys & (size - 1)) != 0 || (phys & ~pte::kAddrMask) != 0 ||
      size > end_ - va_ || level > guard_level_) {
    return Error::kInvalidArgument;
  }
  while (level_ != level) {
    if (level_ < level) {
      ++level_;
      continue;
    }
    const Pte e = node().load(idx());
    if (e.is_table(level_)) {
      push(PtNode::at(e.phys()));
    } else if (!e.present()) {
      const PtNode child = TRY(alloc_node(level_ - 1, pt_->owner(), true));
      node().store(idx(), table_entry(child));
      if (events::on()) {
        events::node_created(pt_->owner(), static_cast<uint8_t>(level_ - 1), child.pfn(),
                             node().pfn(), idx());
        events::lock_acquired(path_[guard_level_ - 1], child.pfn(), 0);
      }
      push(child);
    } else {
      return Error::kAlreadyExists;  // a huge page already maps this span
    }
  }
  const PtNode n = node();
  const unsigned i = idx();
  const Pte e = n.load(i);
  if (e.is_table(level_)) {
    const PtNode child = PtNode::at(e.phys());
    if (has_leaves(child)) return Error::kAlreadyExists;
    // Only empty nodes below: reclaim them, after the TLB forgets walks through them.
    n.store(i, Pte());
    if (events::on()) report_detached_unlocks(path_[guard_level_ - 1], child);
    const size_t frames = detach_and_unlock(child);
    tlb_.add(va_, size);
    tlb_.defer_free(DetachedTree(child, va_, frames));
  } else if (e.present()) {
    return Error::kAlreadyExists;
  }
  n.store(i, Pte(phys | prop.to_flags() | (level > 1 ? pte::kHuge : 0)));
  move_forward();
  return {};
}

Result<Taken> CursorMut::take_next(uint64_t len) {
  const bool found = TRY(find_next_impl(len, true, true));
  Taken t;
  if (!found) return t;
  const PtNode n = node();
  const unsigned i = idx();
  const Pte e = n.load(i);
  t.va = slot_start();
  t.size = page_size(level_);
  t.level = level_;
  n.store(i, Pte());
  tlb_.add(t.va, t.size);
  if (e.is_leaf(level_)) {
    t.kind = Taken::Kind::kMapped;
    t.phys = e.phys();
    t.prop = PageProp::from(e);
  } else {
    t.kind = Taken::Kind::kSubtree;
    const PtNode child = PtNode::at(e.phys());
    if (events::on()) report_detached_unlocks(path_[guard_level_ - 1], child);
    const size_t frames = detach_and_unlock(child);
    t.tree = DetachedTree(child, t.va, frames);
  }
  move_forward();
  return t;
}

VaRange CursorMut::apply_protect(Pte old, PageProp prop) {
  const uint64_t keep = old.raw() & (pte::kAccessed | pte::kDirty | pte::kHuge);
  node().replace(idx(), Pte(old.phys() | prop.to_flags() | keep));
  const VaRange r{slot_start(), slot_start() + page_size(level_)};
  tlb_.add(r.start, r.end - r.start);
  move_forward();
  return r;
}

}  // namespace glass::mm
