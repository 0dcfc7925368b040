// TreeRows: see tree_rows.h. Why the whole tree is copied at rebuild rather than only the
// expanded part: toggle() must work without the model (the app calls it from a click), and a
// tree of 100,000 mapped pages is ~100,000 rows, a few milliseconds to rebuild.
#include "inspector/view/tree_rows.h"

#include "inspector/view/entry_bits.h"

namespace glass::inspector::view {

namespace {
uint32_t present_entries(const PtNode& n) {
  uint32_t c = 0;
  for (uint64_t e : n.entries) c += present(e) ? 1 : 0;
  return c;
}
// The child table an entry points to, if the model holds it one level down.
const PtNode* child_of(const StateModel& m, const PtNode& n, uint64_t e) {
  if (!present(e) || is_leaf(e, n.level)) return nullptr;
  const PtNode* c = m.node((e & kPteAddr) >> 12);
  return c && c->level + 1 == n.level ? c : nullptr;
}
}  // namespace

void TreeRows::add_table(const StateModel& m, const PtNode& n, uint64_t va_base, uint8_t depth) {
  const uint64_t span = span_of(n.level);
  for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i) {
    const uint64_t e = n.entries[i];
    if (!present(e)) continue;
    if (all_.size() >= kMaxRows) {
      capped_ = true;
      return;
    }
    const uint64_t va = va_base + i * span;
    TreeRow r;
    r.node_pfn = n.pfn;
    r.level = n.level;
    r.index = static_cast<uint16_t>(i);
    r.depth = depth;
    r.va_first = canonical(va);
    r.va_last = canonical(va + span - 1);
    r.entry = e;
    r.target_phys = target_phys(e, n.level);
    r.leaf = is_leaf(e, n.level);
    const PtNode* c = child_of(m, n, e);
    r.children = c ? present_entries(*c) : 0;
    const size_t at = all_.size();
    all_.push_back({r, 0});
    if (c) add_table(m, *c, va, static_cast<uint8_t>(depth + 1));
    all_[at].subtree_end = all_.size();
  }
}

void TreeRows::rebuild(const StateModel& m, uint32_t asid) {
  asid_ = asid;
  capped_ = false;
  all_.clear();
  auto it = m.address_spaces().find(asid);
  if (it != m.address_spaces().end()) {
    const PtNode* root = m.node(it->second.root);
    if (root && root->level == telemetry::kMaxLevel) add_table(m, *root, 0, 0);
  }
  refresh();
}

void TreeRows::refresh() {
  visible_.clear();
  visible_at_.clear();
  for (size_t i = 0; i < all_.size();) {
    TreeRow r = all_[i].row;
    r.expanded = r.children > 0 && expanded_.count({r.node_pfn, r.index}) > 0;
    visible_.push_back(r);
    visible_at_.push_back(i);
    i = r.expanded ? i + 1 : all_[i].subtree_end;
  }
}

void TreeRows::toggle(size_t row) {
  if (row >= visible_.size() || visible_[row].children == 0) return;
  const auto key = std::make_pair(visible_[row].node_pfn, visible_[row].index);
  if (!expanded_.erase(key)) expanded_.insert(key);
  refresh();
}

void TreeRows::expand_all() {
  for (const Item& it : all_)
    if (it.row.children > 0) expanded_.insert({it.row.node_pfn, it.row.index});
  refresh();
}

void TreeRows::collapse_all() {
  expanded_.clear();
  refresh();
}

std::optional<size_t> TreeRows::reveal(const StateModel& m, uint32_t asid, uint64_t va) {
  rebuild(m, asid);
  WalkAnswer w = m.walk_address(asid, va);
  if (w.levels.empty()) return std::nullopt;
  for (const auto& l : w.levels)
    if (present(l.entry) && !is_leaf(l.entry, l.level)) expanded_.insert({l.table_pfn, l.index});
  refresh();
  std::optional<size_t> deepest;
  size_t next_level = 0;  // the walk level the next matching row must be
  for (size_t i = 0; i < visible_.size() && next_level < w.levels.size(); ++i) {
    const auto& l = w.levels[next_level];
    if (visible_[i].node_pfn == l.table_pfn && visible_[i].index == l.index &&
        visible_[i].level == l.level) {
      deepest = i;
      ++next_level;
    }
  }
  return deepest;
}

}  // namespace glass::inspector::view
