// TLB shootdown; see shootdown.h for the protocol and its invariants.
#include "kernel/smp/shootdown.h"

#include <stddef.h>

#include <atomic>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/platform.h"
#include "kernel/sched/thread.h"
#include "kernel/smp/ap_boot.h"
#include "kernel/smp/cpu_snapshot.h"
#include "mm/phys/platform.h"
#include "mm/virt/tlb.h"

namespace glass::smp {
namespace {

// CPU i's request: written only by CPU i while its countdown is 0, read by the targets after they
// see CPU i's bit (the bit's release/acquire orders the two).
struct Request {
  uint64_t pages[mm::TlbBatch::kThreshold];
  size_t count;
  bool all;
  bool wake;           // the initiator halts while it waits: the last target wakes it
  uint32_t wake_apic;  // the initiator's LAPIC
  std::atomic<uint32_t> remaining;
};
static_assert(arch::kMaxCpus <= 64, "a pending mask is one 64-bit word");

Request g_request[arch::kMaxCpus];
std::atomic<uint64_t> g_pending[arch::kMaxCpus];  // bit i: CPU i's request awaits this CPU
std::atomic<uint64_t> g_initiated{0}, g_ipis{0}, g_paid{0};

void pay(const Request& r) {
  if (r.all) {
    mm::platform::tlb_flush_all();
  } else {
    for (size_t i = 0; i < r.count; ++i) mm::platform::tlb_flush_page(r.pages[i]);
  }
}

void on_ipi() {
  shootdown_poll();
}

void hook(const uint64_t* pages, size_t count, bool all) {
  const unsigned online = cpus_online();
  if (online <= 1) return;
  shootdown(online >= 64 ? ~uint64_t{0} : (uint64_t{1} << online) - 1, pages, count, all);
}

}  // namespace

void shootdown_init() {
  arch::set_ipi_handler(arch::kVectorIpiShootdown, on_ipi);
  mm::set_tlb_shootdown_hook(hook);
}

void shootdown(uint64_t targets, const uint64_t* pages, size_t count, bool all) {
  const unsigned online = cpus_online();
  if (online < 64) targets &= (uint64_t{1} << online) - 1;
  // This CPU's slot must not be refilled by an interrupt handler while we wait on it.
  const uintptr_t irq = platform::irq_save();
  const unsigned self = arch::this_cpu_id();
  // Halting below lets the tick in: it must not run another thread that would refill our slot.
  sched::preempt_off();
  targets &= ~(uint64_t{1} << self);
  if (targets == 0) {
    sched::preempt_on();
    platform::irq_restore(irq);
    return;
  }
  Request& r = g_request[self];
  r.all = all || count > mm::TlbBatch::kThreshold;
  r.count = r.all ? 0 : count;
  for (size_t i = 0; i < r.count; ++i) r.pages[i] = pages[i];
  uint32_t n = 0;  // (no popcount: the kernel links without libgcc)
  for (uint64_t left = targets; left != 0; left &= left - 1) ++n;
  r.remaining.store(n, std::memory_order_relaxed);
  // Interrupts were on at entry: wait halted, not spinning. With more vCPUs than host cores
  // (QEMU's TCG: one host thread per vCPU) a spinning initiator holds the host core its targets
  // need; halted, QEMU sleeps its thread until the last target's wake IPI.
  const bool can_halt = irq != 0;
  r.wake = can_halt;
  r.wake_apic = arch::this_cpu().apic_id;
  g_initiated.fetch_add(1, std::memory_order_relaxed);
  for (uint64_t left = targets; left != 0; left &= left - 1) {
    const unsigned t = static_cast<unsigned>(__builtin_ctzll(left));
    g_pending[t].fetch_or(uint64_t{1} << self, std::memory_order_acq_rel);
    if (!drivers::lapic_send_ipi(static_cast<uint8_t>(arch::g_percpu[t].apic_id),
                                 arch::kVectorIpiShootdown)) {
      panic("smp: TLB shootdown: the LAPIC would not send to CPU %u", t);
    }
    g_ipis.fetch_add(1, std::memory_order_relaxed);
  }
  const uint64_t limit = drivers::tsc_khz() * (kAckTimeoutUs / 1000);
  const uint64_t start = cpu::rdtsc();
  while (r.remaining.load(std::memory_order_acquire) != 0) {
    shootdown_poll();  // another initiator may be waiting for us while we wait for it
    if (can_halt) {
      // Interrupts are off here: the check and the halt are one step with sti; hlt, so the wake
      // IPI cannot slip in between. A shootdown IPI to us also ends the halt (and is paid).
      if (r.remaining.load(std::memory_order_acquire) != 0) cpu::sti_hlt();
      cpu::cli();
    } else {
      cpu::pause();
    }
    if (cpu::rdtsc() - start > limit) {
      for (uint64_t left = targets; left != 0; left &= left - 1) {
        const unsigned t = static_cast<unsigned>(__builtin_ctzll(left));
        if ((g_pending[t].load() >> self & 1) != 0) {
          auto rip = cpu_rip(t, 100'000);  // where it is stuck (an NMI asks it)
          panic("smp: TLB shootdown from CPU %u: CPU %u did not flush within %lu ms (%s %#lx)",
                self, t, kAckTimeoutUs / 1000, rip.is_ok() ? "it is at" : "no answer to an NMI",
                rip.is_ok() ? rip.value() : 0);
        }
      }
      panic("smp: TLB shootdown from CPU %u: a CPU took the request but never finished it", self);
    }
  }
  sched::preempt_on();
  platform::irq_restore(irq);
}

void shootdown_poll() {
  const unsigned self = arch::this_cpu_id();
  if (g_pending[self].load(std::memory_order_relaxed) == 0) return;
  uint64_t bits = g_pending[self].exchange(0, std::memory_order_acq_rel);
  while (bits != 0) {
    const unsigned from = static_cast<unsigned>(__builtin_ctzll(bits));
    bits &= bits - 1;
    Request& r = g_request[from];
    pay(r);
    g_paid.fetch_add(1, std::memory_order_relaxed);
    const bool wake = r.wake;  // read before the countdown: at 0 the initiator may reuse r
    const uint32_t apic = r.wake_apic;
    if (r.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1 && wake) {
      (void)drivers::lapic_send_ipi(static_cast<uint8_t>(apic), arch::kVectorIpiWake);
    }
  }
}

ShootdownStats shootdown_stats() {
  return {g_initiated.load(), g_ipis.load(), g_paid.load()};
}

}  // namespace glass::smp
