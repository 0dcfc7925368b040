// Where is CPU n now; see cpu_snapshot.h for the invariants.
#include "kernel/smp/cpu_snapshot.h"

#include <atomic>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/smp/ap_boot.h"

namespace glass::smp {
namespace {

struct Snapshot {
  std::atomic<bool> asked{false};
  uint64_t rip = 0;
  std::atomic<uint64_t> seq{0};
};
Snapshot g_snap[arch::kMaxCpus];

}  // namespace

Result<uint64_t> cpu_rip(unsigned cpu, uint64_t timeout_us) {
  if (cpu >= cpus_online() || cpu == arch::this_cpu_id()) return Error::kInvalidArgument;
  Snapshot& s = g_snap[cpu];
  const uint64_t before = s.seq.load(std::memory_order_acquire);
  s.asked.store(true, std::memory_order_release);
  if (!drivers::lapic_send_nmi(static_cast<uint8_t>(arch::g_percpu[cpu].apic_id))) {
    s.asked.store(false);
    return Error::kBusy;
  }
  const uint64_t limit = drivers::tsc_khz() * timeout_us / 1000;
  const uint64_t start = cpu::rdtsc();
  while (s.seq.load(std::memory_order_acquire) == before) {
    if (cpu::rdtsc() - start > limit) {
      s.asked.store(false);
      return Error::kNotFound;
    }
    cpu::pause();
  }
  return s.rip;
}

bool on_nmi(const arch::InterruptFrame& frame) {
  Snapshot& s = g_snap[arch::this_cpu_id()];
  if (!s.asked.exchange(false, std::memory_order_acq_rel)) return false;
  s.rip = frame.rip;
  s.seq.fetch_add(1, std::memory_order_release);
  return true;
}

}  // namespace glass::smp
