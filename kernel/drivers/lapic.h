// Local APIC: the periodic timer tick (vector 32) and end-of-interrupt.
// Invariant: the tick counter is written only by the timer interrupt on this CPU and read
// anywhere with a relaxed atomic load; the LAPIC registers are reached through the direct map
// (uncached, see early_paging).
#pragma once

#include <stdint.h>

namespace glass::drivers {

// Enables the LAPIC and starts the timer at hz, calibrated against the (already calibrated) TSC.
// Returns the LAPIC timer input frequency in kHz after the divider, for the boot summary.
uint64_t lapic_init(uint32_t hz);
[[nodiscard]] uint64_t timer_ticks();
[[nodiscard]] uint32_t timer_hz();
void lapic_on_timer_tick();
void lapic_eoi();
// This CPU's local APIC id (the destination an I/O APIC entry names to reach it).
[[nodiscard]] uint8_t lapic_id();

}  // namespace glass::drivers
