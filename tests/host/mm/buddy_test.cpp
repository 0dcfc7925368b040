// The buddy allocator through mm's raw API: orders, splitting and merging, exhaustion, errors.
#include <gtest/gtest.h>

#include <vector>

#include "mm_fixture.h"

namespace glass::mm::testing {
namespace {

using Buddy = MmTest;

TEST_F(Buddy, EveryOrderIsAlignedAndComesBackWhole) {
  const uint64_t before = free_frames();
  for (unsigned order = 0; order <= kMaxOrder; ++order) {
    auto r = alloc_frames(order, FrameKind::kLarge, 42);
    ASSERT_TRUE(r.is_ok()) << "order " << order;
    const PhysAddr p = r.value();
    EXPECT_EQ(p % (kFrameSize << order), 0u) << "order " << order;
    EXPECT_EQ(free_frames(), before - (1ull << order));
    const Pfn pfn = phys_to_pfn(p);
    EXPECT_EQ(frame_table()[pfn].alloc_order, order);
    EXPECT_EQ(load_owner(frame_table()[pfn]), 42u);
    for (Pfn i = 1; i < (Pfn{1} << order); ++i) {
      EXPECT_EQ(load_kind(frame_table()[pfn + i]), FrameKind::kLarge);
      EXPECT_EQ(frame_table()[pfn + i].u.tail.head, pfn);
    }
    expect_clean();
    ASSERT_TRUE(free_frames(p, order, FrameKind::kLarge).is_ok());
    EXPECT_EQ(free_frames(), before);
  }
  expect_clean();
}

TEST_F(Buddy, SplitsThenMergesBackToTheBootLayout) {
  // Allocate many order-0 frames, free them in a scrambled order, and the audit (which rejects
  // unmerged free buddies) must be clean with the original count.
  std::vector<PhysAddr> frames;
  for (int i = 0; i < 3000; ++i)
    frames.push_back(alloc_frames(0, FrameKind::kPageTable, 1).value());
  for (size_t i = 0; i < frames.size(); i += 2) {
    ASSERT_TRUE(free_frames(frames[i], 0, FrameKind::kPageTable).is_ok());
  }
  expect_clean();
  for (size_t i = frames.size(); i-- > 1;) {
    if (i % 2 == 1) {
      ASSERT_TRUE(free_frames(frames[i], 0, FrameKind::kPageTable).is_ok());
    }
  }
  EXPECT_EQ(free_frames(), kStandardFree);
  expect_clean();
}

TEST_F(Buddy, OutOfMemoryIsAnErrorNotANull) {
  std::vector<PhysAddr> big;
  for (;;) {
    auto r = alloc_frames(kMaxOrder, FrameKind::kLarge, 1);
    if (r.is_error()) {
      EXPECT_EQ(r.error(), Error::kOutOfMemory);
      break;
    }
    big.push_back(r.value());
  }
  EXPECT_FALSE(big.empty());
  for (PhysAddr p : big) ASSERT_TRUE(free_frames(p, kMaxOrder, FrameKind::kLarge).is_ok());
  EXPECT_EQ(free_frames(), kStandardFree);
}

TEST_F(Buddy, BadArgumentsAreErrors) {
  EXPECT_EQ(alloc_frames(kMaxOrder + 1, FrameKind::kLarge, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(alloc_frames(0, FrameKind::kFree, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(alloc_frames(0, FrameKind::kKernelImage, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(free_frames(0x2001, 0, FrameKind::kLarge).error(), Error::kInvalidArgument);
  EXPECT_EQ(free_frames(1ull << 40, 0, FrameKind::kLarge).error(), Error::kInvalidArgument);
  EXPECT_EQ(free_frames(~0ull & ~0xFFFull, 0, FrameKind::kLarge).error(), Error::kInvalidArgument);
  EXPECT_EQ(free_frames(0x3000, 1, FrameKind::kLarge).error(), Error::kInvalidArgument);
  EXPECT_EQ(free_frames(0, kMaxOrder + 1, FrameKind::kLarge).error(), Error::kInvalidArgument);
}

using BuddyDeathTest = MmTest;

TEST_F(BuddyDeathTest, DoubleFreeNamesFrameKindAndOwner) {
  const PhysAddr p = alloc_frames(0, FrameKind::kPageTable, 9).value();
  ASSERT_TRUE(free_frames(p, 0, FrameKind::kPageTable).is_ok());
  const std::string frame = std::to_string(phys_to_pfn(p));
  EXPECT_DEATH((void)free_frames(p, 0, FrameKind::kPageTable),
               "double free frame " + frame + " .*as page-table, but it is free owned by 0");
}

TEST_F(BuddyDeathTest, FreeingAsTheWrongKindPanics) {
  const PhysAddr p = alloc_frames(0, FrameKind::kPageTable, 9).value();
  const std::string frame = std::to_string(phys_to_pfn(p));
  EXPECT_DEATH((void)free_frames(p, 0, FrameKind::kBlockBuffer),
               "wrong kind for frame " + frame +
                   " .*freed as block-buffer, but it is page-table owned by 9");
  ASSERT_TRUE(free_frames(p, 0, FrameKind::kPageTable).is_ok());
}

TEST_F(BuddyDeathTest, FreeingWithTheWrongOrderPanics) {
  const PhysAddr p = alloc_frames(2, FrameKind::kLarge, 5).value();
  EXPECT_DEATH((void)free_frames(p, 1, FrameKind::kLarge),
               "frame [0-9]+ \\(large, owner 5\\) freed with order 1 but allocated with order 2");
  ASSERT_TRUE(free_frames(p, 2, FrameKind::kLarge).is_ok());
}

TEST_F(BuddyDeathTest, FreeingATailPanics) {
  const PhysAddr p = alloc_frames(2, FrameKind::kLarge, 5).value();
  EXPECT_DEATH((void)free_frames(p + kFrameSize, 0, FrameKind::kLarge),
               "freed with order 0 but allocated with order 255");
  ASSERT_TRUE(free_frames(p, 2, FrameKind::kLarge).is_ok());
}

TEST_F(BuddyDeathTest, FreeingABootFramePanics) {
  EXPECT_DEATH((void)free_frames(1 * kMiB, 0, FrameKind::kLarge),
               "frame 256 .*freed as large, but it is kernel-image owned by 3");
}

}  // namespace
}  // namespace glass::mm::testing
