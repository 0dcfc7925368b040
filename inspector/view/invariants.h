// Invariant warnings: what should always hold in the kernel's memory state, re-checked on the
// model, each violation with a one-line "what and why it matters" (a teaching aid for labs where
// students break things).
//
// Invariants: check_invariants reads the model only and returns at most kMaxViolations entries
// (counting stops there; the last entry says how many more were cut); each tree node is visited
// once even when several address spaces share it (the kernel half), and children are followed
// only one level down, so a corrupt stream cannot loop. Exemption, because the kernel really has
// it: a leaf of the direct map (va == kDirectMapBase + phys) may map a free frame or one beyond
// the frame table (it maps all of RAM and the holes). No W+X exemption: the kernel has none.
// A leaf wholly outside the frame table is no violation (see outside_ram.h): no frame there can
// be allocated, so no owner can be wronged; that is how device memory is mapped, and how demo=mm
// shows a 1 GiB page with less than 2 GiB of RAM. One that straddles the end of RAM is one.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "inspector/model/state_model.h"

namespace glass::inspector::view {

enum class ViolationKind : uint8_t {
  kMappedFrameFree,         // a present leaf maps a frame the frame table calls free
  kNodeFrameNotPageTable,   // a page-table node lives in a frame not of kind page-table
  kWritableExecutableLeaf,  // a leaf that is both writable and executable (W^X)
  kFolioRefcountMismatch,   // a folio mapped by more entries than it has references
  kLeafBeyondFrameTable,    // a leaf is part RAM, part beyond the frame table (straddles its end)
  kLockOnUnknownNode,       // a cursor holds the lock of a node the model does not know
  kTruncated,               // more violations than kMaxViolations: the rest were not listed
};
[[nodiscard]] const char* violation_name(ViolationKind k);

struct Violation {
  ViolationKind kind;
  uint32_t asid = 0;
  uint64_t va = 0;
  uint64_t pfn = 0;
  std::string text;  // one line: what and why it matters
};

inline constexpr size_t kMaxViolations = 200;
[[nodiscard]] std::vector<Violation> check_invariants(const StateModel& m);

}  // namespace glass::inspector::view
