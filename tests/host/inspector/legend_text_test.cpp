// The legend explains every word the tree prints (issue 16, item 4): every flag flags_text() can
// produce at any level has one meaning, the tree's columns each have one, and the indentation by
// depth puts every child right of its parent.
#include "inspector/view/legend_text.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "inspector/view/entry_bits.h"
#include "inspector/view/tree_rows.h"
#include "mm/phys/frame_kind.h"

namespace glass::inspector::view {
namespace {

TEST(Legend, EveryFlagWordHasExactlyOneMeaning) {
  std::set<std::string> defined;
  for (const auto& f : flag_meanings()) EXPECT_TRUE(defined.insert(f.flag).second) << f.flag;
  const uint64_t bits[] = {kPteP, kPteW,  kPteU,       kPtePwt, kPtePcd, kPteA,
                           kPteD, kPtePs, kPtePatHuge, kPteG,   kPteNx};
  std::set<std::string> seen;
  for (uint8_t level = 1; level <= 4; ++level)
    for (uint32_t combo = 0; combo < (1u << std::size(bits)); ++combo) {
      uint64_t e = 0;
      for (size_t b = 0; b < std::size(bits); ++b)
        if (combo & (1u << b)) e |= bits[b];
      std::istringstream words(flags_text(e, level));
      std::string w;
      size_t n = 0;
      while (words >> w) {
        seen.insert(w);
        EXPECT_EQ(defined.count(w), 1u) << "'" << w << "' has no legend entry";
        ++n;
      }
      EXPECT_EQ(flags_explained(e, level).size(), n) << std::hex << e << " level " << +level;
    }
  EXPECT_EQ(seen, defined);  // and the legend explains no flag the tree never prints
}

TEST(Legend, TheTreeColumnsAndLevelsAreNamedOnce) {
  EXPECT_EQ(tree_columns().size(), 6u);
  std::vector<std::string> levels;
  for (const auto& l : level_names()) levels.push_back(l.column);
  EXPECT_EQ(levels, (std::vector<std::string>{"PML4", "PDPT", "PD", "PT"}));
  for (uint8_t level = 1; level <= 4; ++level)
    EXPECT_EQ(levels[static_cast<size_t>(4 - level)], table_abbrev(level));
}

TEST(Legend, EveryFrameKindIsExplained) {
  for (uint8_t k = 0; k < mm::kFrameKindCount; ++k) {
    const std::string m = kind_meaning(k);
    EXPECT_EQ(m.rfind(mm::kind_name(static_cast<mm::FrameKind>(k)), 0), 0u) << m;
  }
  EXPECT_STREQ(kind_meaning(mm::kFrameKindCount), "?");
}

TEST(Legend, IndentationGrowsWithDepthFromZero) {
  for (float fs : {13.0f, 16.0f, 32.0f}) {
    EXPECT_EQ(tree_indent(0, fs), 0.0f);
    for (uint8_t d = 0; d < 3; ++d) EXPECT_GT(tree_indent(d + 1, fs), tree_indent(d, fs));
  }
}

}  // namespace
}  // namespace glass::inspector::view
