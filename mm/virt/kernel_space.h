// The kernel address space: the page table Glass runs on once boot hands over from boot.S's
// tables, built with mm's own cursors.
//
// Invariants: built once, from a KernelImage the boot code fills in; afterwards its kernel half
// is what every user address space shares. Kernel text is read+execute, read-only data
// read-only+NX, data and bss read-write+NX, the direct map read-write+NX with 2 MiB pages (MMIO
// holes uncached), and the guard page below every kernel stack is left unmapped, so a stack
// overflow faults. No page is both writable and executable (audit_kernel_page_tables checks).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "mm/phys/audit_report.h"
#include "mm/phys/boot_memory.h"
#include "mm/virt/page_table.h"

namespace glass::mm {

struct KernelImage {
  // Virtual bounds from the linker script (__text_start, ...); the image is mapped at
  // virt_base + phys, so phys = virt - virt_base.
  uint64_t text_start = 0, text_end = 0;
  uint64_t rodata_start = 0, rodata_end = 0;
  uint64_t data_start = 0, data_end = 0;  // data + bss
  uint64_t virt_base = 0;
  // Pages that must stay unmapped (arch::stack_guard_pages).
  const uint64_t* guard_pages = nullptr;
  size_t guard_count = 0;
  // RAM as the boot loader reported it: 2 MiB of the direct map without any is mapped uncached.
  const MemRange* ram = nullptr;
  size_t ram_count = 0;
  // Bytes of physical space the direct map covers (a multiple of 2 MiB, at most
  // layout::kDirectMapMax), starting at physical 0.
  uint64_t direct_map_bytes = 0;
};

// Builds the kernel page table (without loading it). kInvalidArgument: section bounds unaligned,
// out of order or below virt_base, a direct map size that is not a multiple of 2 MiB or exceeds
// the direct map window; kAlreadyExists: built before; kOutOfMemory.
[[nodiscard]] Result<void> build_kernel_address_space(const KernelImage& image);
// build_kernel_address_space, then switch this CPU to the new tables.
[[nodiscard]] Result<void> activate_kernel_address_space(const KernelImage& image);
// The kernel page table, or null before it is built.
[[nodiscard]] PageTable* kernel_page_table();
// Makes this CPU translate through the kernel page table (no user half).
void switch_to_kernel_page_table();
// W^X and node-kind audit of the kernel page table (see PageTable::audit).
[[nodiscard]] AuditReport audit_kernel_page_tables();

#if GLASS_HOST
// Host tests only: forget the kernel page table (the arena is about to go away).
void kernel_space_host_reset();
#endif

}  // namespace glass::mm
