// ap_main: an application processor's first C++ code, called by ap_entry64
// (kernel/arch/x86_64/ap_trampoline.S) on its own stack with the kernel's page tables loaded.
//
// Invariants: the order is the boot CPU's (descriptor tables before anything can fault, per-CPU
// data before anything asks which CPU this is, the LAPIC before interrupts are on); `online` is
// set last, with release order, so the boot CPU that sees it sees everything before it. The CPU
// then idles (cpu_work.h: posted work, else halted with interrupts on): only IPIs reach it (device
// interrupts and the timer tick go to the boot CPU).
#include <stdint.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/drivers/lapic.h"
#include "kernel/sched/thread.h"
#include "kernel/smp/cpu_work.h"

extern "C" [[noreturn]] void ap_main(uint64_t cpu) {
  using namespace glass;
  const auto id = static_cast<unsigned>(cpu);
  arch::gdt_init(id, arch::g_percpu[id].ist_top);
  arch::percpu_install(id);
  arch::idt_load();
  sched::init_cpu();  // this context (the idle loop to be) is the CPU's thread 0
  drivers::lapic_init_ap();
  arch::g_percpu[id].online.store(true, std::memory_order_release);
  smp::idle_loop();
}
