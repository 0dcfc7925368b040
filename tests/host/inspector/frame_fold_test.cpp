// The frame map with long free runs folded (issue 16, item 5): in a 512 MiB guest the frames in
// use were one-pixel strips around a block of free memory; folded, they fill the map. Every frame
// keeps one place (display_of / at agree), a fold is marked in its own colour, and "go to frame N"
// brings N's row into view.
#include "inspector/view/frame_fold.h"

#include <gtest/gtest.h>

#include <cmath>

#include "inspector/view/frame_map.h"
#include "inspector/view/palette.h"
#include "tests/host/inspector/view_test_support.h"

namespace glass::inspector::view {
namespace {

using mm::FrameKind;
using testing::kind;
using testing::Wire;

// 131072 frames: reserved and the kernel low, a few allocations high, free between.
StateModel guest_512m() {
  Wire w(131072);
  w.frames(0, 256, kind(FrameKind::kReserved), 1);
  w.frames(256, 1024, kind(FrameKind::kFrameTable), 4);
  w.frames(1280, 158, kind(FrameKind::kKernelImage), 3);
  w.frames(1438, 10, kind(FrameKind::kFree));
  w.frames(1448, 40, kind(FrameKind::kSlab), 0x101);
  w.frames(130000, 30, kind(FrameKind::kLarge), 0x10100);
  w.frames(131000, 72, kind(FrameKind::kTelemetry), 6);
  return w.model();
}

size_t used_cells(const std::vector<uint32_t>& rgba) {
  size_t n = 0;
  for (uint32_t c : rgba)
    if (c != kind_rgba(0) && c != kFoldRgba && c != kFoldStripeRgba && c != kBackgroundRgba) ++n;
  return n;
}

TEST(FrameFold, LongFreeRunsFoldAndTheFramesInUseFillTheMap) {
  const StateModel m = guest_512m();
  FrameFold fold;
  fold.build(m, true);
  // One long free run, 1488..129999 (130030..130999 is too short: 970 < kMinRun).
  EXPECT_EQ(fold.folds(), 1u);
  EXPECT_EQ(fold.folded_frames(), 130000u - 1488u);
  EXPECT_EQ(fold.display_count(), 131072u - fold.folded_frames() + FrameFold::kMarkerFrames);

  FrameViewport vp{0, 1.0, 200, 100};  // 20,000 cells
  vp.frames_per_cell = std::ceil(static_cast<double>(fold.display_count()) / 20000.0);
  std::vector<uint32_t> folded;
  render_display_map(fold.kinds(), vp, folded);
  FrameFold flat;
  flat.build(m, false);
  EXPECT_EQ(flat.folds(), 0u);
  EXPECT_EQ(flat.display_count(), 131072u);
  FrameViewport vp_flat{0, std::ceil(131072.0 / 20000.0), 200, 100};
  std::vector<uint32_t> unfolded;
  render_display_map(flat.kinds(), vp_flat, unfolded);
  // 1,580 frames in use: folded, each has its own cell; unfolded, seven frames share one.
  EXPECT_EQ(used_cells(folded), 1580u);
  EXPECT_LT(used_cells(unfolded), 300u);
  // The fold is drawn, in its colours.
  size_t fold_cells = 0;
  for (uint32_t c : folded) fold_cells += (c == kFoldRgba || c == kFoldStripeRgba) ? 1 : 0;
  EXPECT_EQ(fold_cells, FrameFold::kMarkerFrames);
}

TEST(FrameFold, EveryFrameHasOnePlace) {
  const StateModel m = guest_512m();
  FrameFold fold;
  fold.build(m, true);
  for (uint64_t p = 0; p < m.frames().size(); p += 7) {
    auto d = fold.display_of(p);
    ASSERT_TRUE(d.has_value()) << p;
    auto at = fold.at(*d);
    ASSERT_TRUE(at.has_value());
    if (at->folded) {
      EXPECT_GE(p, at->segment->pfn_first);
      EXPECT_LT(p, at->segment->pfn_first + at->segment->pfn_count);
      EXPECT_EQ(m.frames()[p].kind, kind(FrameKind::kFree));
    } else {
      EXPECT_EQ(at->pfn, p);
      EXPECT_EQ(fold.kinds()[*d], m.frames()[p].kind);
    }
  }
  EXPECT_FALSE(fold.display_of(m.frames().size()).has_value());
  EXPECT_FALSE(fold.at(fold.display_count()).has_value());
}

TEST(FrameFold, GoToFrameBringsItsRowIntoView) {
  const StateModel m = guest_512m();
  FrameFold fold;
  fold.build(m, false);
  const uint32_t cols = 100;
  for (double fpc : {1.0, 4.0, 0.5}) {
    auto first = first_display_showing(fold, fpc, cols, 130010);
    ASSERT_TRUE(first.has_value());
    FrameViewport vp{static_cast<uint64_t>(*first), fpc, cols, 10};
    auto cell = pfn_to_cell(vp, 130010);
    ASSERT_TRUE(cell.has_value()) << fpc;
    EXPECT_EQ(cell->second, 1u) << fpc;  // the second row: one row of context above
  }
  EXPECT_FALSE(first_display_showing(fold, 1.0, cols, 131072).has_value());
  EXPECT_EQ(*first_display_showing(fold, 1.0, cols, 5), 0.0);
}

}  // namespace
}  // namespace glass::inspector::view
