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

// The three clocks against each other over fresh windows: PIT (the reference), the TSC and the
// LAPIC timer. Each window is shorter than one timer period (the LAPIC count runs down from its
// initial count once per tick), so the count wraps at most once. The median of several windows
// is compared, with the calibration's own tolerance doubled (2 %): one window stretched by the
// host is an outlier here as at boot, not a failure.
KTEST(time, tsc_lapic_and_pit_agree) {
  const uint32_t initial = drivers::lapic_initial_count();
  const uint64_t lapic_khz = drivers::lapic_timer_khz();
  KASSERT(initial > 0 && lapic_khz > 0);
  // Shorter than a tick period (initial / lapic_khz ms), and at most 5 ms.
  uint64_t window_us = static_cast<uint64_t>(initial) * 1000 / lapic_khz * 8 / 10;
  if (window_us > 5000) window_us = 5000;
  KASSERT(window_us >= 500);
  constexpr unsigned kWindows = 7;
  uint64_t tsc_khz[kWindows], lapic[kWindows], via_tsc[kWindows];
  for (unsigned i = 0; i < kWindows; ++i) {
    const uint32_t latch = drivers::pit_start(static_cast<uint32_t>(window_us));
    const uint64_t t0 = cpu::rdtsc();
    const uint32_t c0 = drivers::lapic_current_count();
    drivers::pit_wait();
    const uint32_t c1 = drivers::lapic_current_count();
    const uint64_t ticks = cpu::rdtsc() - t0;
    const uint64_t counted = c1 <= c0 ? c0 - c1 : c0 + (initial - c1);  // one reload at most
    tsc_khz[i] = ticks * drivers::kPitHz / 1000 / latch;
    lapic[i] = counted * drivers::kPitHz / 1000 / latch;
    via_tsc[i] = ticks == 0 ? 0 : counted * drivers::tsc_khz() / ticks;
  }
  auto median = [](uint64_t* v) {
    for (unsigned i = 1; i < kWindows; ++i) {
      for (unsigned j = i; j > 0 && v[j - 1] > v[j]; --j) {
        const uint64_t t = v[j];
        v[j] = v[j - 1];
        v[j - 1] = t;
      }
    }
    return v[kWindows / 2];
  };
  const uint64_t tsc_m = median(tsc_khz), lapic_m = median(lapic), tsc_lapic = median(via_tsc);
  auto within_2_percent = [](uint64_t a, uint64_t b) { return (a > b ? a - b : b - a) * 50 <= b; };
  if (!within_2_percent(tsc_m, drivers::tsc_khz())) {
    KFAIL("TSC against the PIT: %lu kHz, calibrated %lu kHz", tsc_m, drivers::tsc_khz());
  }
  if (!within_2_percent(lapic_m, lapic_khz)) {
    KFAIL("LAPIC timer against the PIT: %lu kHz, calibrated %lu kHz", lapic_m, lapic_khz);
  }
  if (!within_2_percent(tsc_lapic, lapic_khz)) {
    KFAIL("LAPIC timer against the TSC: %lu kHz, calibrated %lu kHz", tsc_lapic, lapic_khz);
  }
}
