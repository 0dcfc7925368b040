// ACPI, only as far as the kernel needs it: from the RSDP the boot loader handed over, through the
// RSDT or XSDT, to the MADT's I/O APICs and interrupt source overrides, to find where an ISA IRQ
// arrives (which I/O APIC, which input, which polarity and trigger), and to the MADT's processor
// local APICs, to know which CPUs there are to start.
//
// Invariants: every table is untrusted input. Nothing is read before its header says it is that
// long and the reader (PhysView) says those bytes are readable; every checksum is verified; any
// inconsistency is an error with a static reason string (the caller prints it and falls back), it
// never crashes and never guesses. Portable (no kernel headers): host tests and ktests feed it
// synthetic tables.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/boot/multiboot2.h"
#include "kernel/lib/result.h"

namespace glass::acpi {

// Returns a pointer to `len` readable bytes at physical address `phys`, or nullptr when they are
// not readable (outside what is mapped). The kernel passes its direct map.
using PhysView = const uint8_t* (*)(uint64_t phys, size_t len, void* ctx);

struct IsaRoute {
  uint8_t isa_irq = 0;
  uint32_t gsi = 0;          // global system interrupt (the override's, else the IRQ number)
  bool active_low = false;   // polarity: ISA default is active high
  bool level = false;        // trigger: ISA default is edge
  bool overridden = false;   // an interrupt source override named this IRQ
  uint64_t ioapic_phys = 0;  // MMIO base of the I/O APIC whose inputs cover gsi
  uint8_t ioapic_id = 0;
  uint32_t ioapic_gsi_base = 0;  // gsi - this = the redirection entry's index
  bool legacy_pics = false;      // MADT flag PCAT_COMPAT: 8259s are present (and must be masked)
};

// Finds where ISA IRQ `irq` is delivered. On error, *why names the problem (static text), e.g.
// "no RSDP", "MADT checksum mismatch", "no I/O APIC serves GSI 3".
[[nodiscard]] Result<IsaRoute> find_isa_route(const mb2::Rsdp& rsdp, uint8_t irq, PhysView view,
                                              void* ctx, const char** why);

// The CPUs the MADT lists (processor local APIC entries), in table order. A CPU whose flags say
// not enabled (an absent or hot-plug slot) is counted in `disabled` and not listed; CPUs beyond
// kMaxListedCpus are counted in `dropped`.
struct CpuList {
  static constexpr unsigned kMaxListedCpus = 32;
  uint8_t apic_ids[kMaxListedCpus] = {};
  unsigned count = 0;
  unsigned disabled = 0;
  unsigned dropped = 0;
};
// The MADT's CPUs. On error, *why names the problem (static text), as for find_isa_route.
[[nodiscard]] Result<CpuList> find_cpus(const mb2::Rsdp& rsdp, PhysView view, void* ctx,
                                        const char** why);

}  // namespace glass::acpi
