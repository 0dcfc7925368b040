// The time-stamp counter as the kernel's clock, calibrated once against the PIT (a fixed
// 1.193182 MHz reference every PC and QEMU machine has).
// Invariant: tsc_to_ns() is only meaningful after tsc_calibrate(); before it, it returns 0 so that
// early timestamps are obviously unset rather than wrong.
#pragma once

#include <stdint.h>

#include "kernel/lib/reference_window.h"

namespace glass::drivers {

// Calibration windows agree when within this of their median (1 %); see robust_estimate.h.
inline constexpr uint64_t kCalibrationTolerancePpm = 10000;

struct TscCalibration {
  uint64_t khz;       // the TSC frequency
  unsigned windows;   // PIT windows measured
  unsigned rejected;  // of them, outliers
  bool trusted;       // a majority of windows agreed
};
// Measures TSC ticks over `windows` PIT windows of window_us (pit_window), retrying when they
// disagree, and keeps the median of those that agree.
TscCalibration tsc_calibrate(uint32_t window_us, unsigned windows);

// PIT channel 2 as a reference window (the speaker stays off): armed to count down from 0xffff
// (~55 ms), the window is the time between two reads of its count, each read with the TSC on
// both sides (kernel/lib/reference_window.h), so a vCPU stalled at an end cannot stretch it.
// `other` (may be null) is read inside each end's bracket: the LAPIC timer's count, to time it
// against the same window. A window whose ends were not clean is measured again (at most 4
// times; the last is returned either way, with clean false). window_us <= kPitMaxWindowUs.
// Single-threaded use only (boot, ktests).
inline constexpr uint64_t kPitHz = 1193182;
inline constexpr uint32_t kPitMaxWindowUs = 50000;  // 16-bit counter, with room to arm it
[[nodiscard]] ReferenceWindow pit_window(uint32_t window_us, uint32_t (*other)());
// The TSC's (or another counter's) rate over a window, in kHz.
[[nodiscard]] inline uint64_t khz_over(const ReferenceWindow& w, uint64_t ticks) {
  return w.counts == 0 ? 0 : ticks * kPitHz / 1000 / w.counts;
}
[[nodiscard]] uint64_t tsc_khz();
[[nodiscard]] uint64_t tsc_to_ns(uint64_t ticks);
[[nodiscard]] uint64_t tsc_to_us(uint64_t ticks);
// Busy-waits (interrupts may fire meanwhile).
void udelay(uint64_t us);

// Masks the legacy 8259 PICs after moving them off the exception vectors, so a stray legacy IRQ
// can never look like a CPU exception.
void pic_disable();

}  // namespace glass::drivers
