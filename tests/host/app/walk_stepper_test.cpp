// The page walk as a student steps it (issue 16's smaller bugs): "Show all" on a 4 KiB walk
// reveals every step and the physical address (it stopped at 5 of 6 and never showed it); a
// non-canonical address shows why at once (not "0 of 0 steps" until N); N presses reach the result
// and stop there; a number too large for 64 bits is called too large, not "not a hex address".
#include <gtest/gtest.h>

#include "inspector/app/address_input.h"
#include "inspector/app/walk_stepper.h"
#include "inspector/view/walk_steps.h"
#include "tests/host/inspector/view_test_support.h"

namespace glass::inspector::app {
namespace {

using testing::Wire;

// A model with one page of each size in address space 1.
StateModel three_sizes() {
  Wire w;
  w.space(1);
  w.map(1, 0x400000, 1, 0x5000, Wire::kW | Wire::kU);
  w.map(1, 0x40000000ull * 2 + 0x200000, 2, 0x200000, Wire::kU);
  w.map(1, 0x40000000ull * 4, 3, 0, Wire::kU);
  return w.model();
}

view::WalkView walk(const StateModel& m, uint64_t va) {
  return view::walk_view(m, m.walk_address(1, va), "model");
}

TEST(WalkStepper, ShowAllOnA4KiBWalkRevealsEveryStepAndThePhysicalAddress) {
  const StateModel m = three_sizes();
  const view::WalkView w = walk(m, 0x400123);
  ASSERT_EQ(w.steps.size(), 5u);  // CR3, PML4E, PDPTE, PDE, PTE
  ASSERT_TRUE(w.final_phys.has_value());
  WalkStepper s;
  ASSERT_TRUE(s.submit("0x400123"));
  EXPECT_EQ(s.fit(w.steps.size()), 0u);
  EXPECT_FALSE(s.result_shown(w.steps.size()));
  s.show_all();
  EXPECT_EQ(s.fit(w.steps.size()), 6u);
  EXPECT_TRUE(s.result_shown(w.steps.size()));
}

TEST(WalkStepper, NextReachesTheResultOfEveryPageSizeAndStopsThere) {
  const StateModel m = three_sizes();
  for (uint64_t va : {0x400123ull, 0x80212345ull, 0x100000123ull}) {
    const view::WalkView w = walk(m, va);
    ASSERT_TRUE(w.final_phys.has_value()) << std::hex << va;
    WalkStepper s;
    s.set_address(va, false);
    size_t presses = 0;
    while (!s.result_shown(w.steps.size()) && presses < 20) {
      s.next();
      (void)s.fit(w.steps.size());
      ++presses;
    }
    EXPECT_EQ(presses, w.steps.size() + 1) << std::hex << va;
    s.next();
    EXPECT_EQ(s.fit(w.steps.size()), w.steps.size() + 1);
  }
}

TEST(WalkStepper, ANonCanonicalAddressShowsWhyAtOnce) {
  const StateModel m = three_sizes();
  const view::WalkView w = walk(m, 0x0000800000000000ull);
  EXPECT_EQ(w.status, telemetry::WalkStatus::kNonCanonical);
  EXPECT_TRUE(w.steps.empty());
  WalkStepper s;
  ASSERT_TRUE(s.submit("0x0000800000000000"));
  (void)s.fit(w.steps.size());
  EXPECT_TRUE(s.result_shown(w.steps.size()));
  EXPECT_NE(w.summary.find("not canonical"), std::string::npos);
}

TEST(WalkStepper, ANewAddressStartsAgainButAHeadlessRevealAllStays) {
  WalkStepper s;
  s.set_address(0x1000, true);
  EXPECT_EQ(s.fit(5), 6u);
  s.restart();  // another address space chosen
  EXPECT_EQ(s.fit(5), 6u);
  ASSERT_TRUE(s.submit("2000"));
  EXPECT_EQ(s.fit(5), 0u);
  s.show_all();
  (void)s.fit(5);
  s.restart();
  EXPECT_EQ(s.fit(5), 0u);
}

TEST(AddressInput, ReadsHexWithGroupingAndNamesWhatIsWrong) {
  uint64_t v = 0;
  std::string why;
  EXPECT_TRUE(read_address("0x400123", v, why));
  EXPECT_EQ(v, 0x400123u);
  EXPECT_TRUE(read_address("ffff8000_00000000", v, why));
  EXPECT_EQ(v, 0xffff800000000000ull);
  EXPECT_TRUE(read_address(" 0X0000_0000_0000_0000_0000_1000 ", v, why));  // leading zeros
  EXPECT_EQ(v, 0x1000u);
  EXPECT_TRUE(read_address("0xffffffffffffffff", v, why));
  EXPECT_EQ(v, ~uint64_t{0});

  EXPECT_FALSE(read_address("0x1ffffffffffffffff", v, why));
  EXPECT_NE(why.find("too large"), std::string::npos) << why;
  EXPECT_EQ(why.find("not a hex address"), std::string::npos) << why;
  EXPECT_FALSE(read_address("123456789abcdef012345", v, why));
  EXPECT_NE(why.find("too large: 21 hex digits"), std::string::npos) << why;

  for (const char* bad : {"", "0x", "-1", "+5", "0xg00", "12 34z", "0x_"}) {
    EXPECT_FALSE(read_address(bad, v, why)) << bad;
    EXPECT_NE(why.find("is not a hex address"), std::string::npos) << bad << ": " << why;
  }
}

}  // namespace
}  // namespace glass::inspector::app
