// FrameKind: what a physical frame is used for, and the colour the inspector draws it in.
//
// Invariants: every frame has exactly one kind at any time (its descriptor's kind byte). kBusy is
// transient: a frame is kBusy only while one thread moves it between two other kinds, so meeting
// kBusy anywhere else means two parties raced for one frame. The colour table below is the single
// definition of kind colours; the inspector shares it rather than inventing its own.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace glass::mm {

enum class FrameKind : uint8_t {
  kFree = 0,     // on a buddy free list; owned by the buddy allocator
  kBusy,         // mid-transition (see invariants)
  kReserved,     // firmware, holes, low memory: never allocated
  kFrameTable,   // the frame descriptor table itself
  kKernelImage,  // the loaded kernel ELF
  kBootModule,   // a multiboot2 module (e.g. the symbol file)
  kBootInfo,     // the multiboot2 information structure
  kPageTable,    // a page-table node
  kSlab,         // a slab of small objects (owner = cache id)
  kLarge,        // a large kmalloc allocation straight from the buddy allocator
  kFolio,        // refcounted data (page cache, shared buffers)
  kBlockBuffer,  // a block-layer I/O buffer
  kTelemetry,    // a telemetry ring buffer
  kDeviceQueue,  // rings shared with a device (a virtqueue); owner = the driver's id
  kCount,
};

inline constexpr size_t kFrameKindCount = static_cast<size_t>(FrameKind::kCount);

[[nodiscard]] constexpr size_t index(FrameKind k) {
  return static_cast<size_t>(k);
}

[[nodiscard]] constexpr const char* kind_name(FrameKind k) {
  switch (k) {
    case FrameKind::kFree:
      return "free";
    case FrameKind::kBusy:
      return "busy";
    case FrameKind::kReserved:
      return "reserved";
    case FrameKind::kFrameTable:
      return "frame-table";
    case FrameKind::kKernelImage:
      return "kernel-image";
    case FrameKind::kBootModule:
      return "boot-module";
    case FrameKind::kBootInfo:
      return "boot-info";
    case FrameKind::kPageTable:
      return "page-table";
    case FrameKind::kSlab:
      return "slab";
    case FrameKind::kLarge:
      return "large";
    case FrameKind::kFolio:
      return "folio";
    case FrameKind::kBlockBuffer:
      return "block-buffer";
    case FrameKind::kTelemetry:
      return "telemetry";
    case FrameKind::kDeviceQueue:
      return "device-queue";
    case FrameKind::kCount:
      break;
  }
  return "invalid";
}

// 0xRRGGBB per kind, in enum order. Chosen so neighbours in memory stay distinguishable: free is a
// quiet dark slate, boot-time kinds are blues/teals, runtime kinds are warm or green.
inline constexpr uint32_t kKindColour[kFrameKindCount] = {
    0x3A3F44,  // free
    0xFF00FF,  // busy (should flash: it is never seen at rest)
    0x6D4C41,  // reserved
    0x8E24AA,  // frame-table
    0x1E88E5,  // kernel-image
    0x00ACC1,  // boot-module
    0x26A69A,  // boot-info
    0xFDD835,  // page-table
    0x43A047,  // slab
    0x9CCC65,  // large
    0xFB8C00,  // folio
    0xE53935,  // block-buffer
    0xD81B60,  // telemetry
    0xB39DDB,  // device-queue (lavender: beside the runtime kinds, like none of them)
};

[[nodiscard]] constexpr uint32_t kind_colour(FrameKind k) {
  return index(k) < kFrameKindCount ? kKindColour[index(k)] : 0xFFFFFF;
}

// Kinds the buddy allocator may hand out at run time (boot kinds are placed by mm::init only).
[[nodiscard]] constexpr bool is_runtime_kind(FrameKind k) {
  return k == FrameKind::kPageTable || k == FrameKind::kSlab || k == FrameKind::kLarge ||
         k == FrameKind::kFolio || k == FrameKind::kBlockBuffer || k == FrameKind::kTelemetry ||
         k == FrameKind::kDeviceQueue;
}

// Kinds a boot memory map may reserve.
[[nodiscard]] constexpr bool is_boot_kind(FrameKind k) {
  return k == FrameKind::kReserved || k == FrameKind::kKernelImage || k == FrameKind::kBootModule ||
         k == FrameKind::kBootInfo;
}

}  // namespace glass::mm
