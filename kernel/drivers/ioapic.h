// The I/O APIC: routes an external interrupt input (a GSI) to a vector on a local APIC.
//
// Invariants: the kernel drives one I/O APIC (the one the MADT names for the input it routes),
// reached through the direct map (its 2 MiB block is mapped uncached: no RAM there). IOREGSEL and
// IOWIN form a pair: select-then-access must not be interleaved, so every access runs with
// interrupts off on this CPU (single CPU for now; SMP will need a lock here). An entry is written
// masked first, then unmasked, so a half-written entry never delivers.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::drivers {

struct IoApicRoute {
  uint8_t vector = 0;
  uint8_t dest_apic_id = 0;  // physical destination mode
  bool active_low = false;
  bool level = false;
  bool masked = true;
};

class IoApic {
 public:
  // Adopts the I/O APIC at physical address `phys`; kUnsupported if nothing plausible answers
  // there (its version register reads all ones or zero redirection entries).
  [[nodiscard]] Result<void> init(uint64_t phys);
  [[nodiscard]] bool ready() const { return regs_ != nullptr; }
  // Number of inputs (redirection entries).
  [[nodiscard]] unsigned inputs() const { return inputs_; }
  // Programs input `index` (fixed delivery, physical destination); kInvalidArgument when the
  // index is beyond inputs().
  [[nodiscard]] Result<void> route(unsigned index, const IoApicRoute& r);
  void mask(unsigned index);
  // The raw 64-bit redirection entry (for tests and the boot line).
  [[nodiscard]] uint64_t entry(unsigned index);
  [[nodiscard]] static IoApicRoute decode(uint64_t entry);

 private:
  uint32_t read(uint32_t reg);
  void write(uint32_t reg, uint32_t v);
  volatile uint32_t* regs_ = nullptr;
  unsigned inputs_ = 0;
};

// The one the kernel routes through.
IoApic& ioapic();

}  // namespace glass::drivers
