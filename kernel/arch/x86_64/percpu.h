// Per-CPU data, reached through GS: each CPU's IA32_GS_BASE points at its own PerCpu, so
// `this_cpu_id()` is one load (gs:offset) with no table lookup and no lock.
//
// Invariants: g_percpu[i] belongs to CPU i (the dense index, 0 = the boot CPU, APs numbered in
// the order they were started); its fields are written by the boot CPU before that CPU starts
// (id, apic_id, stacks) and afterwards only by the CPU itself, except `online`, which the CPU
// sets once (release) and others read (acquire). GS_BASE is loaded by percpu_install on the CPU
// itself, first thing, before anything that asks which CPU it is (locks, telemetry). Nothing here
// allocates: the array is static, sized by kMaxCpus.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>

namespace glass::arch {

// CPUs Glass drives (the others the MADT lists are reported, not started).
inline constexpr unsigned kMaxCpus = 8;

struct PerCpu {
  PerCpu* self;         // gs:0 points back here, so &this_cpu() is one load
  uint32_t id;          // dense index, 0 .. kMaxCpus-1
  uint32_t apic_id;     // the local APIC's id: where an IPI to this CPU is sent
  uint64_t stack_top;   // its kernel stack (0 until mapped; the boot CPU's is boot.S's)
  uint64_t ist_top[3];  // its IST stacks (#DF, NMI, #MC); the boot CPU's are gdt.cpp's
  std::atomic<bool> online;
};
static_assert(offsetof(PerCpu, self) == 0, "this_cpu() reads gs:0");
static_assert(offsetof(PerCpu, id) == 8, "this_cpu_id() reads gs:8");

extern PerCpu g_percpu[kMaxCpus];

// Points this CPU's GS_BASE at g_percpu[cpu] (also sets self and id).
void percpu_install(unsigned cpu);

[[nodiscard]] inline unsigned this_cpu_id() {
  uint32_t id;
  asm volatile("movl %%gs:8, %0" : "=r"(id));
  return id;
}
[[nodiscard]] inline PerCpu& this_cpu() {
  PerCpu* p;
  asm volatile("movq %%gs:0, %0" : "=r"(p));
  return *p;
}

}  // namespace glass::arch
