// Kernel side of the mm seam: all usable RAM is reachable through the direct map, so translation
// is one addition. Invariant (mm/virt/layout.h): the direct map covers [0,
// kDirectMapMax) once early paging has run, and mm::init ignores memory above it.
#include "kernel/arch/x86_64/cpu.h"
#include "mm/phys/mm_events.h"
#include "mm/phys/platform.h"
#include "mm/virt/layout.h"

namespace glass::mm::platform {

void* phys_to_virt(PhysAddr phys) {
  return reinterpret_cast<void*>(phys + glass::layout::kDirectMapBase);
}

PhysAddr virt_to_phys(const void* virt) {
  return reinterpret_cast<uintptr_t>(virt) - glass::layout::kDirectMapBase;
}

void tlb_flush_page(uint64_t va) {
  cpu::invlpg(va);
}

void tlb_flush_all() {
  // Reloading CR3 keeps global entries; toggling CR4.PGE drops them too.
  constexpr uint64_t kPge = 1u << 7;
  const uint64_t cr4 = cpu::read_cr4();
  if ((cr4 & kPge) != 0) {
    asm volatile("mov %0, %%cr4" ::"r"(cr4 & ~kPge) : "memory");
    asm volatile("mov %0, %%cr4" ::"r"(cr4) : "memory");
  } else {
    cpu::write_cr3(cpu::read_cr3());
  }
}

void load_root(PhysAddr root) {
  cpu::write_cr3(root);
  telemetry::mm_events::cr3_switch(root >> 12);
}

PhysAddr current_root() {
  return cpu::read_cr3() & ~uint64_t{0xfff};
}

}  // namespace glass::mm::platform
