// AP start-up; see ap_boot.h for the invariants.
#include "kernel/smp/ap_boot.h"

#include <stddef.h>

#include <atomic>

#include "kernel/arch/x86_64/ap_stacks.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/base/boot_info.h"
#include "kernel/base/kprintf.h"
#include "kernel/boot/acpi.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/smp/shootdown.h"
#include "mm/virt/layout.h"

extern "C" char ap_trampoline_start[], ap_trampoline_end[], ap_trampoline_params[];
extern "C" void ap_entry64();

namespace glass::smp {
namespace {

// Low pages the APs start in: below 1 MiB (a SIPI names a page there), in the first MiB that mm
// keeps reserved (frame kind "reserved"), so nothing else ever lives there.
constexpr uint64_t kTrampolinePhys = 0x8000;  // = AP_TRAMPOLINE_PHYS in ap_trampoline.S
constexpr uint64_t kLowPml4 = 0x9000, kLowPdpt = 0xa000, kLowPd = 0xb000, kLowEnd = 0xc000;
constexpr uint64_t kAcpiReadable = 4ull << 30;
constexpr uint64_t kPresentWritable = 0x3, kHuge = 0x80;
// INIT deassert-to-SIPI wait and the wait before the second SIPI (Intel SDM's MP protocol).
constexpr uint64_t kInitWaitUs = 10'000, kSipiRetryUs = 200;
constexpr uint64_t kReportTimeoutUs = 1'000'000;  // generous: a TCG vCPU thread may wait for a core

struct TrampolineParams {
  uint64_t low_cr3, kernel_cr3, cr4, stack, cpu, entry;
};
static_assert(sizeof(TrampolineParams) == 48, "ap_trampoline.S reads six quadwords in this order");

std::atomic<unsigned> g_online{1};  // the boot CPU; written only by the boot CPU

template <typename T>
T* low(uint64_t phys) {
  return reinterpret_cast<T*>(phys + layout::kDirectMapBase);
}

const uint8_t* direct_view(uint64_t phys, size_t len, void*) {
  if (len > kAcpiReadable || phys > kAcpiReadable - len) return nullptr;
  return reinterpret_cast<const uint8_t*>(phys + layout::kDirectMapBase);
}

// Copies the trampoline to its page and builds the low page tables: the first 2 MiB identity
// (the trampoline runs there once paging is on), the high half shared with the kernel's root.
void prepare_low_pages() {
  const size_t n = static_cast<size_t>(ap_trampoline_end - ap_trampoline_start);
  __builtin_memcpy(low<uint8_t>(kTrampolinePhys), ap_trampoline_start, n);
  uint64_t* pml4 = low<uint64_t>(kLowPml4);
  uint64_t* pdpt = low<uint64_t>(kLowPdpt);
  uint64_t* pd = low<uint64_t>(kLowPd);
  __builtin_memset(pdpt, 0, 4096);
  __builtin_memset(pd, 0, 4096);
  pd[0] = 0 | kPresentWritable | kHuge;
  pdpt[0] = kLowPd | kPresentWritable;
  const uint64_t* kernel_root = low<uint64_t>(cpu::read_cr3() & ~0xfffull);
  for (unsigned i = 0; i < 256; ++i) pml4[i] = 0;
  for (unsigned i = 256; i < 512; ++i) pml4[i] = kernel_root[i];
  pml4[0] = kLowPdpt | kPresentWritable;
}

TrampolineParams& params() {
  const size_t off = static_cast<size_t>(ap_trampoline_params - ap_trampoline_start);
  return *low<TrampolineParams>(kTrampolinePhys + off);
}

bool wait_online(unsigned cpu, uint64_t us) {
  const uint64_t ticks = drivers::tsc_khz() * us / 1000;
  const uint64_t start = cpu::rdtsc();
  while (!arch::g_percpu[cpu].online.load(std::memory_order_acquire)) {
    if (cpu::rdtsc() - start > ticks) return false;
    cpu::pause();
  }
  return true;
}

}  // namespace

unsigned cpus_online() {
  return g_online.load(std::memory_order_acquire);
}

Result<void> start_cpu(unsigned cpu, uint8_t apic_id, uint64_t timeout_us, bool send_init) {
  if (cpu == 0 || cpu >= arch::kMaxCpus || arch::g_percpu[cpu].online.load()) {
    return Error::kInvalidArgument;
  }
  arch::PerCpu& pc = arch::g_percpu[cpu];
  pc.id = cpu;
  pc.apic_id = apic_id;
  if (pc.stack_top == 0) {
    const arch::ApStacks stacks = TRY(arch::map_ap_stacks(cpu));
    pc.stack_top = stacks.kernel_top;
    for (unsigned i = 0; i < 3; ++i) pc.ist_top[i] = stacks.ist_tops[i];
  }
  TrampolineParams& p = params();
  p.low_cr3 = kLowPml4;
  p.kernel_cr3 = cpu::read_cr3();
  p.cr4 = cpu::read_cr4();
  p.stack = pc.stack_top;
  p.cpu = cpu;
  p.entry = reinterpret_cast<uint64_t>(&ap_entry64);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // parameters out before the SIPI
  if (send_init) {
    if (!drivers::lapic_send_init(apic_id)) return Error::kBusy;
    drivers::udelay(kInitWaitUs);
  }
  const uint8_t page = static_cast<uint8_t>(kTrampolinePhys >> 12);
  if (!drivers::lapic_send_startup(apic_id, page)) return Error::kBusy;
  if (wait_online(cpu, kSipiRetryUs)) return {};
  if (!drivers::lapic_send_startup(apic_id, page)) return Error::kBusy;
  if (wait_online(cpu, timeout_us)) return {};
  (void)drivers::lapic_send_init(apic_id);  // park it: a late start must not reuse the params
  arch::unmap_ap_stacks(cpu);               // in reset now: nothing runs on them
  pc.stack_top = 0;
  return Error::kNotFound;
}

SmpReport start_aps(uint64_t avoid_phys, uint64_t avoid_len) {
  const uint64_t t0 = cpu::rdtsc();
  SmpReport r;
  arch::PerCpu& boot = arch::g_percpu[0];
  boot.apic_id = drivers::lapic_id();
  boot.online.store(true, std::memory_order_release);
  const char* why = "";
  auto listed = acpi::find_cpus(boot_info().rsdp, direct_view, nullptr, &why);
  if (listed.is_error()) {
    kprintf("smp: no CPU list from ACPI (%s): running on the boot CPU only\n", why);
    r.listed = r.up = 1;
    return r;
  }
  const acpi::CpuList& cpus = listed.value();
  r.listed = cpus.count + cpus.dropped;
  r.up = 1;
  if (avoid_len != 0 && avoid_phys < kLowEnd && avoid_phys + avoid_len > kTrampolinePhys) {
    kprintf(
        "smp: the boot information lies at %#lx, where the AP trampoline goes: 1 of %u CPUs up\n",
        avoid_phys, r.listed);
    return r;
  }
  prepare_low_pages();
  shootdown_init();  // before a second CPU can hold a translation
  // INIT every AP to be started, then one wait for all of them (not one per CPU), then the SIPIs
  // one CPU at a time (the parameter block is shared).
  unsigned to_start = 0;
  bool inited[acpi::CpuList::kMaxListedCpus] = {};
  for (unsigned i = 0; i < cpus.count && to_start + 1 < arch::kMaxCpus; ++i) {
    if (cpus.apic_ids[i] == boot.apic_id) continue;
    inited[i] = drivers::lapic_send_init(cpus.apic_ids[i]);
    ++to_start;
  }
  if (to_start != 0) drivers::udelay(kInitWaitUs);
  for (unsigned i = 0; i < cpus.count; ++i) {
    const uint8_t apic = cpus.apic_ids[i];
    if (apic == boot.apic_id) continue;
    if (r.up == arch::kMaxCpus) {
      ++r.not_driven;
      continue;
    }
    const Result<void> started = start_cpu(r.up, apic, kReportTimeoutUs, !inited[i]);
    if (started.is_ok()) {
      kprintf_verbose("smp: CPU %u up (APIC id %u), kernel stack %#lx-%#lx above a guard page\n",
                      r.up, apic, arch::g_percpu[r.up].stack_top - arch::kApStackBytes,
                      arch::g_percpu[r.up].stack_top);
      ++r.up;
      g_online.store(r.up, std::memory_order_release);
    } else {
      if (started.error() != Error::kNotFound) {
        kprintf("smp: the CPU at APIC id %u was not started (%s)\n", apic,
                error_name(started.error()));
      }
      if (r.failed < sizeof r.failed_apic_ids) r.failed_apic_ids[r.failed] = apic;
      ++r.failed;
    }
  }
  r.not_driven += cpus.dropped;
  const uint64_t us = drivers::tsc_to_us(cpu::rdtsc() - t0);
  kprintf("smp: %u of %u CPUs up (%lu.%lu ms)", r.up, r.listed, us / 1000, us % 1000 / 100);
  if (r.failed != 0) {
    kprintf("; no answer from APIC id");
    for (unsigned i = 0; i < r.failed && i < sizeof r.failed_apic_ids; ++i) {
      kprintf("%s %u", i == 0 ? "" : ",", r.failed_apic_ids[i]);
    }
    kprintf(" (going on without %s)", r.failed == 1 ? "it" : "them");
  }
  if (r.not_driven != 0) {
    kprintf("; %u more left in reset (Glass drives at most %u)", r.not_driven, arch::kMaxCpus);
  }
  kprintf("\n");
  return r;
}

}  // namespace glass::smp
