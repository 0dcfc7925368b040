// The mm platform seam: the only things mm/ needs from what it runs on, beyond kernel/lib's
// platform.h. The kernel implements it with the direct map (kernel/arch/x86_64/mm_platform.cpp);
// host tests with a simulated physical-RAM arena (mm/phys/platform_host.cpp, set up through
// mm/phys/host_arena.h).
//
// Invariants: phys_to_virt is total on [0, the highest physical address mm::init was given) and
// returns the same pointer for the same address for as long as mm is initialised; virt_to_phys is
// its exact inverse on those pointers. Neither allocates nor takes a lock. The TLB/CR3 calls act on
// this CPU only (SMP shootdown plugs in above them, in mm/virt/tlb.h); the host records them.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace glass::mm {

// A physical address. A plain integer on purpose: it is never dereferenced, only translated.
using PhysAddr = uint64_t;
// A physical frame number (phys >> kFrameShift). 32 bits cover 16 TiB, far beyond the direct map.
using Pfn = uint32_t;

inline constexpr unsigned kFrameShift = 12;
inline constexpr uint64_t kFrameSize = uint64_t{1} << kFrameShift;

[[nodiscard]] constexpr PhysAddr pfn_to_phys(Pfn pfn) {
  return PhysAddr{pfn} << kFrameShift;
}
[[nodiscard]] constexpr Pfn phys_to_pfn(PhysAddr phys) {
  return static_cast<Pfn>(phys >> kFrameShift);
}

namespace platform {

// Where the CPU can reach the physical byte `phys` right now.
[[nodiscard]] void* phys_to_virt(PhysAddr phys);
// The physical address behind a pointer that phys_to_virt returned (direct-map pointers only).
[[nodiscard]] PhysAddr virt_to_phys(const void* virt);

// Drop this CPU's translation of the page at `va` (invlpg).
void tlb_flush_page(uint64_t va);
// Drop all of this CPU's translations, global ones included.
void tlb_flush_all();
// Make the page table rooted at `root` the one this CPU translates through (CR3).
void load_root(PhysAddr root);
[[nodiscard]] PhysAddr current_root();

}  // namespace platform
}  // namespace glass::mm
