// merged_ranges: the mapped virtual ranges of one address space with their effective rights,
// like QEMU's `info mem`. Effective, because the MMU combines every level of the walk: a page is
// user-accessible only if every entry on its path has U, writable only if every one has W, and
// executable only if none has NX.
//
// Invariants: ranges come out ascending and disjoint, and two neighbours are merged exactly when
// the first ends where the second begins and their rights are equal. Children are followed only
// one level down, so a corrupt stream cannot loop.
#include "inspector/view/entry_bits.h"
#include "inspector/view/tree_rows.h"

namespace glass::inspector::view {

namespace {
struct Rights {
  bool user, write, exec;
};

void collect(const StateModel& m, const PtNode& n, uint64_t va_base, Rights up,
             std::vector<MergedRange>& out) {
  const uint64_t span = span_of(n.level);
  for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i) {
    const uint64_t e = n.entries[i];
    if (!present(e)) continue;
    const Rights r{up.user && (e & kPteU), up.write && (e & kPteW), up.exec && !(e & kPteNx)};
    const uint64_t va = va_base + i * span;
    if (!is_leaf(e, n.level)) {
      const PtNode* c = m.node((e & kPteAddr) >> 12);
      if (c && c->level + 1 == n.level) collect(m, *c, va, r, out);
      continue;
    }
    std::string flags{r.user ? 'u' : '-', 'r', r.write ? 'w' : '-', r.exec ? 'x' : '-'};
    const uint64_t first = canonical(va), last = canonical(va + span - 1);
    if (!out.empty() && out.back().va_last + 1 == first && out.back().flags == flags) {
      out.back().va_last = last;
      out.back().pages_4k += span >> 12;
    } else {
      out.push_back({first, last, span >> 12, std::move(flags)});
    }
  }
}
}  // namespace

std::vector<MergedRange> merged_ranges(const StateModel& m, uint32_t asid) {
  std::vector<MergedRange> out;
  auto it = m.address_spaces().find(asid);
  if (it == m.address_spaces().end()) return out;
  const PtNode* root = m.node(it->second.root);
  if (root && root->level == telemetry::kMaxLevel) collect(m, *root, 0, {true, true, true}, out);
  return out;
}

}  // namespace glass::inspector::view
