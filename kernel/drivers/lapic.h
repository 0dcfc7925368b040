// Local APIC: the periodic timer tick (vector 32), end-of-interrupt and inter-processor
// interrupts (INIT, SIPI, fixed vectors) through the ICR. Every CPU has its own LAPIC at the same
// physical address: the registers reached are always the calling CPU's.
// Invariant: the tick counter is written only by the timer interrupt on this CPU and read
// anywhere with a relaxed atomic load; the LAPIC registers are reached through the direct map
// (uncached, see early_paging).
#pragma once

#include <stdint.h>

namespace glass::drivers {

struct LapicCalibration {
  uint64_t khz;       // the timer's input frequency after the divider
  unsigned windows;   // windows measured
  unsigned rejected;  // of them, outliers (more than 1 % from the median)
  bool trusted;       // a majority of windows agreed
};
// Enables the LAPIC and starts the timer at hz, calibrated against the PIT (tsc.h's pit_window)
// over several windows (the median of those that agree, see kernel/lib/robust_estimate.h).
LapicCalibration lapic_init(uint32_t hz);
// The calibrated input frequency (kHz), the periodic count loaded, and the count now (it counts
// down from lapic_initial_count() to 0 once per tick).
[[nodiscard]] uint64_t lapic_timer_khz();
[[nodiscard]] uint32_t lapic_initial_count();
[[nodiscard]] uint32_t lapic_current_count();
[[nodiscard]] uint64_t timer_ticks();
[[nodiscard]] uint32_t timer_hz();
void lapic_on_timer_tick();
void lapic_eoi();
// An AP's local APIC: enabled (spurious vector set), its timer ticking at the boot CPU's rate
// (for preemption); timer_ticks counts the boot CPU's ticks only, not the sum.
void lapic_init_ap();
// Inter-processor interrupts through the ICR. Each waits, bounded, for the previous send to leave
// (delivery status idle) and returns false if the LAPIC stayed busy (the caller reports it).
[[nodiscard]] bool lapic_send_init(uint8_t apic_id);
[[nodiscard]] bool lapic_send_startup(uint8_t apic_id, uint8_t page);  // SIPI: start at page*4K
[[nodiscard]] bool lapic_send_ipi(uint8_t apic_id, uint8_t vector);
[[nodiscard]] bool lapic_send_nmi(uint8_t apic_id);  // arrives even with interrupts off
// This CPU's local APIC id (the destination an I/O APIC entry names to reach it).
[[nodiscard]] uint8_t lapic_id();

}  // namespace glass::drivers
