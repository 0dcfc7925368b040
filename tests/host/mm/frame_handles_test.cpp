// UniqueFrame, FrameRef, Segment, scoped page access: who owns what, and what happens on misuse.
#include <gtest/gtest.h>

#include <cstdint>
#include <type_traits>
#include <utility>

#include "mm/phys/frame_ref.h"
#include "mm/phys/segment.h"
#include "mm/phys/unique_frame.h"
#include "mm_fixture.h"

namespace glass::mm::testing {
namespace {

using FrameHandles = MmTest;

static_assert(!std::is_copy_constructible_v<PageTableFrame>);
static_assert(std::is_nothrow_move_constructible_v<PageTableFrame>);
static_assert(!std::is_copy_constructible_v<Segment>);
static_assert(std::is_trivially_copyable_v<FrameRef>);

TEST_F(FrameHandles, UniqueFrameFreesOnDestruction) {
  const uint64_t before = free_frames();
  {
    auto f = PageTableFrame::alloc(17);
    ASSERT_TRUE(f.is_ok());
    EXPECT_EQ(free_frames(), before - 1);
    FrameRef r = f.value().ref();
    EXPECT_EQ(r.kind(), FrameKind::kPageTable);
    EXPECT_EQ(r.owner(), 17u);
    EXPECT_EQ(r.phys(), f.value().phys());
  }
  EXPECT_EQ(free_frames(), before);
}

TEST_F(FrameHandles, MoveTransfersOwnership) {
  const uint64_t before = free_frames();
  PageTableFrame a = PageTableFrame::alloc(1).release_value();
  const PhysAddr p = a.phys();
  PageTableFrame b = std::move(a);
  EXPECT_FALSE(a.owns());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(b.phys(), p);
  PageTableFrame c = PageTableFrame::alloc(1).release_value();
  c = std::move(b);  // c's old frame is freed
  EXPECT_EQ(c.phys(), p);
  EXPECT_EQ(free_frames(), before - 1);
}

TEST_F(FrameHandles, WithMappedSeesTheFrameBytes) {
  auto f = BlockBufferFrame::alloc(3).release_value();
  f.with_mapped([](PageBytes b) {
    ASSERT_EQ(b.size, kFrameSize);
    for (size_t i = 0; i < b.size; ++i) b[i] = static_cast<uint8_t>(i * 7);
  });
  const int sum = f.ref().with_mapped([](PageBytes b) {
    int s = 0;
    for (uint8_t v : b) s += v;
    return s;
  });
  int expect = 0;
  for (size_t i = 0; i < kFrameSize; ++i) expect += static_cast<uint8_t>(i * 7);
  EXPECT_EQ(sum, expect);
}

TEST_F(FrameHandles, WithPointerIntoChecksBoundsWithoutOverflow) {
  auto f = BlockBufferFrame::alloc(3).release_value();
  int calls = 0;
  auto write = [&](uint8_t* p) {
    ++calls;
    *p = 0xAB;
  };
  EXPECT_TRUE(f.with_pointer_into(0, kFrameSize, write).is_ok());
  EXPECT_TRUE(f.with_pointer_into(kFrameSize - 1, 1, write).is_ok());
  EXPECT_TRUE(f.with_pointer_into(kFrameSize, 0, [&](uint8_t*) { ++calls; }).is_ok());
  EXPECT_EQ(calls, 3);
  const size_t huge = SIZE_MAX;
  EXPECT_EQ(f.with_pointer_into(kFrameSize, 1, write).error(), Error::kInvalidArgument);
  EXPECT_EQ(f.with_pointer_into(1, kFrameSize, write).error(), Error::kInvalidArgument);
  EXPECT_EQ(f.with_pointer_into(huge, 2, write).error(), Error::kInvalidArgument);
  EXPECT_EQ(f.with_pointer_into(16, huge - 8, write).error(), Error::kInvalidArgument);  // wraps
  EXPECT_EQ(f.with_pointer_into(kFrameSize + 1, 0, write).error(), Error::kInvalidArgument);
  EXPECT_EQ(calls, 3);
  // A callback returning a value or a Result.
  auto v = f.with_pointer_into(kFrameSize - 1, 1, [](uint8_t* p) { return int{*p}; });
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v.value(), 0xAB);
  auto e = f.with_pointer_into(0, 4, [](uint8_t*) -> Result<int> { return Error::kBusy; });
  EXPECT_EQ(e.error(), Error::kBusy);
}

TEST_F(FrameHandles, FrameRefFromPhysChecksAlignmentAndRange) {
  EXPECT_EQ(FrameRef::from_phys(0x1234).error(), Error::kInvalidArgument);
  EXPECT_EQ(FrameRef::from_phys(64 * kMiB).error(), Error::kInvalidArgument);
  EXPECT_EQ(FrameRef::from_phys(~0ull & ~0xFFFull).error(), Error::kInvalidArgument);
  auto r = FrameRef::from_phys(1 * kMiB);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().kind(), FrameKind::kKernelImage);
  EXPECT_EQ(r.value().owner(), kOwnerBoot);
}

