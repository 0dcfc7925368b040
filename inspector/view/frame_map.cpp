// render_frame_map / cell_to_pfn / pfn_to_cell: see frame_map.h. Why a plain histogram loop and
// no summary pyramid: the frame table is 8 bytes per frame in one array, so counting kinds over
// 1,048,576 frames is a sequential 8 MiB read (about a millisecond), well inside a 16 ms frame;
// a pyramid would have to be kept current on every frame_run for no visible gain.
#include "inspector/view/frame_map.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "inspector/view/frame_fold.h"
#include "inspector/view/palette.h"
#include "mm/phys/frame_kind.h"

namespace glass::inspector::view {

namespace {
constexpr size_t kMaxKinds = 16;  // kinds index a table: the model refuses kinds >= 13
static_assert(mm::kFrameKindCount <= kMaxKinds);
double fpc_of(const FrameViewport& vp) {
  return vp.frames_per_cell > 0 && std::isfinite(vp.frames_per_cell) ? vp.frames_per_cell : 1.0;
}
// Frame offset (from first_pfn) where cell c starts: floor(c * fpc), both non-negative.
uint64_t cell_start(double fpc, uint64_t c) {
  return static_cast<uint64_t>(static_cast<double>(c) * fpc);
}
}  // namespace

// Most cells cover frames of one kind (allocations come in runs), so each cell first scans for
// the end of its first kind's run and only counts a histogram when the run stops inside it.
void render_frame_map(const StateModel& m, const FrameViewport& vp, std::vector<uint32_t>& rgba) {
  const uint64_t cells = static_cast<uint64_t>(vp.cols) * vp.rows;
  rgba.assign(cells, kBackgroundRgba);
  const auto& frames = m.frames();
  const uint64_t n = frames.size();
  if (vp.first_pfn >= n) return;
  const double fpc = fpc_of(vp);
  std::array<uint32_t, kMaxKinds> rgba_of{};
  for (size_t k = 0; k < kMaxKinds; ++k) rgba_of[k] = kind_rgba(static_cast<uint8_t>(k));
  constexpr uint8_t kFree = static_cast<uint8_t>(mm::FrameKind::kFree);
  const FrameInfo* f = frames.data();
  uint64_t s = vp.first_pfn;  // == first_pfn + cell_start(fpc, c) at the top of the loop
  for (uint64_t c = 0; c < cells && s < n; ++c) {
    const uint64_t next = vp.first_pfn + cell_start(fpc, c + 1);
    const uint64_t e = std::min(n, std::max(next, s + 1));
    const uint8_t k0 = f[s].kind & (kMaxKinds - 1);
    uint64_t p = s + 1;
    while (p < e && (f[p].kind & (kMaxKinds - 1)) == k0) ++p;
    if (p == e) {
      rgba[c] = rgba_of[k0];
    } else {
      std::array<uint32_t, kMaxKinds> count{};
      count[k0] = static_cast<uint32_t>(p - s);
      for (; p < e; ++p) ++count[f[p].kind & (kMaxKinds - 1)];
      size_t best = kFree;
      for (size_t k = 0; k < kMaxKinds; ++k) {
        if (k == kFree) continue;
        if (count[k] > count[best] || (best == kFree && count[k] > 0 && count[k] == count[best]))
          best = k;
      }
      rgba[c] = rgba_of[best];
    }
    s = next;
  }
}

void render_display_map(const std::vector<uint8_t>& kinds, const FrameViewport& vp,
                        std::vector<uint32_t>& rgba) {
  const uint64_t cells = static_cast<uint64_t>(vp.cols) * vp.rows;
  rgba.assign(cells, kBackgroundRgba);
  const uint64_t n = kinds.size();
  if (vp.first_pfn >= n) return;
  const double fpc = fpc_of(vp);
  std::array<uint32_t, kMaxKinds> rgba_of{};
  for (size_t k = 0; k < kMaxKinds; ++k) rgba_of[k] = kind_rgba(static_cast<uint8_t>(k));
  static_assert(kFoldKind < kMaxKinds && kFoldKind >= mm::kFrameKindCount);
  rgba_of[kFoldKind] = kFoldRgba;
  constexpr uint8_t kFree = static_cast<uint8_t>(mm::FrameKind::kFree);
  const uint8_t* f = kinds.data();
  uint64_t s = vp.first_pfn;
  for (uint64_t c = 0; c < cells && s < n; ++c) {
    const uint64_t next = vp.first_pfn + cell_start(fpc, c + 1);
    const uint64_t e = std::min(n, std::max(next, s + 1));
    const uint8_t k0 = f[s] & (kMaxKinds - 1);
    uint64_t p = s + 1;
    while (p < e && (f[p] & (kMaxKinds - 1)) == k0) ++p;
    size_t best = k0;
    if (p != e) {
      std::array<uint32_t, kMaxKinds> count{};
      count[k0] = static_cast<uint32_t>(p - s);
      for (; p < e; ++p) ++count[f[p] & (kMaxKinds - 1)];
      // Used kinds first (a tie goes to the lower kind), then the fold, then free.
      best = count[kFoldKind] >= count[kFree] && count[kFoldKind] > 0 ? kFoldKind : kFree;
      for (size_t k = 0; k < kMaxKinds; ++k) {
        if (k == kFree || k == kFoldKind || count[k] == 0) continue;
        const bool used_best = best != kFree && best != kFoldKind;
        if (count[k] > count[best] || (!used_best && count[k] == count[best])) best = k;
      }
    }
    // A fold is striped (diagonals of two tones) so it cannot be taken for frames of a kind.
    const uint64_t col = c % vp.cols, row = c / vp.cols;
    rgba[c] = best == kFoldKind && (col + row) % 6 >= 3 ? kFoldStripeRgba : rgba_of[best];
    s = next;
  }
}

std::optional<uint64_t> cell_to_pfn(const FrameViewport& vp, uint32_t col, uint32_t row,
                                    uint64_t frame_count) {
  if (col >= vp.cols || row >= vp.rows) return std::nullopt;
  const uint64_t c = static_cast<uint64_t>(row) * vp.cols + col;
  const uint64_t p = vp.first_pfn + cell_start(fpc_of(vp), c);
  if (p >= frame_count) return std::nullopt;
  return p;
}

std::optional<std::pair<uint32_t, uint32_t>> pfn_to_cell(const FrameViewport& vp, uint64_t pfn) {
  if (pfn < vp.first_pfn || vp.cols == 0) return std::nullopt;
  const double fpc = fpc_of(vp);
  const uint64_t off = pfn - vp.first_pfn;
  // The estimate can be off by one either way from floating-point rounding: settle on the first
  // cell whose range holds off, using the same cell_start() as rendering.
  uint64_t c = static_cast<uint64_t>(std::floor(static_cast<double>(off) / fpc));
  while (c > 0 && cell_start(fpc, c) > off) --c;
  while (std::max(cell_start(fpc, c + 1), cell_start(fpc, c) + 1) <= off) ++c;
  while (c > 0 && cell_start(fpc, c - 1) == off) --c;
  const uint64_t cells = static_cast<uint64_t>(vp.cols) * vp.rows;
  if (c >= cells) return std::nullopt;
  return std::make_pair(static_cast<uint32_t>(c % vp.cols), static_cast<uint32_t>(c / vp.cols));
}

}  // namespace glass::inspector::view
