// PtNode: a borrowed handle to one page-table node — a frame of kind page-table whose descriptor
// (FrameDesc::u.pt) holds its level, its number of present entries, its lock and, in the frame's
// flags, the "detached" mark.
//
// Invariants:
//  - A node is owned by the entry that points at it: the parent's entry (ownership parked with
//    UniqueFrame::into_phys), or the PageTable for the root. alloc_node/free_node are the only
//    ways in and out, so the buddy allocator's kind check catches a node freed twice or a data
//    frame freed as a node.
//  - Entries and nr_children are read and written only by the holder of the node's lock (a
//    cursor: see mm/virt/pt_cursor.h for the protocol). Clang's thread-safety analysis cannot check
//    this: the lock is a word in the frame's descriptor, found at run time from a frame number,
//    and a cursor holds a whole set of them from creation to destruction, across calls; the
//    analysis only knows locks named by an expression and held within one scope. The type does
//    what it can instead: store/fill/replace and the lock are reachable only from Cursor,
//    PageTable (creation and teardown, no cursor alive) and DetachedTree (nodes out of any tree). A
//    contended acquire measures its wait (lock_timed); an uncontended one never reads the clock.
//    Entries are stored atomically anyway, because the MMU walks them concurrently.
//  - nr_children == the number of present entries, always.
//  - A detached node is out of its tree: nothing may map through it, and it is freed only after
//    the TLB can no longer hold translations through it (mm/virt/tlb.h).
#pragma once

#include <atomic>

#include "kernel/lib/platform.h"
#include "mm/phys/frames.h"
#include "mm/phys/unique_frame.h"
#include "mm/virt/pte.h"

namespace glass::mm {

class PtNode {
 public:
  explicit PtNode(Pfn pfn) : pfn_(pfn) {}
  [[nodiscard]] static PtNode at(PhysAddr phys) { return PtNode(phys_to_pfn(phys)); }

  [[nodiscard]] Pfn pfn() const { return pfn_; }
  [[nodiscard]] PhysAddr phys() const { return pfn_to_phys(pfn_); }
  [[nodiscard]] FrameDesc& desc() const { return frame_table_mut()[pfn_]; }
  [[nodiscard]] unsigned level() const { return desc().u.pt.level; }
  [[nodiscard]] unsigned nr_children() const { return desc().u.pt.nr_children; }
  [[nodiscard]] bool detached() const {
    return (flags_ref(desc()).load(std::memory_order_acquire) & kFlagNodeDetached) != 0;
  }

  [[nodiscard]] Pte load(unsigned i) const {
    return Pte(std::atomic_ref<uint64_t>(entries()[i]).load(std::memory_order_relaxed));
  }
  // Writes entry i and keeps nr_children in step with presence.
  void store(unsigned i, Pte e) const {
    const bool was = load(i).present();
    std::atomic_ref<uint64_t>(entries()[i]).store(e.raw(), std::memory_order_relaxed);
    if (was != e.present()) count_children(e.present() ? 1 : -1);
  }
  // The cursor's 4 KiB fast path: `slot` is an entry of this node that the caller just saw empty
  // (through its own pointer to the entries, to skip the direct-map translation); `e` is present.
  void fill(std::atomic_ref<uint64_t> slot, Pte e) const {
    slot.store(e.raw(), std::memory_order_relaxed);
    count_children(1);
  }
  // Rewrites a present entry in place (same presence, so no count change).
  void replace(unsigned i, Pte e) const {
    std::atomic_ref<uint64_t>(entries()[i]).store(e.raw(), std::memory_order_relaxed);
  }

 private:
  friend class Cursor;
  friend class PageTable;
  friend class DetachedTree;
  friend Result<PtNode> alloc_node(unsigned, OwnerId, bool);

  [[nodiscard]] uint64_t* entries() const {
    return static_cast<uint64_t*>(platform::phys_to_virt(phys()));
  }
  [[nodiscard]] std::atomic_ref<uint32_t> lock_word() const {
    return std::atomic_ref<uint32_t>(desc().u.pt.lock);
  }
  // Test-and-test-and-set: the holder is a cursor (a guard), never a bare caller. Returns how
  // long the caller spun, in ns: 0 when the lock was free (the clock is read only on contention,
  // so an uncontended acquire costs one exchange), at least 1 when it was not. on_wait() runs
  // once, before the first spin, so the caller can say which node it waits for.
  template <typename OnWait>
  [[nodiscard]] uint64_t lock_timed(OnWait&& on_wait) const {
    auto w = lock_word();
    if (w.exchange(1, std::memory_order_acquire) == 0) return 0;
    on_wait();
    const uint64_t t0 = glass::platform::now_ns();
    do {
      while (w.load(std::memory_order_relaxed) != 0) glass::platform::cpu_relax();
    } while (w.exchange(1, std::memory_order_acquire) != 0);
    const uint64_t waited = glass::platform::now_ns() - t0;
    return waited != 0 ? waited : 1;
  }
  void unlock() const { lock_word().store(0, std::memory_order_release); }
  // The one place nr_children changes after alloc_node (store and fill keep it in step).
  void count_children(int delta) const {
    desc().u.pt.nr_children = static_cast<uint16_t>(desc().u.pt.nr_children + delta);
  }
  void mark_detached() const {
    flags_ref(desc()).fetch_or(kFlagNodeDetached, std::memory_order_acq_rel);
  }

  Pfn pfn_;
};

// A zeroed node at `level`, owned by `owner`, its lock already held when `locked` (a node created
// under a cursor's locks joins the cursor's locked set). Ownership is parked in the returned
// node's address until free_node.
[[nodiscard]] inline Result<PtNode> alloc_node(unsigned level, OwnerId owner, bool locked) {
  PageTableFrame frame = TRY(PageTableFrame::alloc(owner));
  frame.with_mapped([](PageBytes b) { __builtin_memset(b.data, 0, b.size); });
  FrameDesc& d = frame_table_mut()[frame.pfn()];
  d.u.pt.nr_children = 0;
  d.u.pt.level = static_cast<uint8_t>(level);
  d.u.pt.reserved = 0;
  d.u.pt.next_stray = kNoPfn;
  flags_ref(d).fetch_and(static_cast<uint8_t>(~kFlagNodeDetached), std::memory_order_relaxed);
  std::atomic_ref<uint32_t>(d.u.pt.lock).store(locked ? 1 : 0, std::memory_order_release);
  return PtNode::at(std::move(frame).into_phys());
}

// Frees one node (not its children). Panics (in UniqueFrame) if it is not a parked page-table
// frame.
inline void free_node(PtNode node) {
  auto frame = PageTableFrame::from_phys(node.phys());
  if (frame.is_error()) panic("pt: node %u is outside the frame table", node.pfn());
}

}  // namespace glass::mm
