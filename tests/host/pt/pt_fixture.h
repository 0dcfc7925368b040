// Shared set-up for page-table host tests: mm booted on the standard 64 MiB simulated map, plus
// helpers that map and unmap through cursors the way the address-space code does.
#pragma once

#include <gtest/gtest.h>

#include "mm/virt/kernel_space.h"
#include "mm/virt/pt_cursor.h"
#include "tests/host/mm/mm_fixture.h"

namespace glass::mm::testing {

inline constexpr uint64_t kGiB = 1ull << 30;
inline constexpr OwnerId kTestOwner = kOwnerDynamicBase + 7;

inline PageProp rw() {
  return PageProp{true, false, true, false, false};
}

class PtTest : public MmTest {
 public:
  static uint64_t page_table_frames() { return stats().kind_frames[index(FrameKind::kPageTable)]; }

  // Maps [va, va + bytes) to [phys, ...) with pages of `level`; returns the first error.
  static Result<void> map_range(PageTable& pt, uint64_t va, uint64_t bytes, PhysAddr phys,
                                unsigned level, PageProp prop) {
    CursorMut c = TRY(CursorMut::create(pt, va, va + bytes));
    for (uint64_t off = 0; off < bytes; off += page_size(level)) {
      TRY(c.map(phys + off, level, prop));
    }
    return {};
  }
  // Unmaps everything in [va, va + bytes); returns the number of leaves and sub-trees taken.
  static Result<uint64_t> unmap_range(PageTable& pt, uint64_t va, uint64_t bytes) {
    CursorMut c = TRY(CursorMut::create(pt, va, va + bytes));
    uint64_t taken = 0;
    for (;;) {
      Taken t = TRY(c.take_next(va + bytes - c.va()));
      if (t.kind == Taken::Kind::kNone) return taken;
      ++taken;
      if (t.kind == Taken::Kind::kSubtree) c.defer_free(std::move(t.tree));
    }
  }
  // The kernel address space on the standard map (a 2 MiB image at 0xffffffff80200000, the 64 MiB
  // direct map), for tests whose user address spaces share its upper half.
  static void activate_test_kernel_space() {
    static uint64_t guard[1] = {0xffffffff80230000ull};
    static MemRange ram[1] = {{0, 64 * kMiB}};
    KernelImage k;
    k.virt_base = 0xffffffff80000000ull;
    k.text_start = k.virt_base + 0x200000;
    k.text_end = k.text_start + 0x1000;
    k.rodata_start = k.text_end;
    k.rodata_end = k.rodata_start + 0x1000;
    k.data_start = k.rodata_end;
    k.data_end = k.data_start + 0x40000;
    k.guard_pages = guard;
    k.guard_count = 1;
    k.ram = ram;
    k.ram_count = 1;
    k.direct_map_bytes = 64 * kMiB;
    ASSERT_TRUE(activate_kernel_address_space(k).is_ok());
  }
  static Result<Mapping> translate(PageTable& pt, uint64_t va) {
    const uint64_t page = va & ~(kFrameSize - 1);
    Cursor c = TRY(Cursor::create(pt, page, page + kFrameSize));
    return c.query();
  }
};

}  // namespace glass::mm::testing
