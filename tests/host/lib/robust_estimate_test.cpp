// robust_estimate (kernel/lib/robust_estimate.h): one wild window never moves the figure, a
// majority that disagrees forces another round, and the counts say what happened.
#include "kernel/lib/robust_estimate.h"

#include <gtest/gtest.h>

#include <vector>

namespace glass {
namespace {

auto from(std::vector<uint64_t> v) {
  return [v, i = size_t{0}]() mutable { return v[i++ % v.size()]; };
}

TEST(RobustEstimate, OneOutlierIsRejected) {
  // The 4002.9 MHz window seen once in 55 boots, among ~2105 MHz ones.
  auto e = robust_estimate(from({2105000, 2104900, 4002900, 2105100, 2105050}), 5, 10000, 3);
  EXPECT_TRUE(e.ok);
  EXPECT_EQ(e.rejected, 1u);
  EXPECT_EQ(e.rounds, 1u);
  EXPECT_EQ(e.value, 2105000u);
}

TEST(RobustEstimate, NoMajorityTakesAnotherRound) {
  auto e =
      robust_estimate(from({100, 200, 300, 400, 500, 1000, 1001, 999, 1000, 1002}), 5, 10000, 3);
  EXPECT_TRUE(e.ok);
  EXPECT_EQ(e.rounds, 2u);
  EXPECT_EQ(e.samples, 10u);
  EXPECT_EQ(e.value, 1000u);
}

TEST(RobustEstimate, NeverAgreeingIsNotOk) {
  auto e = robust_estimate(from({1, 10, 100, 1000, 10000}), 5, 10000, 2);
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.rounds, 2u);
}

}  // namespace
}  // namespace glass
