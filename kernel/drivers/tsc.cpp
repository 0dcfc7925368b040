// TSC calibration against PIT channel 2, and the legacy PIC shutdown; see tsc.h.
//
// One PIT window could be badly off under TCG when it ended on the PIT's terminal count (the host
// descheduled the vCPU after the count ran out: one boot in 55 once measured 4002.9 MHz instead
// of ~2105, one in 100 later 4.9x off), so a window now ends on a bracketed read of the count
// (reference_window.h), and the TSC is measured over several windows with the median of those
// that agree kept (robust_estimate.h).
#include "kernel/drivers/tsc.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/lib/robust_estimate.h"

namespace glass::drivers {
namespace {
uint64_t g_tsc_khz = 0;
}  // namespace

namespace {
// Reads channel 2's count (latched, so the two bytes belong together) inside the TSC brackets.
struct PitClocks {
  uint32_t (*other_fn)();
  uint64_t tsc() { return cpu::rdtsc(); }
  uint32_t count() {
    cpu::outb(0x43, 0x80);  // counter latch, channel 2
    const uint8_t lo = cpu::inb(0x42);
    return lo | static_cast<uint32_t>(cpu::inb(0x42)) << 8;
  }
  uint32_t other() { return other_fn != nullptr ? other_fn() : 0; }
};

void pit_arm() {
  // Channel 2 gate on, speaker off; mode 0 (count down, no reload), binary, lo/hi byte.
  cpu::outb(0x61, static_cast<uint8_t>((cpu::inb(0x61) & ~0x02) | 0x01));
  cpu::outb(0x43, 0xb0);
  cpu::outb(0x42, 0xff);
  cpu::outb(0x42, 0xff);
}
}  // namespace

ReferenceWindow pit_window(uint32_t window_us, uint32_t (*other)()) {
  if (window_us > kPitMaxWindowUs) window_us = kPitMaxWindowUs;
  const auto counts = static_cast<uint32_t>(kPitHz * window_us / 1000000);
  PitClocks clocks{other};
  ReferenceWindow w;
  for (int attempt = 0; attempt < 4; ++attempt) {
    pit_arm();
    // The count is loaded on the PIT's next clock edge: start once it is counting (bounded, so
    // a machine without a PIT ends with an unclean window instead of hanging).
    for (int i = 0; i < 100000 && clocks.count() >= 0xfffe; ++i) cpu::pause();
    w = measure_reference_window(clocks, counts);
    if (w.clean) break;
  }
  return w;
}

TscCalibration tsc_calibrate(uint32_t window_us, unsigned windows) {
  auto one_window = [&] {
    const ReferenceWindow w = pit_window(window_us, nullptr);
    return khz_over(w, w.tsc_ticks);
  };
  const RobustEstimate e = robust_estimate(one_window, windows, kCalibrationTolerancePpm, 4);
  g_tsc_khz = e.value != 0 ? e.value : 1;  // never divide by zero later
  return TscCalibration{g_tsc_khz, e.samples, e.rejected, e.ok};
}

uint64_t tsc_khz() {
  return g_tsc_khz;
}

uint64_t tsc_to_ns(uint64_t ticks) {
  if (g_tsc_khz == 0) return 0;
  // Split so nothing overflows 64 bits (the remainder is < khz, ~1e7) and no 128-bit division
  // (a libgcc call, which is built with a red zone) is needed.
  return ticks / g_tsc_khz * 1000000 + ticks % g_tsc_khz * 1000000 / g_tsc_khz;
}

uint64_t tsc_to_us(uint64_t ticks) {
  return tsc_to_ns(ticks) / 1000;
}

void udelay(uint64_t us) {
  const uint64_t end = cpu::rdtsc() + us * g_tsc_khz / 1000;
  while (cpu::rdtsc() < end) cpu::pause();
}

void pic_disable() {
  // ICW1..ICW4: remap master to 0x20 and slave to 0x28, then mask every line.
  cpu::outb(0x20, 0x11);
  cpu::outb(0xa0, 0x11);
  cpu::outb(0x21, 0x20);
  cpu::outb(0xa1, 0x28);
  cpu::outb(0x21, 0x04);
  cpu::outb(0xa1, 0x02);
  cpu::outb(0x21, 0x01);
  cpu::outb(0xa1, 0x01);
  cpu::outb(0x21, 0xff);
  cpu::outb(0xa1, 0xff);
}

}  // namespace glass::drivers
