// FrameFold: see frame_fold.h. One pass over the frame table finds the free runs; kinds() is a
// byte per display frame, which the frame map renders (render_display_map) faster than the
// 8-byte frame table itself, so folding costs no more per frame than drawing without it.
#include "inspector/view/frame_fold.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "mm/phys/frame_kind.h"

namespace glass::inspector::view {

namespace {
constexpr uint8_t kFree = static_cast<uint8_t>(mm::FrameKind::kFree);
}  // namespace

void FrameFold::build(const StateModel& m, bool fold) {
  const FrameInfo* f = m.frames().data();
  const uint64_t n = m.frames().size();
  segments_.clear();
  folds_ = 0;
  folded_frames_ = 0;
  counts_.fill(0);
  // A fold replaces at least kMinRun > kMarkerFrames frames, so n display frames always suffice.
  static_assert(kMinRun > kMarkerFrames);
  kinds_.resize(n);
  uint8_t* out = kinds_.data();
  uint64_t d = 0, seg_pfn = 0, seg_display = 0;
  auto close_unfolded = [&](uint64_t end_pfn) {
    if (end_pfn > seg_pfn)
      segments_.push_back({seg_display, end_pfn - seg_pfn, seg_pfn, end_pfn - seg_pfn, false});
  };
  uint64_t p = 0;
  while (p < n) {
    const uint8_t k = f[p].kind;
    if (!fold || k != kFree) {
      out[d++] = k;
      ++counts_[k & 15];
      ++p;
      continue;
    }
    uint64_t e = p + 1;
    while (e < n && f[e].kind == kFree) ++e;
    counts_[kFree] += e - p;
    if (e - p < kMinRun) {
      std::memset(out + d, kFree, e - p);
      d += e - p;
      p = e;
      continue;
    }
    close_unfolded(p);
    segments_.push_back({d, kMarkerFrames, p, e - p, true});
    std::memset(out + d, kFoldKind, kMarkerFrames);
    d += kMarkerFrames;
    ++folds_;
    folded_frames_ += e - p;
    seg_pfn = e;
    seg_display = d;
    p = e;
  }
  close_unfolded(n);
  kinds_.resize(d);
}

std::optional<FrameFold::At> FrameFold::at(uint64_t display) const {
  if (display >= kinds_.size()) return std::nullopt;
  auto it = std::upper_bound(segments_.begin(), segments_.end(), display,
                             [](uint64_t d, const FoldSegment& s) { return d < s.display_first; });
  const FoldSegment& s = *std::prev(it);
  if (s.folded) return At{s.pfn_first, true, &s};
  return At{s.pfn_first + (display - s.display_first), false, &s};
}

std::optional<uint64_t> FrameFold::display_of(uint64_t pfn) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), pfn,
                             [](uint64_t p, const FoldSegment& s) { return p < s.pfn_first; });
  if (it == segments_.begin()) return std::nullopt;
  const FoldSegment& s = *std::prev(it);
  if (pfn >= s.pfn_first + s.pfn_count) return std::nullopt;
  return s.folded ? s.display_first : s.display_first + (pfn - s.pfn_first);
}

std::optional<double> first_display_showing(const FrameFold& fold, double frames_per_cell,
                                            uint32_t cols, uint64_t pfn) {
  const auto d = fold.display_of(pfn);
  if (!d) return std::nullopt;
  const double fpc = frames_per_cell > 0 ? frames_per_cell : 1.0;
  const double per_row = fpc * std::max<uint32_t>(cols, 1);
  // Whole rows, so the columns stay where they were; one row of context above.
  const double row = std::floor(static_cast<double>(*d) / per_row);
  return std::max(0.0, row - 1) * per_row;
}

}  // namespace glass::inspector::view
