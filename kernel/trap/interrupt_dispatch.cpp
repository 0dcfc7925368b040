// Interrupt and exception dispatch: where every vector lands after isr.S.
//
// Invariants: every vector reaches interrupt_dispatch through isr.S with interrupts off. Device
// interrupts are handled and acknowledged here; a page fault is first offered to mm (demand
// zero) unless it is a probe_read_u64's (kernel/arch/x86_64/probe.h), an NMI first to
// kernel/smp/cpu_snapshot.h (a hang report asking where this CPU is); an exception is then offered
// to the ktest runner (a test may declare exactly that fault); if nobody claims it, the kernel
// prints the decode and stops: after an unexpected fault kernel state cannot be trusted, so there
// is no "try to continue".
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/arch/x86_64/probe.h"
#include "kernel/base/exception_decode.h"
#include "kernel/base/kprintf.h"
#include "kernel/base/shutdown.h"
#include "kernel/drivers/lapic.h"
#include "kernel/ktest/runner.h"
#include "kernel/sched/thread.h"
#include "kernel/smp/cpu_snapshot.h"
#include "mm/virt/address_space.h"

extern "C" void interrupt_dispatch(glass::arch::InterruptFrame* frame) {
  using namespace glass;
  if (frame->vector == arch::kVectorTimer) {
    drivers::lapic_on_timer_tick();
    sched::on_timer_tick();  // after the EOI: it may switch threads
    return;
  }
  if (frame->vector == arch::kVectorSpurious) return;
  if (frame->vector >= arch::kVectorIsaBase &&
      frame->vector < arch::kVectorIsaBase + arch::kDeviceVectors) {
    if (const arch::IrqHandler h = arch::irq_handler(frame->vector)) h();
    drivers::lapic_eoi();
    return;
  }
  if (frame->vector == 2 && smp::on_nmi(*frame)) return;  // a hang report asked where we are
  const uint64_t cr2 = frame->vector == 14 ? cpu::read_cr2() : 0;
  if (frame->vector == 14 && arch::probe_fixup(*frame)) return;  // probe_read_u64 reports it
  if (frame->vector == 14 && mm::handle_page_fault(cr2, frame->error_code)) return;  // demand zero
  if (frame->vector < 32) ktest::offer_exception(*frame, cr2);  // returns only if not claimed
  arch::print_exception_decode(*frame, cr2);
  if (const char* test = ktest::running_test_name()) panic_printf("ktest: crashed in %s\n", test);
  kernel_exit_after_panic();
}
