// leaves_outside_ram: see outside_ram.h.
#include "inspector/view/outside_ram.h"

#include <set>
#include <utility>

#include "inspector/view/entry_bits.h"

namespace glass::inspector::view {

std::vector<OutsideRam> leaves_outside_ram(const StateModel& m) {
  std::vector<OutsideRam> out;
  std::set<std::pair<uint64_t, uint64_t>> seen;  // (va, phys)
  const uint64_t frames = m.frames().size();
  for (const auto& [asid, as] : m.address_spaces()) {
    for (const VirtualMapping& l : m.leaf_mappings(asid, false)) {
      const uint64_t phys = target_phys(l.pte, l.level);
      if ((phys >> 12) < frames || l.va == kDirectMapBase + phys) continue;
      if (!seen.insert({l.va, phys}).second) continue;
      if (out.size() >= kMaxOutsideRam) return out;
      out.push_back({asid, l.va, phys, l.level});
    }
  }
  return out;
}

}  // namespace glass::inspector::view
