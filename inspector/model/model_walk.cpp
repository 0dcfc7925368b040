// The model's own page-table walk and its list of leaf mappings: what the inspector compares with
// the kernel's WALK answers and with an outside view of the tables (QEMU's monitor).
//
// Invariants: walk_address uses protocol/walk.h, the code the kernel's WALK runs, so a
// difference between the two answers is a difference in the tables, never in the walking.
// leaf_mappings only descends into a node one level below its parent, so a corrupt stream that
// makes a node its own child cannot loop; it never reads a node the model does not hold.
#include "inspector/model/state_model.h"
#include "protocol/walk.h"

namespace glass::inspector {

namespace {
constexpr uint64_t kPresent = 1;
constexpr uint64_t kHuge = 1ull << 7;
constexpr uint64_t kAddr = 0x000ffffffffff000ull;
constexpr uint64_t kAccessedDirty = (1ull << 5) | (1ull << 6);
uint64_t canonical(uint64_t va) {
  return (va & (1ull << 47)) ? (va | 0xffff000000000000ull) : va;
}
}  // namespace

bool same_walk(const WalkAnswer& a, const WalkAnswer& b) {
  if (a.asid != b.asid || a.va != b.va || a.status != b.status ||
      a.levels.size() != b.levels.size())
    return false;
  for (size_t i = 0; i < a.levels.size(); ++i) {
    const auto &x = a.levels[i], &y = b.levels[i];
    if (x.level != y.level || x.index != y.index || x.table_pfn != y.table_pfn ||
        (x.entry & ~kAccessedDirty) != (y.entry & ~kAccessedDirty))
      return false;
  }
  return true;
}

WalkAnswer StateModel::walk_address(uint32_t asid, uint64_t va) const {
  WalkAnswer a;
  a.asid = asid;
  a.va = va;
  auto it = spaces_.find(asid);
  if (!telemetry::is_canonical_va(va)) {
    a.status = telemetry::WalkStatus::kNonCanonical;
    return a;
  }
  if (it == spaces_.end()) {
    a.status = telemetry::WalkStatus::kUnknownAsid;
    return a;
  }
  auto read = [this](uint64_t pfn, unsigned index, uint64_t& entry) {
    const PtNode* n = node(pfn);
    if (n == nullptr) return false;
    entry = n->entries[index];
    return true;
  };
  telemetry::WalkLevel levels[telemetry::kMaxLevel];
  uint8_t count = 0;
  a.status = telemetry::walk_tables(it->second.root, va, read, levels, count);
  a.levels.assign(levels, levels + count);
  return a;
}

std::vector<VirtualMapping> StateModel::leaf_mappings(uint32_t asid, bool user_half) const {
  std::vector<VirtualMapping> out;
  auto it = spaces_.find(asid);
  if (it == spaces_.end()) return out;
  const PtNode* root = node(it->second.root);
  if (root == nullptr || root->level != telemetry::kMaxLevel) return out;
  // Iterative pre-order over (node, va of its first entry); entries in index order give va order.
  struct Frame {
    const PtNode* n;
    uint64_t base;
    uint32_t next;
  };
  std::vector<Frame> stack{{root, 0, 0}};
  const uint32_t root_end = user_half ? telemetry::kEntriesPerNode / 2 : telemetry::kEntriesPerNode;
  while (!stack.empty()) {
    Frame& f = stack.back();
    const uint32_t end = f.n == root ? root_end : telemetry::kEntriesPerNode;
    if (f.next >= end) {
      stack.pop_back();
      continue;
    }
    const uint32_t i = f.next++;
    const uint64_t pte = f.n->entries[i];
    if (!(pte & kPresent)) continue;
    const uint64_t span = 1ull << (12 + 9 * (f.n->level - 1));
    const uint64_t va = f.base + i * span;
    if (f.n->level == 1 || ((pte & kHuge) && f.n->level <= 3)) {
      out.push_back({asid, canonical(va), f.n->level, pte});
      continue;
    }
    const PtNode* child = node((pte & kAddr) >> 12);
    if (child && child->level + 1 == f.n->level) stack.push_back({child, va, 0});
  }
  return out;
}

}  // namespace glass::inspector
