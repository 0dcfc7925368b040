// clear_range (mm/virt/clear_range.h): every mapped page of the range is handed back exactly once
// and only after a TLB flush; whole sub-trees go with their nodes; a huge page covered in part is
// split and keeps its pieces outside the range; an empty or bad range is the cursor's error.
#include <algorithm>
#include <vector>

#include "mm/phys/host_arena.h"
#include "mm/virt/clear_range.h"
#include "tests/host/pt/pt_fixture.h"

namespace glass::mm::testing {
namespace {

constexpr uint64_t kVa = 0x40000000;  // 1 GiB: its own level-3 entry

uint64_t flushes() {
  const host::TlbCounters t = host::tlb_counters();
  return t.page_flushes + t.full_flushes;
}

struct Released {
  PhysAddr phys;
  unsigned level;
  uint64_t flushes_seen;
};

class ClearRangeTest : public PtTest {
 protected:
  void SetUp() override {
    PtTest::SetUp();
    pt_frames_ = page_table_frames();
  }
  PageTable table() { return PageTable::create_user(kTestOwner, nullptr).value(); }
  uint64_t pt_frames_ = 0;
};

TEST_F(ClearRangeTest, ReleasesEveryPageOnceAfterAFlush) {
  constexpr uint64_t kPages = 40;  // more than one TLB batch (TlbBatch::kThreshold)
  {
    PageTable pt = table();
    const PhysAddr phys = alloc_frames(6, FrameKind::kLarge, kTestOwner).value();
    ASSERT_TRUE(map_range(pt, kVa, kPages * kFrameSize, phys, 1, rw()).is_ok());
    std::vector<Released> got;
    const uint64_t before = flushes();
    ASSERT_TRUE(clear_range(pt, kVa, kVa + kPages * kFrameSize, [&](PhysAddr p, unsigned level) {
                  got.push_back({p, level, flushes()});
                }).is_ok());
    ASSERT_EQ(got.size(), kPages);
    std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return a.phys < b.phys; });
    for (uint64_t i = 0; i < kPages; ++i) {
      EXPECT_EQ(got[i].phys, phys + i * kFrameSize);
      EXPECT_EQ(got[i].level, 1u);
      EXPECT_GT(got[i].flushes_seen, before) << "released before any flush: page " << i;
    }
    EXPECT_FALSE(translate(pt, kVa).value().mapped);
    ASSERT_TRUE(free_frames(phys, 6, FrameKind::kLarge).is_ok());
  }
  EXPECT_EQ(page_table_frames(), pt_frames_);
}

TEST_F(ClearRangeTest, TakesWholeSubtreesWithTheirNodes) {
  PageTable pt = table();
  const uint64_t empty = pt.node_count();
  const PhysAddr small = alloc_frames(0, FrameKind::kLarge, kTestOwner).value();
  const PhysAddr huge = alloc_frames(9, FrameKind::kLarge, kTestOwner).value();
  ASSERT_TRUE(map_range(pt, kVa + 4 * kMiB, kFrameSize, small, 1, rw()).is_ok());
  ASSERT_TRUE(map_range(pt, kVa + 8 * kMiB, 2 * kMiB, huge, 2, rw()).is_ok());
  EXPECT_GT(pt.node_count(), empty);
  std::vector<PhysAddr> got;
  const uint64_t before = flushes();
  uint64_t seen_at_release = 0;
  // The whole first root entry: its level-3 sub-tree goes whole, every node below the root.
  ASSERT_TRUE(clear_range(pt, 0, 512 * kGiB, [&](PhysAddr p, unsigned) {
                got.push_back(p);
                seen_at_release = flushes();
              }).is_ok());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<PhysAddr>{std::min(small, huge), std::max(small, huge)}));
  EXPECT_GT(seen_at_release, before);
  EXPECT_EQ(pt.node_count(), empty) << "the sub-tree went whole, its nodes freed";
  ASSERT_TRUE(free_frames(small, 0, FrameKind::kLarge).is_ok());
  ASSERT_TRUE(free_frames(huge, 9, FrameKind::kLarge).is_ok());
}

TEST_F(ClearRangeTest, SplitsAHugePageCoveredInPart) {
  PageTable pt = table();
  const PhysAddr huge = alloc_frames(9, FrameKind::kLarge, kTestOwner).value();
  ASSERT_TRUE(map_range(pt, kVa, 2 * kMiB, huge, 2, rw()).is_ok());
  std::vector<PhysAddr> got;
  ASSERT_TRUE(clear_range(pt, kVa + 64 * 1024, kVa + 128 * 1024, [&](PhysAddr p, unsigned level) {
                EXPECT_EQ(level, 1u);
                got.push_back(p);
              }).is_ok());
  ASSERT_EQ(got.size(), 16u);
  EXPECT_EQ(*std::min_element(got.begin(), got.end()), huge + 64 * 1024);
  EXPECT_FALSE(translate(pt, kVa + 64 * 1024).value().mapped);
  EXPECT_TRUE(translate(pt, kVa).value().mapped);
  EXPECT_TRUE(translate(pt, kVa + 128 * 1024).value().mapped);
  ASSERT_TRUE(clear_range(pt, kVa, kVa + 2 * kMiB).is_ok());  // raw frames: freed by us
  EXPECT_FALSE(translate(pt, kVa).value().mapped);
  ASSERT_TRUE(free_frames(huge, 9, FrameKind::kLarge).is_ok());
}

TEST_F(ClearRangeTest, BadRangesAreTheCursorsErrors) {
  PageTable pt = table();
  EXPECT_EQ(clear_range(pt, kVa, kVa).error(), Error::kInvalidArgument);
  EXPECT_EQ(clear_range(pt, kVa + 1, kVa + kFrameSize).error(), Error::kInvalidArgument);
  EXPECT_EQ(clear_range(pt, 0xffff800000000000ull, 0xffff800000001000ull).error(),
            Error::kPermissionDenied);
}

}  // namespace
}  // namespace glass::mm::testing
