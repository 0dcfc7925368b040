// Timeline search: "when did virtual address X get mapped?" and "when did frame N change owner?",
// answered by replaying the trace forward from a position, so the answer is an event the timeline
// can jump to (a NavRequest::seek, the one navigation path).
//
// Invariants:
//  - find_next_mapped returns the first event e > from such that va is mapped by a present leaf
//    (in asid, or in any address space when asid is not given) in the state after e and was not
//    in the state after e - 1: exactly what a fresh replay to e-1 and e shows (a host test checks
//    it that way). find_next_owner_change likewise for pfn's (kind, owner).
//  - A snapshot (which rebuilds the state from nothing) is compared only once it has ended, so
//    re-sending a mapping or a frame is no change.
//  - Reads the timeline's state at `from` (state_at(from)) and applies the following items to a
//    copy; call it with from == the position shown, so the model the window draws stays the one
//    fixed at the top of the frame.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <optional>

#include "inspector/view/timeline.h"

namespace glass::inspector::view {

struct SearchHit {
  size_t event = 0;
  uint32_t asid = 0;  // find_next_mapped: the space that mapped it
};

[[nodiscard]] std::optional<SearchHit> find_next_mapped(Timeline& tl, size_t from,
                                                        std::optional<uint32_t> asid, uint64_t va);
[[nodiscard]] std::optional<SearchHit> find_next_owner_change(Timeline& tl, size_t from,
                                                              uint64_t pfn);

}  // namespace glass::inspector::view
