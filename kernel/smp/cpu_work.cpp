// Work for idle APs; see cpu_work.h for the invariants.
#include "kernel/smp/cpu_work.h"

#include <atomic>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/lib/platform.h"
#include "kernel/sched/thread.h"
#include "kernel/smp/ap_boot.h"

namespace glass::smp {
namespace {

struct Mailbox {
  WorkFn fn = nullptr;
  void* arg = nullptr;
  uint32_t poster_apic = 0;  // woken when the work is done
  std::atomic<uint64_t> posted{0};
  std::atomic<uint64_t> done{0};
};
Mailbox g_box[arch::kMaxCpus];

}  // namespace

Result<void> post_work(unsigned cpu, WorkFn fn, void* arg) {
  if (cpu == 0 || cpu >= cpus_online() || fn == nullptr) return Error::kInvalidArgument;
  Mailbox& m = g_box[cpu];
  const uint64_t posted = m.posted.load(std::memory_order_relaxed);
  if (m.done.load(std::memory_order_acquire) != posted) return Error::kBusy;
  m.fn = fn;
  m.arg = arg;
  m.poster_apic = arch::this_cpu().apic_id;
  m.posted.store(posted + 1, std::memory_order_release);
  if (!drivers::lapic_send_ipi(static_cast<uint8_t>(arch::g_percpu[cpu].apic_id),
                               arch::kVectorIpiWake)) {
    return Error::kBusy;  // it will still see the work at its next wake-up
  }
  return {};
}

bool wait_work(unsigned cpu, uint64_t timeout_us) {
  if (cpu == 0 || cpu >= arch::kMaxCpus) return false;
  Mailbox& m = g_box[cpu];
  const uint64_t limit = drivers::tsc_khz() * timeout_us / 1000;
  const uint64_t start = cpu::rdtsc();
  const bool can_halt = (cpu::read_rflags() & cpu::kRflagsIF) != 0;
  for (;;) {
    if (m.done.load(std::memory_order_acquire) == m.posted.load(std::memory_order_relaxed)) {
      return true;
    }
    if (cpu::rdtsc() - start > limit) return false;
    if (!can_halt) {
      platform::cpu_relax();  // answers shootdowns the worker sends meanwhile
      continue;
    }
    // Halt rather than spin: with more vCPUs than host cores (QEMU's TCG runs one thread per
    // vCPU), a spinning waiter takes the host core the worker needs. The worker's wake IPI, a
    // shootdown IPI or the timer tick (100 Hz: the timeout's granularity) ends the halt.
    cpu::cli();
    if (m.done.load(std::memory_order_acquire) != m.posted.load(std::memory_order_relaxed)) {
      cpu::sti_hlt();
    } else {
      cpu::sti();
    }
  }
}

void idle_loop() {
  Mailbox& m = g_box[arch::this_cpu_id()];
  for (;;) {
    if (sched::others_ready()) sched::yield();  // threads first: this loop is thread 0
    cpu::cli();
    const uint64_t posted = m.posted.load(std::memory_order_acquire);
    if (posted != m.done.load(std::memory_order_relaxed)) {
      cpu::sti();
      m.fn(m.arg);
      m.done.store(posted, std::memory_order_release);
      (void)drivers::lapic_send_ipi(static_cast<uint8_t>(m.poster_apic), arch::kVectorIpiWake);
      continue;
    }
    if (!sched::others_ready()) cpu::sti_hlt();  // a wake IPI after the checks ends this hlt
    cpu::sti();
  }
}

}  // namespace glass::smp
