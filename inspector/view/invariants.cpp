// check_invariants: see invariants.h. One pass over every tree collects the leaves (effective
// writability and executability combine all levels, as the MMU does); the node, folio and lock
// checks then read the model's maps.
#include "inspector/view/invariants.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "inspector/model/event_text.h"
#include "inspector/view/entry_bits.h"
#include "inspector/view/palette.h"
#include "mm/phys/frame_kind.h"

namespace glass::inspector::view {

const char* violation_name(ViolationKind k) {
  switch (k) {
    case ViolationKind::kMappedFrameFree:
      return "mapped-frame-free";
    case ViolationKind::kNodeFrameNotPageTable:
      return "node-frame-not-page-table";
    case ViolationKind::kWritableExecutableLeaf:
      return "writable-executable-leaf";
    case ViolationKind::kFolioRefcountMismatch:
      return "folio-refcount-mismatch";
    case ViolationKind::kLeafBeyondFrameTable:
      return "leaf-beyond-frame-table";
    case ViolationKind::kLockOnUnknownNode:
      return "lock-on-unknown-node";
    case ViolationKind::kTruncated:
      return "truncated";
  }
  return "?";
}

namespace {
constexpr uint8_t kFree = static_cast<uint8_t>(mm::FrameKind::kFree);
constexpr uint8_t kPageTable = static_cast<uint8_t>(mm::FrameKind::kPageTable);

class Checker {
 public:
  explicit Checker(const StateModel& m) : m_(m) {}

  void add(ViolationKind k, uint32_t asid, uint64_t va, uint64_t pfn, std::string text) {
    if (out_.size() < kMaxViolations) {
      out_.push_back({k, asid, va, pfn, std::move(text)});
    } else {
      ++cut_;
    }
  }

  void tree(uint32_t asid, const PtNode& n, uint64_t va_base, bool write, bool exec) {
    if (!visited_.insert(n.pfn).second) return;
    const uint64_t span = span_of(n.level);
    for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i) {
      const uint64_t e = n.entries[i];
      if (!present(e)) continue;
      const uint64_t va = va_base + i * span;
      const bool w = write && (e & kPteW), x = exec && !(e & kPteNx);
      if (!is_leaf(e, n.level)) {
        const PtNode* c = m_.node((e & kPteAddr) >> 12);
        if (c && c->level + 1 == n.level) tree(asid, *c, va, w, x);
        continue;
      }
      leaf(asid, canonical(va), n.level, e, w, x);
    }
  }

  void leaf(uint32_t asid, uint64_t va, uint8_t level, uint64_t e, bool w, bool x) {
    const uint64_t phys = target_phys(e, level), frames = span_of(level) >> 12;
    const uint64_t first = phys >> 12;
    if (w && x)
      add(ViolationKind::kWritableExecutableLeaf, asid, va, first,
          "W+X: " + hex(va) + " (in " + m_.names().space(asid) +
              ") is writable and executable: code injected by a write could run.");
    const bool direct_map = va == kDirectMapBase + phys;
    if (direct_map) return;
    const uint64_t n = m_.frames().size();
    if (first >= n) return;  // wholly outside RAM: outside_ram.h's note, not a violation
    if (first + frames > n) {
      add(ViolationKind::kLeafBeyondFrameTable, asid, va, first,
          hex(va) + " maps physical " + hex(phys) + ".." + hex(phys + span_of(level) - 1) +
              ", which runs past the end of the " + std::to_string(n) +
              " frames of RAM: one page cannot be both memory someone owns and what lies "
              "beyond it.");
    }
    for (uint64_t p = first; p < first + frames && p < n; ++p) {
      if (m_.frames()[p].kind == kFree) {
        add(ViolationKind::kMappedFrameFree, asid, va + (p - first) * 4096, p,
            "frame " + hex(p) + " is free but mapped at " + hex(va + (p - first) * 4096) +
                ": the allocator may hand it to someone else while this mapping still reaches "
                "it.");
        break;  // one report per leaf: a 1 GiB leaf over free memory is one mistake
      }
    }
    // Each leaf entry mapping a folio holds one reference (mm/phys/folio.h: into_phys()).
    if (auto f = m_.folio_of(first)) ++mappings_[f->first];
    for (auto it = m_.folios().upper_bound(first);
         it != m_.folios().end() && it->first < first + frames; ++it)
      ++mappings_[it->first];
  }

  void nodes() {
    std::vector<const PtNode*> sorted;  // pfn order: the list reads the same every time
    for (const auto& [pfn, n] : m_.nodes()) sorted.push_back(&n);
    std::sort(sorted.begin(), sorted.end(),
              [](const PtNode* a, const PtNode* b) { return a->pfn < b->pfn; });
    for (const PtNode* np : sorted) {
      const PtNode& n = *np;
      const uint64_t pfn = n.pfn;
      const bool known = pfn < m_.frames().size();
      const uint8_t k = known ? m_.frames()[pfn].kind : kFree;
      if (known && k == kPageTable) continue;
      add(ViolationKind::kNodeFrameNotPageTable, n.asid, 0, pfn,
          "page-table node " + hex(pfn) + " (a " + table_abbrev(n.level) +
              ") sits in a frame of kind " + (known ? kind_name(k) : "beyond RAM") +
              ": the allocator could reuse it while the MMU still reads it as a table.");
    }
  }

  void folios() {
    for (const auto& [first, f] : m_.folios()) {
      auto it = mappings_.find(first);
      const uint64_t maps = it == mappings_.end() ? 0 : it->second;
      if (maps <= f.refcount) continue;  // more references than mappings: handles hold the rest
      add(ViolationKind::kFolioRefcountMismatch, 0, 0, first,
          "folio " + hex(first) + " (" + std::to_string(f.count) + " frames) has refcount " +
              std::to_string(f.refcount) + " but " + std::to_string(maps) +
              " entries map it: one mapping holds no reference, so the folio can be freed "
              "while still mapped.");
    }
  }

  void locks() {
    for (const auto& [node, h] : m_.held_locks())
      if (!m_.node(node))
        add(ViolationKind::kLockOnUnknownNode, 0, 0, node,
            "cursor " + std::to_string(h.cursor) + " holds the lock of node " + hex(node) +
                ", which is not a page-table node: it protects nothing.");
  }

  std::vector<Violation> finish() {
    if (cut_ > 0)
      out_.push_back({ViolationKind::kTruncated, 0, 0, 0,
                      std::to_string(cut_) + " more violations not listed."});
    return std::move(out_);
  }

 private:
  const StateModel& m_;
  std::vector<Violation> out_;
  uint64_t cut_ = 0;
  std::unordered_set<uint64_t> visited_;
  std::unordered_map<uint64_t, uint64_t> mappings_;  // folio first pfn -> leaves mapping it
};
}  // namespace

std::vector<Violation> check_invariants(const StateModel& m) {
  Checker c(m);
  for (const auto& [asid, as] : m.address_spaces()) {
    const PtNode* root = m.node(as.root);
    if (root && root->level == telemetry::kMaxLevel) c.tree(asid, *root, 0, true, true);
  }
  c.nodes();
  c.folios();
  c.locks();
  return c.finish();
}

}  // namespace glass::inspector::view
