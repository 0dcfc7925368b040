// WALK's kernel side against tables mm really built: a 4 KiB and a 2 MiB mapping walk to their
// frames with every level's table, index and entry; an unmapped address stops at the first
// non-present entry; a non-canonical address and an unknown asid are refused before any read.
// Everything the test maps and allocates it gives back (the frame leak hook checks).
#include "kernel/ktest/ktest.h"
#include "kernel/telemetry/telemetry.h"
#include "mm/mm.h"
#include "mm/virt/address_space.h"
#include "mm/virt/clear_range.h"
#include "mm/virt/pt_cursor.h"

namespace glass::telemetry {
namespace {

constexpr uint64_t kVa4k = 0x400000, kVa2m = 0x600000, kMiB = 1ull << 20;

// The asid telemetry registered for this table (its root is unique among live spaces).
uint32_t asid_of(mm::PageTable& pt) {
  const internal::Space* s = internal::spaces();
  for (size_t i = 0; i < internal::kMaxSpaces; ++i)
    if (s[i].live && s[i].root == pt.root_phys() >> 12) return s[i].asid;
  return 0;
}

}  // namespace

KTEST(telemetry, walk_follows_the_tables_mm_built) {
  auto as = mm::UniqueAddressSpace::create();
  KASSERT(as.is_ok());
  mm::PageTable& pt = as.value()->page_table();
  const uint32_t asid = asid_of(pt);
  KASSERT(asid != 0);
  auto small = mm::alloc_frames(0, mm::FrameKind::kLarge, as.value()->owner());
  auto big = mm::alloc_frames(9, mm::FrameKind::kLarge, as.value()->owner());
  KASSERT(small.is_ok() && big.is_ok());
  {
    auto c = mm::CursorMut::create(pt, kVa4k, kVa2m + 2 * kMiB);
    KASSERT(c.is_ok());
    KASSERT(c.value().map(small.value(), 1, mm::PageProp{.write = true, .user = true}).is_ok());
    KASSERT(c.value().jump(kVa2m).is_ok());
    KASSERT(c.value().map(big.value(), 2, mm::PageProp{.user = true}).is_ok());
  }
  WalkLevel lv[kMaxLevel];
  uint8_t n = 0;
  KEXPECT_EQ(static_cast<int>(internal::walk(asid, kVa4k + 0x123, lv, n)),
             static_cast<int>(WalkStatus::kLeaf));
  KEXPECT_EQ(n, 4);
  KEXPECT_EQ(lv[0].table_pfn, pt.root_phys() >> 12);
  KEXPECT_EQ(lv[2].index, 2);  // 0x400000 >> 21
  KEXPECT_EQ(lv[3].entry & 0x000ffffffffff000ull, small.value());
  KEXPECT_EQ(lv[3].entry & 0x7, 0x7u);  // present, writable, user
  KEXPECT_EQ(static_cast<int>(internal::walk(asid, kVa2m + 0x1000, lv, n)),
             static_cast<int>(WalkStatus::kLeaf));
  KEXPECT_EQ(n, 3);
  KEXPECT_EQ(lv[2].entry & 0x000fffffffe00000ull, big.value());
  KEXPECT_EQ(static_cast<int>(internal::walk(asid, 0x7f0000000000ull, lv, n)),
             static_cast<int>(WalkStatus::kNotPresent));
  KEXPECT_EQ(n, 1);
  KEXPECT_EQ(static_cast<int>(internal::walk(asid, 0x0000800000000000ull, lv, n)),
             static_cast<int>(WalkStatus::kNonCanonical));
  KEXPECT_EQ(n, 0);
  KEXPECT_EQ(static_cast<int>(internal::walk(0xfffffff0u, kVa4k, lv, n)),
             static_cast<int>(WalkStatus::kUnknownAsid));
  KEXPECT(mm::clear_range(pt, kVa4k, kVa2m + 2 * kMiB).is_ok());  // raw frames: freed below
  KEXPECT(mm::free_frames(small.value(), 0, mm::FrameKind::kLarge).is_ok());
  KEXPECT(mm::free_frames(big.value(), 9, mm::FrameKind::kLarge).is_ok());
}

}  // namespace glass::telemetry
