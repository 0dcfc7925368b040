// TLB batching and deferred freeing of detached page-table nodes; see tlb.h for the invariants.
#include "mm/virt/tlb.h"

#include <atomic>

namespace glass::mm {
namespace {
std::atomic<TlbShootdownHook> g_hook{nullptr};
}  // namespace

void set_tlb_shootdown_hook(TlbShootdownHook hook) {
  g_hook.store(hook, std::memory_order_release);
}

void TlbBatch::defer_free(DetachedTree&& tree) {
  if (!tree.owns()) return;
  const Pfn root = std::move(tree).release();
  frame_table_mut()[root].u.pt.next_stray = deferred_;
  deferred_ = root;
}

void TlbBatch::flush() {
  if (full_) {
    platform::tlb_flush_all();
  } else {
    for (size_t i = 0; i < count_; ++i) platform::tlb_flush_page(pages_[i]);
  }
  if (full_ || count_ != 0) {
    if (auto hook = g_hook.load(std::memory_order_acquire)) hook(pages_, count_, full_);
  }
  full_ = false;
  count_ = 0;
  while (deferred_ != kNoPfn) {
    const Pfn root = deferred_;
    deferred_ = frame_table()[root].u.pt.next_stray;
    DetachedTree freed = DetachedTree::adopt(root);  // destroyed here: the nodes go back
  }
}

}  // namespace glass::mm
