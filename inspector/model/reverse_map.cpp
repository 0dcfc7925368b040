// StateModel::reverse_map: which virtual addresses map a frame, found by walking every address
// space's tree. Why a walk and not an index: mappings change in runs of hundreds per event, and the
// question is asked rarely (a click in the GUI), so keeping an index current would cost more than
// answering. The walk only descends into nodes one level lower than their parent, so a corrupt
// stream that makes a node its own child cannot loop.
#include "inspector/model/state_model.h"

namespace glass::inspector {

namespace {
constexpr uint64_t kPresent = 1;
constexpr uint64_t kHuge = 1ull << 7;
constexpr uint64_t kAddr4K = 0x000ffffffffff000ull;
uint64_t span_of(uint8_t level) {
  return 1ull << (12 + 9 * (level - 1));
}
uint64_t canonical(uint64_t va) {
  return (va & (1ull << 47)) ? (va | 0xffff000000000000ull) : va;
}
}  // namespace

void StateModel::walk(uint32_t asid, const PtNode& n, uint64_t va_base, uint64_t pfn,
                      std::vector<VirtualMapping>& out) const {
  uint64_t span = span_of(n.level);
  for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i) {
    uint64_t pte = n.entries[i];
    if (!(pte & kPresent)) continue;
    uint64_t va = va_base + i * span;
    bool leaf = n.level == 1 || ((pte & kHuge) && n.level <= 3);
    if (leaf) {
      uint64_t phys = pte & kAddr4K & ~(span - 1);
      uint64_t first = phys >> 12;
      uint64_t frames = span >> 12;
      if (pfn >= first && pfn < first + frames)
        out.push_back({asid, canonical(va + (pfn - first) * 4096), n.level, pte});
      continue;
    }
    const PtNode* child = node((pte & kAddr4K) >> 12);
    if (child && child->level + 1 == n.level) walk(asid, *child, va, pfn, out);
  }
}

std::vector<VirtualMapping> StateModel::reverse_map(uint64_t pfn) const {
  std::vector<VirtualMapping> out;
  for (const auto& [asid, as] : spaces_) {
    const PtNode* root = node(as.root);
    if (root && root->level == telemetry::kMaxLevel) walk(asid, *root, 0, pfn, out);
  }
  return out;
}

}  // namespace glass::inspector
