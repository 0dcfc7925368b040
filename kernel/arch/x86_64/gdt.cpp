// GDT + TSS setup; see gdt.h for the invariants.
#include "kernel/arch/x86_64/gdt.h"

#include <stddef.h>

#include "kernel/arch/x86_64/percpu.h"

extern "C" char boot_kernel_stack_guard[];  // boot.S

namespace glass::arch {
namespace {

struct [[gnu::packed]] Tss {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104, "the TSS layout is fixed by the architecture");

struct [[gnu::packed]] GdtPointer {
  uint16_t limit;
  uint64_t base;
};

constexpr size_t kIstStackSize = 16384;
// Each IST stack sits above a guard page that the kernel's own page tables leave unmapped.
struct alignas(4096) IstStack {
  uint8_t guard[4096];
  uint8_t stack[kIstStackSize];
};
IstStack g_ist_stacks[3];  // the boot CPU's; an AP's are mapped at run time (ap_stacks.h)
// Per CPU: its TSS and its GDT (ltr marks a TSS descriptor busy, so no two CPUs can share one).
Tss g_tss[kMaxCpus];
// null, kernel code, kernel data, user data, user code, TSS (two slots)
constexpr uint64_t kGdtTemplate[7] = {
    0,
    0x00af9a000000ffffull,  // kernel code: present, DPL0, executable, long mode
    0x00cf92000000ffffull,  // kernel data
    0x00cff2000000ffffull,  // user data, DPL3
    0x00affa000000ffffull,  // user code, DPL3, long mode
    0,
    0,
};
alignas(16) uint64_t g_gdt[kMaxCpus][7];

}  // namespace

void gdt_init() {
  uint64_t tops[3];
  for (int i = 0; i < 3; ++i)
    tops[i] = reinterpret_cast<uint64_t>(&g_ist_stacks[i].stack[kIstStackSize]);
  gdt_init(0, tops);
}

void gdt_init(unsigned cpu, const uint64_t ist_tops[3]) {
  Tss& tss = g_tss[cpu];
  uint64_t* gdt = g_gdt[cpu];
  for (int i = 0; i < 7; ++i) gdt[i] = kGdtTemplate[i];
  for (int i = 0; i < 3; ++i) tss.ist[i] = ist_tops[i];
  tss.iomap_base = sizeof(Tss);  // no I/O permission bitmap
  const uint64_t base = reinterpret_cast<uint64_t>(&tss);
  const uint64_t limit = sizeof(Tss) - 1;
  gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |  // 64-bit TSS, present
           (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
  gdt[6] = base >> 32;

  GdtPointer ptr{sizeof(g_gdt[0]) - 1, reinterpret_cast<uint64_t>(gdt)};
  asm volatile(
      "lgdt %0\n"
      "pushq %1\n"
      "leaq 1f(%%rip), %%rax\n"
      "pushq %%rax\n"
      "lretq\n"
      "1:\n"
      "movw %2, %%ax\n"
      "movw %%ax, %%ds\n"
      "movw %%ax, %%es\n"
      "movw %%ax, %%ss\n"
      "xorw %%ax, %%ax\n"
      "movw %%ax, %%fs\n"
      "movw %%ax, %%gs\n"
      "ltr %w3\n"
      :
      : "m"(ptr), "i"(static_cast<uint64_t>(kKernelCode)), "i"(kKernelData), "r"(kTssSelector)
      : "rax", "memory");
}

bool address_on_ist_stack(uint64_t addr) {
  for (const IstStack& s : g_ist_stacks) {
    auto lo = reinterpret_cast<uint64_t>(&s.stack[0]);
    if (addr >= lo && addr < lo + kIstStackSize) return true;
  }
  return false;
}

size_t stack_guard_pages(uint64_t* out, size_t max) {
  size_t n = 0;
  if (n < max) out[n++] = reinterpret_cast<uint64_t>(boot_kernel_stack_guard);
  for (const IstStack& s : g_ist_stacks) {
    if (n < max) out[n++] = reinterpret_cast<uint64_t>(&s.guard[0]);
  }
  return n;
}

}  // namespace glass::arch
