// The time-stamp counter as the kernel's clock, calibrated once against the PIT (a fixed
// 1.193182 MHz reference every PC and QEMU machine has).
// Invariant: tsc_to_ns() is only meaningful after tsc_calibrate(); before it, it returns 0 so that
// early timestamps are obviously unset rather than wrong.
#pragma once

#include <stdint.h>

namespace glass::drivers {

// Calibration windows agree when within this of their median (1 %); see robust_estimate.h.
inline constexpr uint64_t kCalibrationTolerancePpm = 10000;

struct TscCalibration {
  uint64_t khz;       // the TSC frequency
  unsigned windows;   // PIT windows measured
  unsigned rejected;  // of them, outliers
  bool trusted;       // a majority of windows agreed
};
// Measures TSC ticks over `windows` windows of window_us of PIT channel 2 time (retrying when
// they disagree) and keeps the median of those that agree.
TscCalibration tsc_calibrate(uint32_t window_us, unsigned windows);

// PIT channel 2 as a one-shot reference window (the speaker stays off): pit_start arms it for
// window_us (at most kPitMaxWindowUs) and returns its length in PIT counts (kPitHz per second);
// pit_wait spins until it ends. Single-threaded use only (boot, ktests).
inline constexpr uint64_t kPitHz = 1193182;
inline constexpr uint32_t kPitMaxWindowUs = 54000;  // 16-bit latch
uint32_t pit_start(uint32_t window_us);
void pit_wait();
[[nodiscard]] uint64_t tsc_khz();
[[nodiscard]] uint64_t tsc_to_ns(uint64_t ticks);
[[nodiscard]] uint64_t tsc_to_us(uint64_t ticks);
// Busy-waits (interrupts may fire meanwhile).
void udelay(uint64_t us);

// Masks the legacy 8259 PICs after moving them off the exception vectors, so a stray legacy IRQ
// can never look like a CPU exception.
void pic_disable();

}  // namespace glass::drivers
