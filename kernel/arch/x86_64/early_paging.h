// Early paging: grows the boot direct map (first 1 GiB, from boot.S) to cover all physical
// memory, and drops the identity mapping so a null or low-address access faults from then on.
//
// Invariants: the direct map is phys + layout::kDirectMapBase, 2 MiB pages, never executable;
// 2 MiB pages that hold no RAM the boot loader reported (the PCI/APIC MMIO hole) are mapped
// uncached (PCD|PWT). The page-table pages come from a fixed pool in .bss, so this runs before
// any allocator exists. The mm issue replaces these tables with ones built by mm/ code.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace glass::arch {

struct RamRange {
  uint64_t base;
  uint64_t length;
};

struct EarlyPagingResult {
  uint64_t mapped_bytes;   // size of the direct map
  uint64_t ignored_bytes;  // RAM above layout::kDirectMapMax that stays unmapped
};

EarlyPagingResult early_paging_init(const RamRange* ram, size_t count);

}  // namespace glass::arch
