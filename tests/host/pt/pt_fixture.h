// Shared set-up for page-table host tests: mm booted on the standard 64 MiB simulated map, plus
// helpers that map and unmap through cursors the way the address-space code does.
#pragma once

#include <gtest/gtest.h>

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
  static Result<Mapping> translate(PageTable& pt, uint64_t va) {
    const uint64_t page = va & ~(kFrameSize - 1);
    Cursor c = TRY(Cursor::create(pt, page, page + kFrameSize));
    return c.query();
  }
};

}  // namespace glass::mm::testing
