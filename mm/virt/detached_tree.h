// DetachedTree: the single owner of a page-table sub-tree that a cursor took out of its tree
// (CursorMut::take_next). It owns the nodes, not what the leaves map: whoever mapped those frames
// still owns them and can visit them with for_each_leaf.
//
// Invariants: every node of the sub-tree carries the detached mark and no lock; nothing points at
// the root any more, so no cursor can reach it. The MMU may still hold translations through it
// until the TLB is flushed, so a DetachedTree must be handed to a TlbBatch (which frees it after
// the flush) or destroyed only after a flush that covered its range.
#pragma once

#include <utility>

#include "mm/virt/pt_node.h"

namespace glass::mm {

class DetachedTree {
 public:
  DetachedTree() = default;
  DetachedTree(PtNode root, uint64_t va, size_t frames)
      : root_(root.pfn()), va_(va), frames_(frames) {}
  DetachedTree(DetachedTree&& o) noexcept
      : root_(std::exchange(o.root_, kNoPfn)), va_(o.va_), frames_(std::exchange(o.frames_, 0)) {}
  DetachedTree& operator=(DetachedTree&& o) noexcept {
    if (this != &o) {
      reset();
      root_ = std::exchange(o.root_, kNoPfn);
      va_ = o.va_;
      frames_ = std::exchange(o.frames_, 0);
    }
    return *this;
  }
  DetachedTree(const DetachedTree&) = delete;
  DetachedTree& operator=(const DetachedTree&) = delete;
  ~DetachedTree() { reset(); }

  [[nodiscard]] bool owns() const { return root_ != kNoPfn; }
  // Page-table frames in the sub-tree, root included.
  [[nodiscard]] size_t frames() const { return frames_; }
  [[nodiscard]] uint64_t va() const { return va_; }
  [[nodiscard]] unsigned level() const { return PtNode(root_).level(); }

  // f(va, pte, level) for every leaf, in address order.
  template <typename F>
  void for_each_leaf(F&& f) const {
    if (owns()) visit(PtNode(root_), va_, f);
  }

  // Gives up ownership without freeing: the TLB batch chains parked trees through the root.
  [[nodiscard]] Pfn release() && { return std::exchange(root_, kNoPfn); }
  [[nodiscard]] static DetachedTree adopt(Pfn root) {
    DetachedTree t;
    t.root_ = root;
    return t;
  }

 private:
  template <typename F>
  static void visit(PtNode node, uint64_t va, F& f) {
    const unsigned level = node.level();
    for (unsigned i = 0; i < kEntries; ++i) {
      const Pte e = node.load(i);
      const uint64_t at = va + i * page_size(level);
      if (e.is_leaf(level)) {
        f(at, e, level);
      } else if (e.is_table(level)) {
        visit(PtNode::at(e.phys()), at, f);
      }
    }
  }
  static void free_tree(PtNode node) {
    const unsigned level = node.level();
    for (unsigned i = 0; level > 1 && i < kEntries; ++i) {
      const Pte e = node.load(i);
      if (e.is_table(level)) free_tree(PtNode::at(e.phys()));
    }
    free_node(node);
  }
  void reset() {
    if (root_ != kNoPfn) free_tree(PtNode(std::exchange(root_, kNoPfn)));
  }

  Pfn root_ = kNoPfn;
  uint64_t va_ = 0;
  size_t frames_ = 0;
};

}  // namespace glass::mm
