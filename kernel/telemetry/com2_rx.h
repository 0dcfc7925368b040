// The telemetry channel's receive path on COM2: by interrupt (ISA IRQ 3 through the I/O APIC) or
// polled. Kernel only; the invariants are in com2_rx_kernel.cpp.
#pragma once

#include <stdint.h>

namespace glass::telemetry::internal {

// Chooses the path and prints it at boot ("telemetry: COM2 receive by IOAPIC irq 3 -> vector N"
// or "... polled (reason)"). polled: telemetry=polled on the command line.
void com2_rx_init(bool polled);
// Thread context (poll()): the next host byte, -1 when none is waiting.
[[nodiscard]] int com2_rx_byte();
// Thread context (poll()): interrupt mode only, moves bytes the handler left in the FIFO.
void com2_rx_collect();

struct RxInfo {
  bool irq_mode = false;
  uint8_t isa_irq = 0;
  uint8_t vector = 0;
  unsigned ioapic_index = 0;
  const char* polled_reason = "";  // "" in interrupt mode
  uint64_t irqs = 0;               // receive interrupts taken
  uint64_t irq_bytes = 0;          // bytes the handler moved
  uint64_t catch_up_bytes = 0;     // bytes poll() found left in the FIFO (interrupt mode)
  uint64_t overflows = 0;          // bytes lost to a full queue
  uint64_t line_errors = 0;        // overrun / parity / framing / break seen in LSR
};
[[nodiscard]] RxInfo com2_rx_info();

}  // namespace glass::telemetry::internal
