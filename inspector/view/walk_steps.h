// The page-walk view's data: a virtual address split into its indices and offset, and one walk
// (the kernel's WALK answer live, the model's own walk on a trace) as teaching steps
// CR3 -> PML4E -> PDPTE -> PDE -> PTE -> frame + offset.
//
// Invariants: walk_view reports exactly the levels the answer carries (it never walks again, so
// a kernel answer is shown as the kernel gave it); the final address and frame are set only for
// a walk that ended on a present leaf. The offset is 12, 21 or 30 bits for a 4 KiB, 2 MiB or
// 1 GiB leaf.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "inspector/model/state_model.h"
#include "inspector/view/frame_map.h"

namespace glass::inspector::view {

struct VaSplit {
  uint16_t index[4] = {};  // [0] = PML4 (bits 47..39) .. [3] = PT (bits 20..12)
  uint32_t offset = 0;     // the low offset_bits of the address
  uint8_t offset_bits = 12;
  uint8_t index_count = 4;  // indices used before the offset: 4 (4 KiB), 3 (2 MiB), 2 (1 GiB)
};
// leaf_level: 1 (4 KiB, the default), 2 (2 MiB) or 3 (1 GiB); anything else reads as 1.
[[nodiscard]] VaSplit split_va(uint64_t va, uint8_t leaf_level = 1);

struct WalkStep {
  const char* name = "";  // "CR3", "PML4E", "PDPTE", "PDE", "PTE"
  uint8_t level = 0;      // 5 for CR3 (above the PML4), else the table's level
  uint64_t table_phys = 0;
  uint16_t index = 0;
  uint64_t entry = 0;  // CR3: the root table's physical address
  std::string flags;
  std::string explanation;  // one teaching sentence
};

struct WalkView {
  uint32_t asid = 0;
  uint64_t va = 0;
  telemetry::WalkStatus status = telemetry::WalkStatus::kUnknownAsid;
  VaSplit split;
  std::vector<WalkStep> steps;
  std::optional<uint64_t> final_phys;
  std::optional<FrameInfoView> final_frame;
  std::string summary;  // one sentence: where the walk ended and why
  std::string source;   // "kernel WALK answer" | "model"
};

[[nodiscard]] WalkView walk_view(const StateModel& m, const WalkAnswer& a, std::string source);

}  // namespace glass::inspector::view
