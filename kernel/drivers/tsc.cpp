// TSC calibration against PIT channel 2, and the legacy PIC shutdown; see tsc.h.
//
// One PIT window can be badly off under TCG (the host deschedules the vCPU while the PIT reaches
// terminal count: one boot in 55 once measured 4002.9 MHz instead of ~2105), so the TSC is
// measured over several windows and the median of those that agree is kept (robust_estimate.h).
#include "kernel/drivers/tsc.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/lib/robust_estimate.h"

namespace glass::drivers {
namespace {
uint64_t g_tsc_khz = 0;
}  // namespace

uint32_t pit_start(uint32_t window_us) {
  if (window_us > kPitMaxWindowUs) window_us = kPitMaxWindowUs;
  const uint64_t latch = kPitHz * window_us / 1000000;
  // Channel 2 gate on, speaker off; mode 0 (interrupt on terminal count), binary, lo/hi byte.
  cpu::outb(0x61, static_cast<uint8_t>((cpu::inb(0x61) & ~0x02) | 0x01));
  cpu::outb(0x43, 0xb0);
  cpu::outb(0x42, static_cast<uint8_t>(latch & 0xff));
  cpu::outb(0x42, static_cast<uint8_t>(latch >> 8));
  return static_cast<uint32_t>(latch);
}

void pit_wait() {
  while ((cpu::inb(0x61) & 0x20) == 0) cpu::pause();  // OUT2 goes high at terminal count
}

TscCalibration tsc_calibrate(uint32_t window_us, unsigned windows) {
  auto one_window = [&] {
    const uint32_t latch = pit_start(window_us);
    const uint64_t start = cpu::rdtsc();
    pit_wait();
    return (cpu::rdtsc() - start) * kPitHz / 1000 / latch;
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
