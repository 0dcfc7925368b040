// OwnerId: who holds a frame, recorded in its descriptor so a panic or the inspector can name it.
//
// Invariant: the meaning of an owner id depends on the frame's kind (a slab cache id for kSlab, an
// address-space id for kPageTable, a subsystem id otherwise); the ids below are the fixed ones.
// Ids >= kOwnerDynamicBase are handed out at run time (slab caches, address spaces, tests).
#pragma once

#include <stdint.h>

namespace glass::mm {

using OwnerId = uint32_t;

inline constexpr OwnerId kOwnerNone = 0;       // free frames
inline constexpr OwnerId kOwnerFirmware = 1;   // holes and firmware-reserved memory
inline constexpr OwnerId kOwnerLowMemory = 2;  // below 1 MiB: never handed out
inline constexpr OwnerId kOwnerBoot = 3;       // kernel image, modules, boot info
inline constexpr OwnerId kOwnerMm = 4;         // mm's own structures (frame table)
inline constexpr OwnerId kOwnerKmalloc = 5;    // large kmalloc allocations
inline constexpr OwnerId kOwnerKernel = 6;     // generic kernel use (page tables before VM exists)
inline constexpr OwnerId kOwnerDynamicBase = 0x100;

}  // namespace glass::mm
