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

KTEST(time, timer_ticks_at_its_rate) {
  const uint32_t hz = drivers::timer_hz();
  KASSERT(hz > 0);
  // Align to a tick edge, then time 10 ticks against the TSC.
  uint64_t t0 = drivers::timer_ticks();
  while (drivers::timer_ticks() == t0) cpu::pause();
  const uint64_t start_tsc = cpu::rdtsc();
  const uint64_t start_tick = drivers::timer_ticks();
  while (drivers::timer_ticks() < start_tick + 10) cpu::pause();
  const uint64_t us = drivers::tsc_to_us(cpu::rdtsc() - start_tsc);
  const uint64_t want_us = 10ull * 1000000 / hz;
  // Ticks can never come early, so the lower bound is tight. They can come late: QEMU drops a
  // periodic tick it could not deliver while the host was busy (CI runs tests side by side), so
  // the upper bound only catches a grossly wrong rate (e.g. a divider off by 4x or more).
  KEXPECT(us > want_us * 90 / 100);
  KEXPECT(us < want_us * 4);
}

KTEST(time, udelay_waits_at_least_as_asked) {
  const uint64_t start = cpu::rdtsc();
  drivers::udelay(3000);
  KEXPECT(drivers::tsc_to_us(cpu::rdtsc() - start) >= 3000);
}
