// Cursor and CursorMut: mixed page sizes across level boundaries, the exact error for each bad
// request, take_next returning whole sub-trees, huge-page splits, and no page-table frame leaked.
#include "tests/host/pt/pt_fixture.h"

namespace glass::mm::testing {
namespace {

class PtCursor : public PtTest {};

PageTable user_pt() {
  auto pt = PageTable::create_user(kTestOwner, nullptr);
  EXPECT_TRUE(pt.is_ok());
  return std::move(pt).value();
}

TEST_F(PtCursor, MapQueryUnmapOnePage) {
  const uint64_t before = page_table_frames();
  {
    PageTable pt = user_pt();
    ASSERT_TRUE(map_range(pt, 0x400000, 0x1000, 0x123000, 1, rw()).is_ok());
    Mapping m = translate(pt, 0x400000).value();
    EXPECT_TRUE(m.mapped);
    EXPECT_EQ(m.phys, 0x123000u);
    EXPECT_EQ(m.size, 0x1000u);
    EXPECT_EQ(m.prop, rw());
    EXPECT_EQ(page_table_frames(), before + 4);  // root + 3 levels below it
    EXPECT_FALSE(translate(pt, 0x401000).value().mapped);
    EXPECT_EQ(unmap_range(pt, 0x400000, 0x1000).value(), 1u);
    EXPECT_FALSE(translate(pt, 0x400000).value().mapped);
  }
  EXPECT_EQ(page_table_frames(), before);
}

TEST_F(PtCursor, MixedSizesAcrossLevelBoundaries) {
  PageTable pt = user_pt();
  // Around the 512 GiB boundary (root entries 0 and 1): a 1 GiB page, 2 MiB pages, 4 KiB pages.
  const uint64_t b = 512 * kGiB;
  ASSERT_TRUE(map_range(pt, b - kGiB, kGiB, 0x40000000, 3, rw()).is_ok());
  ASSERT_TRUE(map_range(pt, b, 4 << 20, 0x200000, 2, rw()).is_ok());
  ASSERT_TRUE(map_range(pt, b + (4 << 20), 0x3000, 0x7000, 1, rw()).is_ok());
  {
    CursorMut c = CursorMut::create(pt, b - kGiB, b + (8 << 20)).value();
    EXPECT_EQ(c.covering_level(), 4u);  // spans two root entries
  }
  const Mapping g = translate(pt, b - 0x1000).value();
  EXPECT_EQ(g.size, kGiB);
  EXPECT_EQ(g.level, 3u);
  EXPECT_EQ(g.phys, 0x40000000u);
  const Mapping m = translate(pt, b + (2 << 20) + 0x5000).value();
  EXPECT_EQ(m.size, 2u << 20);
  EXPECT_EQ(m.phys, 0x400000u);
  EXPECT_EQ(translate(pt, b + (4 << 20) + 0x2000).value().phys, 0x9000u);
  // Walk everything with one read cursor: 1 + 2 + 3 leaves, in order.
  Cursor c = Cursor::create(pt, b - kGiB, b + kGiB).value();
  uint64_t leaves = 0, bytes = 0, last = 0;
  while (c.find_next(c.end() - c.va()).value()) {
    const Mapping q = c.query().value();
    EXPECT_GE(q.va, last);
    last = q.va + q.size;
    ++leaves;
    bytes += q.size;
    ASSERT_TRUE(c.jump(q.va + q.size).is_ok() || q.va + q.size == c.end());
    if (q.va + q.size == c.end()) break;
  }
  EXPECT_EQ(leaves, 6u);
  EXPECT_EQ(bytes, kGiB + (4 << 20) + 0x3000);
}

TEST_F(PtCursor, ExactErrorsForBadRanges) {
  PageTable pt = user_pt();
  EXPECT_EQ(Cursor::create(pt, 0x2000, 0x2000).error(), Error::kInvalidArgument);  // empty
  EXPECT_EQ(Cursor::create(pt, 0x3000, 0x2000).error(), Error::kInvalidArgument);  // backwards
  EXPECT_EQ(Cursor::create(pt, 0x2001, 0x3000).error(), Error::kInvalidArgument);  // misaligned
  EXPECT_EQ(Cursor::create(pt, 0x2000, 0x3001).error(), Error::kInvalidArgument);
  EXPECT_EQ(CursorMut::create(pt, 0x0000800000000000ull, 0x0000800000001000ull).error(),
            Error::kInvalidArgument);  // non-canonical
  EXPECT_EQ(CursorMut::create(pt, 0x00007ffffffff000ull, 0xffff800000001000ull).error(),
            Error::kInvalidArgument);  // across the hole
  EXPECT_EQ(CursorMut::create(pt, 0xffff800000000000ull, 0xffff800000001000ull).error(),
            Error::kPermissionDenied);  // the kernel half of a user table
  auto k = PageTable::create_kernel(kOwnerKernel);
  ASSERT_TRUE(k.is_ok());
  EXPECT_EQ(CursorMut::create(k.value(), 0x1000, 0x2000).error(), Error::kInvalidArgument);
  EXPECT_EQ(PageTable::create_user(kTestOwner, &pt).error(), Error::kInvalidArgument);
}

TEST_F(PtCursor, ExactErrorsForBadOperations) {
  PageTable pt = user_pt();
  CursorMut c = CursorMut::create(pt, 0x200000, 0x600000).value();
  EXPECT_EQ(c.map(0x1001, 1, rw()).error(), Error::kInvalidArgument);      // phys misaligned
  EXPECT_EQ(c.map(1ull << 52, 1, rw()).error(), Error::kInvalidArgument);  // phys too big
  EXPECT_EQ(c.map(0x1000, 0, rw()).error(), Error::kInvalidArgument);      // no such level
  EXPECT_EQ(c.map(0x1000, 4, rw()).error(), Error::kInvalidArgument);      // root leaves
  EXPECT_EQ(c.map(0x40000000, 3, rw()).error(), Error::kInvalidArgument);  // leaves range
  EXPECT_EQ(c.map(0x201000, 2, rw()).error(), Error::kInvalidArgument);    // phys vs 2 MiB
  EXPECT_EQ(c.jump(0x200800).error(), Error::kInvalidArgument);            // misaligned
  EXPECT_EQ(c.jump(0x600000).error(), Error::kInvalidArgument);            // outside
  EXPECT_EQ(c.jump(0x1ff000).error(), Error::kInvalidArgument);
  EXPECT_EQ(c.find_next(0x1800).error(), Error::kInvalidArgument);       // misaligned len
  EXPECT_EQ(c.find_next(0x400001000).error(), Error::kInvalidArgument);  // beyond the end
  EXPECT_EQ(c.take_next(0x800000).error(), Error::kInvalidArgument);
  ASSERT_TRUE(c.jump(0x201000).is_ok());
  EXPECT_EQ(c.map(0x200000, 2, rw()).error(), Error::kInvalidArgument);  // va vs 2 MiB
  ASSERT_TRUE(c.jump(0x5ff000).is_ok());
  ASSERT_TRUE(c.map(0x1000, 1, rw()).is_ok());
  EXPECT_EQ(c.query().error(), Error::kInvalidArgument);  // at the end
  EXPECT_EQ(c.map(0x1000, 1, rw()).error(), Error::kInvalidArgument);
}

TEST_F(PtCursor, MappingOverAMappingIsAnError) {
  PageTable pt = user_pt();
  ASSERT_TRUE(map_range(pt, 0x200000, 0x200000, 0x200000, 2, rw()).is_ok());
  ASSERT_TRUE(map_range(pt, 0x800000, 0x1000, 0x1000, 1, rw()).is_ok());
  EXPECT_EQ(map_range(pt, 0x200000, 0x200000, 0x400000, 2, rw()).error(), Error::kAlreadyExists);
  EXPECT_EQ(map_range(pt, 0x3ff000, 0x1000, 0x1000, 1, rw()).error(), Error::kAlreadyExists);
  EXPECT_EQ(map_range(pt, 0x800000, 0x1000, 0x2000, 1, rw()).error(), Error::kAlreadyExists);
  // A 2 MiB page over a node that still maps a 4 KiB page.
  EXPECT_EQ(map_range(pt, 0x800000, 0x200000, 0x200000, 2, rw()).error(), Error::kAlreadyExists);
  // ... but once that page is gone, its empty node is reclaimed and the 2 MiB page goes in.
  const uint64_t frames = page_table_frames();
  ASSERT_EQ(unmap_range(pt, 0x800000, 0x1000).value(), 1u);
  EXPECT_EQ(page_table_frames(), frames);  // the emptied level-1 node stays until reclaimed
  ASSERT_TRUE(map_range(pt, 0x800000, 0x200000, 0x200000, 2, rw()).is_ok());
  EXPECT_EQ(page_table_frames(), frames - 1);
}

TEST_F(PtCursor, TakeNextReturnsWholeSubtrees) {
  PageTable pt = user_pt();
  const uint64_t base = 4 * kGiB;
  ASSERT_TRUE(map_range(pt, base, 4 << 20, 0x100000000ull, 1, rw()).is_ok());  // two L1 nodes
  const uint64_t frames = page_table_frames();
  CursorMut c = CursorMut::create(pt, base, base + kGiB).value();
  EXPECT_EQ(c.covering_level(), 3u);  // the range is exactly one level-3 entry
  Taken t = c.take_next(kGiB).value();
  ASSERT_EQ(t.kind, Taken::Kind::kSubtree);
  EXPECT_EQ(t.va, base);
  EXPECT_EQ(t.size, kGiB);
  EXPECT_EQ(t.tree.frames(), 3u);  // one level-2 node and two level-1 nodes
  uint64_t leaves = 0;
  t.tree.for_each_leaf([&](uint64_t va, Pte e, unsigned level) {
    EXPECT_EQ(level, 1u);
    EXPECT_EQ(e.phys() - 0x100000000ull, va - base);
    ++leaves;
  });
  EXPECT_EQ(leaves, 1024u);
  EXPECT_EQ(c.take_next(c.end() - c.va()).value().kind, Taken::Kind::kNone);
  c.defer_free(std::move(t.tree));
  EXPECT_EQ(page_table_frames(), frames);  // not yet: the TLB may still walk through them
  const uint64_t full = host::tlb_counters().full_flushes;
  c.flush_tlb();
  EXPECT_EQ(host::tlb_counters().full_flushes, full + 1);  // 1 GiB is past the batch threshold
  EXPECT_EQ(page_table_frames(), frames - 3);
}

TEST_F(PtCursor, PartialUnmapSplitsHugePages) {
  PageTable pt = user_pt();
  ASSERT_TRUE(map_range(pt, kGiB, kGiB, kGiB, 3, rw()).is_ok());
  // Take one 4 KiB page out of the middle: 1 GiB -> 512 x 2 MiB -> 512 x 4 KiB.
  ASSERT_EQ(unmap_range(pt, kGiB + (6 << 20) + 0x3000, 0x1000).value(), 1u);
  EXPECT_FALSE(translate(pt, kGiB + (6 << 20) + 0x3000).value().mapped);
  const Mapping near = translate(pt, kGiB + (6 << 20) + 0x4000).value();
  EXPECT_EQ(near.size, 0x1000u);
  EXPECT_EQ(near.phys, kGiB + (6 << 20) + 0x4000);
  const Mapping far = translate(pt, kGiB + (100 << 20)).value();
  EXPECT_EQ(far.size, 2u << 20);
  EXPECT_EQ(far.phys, kGiB + (100 << 20));
  EXPECT_EQ(far.prop, rw());
}

TEST_F(PtCursor, ProtectNextChangesRightsAndSplits) {
  PageTable pt = user_pt();
  ASSERT_TRUE(map_range(pt, 0x200000, 0x400000, 0x200000, 2, rw()).is_ok());
  CursorMut c = CursorMut::create(pt, 0x300000, 0x500000).value();
  uint64_t changed = 0;
  for (;;) {
    const VaRange r =
        c.protect_next(c.end() - c.va(), [](PageProp p) { return p.write = false, p; }).value();
    if (r.empty()) break;
    EXPECT_GE(r.start, 0x300000u);
    EXPECT_LE(r.end, 0x500000u);
    changed += r.end - r.start;
  }
  EXPECT_EQ(changed, 0x200000u);
}

TEST_F(PtCursor, ProtectedRangeReadsBack) {
  PageTable pt = user_pt();
  ASSERT_TRUE(map_range(pt, 0x200000, 0x400000, 0x200000, 2, rw()).is_ok());
  {
    CursorMut c = CursorMut::create(pt, 0x300000, 0x500000).value();
    while (!c.protect_next(c.end() - c.va(), [](PageProp p) { return p.write = false, p; })
                .value()
                .empty()) {
    }
  }
  EXPECT_TRUE(translate(pt, 0x2ff000).value().prop.write);
  EXPECT_FALSE(translate(pt, 0x300000).value().prop.write);
  EXPECT_FALSE(translate(pt, 0x4ff000).value().prop.write);
  EXPECT_TRUE(translate(pt, 0x500000).value().prop.write);
  // Both 2 MiB pages were covered only in part, so both were split.
  EXPECT_EQ(translate(pt, 0x200000).value().size, 0x1000u);
  EXPECT_EQ(translate(pt, 0x500000).value().size, 0x1000u);
  EXPECT_EQ(translate(pt, 0x500000).value().phys, 0x500000u);
}

TEST_F(PtCursor, TlbBatchFlushesPagesUpToTheThreshold) {
  PageTable pt = user_pt();
  ASSERT_TRUE(map_range(pt, 0x10000000, 0x100000, 0x100000, 1, rw()).is_ok());
  const auto before = host::tlb_counters();
  ASSERT_EQ(unmap_range(pt, 0x10000000, 0x10000).value(), 16u);
  const auto after = host::tlb_counters();
  EXPECT_EQ(after.page_flushes - before.page_flushes, 16u);
  EXPECT_EQ(after.full_flushes, before.full_flushes);
  ASSERT_EQ(unmap_range(pt, 0x10010000, 0x40000).value(), 64u);
  EXPECT_EQ(host::tlb_counters().full_flushes, after.full_flushes + 1);
}

TEST_F(PtCursor, ReadCursorCreatesNothing) {
  PageTable pt = user_pt();
  const uint64_t frames = page_table_frames();
  {
    Cursor c = Cursor::create(pt, 0x7f0000000000ull, 0x7f0000001000ull).value();
    EXPECT_EQ(c.covering_level(), 4u);
    EXPECT_FALSE(c.query().value().mapped);
  }
  EXPECT_EQ(page_table_frames(), frames);
}

TEST_F(PtCursor, KernelTableSharesItsHalfWithUserTables) {
  PageTable k = PageTable::create_kernel(kOwnerKernel).value();
  EXPECT_EQ(k.node_count(), 257u);
  const uint64_t dm = 0xffff800000000000ull;
  ASSERT_TRUE(map_range(k, dm, 4 << 20, 0, 2, rw()).is_ok());
  PageTable u = PageTable::create_user(kTestOwner, &k).value();
  EXPECT_EQ(u.node_count(), 1u);
  // A user table cannot even look at the kernel half through a cursor, let alone free it.
  EXPECT_EQ(unmap_range(u, dm, 4 << 20).error(), Error::kPermissionDenied);
  EXPECT_EQ(Cursor::create(u, dm, dm + 0x1000).error(), Error::kPermissionDenied);
  // A cursor over the whole kernel half never takes the shared level-3 nodes.
  {
    CursorMut c = CursorMut::create(k, kKernelStart, kKernelEnd).value();
    Taken t = c.take_next(c.end() - c.va()).value();
    ASSERT_EQ(t.kind, Taken::Kind::kSubtree);  // the level-2 node below the shared level 3
    EXPECT_EQ(t.va, dm);
    EXPECT_EQ(t.size, kGiB);
    c.defer_free(std::move(t.tree));
    EXPECT_EQ(c.take_next(c.end() - c.va()).value().kind, Taken::Kind::kNone);
  }
  EXPECT_EQ(k.node_count(), 257u);
}

}  // namespace
}  // namespace glass::mm::testing
