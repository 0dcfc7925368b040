// BootMemory: what the boot loader said about physical memory, in mm's own terms, so mm does not
// depend on the multiboot2 parser. The boot code fills one in and hands it to mm::init.
//
// Invariants: fixed capacity, no allocation (it exists before any allocator does); ranges are
// byte ranges as reported, mm rounds them itself (available inwards, reserved outwards). Ranges
// may overlap and come in any order.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "mm/phys/frame_kind.h"
#include "mm/phys/platform.h"

namespace glass::mm {

struct MemRange {
  PhysAddr base;
  uint64_t length;
};

struct ReservedRange {
  PhysAddr base;
  uint64_t length;
  FrameKind kind;  // kReserved, kKernelImage, kBootModule or kBootInfo
};

struct BootMemory {
  static constexpr size_t kMaxAvailable = 128;  // as many as the multiboot2 parser keeps
  static constexpr size_t kMaxReserved = 48;

  MemRange available[kMaxAvailable] = {};
  size_t available_count = 0;
  ReservedRange reserved[kMaxReserved] = {};
  size_t reserved_count = 0;

  // Usable RAM as the boot loader reported it (multiboot2 type 1).
  [[nodiscard]] Result<void> add_available(PhysAddr base, uint64_t length) {
    if (available_count == kMaxAvailable) return Error::kOverflow;
    available[available_count++] = {base, length};
    return {};
  }
  // Something inside usable RAM that must not be handed out (kernel image, modules, the boot
  // information, firmware tables the loader reported as usable). Non-usable memory-map entries
  // need not be added: whatever is not available is reserved anyway.
  [[nodiscard]] Result<void> add_reserved(PhysAddr base, uint64_t length, FrameKind kind) {
    if (!is_boot_kind(kind)) return Error::kInvalidArgument;
    if (reserved_count == kMaxReserved) return Error::kOverflow;
    reserved[reserved_count++] = {base, length, kind};
    return {};
  }
};

}  // namespace glass::mm
