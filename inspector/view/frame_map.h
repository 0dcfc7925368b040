// The frame map: every physical frame as a coloured cell, and what one frame is (hover text).
//
// Invariants: cells are row-major; cell c (= row * cols + col) covers the frames
// [first_pfn + floor(c * fpc), first_pfn + max(floor((c + 1) * fpc), floor(c * fpc) + 1)) clipped
// to the frame count, where fpc = frames_per_cell. So with fpc >= 1 every frame in view belongs
// to exactly one cell, and with fpc < 1 (zoomed in) several cells show one frame. A cell with no
// frame (beyond the end) is kBackgroundRgba. cell_to_pfn and pfn_to_cell agree with this layout.
// Nothing here changes the model.
#pragma once

#include <stdint.h>

#include <optional>
#include <utility>
#include <vector>

#include "inspector/model/state_model.h"

namespace glass::inspector::view {

struct FrameViewport {
  uint64_t first_pfn = 0;
  double frames_per_cell = 1.0;  // >= 1 zoomed out, < 1 zoomed in; <= 0 is treated as 1
  uint32_t cols = 0, rows = 0;
};

// One RGBA per cell (rgba is resized to cols * rows): the most common kind among the frames the
// cell covers; on a tie, a non-free kind wins over free, then the lower kind number.
void render_frame_map(const StateModel& m, const FrameViewport& vp, std::vector<uint32_t>& rgba);

// The same over display frames (FrameFold::kinds(): a kind per display frame, kFoldKind for a
// fold), with vp.first_pfn read as the first display index. A fold is drawn in kFoldRgba; a
// cell's colour is its most common kind, a used kind winning a tie over a fold, a fold over free.
void render_display_map(const std::vector<uint8_t>& kinds, const FrameViewport& vp,
                        std::vector<uint32_t>& rgba);

// The first frame cell (col, row) shows, or nullopt past the end / outside the grid.
[[nodiscard]] std::optional<uint64_t> cell_to_pfn(const FrameViewport& vp, uint32_t col,
                                                  uint32_t row, uint64_t frame_count);
// The (col, row) of the cell that shows pfn (the first such cell when zoomed in), or nullopt when
// pfn is not in view.
[[nodiscard]] std::optional<std::pair<uint32_t, uint32_t>> pfn_to_cell(const FrameViewport& vp,
                                                                       uint64_t pfn);

struct FrameInfoView {
  uint64_t pfn = 0, phys = 0;
  uint8_t kind = 0;
  uint32_t owner = 0;
  bool known = false;  // false: pfn is beyond the frames the model knows (nothing else is set)
  std::vector<VirtualMapping> mappings;  // every virtual address that maps this frame
  std::optional<uint32_t> folio_refcount;
  std::optional<uint64_t> folio_first, folio_count;
  std::optional<uint64_t> pt_node_asid;  // if the frame is a page-table node
  std::optional<uint8_t> pt_node_level;
};
[[nodiscard]] FrameInfoView describe_frame(const StateModel& m, uint64_t pfn);

}  // namespace glass::inspector::view
