// The TSC calibration and the LAPIC timer agree with each other: two independent clocks (PIT for
// the TSC, the LAPIC's own bus clock for the tick) measuring the same interval.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/ktest/ktest.h"

using namespace glass;

KTEST(time, tsc_is_calibrated_and_monotonic) {
  KEXPECT(drivers::tsc_khz() > 100000);  // > 100 MHz: anything less is a failed calibration
  uint64_t a = cpu::rdtsc(), b = cpu::rdtsc();
  KEXPECT(b >= a);
  KEXPECT(drivers::tsc_to_ns(drivers::tsc_khz() * 1000) > 999000000ull);
}

// Two independent clocks (the PIT-calibrated TSC, the LAPIC's own bus clock) over one window.
// Ticks can never come early, so "not faster than the rate" is exact. They can come late: QEMU
// drops a periodic tick it could not deliver while the host was busy (CI runs tests side by
// side), so the lower bound only catches a grossly wrong rate (a divider off by 8x or more).
KTEST(time, timer_ticks_at_its_rate) {
  const uint32_t hz = drivers::timer_hz();
  KASSERT(hz > 0);
  constexpr uint64_t kWindowMs = 200;
  const uint64_t expected = kWindowMs * hz / 1000;
  const uint64_t start_tick = drivers::timer_ticks();
  const uint64_t end_tsc = cpu::rdtsc() + drivers::tsc_khz() * kWindowMs;
  while (cpu::rdtsc() < end_tsc) cpu::pause();
  const uint64_t ticks = drivers::timer_ticks() - start_tick;
  KEXPECT(ticks <= expected + 1);
  KEXPECT(ticks >= expected / 8 + 1);
}

KTEST(time, udelay_waits_at_least_as_asked) {
  const uint64_t start = cpu::rdtsc();
  drivers::udelay(3000);
  KEXPECT(drivers::tsc_to_us(cpu::rdtsc() - start) >= 3000);
}
