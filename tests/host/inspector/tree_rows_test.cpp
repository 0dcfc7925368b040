// The page-table tree view's data: flattened rows with expand/collapse/reveal over a tree that
// has 4 KiB, 2 MiB and 1 GiB leaves, each row covering the right virtual range; entry flags as
// text; and the merged ranges (QEMU's `info mem`) against a hand-computed list.
#include "inspector/view/tree_rows.h"

#include <gtest/gtest.h>

#include "tests/host/inspector/view_test_support.h"

namespace glass::inspector::view {
namespace {

using testing::Wire;
constexpr uint64_t kUserData = Wire::kU | Wire::kW | Wire::kNx;

// A: 0x400000, B: 0x401000 (4 KiB, user data), C: 0x402000 (4 KiB, user code, read-only),
// D: 0x5ff000 (4 KiB, user data) next to E: 0x600000 (2 MiB, user data), F: 0x40000000 (1 GiB,
// user data), G: 0xffff800000000000 (1 GiB, kernel data).
struct Tree {
  Wire w;
  uint64_t root, pdpt, pd, pt, kpdpt;
  Tree() {
    w.space(1);
    pt = w.map(1, 0x400000, 1, 0x500000, kUserData);
    w.map(1, 0x401000, 1, 0x501000, kUserData);
    w.map(1, 0x402000, 1, 0x502000, Wire::kU);
    w.map(1, 0x5ff000, 1, 0x503000, kUserData);
    pd = w.map(1, 0x600000, 2, 0x800000, kUserData);
    pdpt = w.map(1, 0x40000000, 3, 0x40000000, kUserData);
    kpdpt = w.map(1, 0xffff800000000000, 3, 0, Wire::kW | Wire::kNx);
    root = w.root(1);
  }
};

TEST(TreeRows, CollapsedShowsTheRootTablesPresentEntries) {
  Tree t;
  StateModel m = t.w.model();
  TreeRows rows;
  rows.rebuild(m, 1);
  ASSERT_EQ(rows.rows().size(), 2u);
  const TreeRow& low = rows.rows()[0];
  EXPECT_EQ(low.node_pfn, t.root);
  EXPECT_EQ(low.level, 4);
  EXPECT_EQ(low.index, 0);
  EXPECT_EQ(low.depth, 0);
  EXPECT_EQ(low.va_first, 0u);
  EXPECT_EQ(low.va_last, 0x7fffffffffull);  // 512 GiB
  EXPECT_EQ(low.target_phys, t.pdpt << 12);
  EXPECT_FALSE(low.leaf);
  EXPECT_EQ(low.children, 2u);  // the PD and the 1 GiB leaf
  EXPECT_FALSE(low.expanded);
  const TreeRow& high = rows.rows()[1];
  EXPECT_EQ(high.index, 256);
  EXPECT_EQ(high.va_first, 0xffff800000000000ull);  // canonical, sign-extended
  EXPECT_EQ(high.va_last, 0xffff807fffffffffull);
  EXPECT_EQ(high.children, 1u);
  EXPECT_EQ(rows.total_rows(), 11u);
}

TEST(TreeRows, ToggleExpandsOneLevelAndCollapsesTheWholeSubtree) {
  Tree t;
  StateModel m = t.w.model();
  TreeRows rows;
  rows.rebuild(m, 1);
  rows.toggle(0);
  ASSERT_EQ(rows.rows().size(), 4u);
  EXPECT_TRUE(rows.rows()[0].expanded);
  const TreeRow& pd_row = rows.rows()[1];
  EXPECT_EQ(pd_row.node_pfn, t.pdpt);
  EXPECT_EQ(pd_row.depth, 1);
  EXPECT_EQ(pd_row.va_first, 0u);
  EXPECT_EQ(pd_row.va_last, 0x3fffffffu);
  EXPECT_EQ(pd_row.children, 2u);  // the PT and the 2 MiB leaf
  const TreeRow& giant = rows.rows()[2];
  EXPECT_TRUE(giant.leaf);
  EXPECT_EQ(giant.level, 3);
  EXPECT_EQ(giant.va_first, 0x40000000u);
  EXPECT_EQ(giant.va_last, 0x7fffffffu);
  EXPECT_EQ(giant.target_phys, 0x40000000u);
  EXPECT_EQ(giant.children, 0u);
  rows.toggle(2);  // a leaf: nothing to expand
  EXPECT_EQ(rows.rows().size(), 4u);
  rows.toggle(1);
  EXPECT_EQ(rows.rows().size(), 6u);
  rows.toggle(0);  // collapsing the root entry hides its expanded descendants too
  EXPECT_EQ(rows.rows().size(), 2u);
  rows.toggle(0);  // and they come back expanded
  EXPECT_EQ(rows.rows().size(), 6u);
}

TEST(TreeRows, RevealExpandsThePathToTheDeepestRowCoveringTheAddress) {
  Tree t;
  StateModel m = t.w.model();
  TreeRows rows;
  auto r = rows.reveal(m, 1, 0x401abc);
  ASSERT_TRUE(r.has_value());
  const TreeRow& pte = rows.rows()[*r];
  EXPECT_EQ(pte.level, 1);
  EXPECT_EQ(pte.depth, 3);
  EXPECT_EQ(pte.node_pfn, t.pt);
  EXPECT_EQ(pte.index, 1);
  EXPECT_EQ(pte.va_first, 0x401000u);
  EXPECT_EQ(pte.va_last, 0x401fffu);
  EXPECT_EQ(pte.target_phys, 0x501000u);
  // The PD row above it lists the PT's four present entries.
  EXPECT_EQ(rows.rows()[*r - 2].children, 4u);

  auto big = rows.reveal(m, 1, 0x6abcde);
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(rows.rows()[*big].level, 2);
  EXPECT_TRUE(rows.rows()[*big].leaf);
  EXPECT_EQ(rows.rows()[*big].va_first, 0x600000u);
  EXPECT_EQ(rows.rows()[*big].va_last, 0x7fffffu);
  EXPECT_EQ(rows.rows()[*big].target_phys, 0x800000u);

  auto giant = rows.reveal(m, 1, 0x7fff0000);
  ASSERT_TRUE(giant.has_value());
  EXPECT_EQ(rows.rows()[*giant].level, 3);
  EXPECT_EQ(rows.rows()[*giant].va_first, 0x40000000u);

  auto kernel = rows.reveal(m, 1, 0xffff800000123000);
  ASSERT_TRUE(kernel.has_value());
  EXPECT_EQ(rows.rows()[*kernel].node_pfn, t.kpdpt);
  EXPECT_EQ(rows.rows()[*kernel].va_first, 0xffff800000000000ull);

  // Not mapped at level 1: the deepest covering row is the PD entry holding the PT.
  auto hole = rows.reveal(m, 1, 0x403000);
  ASSERT_TRUE(hole.has_value());
  EXPECT_EQ(rows.rows()[*hole].level, 2);
  EXPECT_EQ(rows.rows()[*hole].node_pfn, t.pd);
  EXPECT_EQ(rows.rows()[*hole].index, 2);

  EXPECT_FALSE(rows.reveal(m, 1, 0x0000700000000000).has_value());  // root entry absent
  EXPECT_FALSE(rows.reveal(m, 1, 0x0000900000000000).has_value());  // not canonical
  EXPECT_FALSE(rows.reveal(m, 2, 0x400000).has_value());            // no such space
}

TEST(TreeRows, ExpansionSurvivesRebuildsWhileTheTreeChanges) {
  Tree t;
  TreeRows rows;
  {
    StateModel m = t.w.model();
    ASSERT_TRUE(rows.reveal(m, 1, 0x400000).has_value());
  }
  const size_t before = rows.rows().size();
  t.w.map(1, 0x403000, 1, 0x504000, kUserData);  // one more page under the expanded PT
  StateModel m2 = t.w.model();
  rows.rebuild(m2, 1);
  EXPECT_EQ(rows.rows().size(), before + 1);
  bool seen = false;
  for (const auto& r : rows.rows()) seen |= r.level == 1 && r.va_first == 0x403000;
  EXPECT_TRUE(seen);
}

TEST(TreeRows, ExpandAllShowsEveryRowAndCollapseAllOnlyTheRoots) {
  Tree t;
  StateModel m = t.w.model();
  TreeRows rows;
  rows.rebuild(m, 1);
  rows.expand_all();
  ASSERT_EQ(rows.rows().size(), 11u);
  // Pre-order, so virtual addresses ascend and every row lies inside the row it hangs under.
  for (size_t i = 1; i < rows.rows().size(); ++i) {
    const auto& r = rows.rows()[i];
    EXPECT_LE(rows.rows()[i - 1].va_first, r.va_first);
    EXPECT_EQ(r.va_last - r.va_first + 1, 1ull << (12 + 9 * (r.level - 1)));
    for (size_t j = i; j-- > 0;)
      if (rows.rows()[j].depth + 1 == r.depth) {
        EXPECT_GE(r.va_first, rows.rows()[j].va_first);
        EXPECT_LE(r.va_last, rows.rows()[j].va_last);
        break;
      }
  }
  rows.collapse_all();
  EXPECT_EQ(rows.rows().size(), 2u);
}

TEST(TreeRows, UnknownSpaceHasNoRows) {
  Tree t;
  StateModel m = t.w.model();
  TreeRows rows;
  rows.rebuild(m, 9);
  EXPECT_TRUE(rows.rows().empty());
  rows.toggle(0);  // out of range: no effect, no crash
  EXPECT_TRUE(rows.rows().empty());
}

TEST(FlagsText, NamesOnlyTheFlagsThatMeanSomethingAtThatLevel) {
  const uint64_t all = 1 | 2 | 4 | 0x20 | 0x40 | 0x80 | 0x100 | (1ull << 63);
  EXPECT_EQ(flags_text(all, 2), "P W U A D G NX PS");
  EXPECT_EQ(flags_text(all, 1), "P W U A D G PAT NX");    // bit 7 of a PTE is PAT
  EXPECT_EQ(flags_text(1 | 2 | 0x40 | 0x100, 4), "P W");  // D and G mean nothing in a PML4E
  EXPECT_EQ(flags_text(1 | 0x8 | 0x10, 1), "P PWT PCD");
  EXPECT_EQ(flags_text(2 | 4, 1), "-");
}

TEST(MergedRanges, MatchesAHandComputedInfoMem) {
  Tree t;
  StateModel m = t.w.model();
  auto r = merged_ranges(m, 1);
  struct Want {
    uint64_t first, last, pages;
    const char* flags;
  };
  const Want want[] = {
      {0x400000, 0x401fff, 2, "urw-"},                           // A + B
      {0x402000, 0x402fff, 1, "ur-x"},                           // C: other rights
      {0x5ff000, 0x7fffff, 1 + 512, "urw-"},                     // D + the 2 MiB page E
      {0x40000000, 0x7fffffff, 262144, "urw-"},                  // F (not adjacent to E)
      {0xffff800000000000, 0xffff80003fffffff, 262144, "-rw-"},  // G
  };
  ASSERT_EQ(r.size(), std::size(want));
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].va_first, want[i].first) << i;
    EXPECT_EQ(r[i].va_last, want[i].last) << i;
    EXPECT_EQ(r[i].pages_4k, want[i].pages) << i;
    EXPECT_EQ(r[i].flags, want[i].flags) << i;
  }
}

TEST(MergedRanges, RightsAreTheWalksCombination) {
  Tree t;
  // The root entry over the low half loses U: every user page below it becomes supervisor-only.
  t.w.set_entry(t.root, 0, (t.pdpt << 12) | Wire::kP | Wire::kW);
  StateModel m = t.w.model();
  auto r = merged_ranges(m, 1);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].flags, "-rw-");
  EXPECT_EQ(r[1].flags, "-r-x");
  EXPECT_EQ(r[4].flags, "-rw-");
  EXPECT_TRUE(merged_ranges(m, 7).empty());
}

}  // namespace
}  // namespace glass::inspector::view
