// The kernel's implementation of the platform seam (kernel/lib/platform.h).
// Invariant: current_cpu() is the dense per-CPU id read through GS (kernel/arch/x86_64/percpu.h),
// valid from kernel_start's first line on every CPU; everything here is callable with interrupts
// off and from a panic.
#include "kernel/lib/platform.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/base/backtrace.h"
#include "kernel/base/kprintf.h"
#include "kernel/base/shutdown.h"
#include "kernel/drivers/tsc.h"
#include "kernel/ktest/runner.h"
#include "kernel/smp/shootdown.h"
#include "kernel/telemetry/telemetry.h"

namespace glass {

namespace platform {

void cpu_relax() {
  cpu::pause();
  // Every spin loop answers TLB shootdowns, so spinning with interrupts off (a SpinGuard) on a
  // lock whose holder waits for this CPU's flush cannot deadlock (kernel/smp/shootdown.h).
  smp::shootdown_poll();
}

uintptr_t irq_save() {
  uintptr_t flags = cpu::read_rflags();
  cpu::cli();
  return flags & cpu::kRflagsIF;
}

void irq_restore(uintptr_t token) {
  if (token != 0) cpu::sti();
}

unsigned current_cpu() {
  return arch::this_cpu_id();
}

void console_write(const char* s, size_t n) {
  console_write_unlocked(s, n);
  telemetry::panic_text(s, n);  // only panics write here
}

void panic_stop() {
  // Start the walk here: frame #0 is panic_stop itself, #1 its caller (panic), and so on. (Our
  // return address would not do for #0: the call to a [[noreturn]] function is the caller's
  // last instruction, so the return address lies past the caller's end and names nothing.)
  uint64_t rip, rbp;
  asm volatile("lea 0(%%rip), %0" : "=r"(rip));
  asm volatile("mov %%rbp, %0" : "=r"(rbp));
  print_backtrace(rip, rbp);
  if (const char* test = ktest::running_test_name()) {
    panic_printf("ktest: panic in %s\n", test);
  }
  kernel_exit_after_panic();
}

uint64_t now_ns() {
  return drivers::tsc_to_ns(cpu::rdtsc());
}

}  // namespace platform
}  // namespace glass
