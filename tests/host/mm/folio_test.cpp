// Folio: the refcounted kind. Copies count, the last drop frees, zero never comes back.
#include <gtest/gtest.h>

#include <utility>

#include "mm/phys/folio.h"
#include "mm_fixture.h"

namespace glass::mm::testing {
namespace {

using FolioTest = MmTest;

TEST_F(FolioTest, LastPutFrees) {
  const uint64_t before = free_frames();
  {
    Folio a = Folio::alloc(1, 30).release_value();
    EXPECT_EQ(a.refcount(), 1u);
    EXPECT_EQ(free_frames(), before - 2);
    {
      Folio b = a;
      Folio c = b;
      EXPECT_EQ(a.refcount(), 3u);
      Folio d = std::move(c);
      EXPECT_FALSE(c.holds());  // NOLINT(bugprone-use-after-move)
      EXPECT_EQ(a.refcount(), 3u);
    }
    EXPECT_EQ(a.refcount(), 1u);
    EXPECT_EQ(free_frames(), before - 2);
    a.with_mapped([](PageBytes b) { EXPECT_EQ(b.size, 2 * kFrameSize); });
  }
  EXPECT_EQ(free_frames(), before);
}

TEST_F(FolioTest, TryGetIncrementsOnlyIfAlive) {
  Folio a = Folio::alloc(0, 30).release_value();
  FrameRef head = a.ref();
  {
    auto b = Folio::try_get(head);
    ASSERT_TRUE(b.is_ok());
    EXPECT_EQ(a.refcount(), 2u);
  }
  // A count of zero (a folio on its way out) is never resurrected.
  FrameDesc& d = frame_table_mut()[head.pfn()];
  refcount_ref(d).store(0);
  EXPECT_EQ(Folio::try_get(head).error(), Error::kNotFound);
  refcount_ref(d).store(1);
  // Not a folio at all.
  auto other = FrameRef::from_phys(1 * kMiB).value();
  EXPECT_EQ(Folio::try_get(other).error(), Error::kNotFound);
}

TEST_F(FolioTest, CopyAssignmentDropsTheOldReference) {
  const uint64_t before = free_frames();
  Folio a = Folio::alloc(0, 1).release_value();
  Folio b = Folio::alloc(0, 2).release_value();
  b = a;  // b's folio had one reference: freed
  EXPECT_EQ(free_frames(), before - 1);
  EXPECT_EQ(a.refcount(), 2u);
  b = b;  // self-assignment is harmless
  EXPECT_EQ(a.refcount(), 2u);
}

using FolioDeathTest = MmTest;

TEST_F(FolioDeathTest, OverflowPanics) {
  Folio a = Folio::alloc(0, 30).release_value();
  refcount_ref(frame_table_mut()[a.ref().pfn()]).store(Folio::kMaxRefs);
  EXPECT_DEATH({ Folio b = a; }, "folio frame [0-9]+ \\(owner 30\\) refcount overflow");
  refcount_ref(frame_table_mut()[a.ref().pfn()]).store(1);
}

TEST_F(FolioDeathTest, FreeingAFolioAsSomethingElsePanics) {
  Folio a = Folio::alloc(0, 30).release_value();
  EXPECT_DEATH((void)free_frames(a.phys(), 0, FrameKind::kLarge),
               "wrong kind for frame [0-9]+ .*freed as large, but it is folio owned by 30");
}

}  // namespace
}  // namespace glass::mm::testing
