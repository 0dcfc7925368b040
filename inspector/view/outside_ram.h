// Leaves outside RAM: present leaves whose whole page lies beyond the frame table (physical
// addresses no frame describes). Not an invariant violation: nobody can be handed such memory, so
// no ownership is broken; it is how device memory is mapped, and demo=mm maps a 1 GiB page at
// virtual 8 GiB over physical 1 GiB this way to show a 1 GiB leaf with less RAM than that. The
// Invariants tab lists them as a labelled note so a student sees why they are there.
//
// Invariants: reads the model only; the direct map (va == kDirectMapBase + phys, which maps the
// holes) is left out as in check_invariants; a leaf shared by several address spaces (the kernel
// half) is listed once, under the first space that maps it; at most kMaxOutsideRam are listed.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "inspector/model/state_model.h"

namespace glass::inspector::view {

struct OutsideRam {
  uint32_t asid = 0;
  uint64_t va = 0, phys = 0;
  uint8_t level = 0;  // 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB
};

inline constexpr size_t kMaxOutsideRam = 64;
[[nodiscard]] std::vector<OutsideRam> leaves_outside_ram(const StateModel& m);

}  // namespace glass::inspector::view
