// Per-CPU data through GS; see percpu.h for the invariants.
#include "kernel/arch/x86_64/percpu.h"

#include "kernel/arch/x86_64/cpu.h"

namespace glass::arch {

PerCpu g_percpu[kMaxCpus];

void percpu_install(unsigned cpu) {
  PerCpu& p = g_percpu[cpu];
  p.self = &p;
  p.id = cpu;
  cpu::wrmsr(cpu::kMsrGsBase, reinterpret_cast<uint64_t>(&p));
}

}  // namespace glass::arch
