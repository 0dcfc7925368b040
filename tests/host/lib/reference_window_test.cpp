// measure_reference_window (kernel/lib/reference_window.h) on a simulated machine whose clocks all
// run on one virtual time, as QEMU's do: a stall of the virtual CPU inside a read (the failure that
// once measured the TSC 4.9x too fast) does not stretch the window, and a window whose ends stay
// wide says it is not clean.
#include "kernel/lib/reference_window.h"

#include <gtest/gtest.h>

#include <set>

namespace glass {
namespace {

constexpr double kTscHz = 2.1e9, kPitHz = 1193182.0;

// Virtual time in nanoseconds; every access costs a little time, and chosen count() reads are
// followed by a stall (the host descheduling the vCPU before the next instruction).
struct SimulatedClocks {
  double now_ns = 1000;
  unsigned count_reads = 0;
  std::set<unsigned> stall_after;  // count() read numbers (0-based)
  double stall_ns = 5e6;

  uint64_t tsc() {
    now_ns += 20;
    return static_cast<uint64_t>(now_ns * kTscHz / 1e9);
  }
  uint32_t count() {
    now_ns += 1000;  // a port read
    const auto c = static_cast<uint32_t>(0xffff - now_ns * kPitHz / 1e9);
    if (stall_after.count(count_reads++)) now_ns += stall_ns;
    return c;
  }
  uint32_t other() { return static_cast<uint32_t>(now_ns); }
};

double tsc_per_count(const ReferenceWindow& w) {
  return static_cast<double>(w.tsc_ticks) / w.counts;
}

TEST(ReferenceWindow, MeasuresTheRatioOfTheTwoClocks) {
  SimulatedClocks env;
  const ReferenceWindow w = measure_reference_window(env, 2386);  // 2 ms of PIT
  EXPECT_TRUE(w.clean);
  EXPECT_GE(w.counts, 2386u);
  EXPECT_NEAR(tsc_per_count(w), kTscHz / kPitHz, kTscHz / kPitHz * 0.002);
}

TEST(ReferenceWindow, AStallInsideOneReadIsNotWindowTime) {
  // The first read of the window's start stalls: the narrowest of three is kept instead.
  SimulatedClocks env;
  env.stall_after = {0};
  const ReferenceWindow w = measure_reference_window(env, 2386);
  EXPECT_TRUE(w.clean);
  EXPECT_NEAR(tsc_per_count(w), kTscHz / kPitHz, kTscHz / kPitHz * 0.002);
}

TEST(ReferenceWindow, AStallInTheMiddleIsSeenByBothClocks) {
  SimulatedClocks env;
  env.stall_after = {5};  // a read in the waiting loop, not one kept as an end
  env.stall_ns = 1e6;
  const ReferenceWindow w = measure_reference_window(env, 2386);
  EXPECT_TRUE(w.clean);
  EXPECT_NEAR(tsc_per_count(w), kTscHz / kPitHz, kTscHz / kPitHz * 0.002);
}

TEST(ReferenceWindow, EndsThatStayWideAreNotClean) {
  // Every read of the start stalls: no narrow bracket exists, and the window says so.
  SimulatedClocks env;
  env.stall_after = {0, 1, 2};
  const ReferenceWindow w = measure_reference_window(env, 2386);
  EXPECT_FALSE(w.clean);
  EXPECT_GE(w.start.width, static_cast<uint64_t>(env.stall_ns * kTscHz / 1e9));
}

TEST(ReferenceWindow, OneReadPerEndCannotTellAStall) {
  // What the brackets buy: with a single read per end, a stall there is taken as window time.
  SimulatedClocks env;
  env.stall_after = {0};
  const ReferenceWindow w = measure_reference_window(env, 2386, 1);
  EXPECT_FALSE(w.clean);
}

TEST(ReferenceWindow, TheSecondCounterIsReadInsideTheSameBrackets) {
  SimulatedClocks env;
  const ReferenceWindow w = measure_reference_window(env, 2386);
  // other() is the virtual time in ns: its span matches the window's TSC span.
  const double other_ns = static_cast<double>(w.end.other - w.start.other);
  EXPECT_NEAR(other_ns, w.tsc_ticks / kTscHz * 1e9, 3000);
}

}  // namespace
}  // namespace glass
