// Starting the application processors: the CPUs ACPI's MADT lists, each woken with INIT-SIPI-SIPI
// through the real-mode trampoline (kernel/arch/x86_64/ap_trampoline.S) and brought to ap_main on
// its own stack with its own GDT, TSS, per-CPU data (GS) and LAPIC; then it idles halted with
// interrupts on, waiting for IPIs.
//
// Invariants: only the boot CPU starts CPUs, one at a time (the trampoline's parameter block is
// shared), so no lock is needed here; every wait is bounded by TSC time, and a CPU that does not
// report within its bound is sent INIT again (parked) before the next one is started, so a late
// answer can never run with another CPU's parameters. Dense ids go to CPUs that answered, in
// start order: cpus_online() CPUs are 0 .. cpus_online()-1.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::smp {

struct SmpReport {
  unsigned listed = 0;      // enabled CPUs in the MADT (the boot CPU included)
  unsigned up = 0;          // CPUs running (the boot CPU included)
  unsigned failed = 0;      // listed CPUs that never reported
  unsigned not_driven = 0;  // listed beyond arch::kMaxCpus, left in reset
  uint8_t failed_apic_ids[8] = {};
};

// Starts every AP the MADT lists and prints `smp: N of M CPUs up` (and which did not answer).
// avoid_phys/avoid_len: memory that must survive (the boot information): if it overlaps the low
// pages the trampoline needs, no AP is started and the line says why.
SmpReport start_aps(uint64_t avoid_phys, uint64_t avoid_len);

// One AP: dense id `cpu` (unused so far), at LAPIC `apic_id`, given timeout_us to report;
// send_init false: the caller already sent it INIT and waited.
// kNotFound: it never answered (it has been sent INIT again); kBusy: the LAPIC would not send;
// kOutOfMemory: no memory for its stacks; kInvalidArgument: cpu out of range or already online.
[[nodiscard]] Result<void> start_cpu(unsigned cpu, uint8_t apic_id, uint64_t timeout_us,
                                     bool send_init = true);

// CPUs running, the boot CPU included (1 before start_aps).
[[nodiscard]] unsigned cpus_online();

}  // namespace glass::smp
