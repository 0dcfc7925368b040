// The boot loader's memory map, turned into what early kernel code and mm need.
// Invariants: only multiboot2 type-1 ("available") entries count as RAM; everything the map says
// about other types (ACPI, reserved, bad) is left out, never guessed at. Whatever GRUB placed in
// RAM for us (kernel image, modules, the boot information itself) is handed to mm as reserved,
// with its own kind, so none of it can be allocated over.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/x86_64/early_paging.h"
#include "kernel/boot/multiboot2.h"
#include "kernel/lib/result.h"
#include "mm/phys/boot_memory.h"

namespace glass {

struct BootMemory {
  static constexpr size_t kMaxRam = 64;
  arch::RamRange ram[kMaxRam] = {};
  size_t ram_count = 0;
  uint64_t usable_bytes = 0;
};

[[nodiscard]] BootMemory collect_boot_memory(const mb2::BootInfo& info);

// RAM up to `limit` (the direct map's end) as available; kernel image, modules and the boot
// information blob at info_phys as reserved.
[[nodiscard]] Result<void> describe_for_mm(const mb2::BootInfo& info, uint64_t info_phys,
                                           uint64_t limit, mm::BootMemory* out);

// The parsed boot information, kept for tests and the boot summary (valid after boot).
[[nodiscard]] const mb2::BootInfo& boot_info();
void set_boot_info(const mb2::BootInfo& info);

}  // namespace glass
