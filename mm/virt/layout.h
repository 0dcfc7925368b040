// The kernel's virtual memory layout (x86-64, 4-level paging, 48-bit canonical addresses).
//
//   0x0000000000000000 .. 0x00007fffffffffff   user half (per address space)
//   0xffff800000000000 .. +64 GiB              direct map of physical memory (phys +
//   kDirectMapBase) 0xffffffff80000000 .. +2 GiB               kernel image (linked here, loaded at
//   phys 1 MiB)
//
// Invariant: every byte of usable RAM the boot loader reported is reachable through the direct map
// once early paging setup has run (kernel/arch/x86_64/early_paging.cpp); physical memory above
// kDirectMapMax is ignored with a warning at boot.
#pragma once

#include <stdint.h>

namespace glass::layout {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kDirectMapBase = 0xffff800000000000ull;
inline constexpr uint64_t kDirectMapMax = 64ull << 30;  // bytes of physical space mapped at most
inline constexpr uint64_t kKernelVirtBase = 0xffffffff80000000ull;
inline constexpr uint64_t kKernelPhysLoad = 0x100000ull;

}  // namespace glass::layout
