// The frame map's data: cell colours at several zooms (zoomed out with ties and a partial last
// cell, zoomed in, fractional), cell <-> frame round trips, what a hovered frame is, and the
// palette's legibility.
#include "inspector/view/frame_map.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "inspector/view/palette.h"
#include "tests/host/inspector/view_test_support.h"

namespace glass::inspector::view {
namespace {

using mm::FrameKind;
using testing::kind;
using testing::Wire;

uint32_t rgba(FrameKind k) {
  return kind_rgba(kind(k));
}

// 100 frames: 0-9 reserved, 10-12 kernel image, 13-19 free, 20-23 slab, 24-25 free,
// 26-27 slab, 28-96 free, 97-99 folio.
StateModel hundred_frames() {
  Wire w(100);
  w.frames(0, 10, kind(FrameKind::kReserved), 2);
  w.frames(10, 3, kind(FrameKind::kKernelImage), 3);
  w.frames(20, 4, kind(FrameKind::kSlab), 0x200);
  w.frames(26, 2, kind(FrameKind::kSlab), 0x200);
  w.frames(97, 3, kind(FrameKind::kFolio), 0x101);
  return w.model();
}

TEST(FrameMap, OneFramePerCellShowsEachFramesKind) {
  StateModel m = hundred_frames();
  std::vector<uint32_t> px;
  render_frame_map(m, {0, 1.0, 10, 10}, px);
  ASSERT_EQ(px.size(), 100u);
  for (uint64_t p = 0; p < 100; ++p) EXPECT_EQ(px[p], kind_rgba(m.frames()[p].kind)) << p;
  EXPECT_EQ(px[0], rgba(FrameKind::kReserved));
  EXPECT_EQ(px[11], rgba(FrameKind::kKernelImage));
  EXPECT_EQ(px[13], rgba(FrameKind::kFree));
  EXPECT_EQ(px[21], rgba(FrameKind::kSlab));
}

TEST(FrameMap, ZoomedOutCellsShowTheMostCommonKindAndTiesFavourNonFree) {
  StateModel m = hundred_frames();
  std::vector<uint32_t> px;
  render_frame_map(m, {0, 4.0, 5, 6}, px);
  ASSERT_EQ(px.size(), 30u);
  EXPECT_EQ(px[0], rgba(FrameKind::kReserved));  // 0-3
  EXPECT_EQ(px[2], rgba(FrameKind::kReserved));  // 8-11: 2 reserved, 2 kernel image: lower kind
  EXPECT_EQ(px[3], rgba(FrameKind::kFree));      // 12-15: 1 kernel image, 3 free
  EXPECT_EQ(px[5], rgba(FrameKind::kSlab));      // 20-23
  EXPECT_EQ(px[6], rgba(FrameKind::kSlab));      // 24-27: 2 free, 2 slab: the non-free kind
  EXPECT_EQ(px[24], rgba(FrameKind::kFolio));    // 96-99: 1 free, 3 folio
  for (size_t c = 25; c < 30; ++c) EXPECT_EQ(px[c], kBackgroundRgba) << c;  // past frame 99
}

TEST(FrameMap, APartialLastCellCountsOnlyFramesThatExist) {
  StateModel m = hundred_frames();
  std::vector<uint32_t> px;
  render_frame_map(m, {0, 8.0, 13, 1}, px);
  // Cell 12 covers 96..103; only 96 (free) and 97-99 (folio) exist. Counting the missing four
  // as free would paint it free.
  EXPECT_EQ(px[12], rgba(FrameKind::kFolio));
  EXPECT_EQ(px[0], rgba(FrameKind::kReserved));     // 0-7
  EXPECT_EQ(px[1], rgba(FrameKind::kKernelImage));  // 8-15: 2 reserved, 3 image, 3 free
}

TEST(FrameMap, ZoomedInSeveralCellsShowOneFrame) {
  StateModel m = hundred_frames();
  std::vector<uint32_t> px;
  FrameViewport vp{10, 0.5, 4, 2};
  render_frame_map(m, vp, px);
  ASSERT_EQ(px.size(), 8u);
  for (uint32_t c = 0; c < 8; ++c) {
    const uint64_t pfn = 10 + c / 2;
    EXPECT_EQ(px[c], kind_rgba(m.frames()[pfn].kind)) << c;
    EXPECT_EQ(cell_to_pfn(vp, c % 4, c / 4, 100), pfn);
  }
  EXPECT_EQ(px[6], rgba(FrameKind::kFree));  // frame 13
}

TEST(FrameMap, ViewportPastTheEndIsBackground) {
  StateModel m = hundred_frames();
  std::vector<uint32_t> px;
  render_frame_map(m, {90, 1.0, 20, 1}, px);
  for (size_t c = 0; c < 10; ++c) EXPECT_NE(px[c], kBackgroundRgba) << c;
  for (size_t c = 10; c < 20; ++c) EXPECT_EQ(px[c], kBackgroundRgba) << c;
  render_frame_map(m, {500, 4.0, 3, 3}, px);
  ASSERT_EQ(px.size(), 9u);
  for (uint32_t v : px) EXPECT_EQ(v, kBackgroundRgba);
  EXPECT_FALSE(cell_to_pfn({500, 4.0, 3, 3}, 0, 0, 100).has_value());
  EXPECT_FALSE(cell_to_pfn({0, 1.0, 3, 3}, 3, 0, 100).has_value());  // outside the grid
}

TEST(FrameMap, CellAndFrameRoundTripAtEveryZoom) {
  const uint64_t frames = 1000;
  for (double fpc : {1.0, 2.0, 2.5, 7.3, 64.0, 0.5, 0.25, 0.3}) {
    FrameViewport vp{37, fpc, 17, 9};
    // Every cell's first frame maps back to that cell (zoomed in: to the first cell showing it).
    for (uint32_t row = 0; row < vp.rows; ++row)
      for (uint32_t col = 0; col < vp.cols; ++col) {
        auto p = cell_to_pfn(vp, col, row, frames);
        if (!p) continue;
        auto cell = pfn_to_cell(vp, *p);
        ASSERT_TRUE(cell.has_value()) << fpc << " " << col << "," << row;
        EXPECT_EQ(cell_to_pfn(vp, cell->first, cell->second, frames), p) << fpc;
        if (fpc >= 1.0) {
          EXPECT_EQ(*cell, std::make_pair(col, row)) << fpc;
        }
      }
    // Every frame in view lands in a cell whose range holds it.
    for (uint64_t p = vp.first_pfn; p < frames; ++p) {
      auto cell = pfn_to_cell(vp, p);
      if (!cell) break;  // past the grid: so is every later frame
      auto first = cell_to_pfn(vp, cell->first, cell->second, frames);
      ASSERT_TRUE(first.has_value());
      EXPECT_LE(*first, p) << fpc;
      EXPECT_LT(p - *first, std::max(1.0, std::ceil(fpc))) << fpc;
    }
    EXPECT_FALSE(pfn_to_cell(vp, vp.first_pfn - 1).has_value());
  }
}

TEST(FrameMap, AMillionFramesRenderInOneCall) {
  Wire w(1 << 20);
  w.frames(0, 256, kind(FrameKind::kReserved), 2);
  w.frames((1 << 20) - 512, 512, kind(FrameKind::kFolio), 0x101);
  StateModel m = w.model();
  std::vector<uint32_t> px;
  render_frame_map(m, {0, 1024.0, 32, 32}, px);   // 1024 cells x 1024 frames
  EXPECT_EQ(px.front(), rgba(FrameKind::kFree));  // 256 reserved of 1024
  EXPECT_EQ(px.back(), rgba(FrameKind::kFolio));  // the last 512 frames
  EXPECT_EQ(px[1023 - 1], rgba(FrameKind::kFree));
}

StateModel mapped_folio(Wire& w) {
  w.space(1);
  w.frames(0x500, 4, kind(FrameKind::kFolio), 0x101);
  w.folio(0x500, 4, 2);
  w.map(1, 0x400000, 1, 0x500000, Wire::kU | Wire::kW);
  w.map(1, 0x7000000, 1, 0x501000, Wire::kU);
  w.map(1, 0x600000, 2, 0x800000, Wire::kU | Wire::kW);
  return w.model();
}

TEST(DescribeFrame, ReverseMapFolioAndOwner) {
  Wire w;
  StateModel m = mapped_folio(w);
  FrameInfoView f = describe_frame(m, 0x501);
  EXPECT_TRUE(f.known);
  EXPECT_EQ(f.phys, 0x501000u);
  EXPECT_EQ(f.kind, kind(FrameKind::kFolio));
  EXPECT_EQ(f.owner, 0x101u);
  ASSERT_EQ(f.mappings.size(), 1u);
  EXPECT_EQ(f.mappings[0].asid, 1u);
  EXPECT_EQ(f.mappings[0].va, 0x7000000u);
  EXPECT_EQ(f.mappings[0].level, 1);
  EXPECT_EQ(f.folio_first, 0x500u);
  EXPECT_EQ(f.folio_count, 4u);
  EXPECT_EQ(f.folio_refcount, 2u);
  EXPECT_FALSE(f.pt_node_asid.has_value());

  FrameInfoView inside_huge = describe_frame(m, 0x805);
  ASSERT_EQ(inside_huge.mappings.size(), 1u);
  EXPECT_EQ(inside_huge.mappings[0].va, 0x600000u + 5 * 4096);
  EXPECT_EQ(inside_huge.mappings[0].level, 2);
  EXPECT_FALSE(inside_huge.folio_refcount.has_value());
}

TEST(DescribeFrame, PageTableNodesAndFramesBeyondRam) {
  Wire w;
  StateModel m = mapped_folio(w);
  FrameInfoView root = describe_frame(m, w.root(1));
  EXPECT_EQ(root.kind, kind(FrameKind::kPageTable));
  EXPECT_EQ(root.pt_node_asid, 1u);
  EXPECT_EQ(root.pt_node_level, 4);
  EXPECT_TRUE(root.mappings.empty());
  FrameInfoView beyond = describe_frame(m, 1u << 30);
  EXPECT_FALSE(beyond.known);
  EXPECT_TRUE(beyond.mappings.empty());
}

double distance(uint32_t a, uint32_t b) {
  double s = 0;
  for (int sh : {0, 8, 16}) {
    double d = double((a >> sh) & 255) - double((b >> sh) & 255);
    s += d * d;
  }
  return std::sqrt(s);
}

TEST(Palette, KindColoursAreDistinctOpaqueAndOffTheBackground) {
  auto l = legend();
  ASSERT_EQ(l.size(), mm::kFrameKindCount);
  for (size_t i = 0; i < l.size(); ++i) {
    EXPECT_EQ(l[i].kind, i);
    EXPECT_STREQ(l[i].name, mm::kind_name(static_cast<FrameKind>(i)));
    EXPECT_EQ(l[i].rgba >> 24, 0xFFu);
    EXPECT_GE(distance(l[i].rgba, kBackgroundRgba), 60.0) << l[i].name;
    for (size_t j = 0; j < i; ++j)
      EXPECT_GE(distance(l[i].rgba, l[j].rgba), 45.0) << l[i].name << " vs " << l[j].name;
  }
  // IM_COL32 order: mm's 0xRRGGBB page-table yellow FDD835 is 0xFF35D8FD.
  EXPECT_EQ(kind_rgba(kind(FrameKind::kPageTable)), 0xFF35D8FDu);
  EXPECT_EQ(kind_rgba(200), kUnknownKindRgba);
  EXPECT_STREQ(kind_name(200), "unknown");
}

TEST(Palette, CursorColoursAreStableBrightAndDistinct) {
  for (const std::vector<uint64_t>& ids : {std::vector<uint64_t>{1, 2, 3, 4, 5, 6},
                                           std::vector<uint64_t>{0x100, 0x101, 0x102, 0x1a7}}) {
    for (size_t i = 0; i < ids.size(); ++i) {
      const uint32_t c = cursor_rgba(ids[i]);
      EXPECT_EQ(c, cursor_rgba(ids[i]));
      EXPECT_EQ(c >> 24, 0xFFu);
      const uint32_t brightest = std::max({c & 255, (c >> 8) & 255, (c >> 16) & 255});
      EXPECT_GE(brightest, 200u);
      // Readable as text on the dark theme at a projector: a saturated blue has a bright channel
      // but almost no luminance (Rec. 709 weights), so luminance is what is checked.
      const double luma =
          0.2126 * (c & 255) + 0.7152 * ((c >> 8) & 255) + 0.0722 * ((c >> 16) & 255);
      EXPECT_GE(luma, 120.0) << ids[i];
      for (size_t j = 0; j < i; ++j)
        EXPECT_GE(distance(c, cursor_rgba(ids[j])), 40.0) << ids[i] << " vs " << ids[j];
    }
  }
}

}  // namespace
}  // namespace glass::inspector::view
