// Early direct map; see early_paging.h for the invariants.
#include "kernel/arch/x86_64/early_paging.h"

#include "kernel/arch/x86_64/cpu.h"
#include "mm/virt/layout.h"

extern "C" uint64_t boot_pml4[512];  // in .boot.bss: linked (and loaded) at its physical address

namespace glass::arch {
namespace {
constexpr uint64_t kPresent = 1, kWrite = 2, kPwt = 8, kPcd = 16, kHuge = 128, kNx = 1ull << 63;
constexpr uint64_t k2M = 2ull << 20, k1G = 1ull << 30;
constexpr size_t kMaxGiB = layout::kDirectMapMax / k1G;

alignas(4096) uint64_t g_pdpt[512];
alignas(4096) uint64_t g_pd[kMaxGiB][512];

uint64_t kernel_virt_to_phys(const void* p) {
  return reinterpret_cast<uint64_t>(p) - layout::kKernelVirtBase;
}

bool overlaps_ram(uint64_t base, uint64_t len, const RamRange* ram, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (ram[i].base < base + len && base < ram[i].base + ram[i].length) return true;
  }
  return false;
}
}  // namespace

EarlyPagingResult early_paging_init(const RamRange* ram, size_t count) {
  uint64_t top = 4 * k1G;  // always cover the 32-bit MMIO window (LAPIC, IOAPIC, PCI BARs)
  for (size_t i = 0; i < count; ++i) {
    if (ram[i].base + ram[i].length > top) top = ram[i].base + ram[i].length;
  }
  uint64_t limit = (top + k1G - 1) & ~(k1G - 1);
  EarlyPagingResult result{limit, 0};
  if (limit > layout::kDirectMapMax) {
    result.ignored_bytes = top - layout::kDirectMapMax;
    limit = layout::kDirectMapMax;
    result.mapped_bytes = limit;
  }
  for (uint64_t gib = 0; gib < limit / k1G; ++gib) {
    for (uint64_t i = 0; i < 512; ++i) {
      const uint64_t phys = gib * k1G + i * k2M;
      uint64_t flags = kPresent | kWrite | kHuge | kNx;
      if (!overlaps_ram(phys, k2M, ram, count)) flags |= kPcd | kPwt;
      g_pd[gib][i] = phys | flags;
    }
    g_pdpt[gib] = kernel_virt_to_phys(g_pd[gib]) | kPresent | kWrite;
  }
  auto* pml4 =
      reinterpret_cast<uint64_t*>(reinterpret_cast<uint64_t>(boot_pml4) + layout::kDirectMapBase);
  pml4[256] = kernel_virt_to_phys(g_pdpt) | kPresent | kWrite;
  pml4[0] = 0;  // identity map gone: low addresses fault from now on
  cpu::write_cr3(cpu::read_cr3());
  return result;
}

}  // namespace glass::arch
