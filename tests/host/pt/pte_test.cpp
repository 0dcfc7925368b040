// Pte encoding: every subset of the ten flags round-trips, bad input is refused, and PageProp maps
// to exactly the bits it claims.
#include <gtest/gtest.h>

#include "mm/virt/pte.h"

namespace glass::mm {
namespace {

TEST(Pte, EveryFlagSubsetRoundTrips) {
  const PhysAddr phys_list[] = {0, 0x1000, 0x200000, 0x40000000, 0x000ffffffffff000ull};
  for (PhysAddr phys : phys_list) {
    for (uint32_t subset = 0; subset < (1u << pte::kFlagCount); ++subset) {
      uint64_t flags = 0;
      for (unsigned b = 0; b < pte::kFlagCount; ++b) {
        if (subset & (1u << b)) flags |= pte::kFlagList[b];
      }
      auto e = Pte::encode(phys, flags);
      ASSERT_TRUE(e.is_ok()) << std::hex << phys << " " << flags;
      const Pte p = e.value();
      EXPECT_EQ(p.phys(), phys);
      EXPECT_EQ(p.flags(), flags);
      EXPECT_EQ(p.present(), (flags & pte::kPresent) != 0);
      EXPECT_EQ(p.writable(), (flags & pte::kWrite) != 0);
      EXPECT_EQ(p.user(), (flags & pte::kUser) != 0);
      EXPECT_EQ(p.executable(), (flags & pte::kNx) == 0);
      EXPECT_EQ(p.global(), (flags & pte::kGlobal) != 0);
      EXPECT_EQ(p.accessed(), (flags & pte::kAccessed) != 0);
      EXPECT_EQ(p.dirty(), (flags & pte::kDirty) != 0);
      EXPECT_EQ(p.has(pte::kPwt), (flags & pte::kPwt) != 0);
      EXPECT_EQ(p.has(pte::kPcd), (flags & pte::kPcd) != 0);
      const bool present = (flags & pte::kPresent) != 0;
      const bool huge = (flags & pte::kHuge) != 0;
      EXPECT_EQ(p.is_leaf(1), present);
      EXPECT_EQ(p.is_leaf(2), present && huge);
      EXPECT_EQ(p.is_table(2), present && !huge);
      EXPECT_FALSE(p.is_table(1));
    }
  }
}

TEST(Pte, FlagBitsAreTheArchitecturalOnes) {
  EXPECT_EQ(pte::kPresent, 1ull);
  EXPECT_EQ(pte::kWrite, 2ull);
  EXPECT_EQ(pte::kUser, 4ull);
  EXPECT_EQ(pte::kPwt, 8ull);
  EXPECT_EQ(pte::kPcd, 16ull);
  EXPECT_EQ(pte::kAccessed, 32ull);
  EXPECT_EQ(pte::kDirty, 64ull);
  EXPECT_EQ(pte::kHuge, 128ull);
  EXPECT_EQ(pte::kGlobal, 256ull);
  EXPECT_EQ(pte::kNx, 1ull << 63);
}

TEST(Pte, BadInputIsRefused) {
  EXPECT_EQ(Pte::encode(0x1001, pte::kPresent).error(), Error::kInvalidArgument);
  EXPECT_EQ(Pte::encode(1ull << 52, pte::kPresent).error(), Error::kInvalidArgument);
  EXPECT_EQ(Pte::encode(0x1000, 1ull << 9).error(), Error::kInvalidArgument);   // AVL bit
  EXPECT_EQ(Pte::encode(0x1000, 1ull << 62).error(), Error::kInvalidArgument);  // protection key
}

TEST(Pte, LevelGeometry) {
  EXPECT_EQ(page_size(1), 4096ull);
  EXPECT_EQ(page_size(2), 2ull << 20);
  EXPECT_EQ(page_size(3), 1ull << 30);
  EXPECT_EQ(page_size(4), 512ull << 30);
  EXPECT_EQ(pte_index(0xffff800000000000ull, 4), 256u);
  EXPECT_EQ(pte_index(0xffffffff80000000ull, 4), 511u);
  EXPECT_EQ(pte_index(0xffffffff80000000ull, 3), 510u);
  EXPECT_EQ(pte_index(0x1234000, 1), 0x34u);
  EXPECT_TRUE(is_canonical(0x00007ffffffff000ull));
  EXPECT_FALSE(is_canonical(0x0000800000000000ull));
  EXPECT_FALSE(is_canonical(0xffff7fffffffffffull));
  EXPECT_TRUE(is_canonical(0xffff800000000000ull));
}

TEST(Pte, PagePropMapsToBits) {
  for (unsigned bits = 0; bits < 32; ++bits) {
    const PageProp p{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0,
                     (bits & 16) != 0};
    const Pte e(0x5000 | p.to_flags());
    EXPECT_TRUE(e.present());
    EXPECT_EQ(e.writable(), p.write);
    EXPECT_EQ(e.executable(), p.exec);
    EXPECT_EQ(e.user(), p.user);
    EXPECT_EQ(e.global(), p.global);
    EXPECT_EQ(e.has(pte::kPcd | pte::kPwt), p.uncached);
    EXPECT_EQ(PageProp::from(e), p);
  }
}

}  // namespace
}  // namespace glass::mm
