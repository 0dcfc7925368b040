// The time-stamp counter as the kernel's clock, calibrated once against the PIT (a fixed
// 1.193182 MHz reference every PC and QEMU machine has).
// Invariant: tsc_to_ns() is only meaningful after tsc_calibrate(); before it, it returns 0 so that
// early timestamps are obviously unset rather than wrong.
#pragma once

#include <stdint.h>

namespace glass::drivers {

// Measures TSC ticks over window_us of PIT channel 2 time; returns the TSC frequency in kHz.
uint64_t tsc_calibrate(uint32_t window_us);
[[nodiscard]] uint64_t tsc_khz();
[[nodiscard]] uint64_t tsc_to_ns(uint64_t ticks);
[[nodiscard]] uint64_t tsc_to_us(uint64_t ticks);
// Busy-waits (interrupts may fire meanwhile).
void udelay(uint64_t us);

// Masks the legacy 8259 PICs after moving them off the exception vectors, so a stray legacy IRQ
// can never look like a CPU exception.
void pic_disable();

}  // namespace glass::drivers
