// The cursor-locks, page-walk and log views' data, each from events a kernel would send.
#include <gtest/gtest.h>

#include "inspector/view/cursor_rows.h"
#include "inspector/view/log_view.h"
#include "inspector/view/palette.h"
#include "inspector/view/walk_steps.h"
#include "tests/host/inspector/view_test_support.h"

namespace glass::inspector::view {
namespace {

using testing::Wire;

TEST(CursorRows, HeldWaitedAndWaitingOn) {
  Wire w;
  w.space(1);
  uint64_t pt = w.map(1, 0x400000, 1, 0x500000, Wire::kW);
  w.cursor(10, 0, 1, 0x400000, 0x600000, 1000);
  w.lock(10, w.root(1), 300, 1100);
  w.lock(10, pt, 200, 1200);
  w.cursor(11, 1, 1, 0x400000, 0x401000, 1300);
  w.wait(11, w.root(1), 1400);
  w.log("now", 2000);
  StateModel m = w.model();
  auto rows = cursor_rows(m);
  ASSERT_EQ(rows.size(), 2u);
  const CursorRow& a = rows[0];
  EXPECT_EQ(a.id, 10u);
  EXPECT_EQ(a.cpu, 0);
  EXPECT_EQ(a.asid, 1u);
  EXPECT_EQ(a.va_first, 0x400000u);
  EXPECT_EQ(a.va_last, 0x5fffffu);
  EXPECT_EQ(a.nodes_held, (std::vector<uint64_t>{w.root(1), pt}));
  EXPECT_EQ(a.held_ns, 1000u);   // 2000 - 1000
  EXPECT_EQ(a.waited_ns, 500u);  // 300 + 200
  EXPECT_FALSE(a.waiting_on.has_value());
  EXPECT_EQ(a.rgba, cursor_rgba(10));
  const CursorRow& b = rows[1];
  EXPECT_EQ(b.cpu, 1);
  EXPECT_TRUE(b.nodes_held.empty());
  EXPECT_EQ(b.waiting_on, w.root(1));
  EXPECT_EQ(b.waiting_ns, 600u);
  EXPECT_EQ(b.waiting_for_cursor, 10u);
  EXPECT_EQ(node_holder(m, pt), 10u);
  EXPECT_FALSE(node_holder(m, 0x999).has_value());

  // The holder lets go, the waiter gets the lock after waiting 650 ns, and stops waiting.
  w.unlock(10, pt, 2040);
  w.unlock(10, w.root(1), 2050);
  w.lock(11, w.root(1), 650, 2050);
  StateModel later = w.model();
  auto rows2 = cursor_rows(later);
  ASSERT_EQ(rows2.size(), 2u);
  EXPECT_TRUE(rows2[0].nodes_held.empty());
  EXPECT_FALSE(rows2[1].waiting_on.has_value());
  EXPECT_EQ(rows2[1].waited_ns, 650u);
  EXPECT_EQ(node_holder(later, w.root(1)), 11u);
}

struct Walked {
  Wire w;
  Walked() {
    w.space(1);
    w.map(1, 0x400000, 1, 0x500000, Wire::kW | Wire::kU | Wire::kNx);
    w.map(1, 0x600000, 2, 0x800000, Wire::kW);
    w.map(1, 0x40000000, 3, 0x40000000, Wire::kW);
  }
};

TEST(WalkView, SplitsTheAddressIntoFourIndicesAndAnOffset) {
  // 0x00007f8012345678: PML4 255, PDPT 0, PD 0x91, PT 0x145, offset 0x678.
  VaSplit s = split_va(0x00007f8012345678ull);
  EXPECT_EQ(s.index[0], 255);
  EXPECT_EQ(s.index[1], 0);
  EXPECT_EQ(s.index[2], 0x91);
  EXPECT_EQ(s.index[3], 0x145);
  EXPECT_EQ(s.offset, 0x678u);
  EXPECT_EQ(s.offset_bits, 12);
  VaSplit two = split_va(0x00007f8012345678ull, 2);
  EXPECT_EQ(two.offset, 0x145678u);
  EXPECT_EQ(two.offset_bits, 21);
  EXPECT_EQ(two.index_count, 3);
  VaSplit one_g = split_va(0x00007f8012345678ull, 3);
  EXPECT_EQ(one_g.offset, 0x12345678u);
  EXPECT_EQ(one_g.offset_bits, 30);
  EXPECT_EQ(one_g.index_count, 2);
}

TEST(WalkView, FourStepsToA4KiBFrame) {
  Walked t;
  StateModel m = t.w.model();
  WalkView v = walk_view(m, m.walk_address(1, 0x400abc), "model");
  EXPECT_EQ(v.status, telemetry::WalkStatus::kLeaf);
  EXPECT_EQ(v.source, "model");
  ASSERT_EQ(v.steps.size(), 5u);
  const char* names[] = {"CR3", "PML4E", "PDPTE", "PDE", "PTE"};
  for (size_t i = 0; i < 5; ++i) EXPECT_STREQ(v.steps[i].name, names[i]);
  EXPECT_EQ(v.steps[0].entry, t.w.root(1) << 12);
  EXPECT_EQ(v.steps[1].table_phys, t.w.root(1) << 12);
  EXPECT_EQ(v.steps[3].index, 2);  // 0x400000 >> 21
  EXPECT_EQ(v.steps[4].index, 0);
  EXPECT_EQ(v.steps[4].flags, "P W U NX");
  EXPECT_EQ(v.split.offset, 0xabcu);
  ASSERT_TRUE(v.final_phys.has_value());
  EXPECT_EQ(*v.final_phys, 0x500abcu);
  ASSERT_TRUE(v.final_frame.has_value());
  EXPECT_EQ(v.final_frame->pfn, 0x500u);
  EXPECT_NE(v.steps[4].explanation.find("4 KiB page at 0x500000"), std::string::npos)
      << v.steps[4].explanation;
  EXPECT_NE(v.steps[1].explanation.find("Bits 47..39"), std::string::npos);
  EXPECT_NE(v.steps[4].explanation.find("Bits 20..12"), std::string::npos);
}

TEST(WalkView, HugeLeavesEndEarlyWithAWiderOffset) {
  Walked t;
  StateModel m = t.w.model();
  WalkView two = walk_view(m, m.walk_address(1, 0x6abcde), "model");
  ASSERT_EQ(two.steps.size(), 4u);  // CR3, PML4E, PDPTE, PDE
  EXPECT_STREQ(two.steps.back().name, "PDE");
  EXPECT_EQ(two.steps.back().flags, "P W PS");
  EXPECT_EQ(two.split.offset_bits, 21);
  EXPECT_EQ(*two.final_phys, 0x800000u + 0xabcde);
  EXPECT_NE(two.steps.back().explanation.find("2 MiB page"), std::string::npos);

  WalkView giant = walk_view(m, m.walk_address(1, 0x7654321f), "kernel WALK answer");
  ASSERT_EQ(giant.steps.size(), 3u);  // CR3, PML4E, PDPTE
  EXPECT_STREQ(giant.steps.back().name, "PDPTE");
  EXPECT_EQ(giant.split.offset_bits, 30);
  EXPECT_EQ(*giant.final_phys, 0x7654321fu);
  EXPECT_EQ(giant.source, "kernel WALK answer");
}

TEST(WalkView, NotPresentAndNonCanonicalAndUnknownSpace) {
  Walked t;
  StateModel m = t.w.model();
  WalkView hole = walk_view(m, m.walk_address(1, 0x403000), "model");
  EXPECT_EQ(hole.status, telemetry::WalkStatus::kNotPresent);
  ASSERT_EQ(hole.steps.size(), 5u);
  EXPECT_EQ(hole.steps.back().flags, "-");
  EXPECT_NE(hole.steps.back().explanation.find("not present"), std::string::npos);
  EXPECT_FALSE(hole.final_phys.has_value());
  EXPECT_FALSE(hole.final_frame.has_value());

  WalkView bad = walk_view(m, m.walk_address(1, 0x0000900000000000ull), "model");
  EXPECT_EQ(bad.status, telemetry::WalkStatus::kNonCanonical);
  EXPECT_TRUE(bad.steps.empty());
  EXPECT_NE(bad.summary.find("not canonical"), std::string::npos);

  WalkView none = walk_view(m, m.walk_address(9, 0x400000), "model");
  EXPECT_EQ(none.status, telemetry::WalkStatus::kUnknownAsid);
  EXPECT_TRUE(none.steps.empty());
  EXPECT_FALSE(none.summary.empty());
}

TEST(LogView, LinesInArrivalOrderWithKtapWordsAndAPanicBanner) {
  Wire w;
  w.log("mm: ready", 10);
  w.ktap(telemetry::KtapStatus::kOk, 1, "buddy");
  w.ktap(telemetry::KtapStatus::kNotOk, 2, "slab");
  w.ktap(telemetry::KtapStatus::kSkip, 3, "smp");
  EXPECT_FALSE(panic_banner(w.model()).has_value());
  w.panic(1, 2500000000ull, "page fault at 0x0 in slab_alloc");
  StateModel m = w.model();
  auto lines = log_lines(m);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].kind, LogLine::kLog);
  EXPECT_EQ(lines[0].text, "mm: ready");
  EXPECT_EQ(lines[0].t_ns, 10u);
  EXPECT_EQ(lines[1].kind, LogLine::kKtapOk);
  EXPECT_EQ(lines[1].text, "ok 1 buddy");
  EXPECT_EQ(lines[2].kind, LogLine::kKtapNotOk);
  EXPECT_EQ(lines[2].text, "not ok 2 slab");
  EXPECT_EQ(lines[3].kind, LogLine::kKtapSkip);
  EXPECT_EQ(lines[3].text, "ok 3 smp # SKIP");
  EXPECT_EQ(lines[4].kind, LogLine::kPanic);
  auto banner = panic_banner(m);
  ASSERT_TRUE(banner.has_value());
  EXPECT_EQ(*banner, "PANIC on cpu 1 at t=2.500000 s: page fault at 0x0 in slab_alloc");
}

}  // namespace
}  // namespace glass::inspector::view
