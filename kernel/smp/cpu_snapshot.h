// Where is CPU n now? For hang reports: a CPU that does not finish its share of a test, or does
// not answer a shootdown, is named with the instruction it is executing. The asker sends it an
// NMI (which arrives even with interrupts off, e.g. spinning on a lock); the NMI handler records
// the interrupted RIP and returns to it.
//
// Invariants: one request per target at a time (the asker is the boot CPU's test, or a panic
// path); the target writes rip then publishes `seq` (release), the asker reads after seeing it
// (acquire); the wait is bounded, and a CPU that cannot even take an NMI is reported as such. An
// NMI nobody asked for is not claimed here (it stays a panic with its decode).
#pragma once

#include <stdint.h>

#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/lib/result.h"

namespace glass::smp {

// The RIP CPU `cpu` was executing, within timeout_us. kNotFound: it did not take the NMI in time;
// kInvalidArgument: not another online CPU.
[[nodiscard]] Result<uint64_t> cpu_rip(unsigned cpu, uint64_t timeout_us);
// Called by the dispatcher for vector 2 first: true if this NMI was asked for (recorded).
[[nodiscard]] bool on_nmi(const arch::InterruptFrame& frame);

}  // namespace glass::smp
