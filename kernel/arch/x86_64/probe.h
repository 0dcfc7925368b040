// A read that reports a page fault instead of panicking (probe.S), for cross-CPU fault tests.
// Invariant: only the single load at probe_read_insn is ever redirected; the redirection is
// stateless, so any CPU may probe at any time.
#pragma once

#include <stdint.h>

#include "kernel/arch/x86_64/interrupt_frame.h"

extern "C" bool probe_read_u64(const volatile uint64_t* addr, uint64_t* out);
extern "C" char probe_read_insn[], probe_read_fixup[];

namespace glass::arch {

// Called by the #PF dispatcher first: a fault at the probe's load resumes at its fixup (the
// probe returns false) and is claimed (true); any other fault is left alone (false).
[[nodiscard]] inline bool probe_fixup(InterruptFrame& frame) {
  if (frame.rip != reinterpret_cast<uint64_t>(probe_read_insn)) return false;
  frame.rip = reinterpret_cast<uint64_t>(probe_read_fixup);
  return true;
}

}  // namespace glass::arch