TEST_F(FrameHandles, IntoPhysAndBackKeepsOwnershipExactlyOnce) {
  const uint64_t before = free_frames();
  PhysAddr parked = PageTableFrame::alloc(5).release_value().into_phys();
  EXPECT_EQ(free_frames(), before - 1);  // parked, not freed
  {
    auto back = PageTableFrame::from_phys(parked);
    ASSERT_TRUE(back.is_ok());
  }
  EXPECT_EQ(free_frames(), before);
  EXPECT_EQ(PageTableFrame::from_phys(parked + 8).error(), Error::kInvalidArgument);
}

using FrameHandlesDeathTest = MmTest;

TEST_F(FrameHandlesDeathTest, SecondOwnerFromPhysPanics) {
  PhysAddr parked = PageTableFrame::alloc(5).release_value().into_phys();
  auto first = PageTableFrame::from_phys(parked).release_value();
  EXPECT_DEATH((void)PageTableFrame::from_phys(parked),
               "second owner for frame " + std::to_string(phys_to_pfn(parked)) +
                   " .*adopted as page-table, but it is page-table owned by 5 and not parked");
}

TEST_F(FrameHandlesDeathTest, AdoptingAsTheWrongKindPanics) {
  PhysAddr parked = PageTableFrame::alloc(5).release_value().into_phys();
  EXPECT_DEATH((void)BlockBufferFrame::from_phys(parked),
               "wrong kind for frame [0-9]+ .*adopted from a raw address as block-buffer, but it "
               "is page-table owned by 5");
  (void)PageTableFrame::from_phys(parked).release_value();
}

TEST_F(FrameHandles, SegmentIsContiguousAndFreesWhole) {
  const uint64_t before = free_frames();
  {
    auto s = Segment::alloc(5, FrameKind::kTelemetry, 8);
    ASSERT_TRUE(s.is_ok());
    Segment seg = s.release_value();
    EXPECT_EQ(seg.order(), 3u);
    EXPECT_EQ(seg.frames(), 8u);
    EXPECT_EQ(free_frames(), before - 8);
    EXPECT_EQ(seg.frame(7).value().phys(), seg.phys() + 7 * kFrameSize);
    EXPECT_EQ(seg.frame(8).error(), Error::kInvalidArgument);
    seg.with_mapped([](PageBytes b) {
      EXPECT_EQ(b.size, 8 * kFrameSize);
      b[b.size - 1] = 1;
    });
    EXPECT_TRUE(seg.with_pointer_into(8 * kFrameSize - 4, 4, [](uint8_t*) {}).is_ok());
    EXPECT_TRUE(seg.with_pointer_into(8 * kFrameSize - 4, 5, [](uint8_t*) {}).is_error());
    Segment moved = std::move(seg);
    EXPECT_FALSE(seg.owns());  // NOLINT(bugprone-use-after-move)
  }
  EXPECT_EQ(free_frames(), before);
  EXPECT_EQ(Segment::alloc(0, FrameKind::kTelemetry, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(Segment::alloc(2048, FrameKind::kTelemetry, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(Segment::alloc(1, FrameKind::kSlab, 1).error(), Error::kInvalidArgument);
}

}  // namespace
}  // namespace glass::mm::testing
