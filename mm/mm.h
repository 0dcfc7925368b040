// mm: the memory manager's top: init, stats and audit (the bottom accessors, frame_table() and
// alloc_frames(), are in mm/phys/frames.h). Boot calls init() once with the memory map; after
// that frames are allocated through the typed handles (unique_frame.h, folio.h, segment.h), small
// objects through kmalloc.h / typed_cache.h, and the boot summary reads stats().
//
// Invariants: init() runs once, single-threaded, before any other mm call (on the host,
// host_reset() returns mm to the uninitialised state between tests). Frames below 1 MiB, the
// kernel image, boot modules, the boot information and the frame table itself are never on a free
// list. All functions here are SMP-safe; audit() expects a quiescent system.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "mm/phys/audit_report.h"
#include "mm/phys/boot_memory.h"
#include "mm/phys/frames.h"

namespace glass::mm {

// Builds the frame table and the buddy allocator from the boot memory map.
// kMalformed: a range wraps around; kOutOfMemory: no room for the frame table;
// kAlreadyExists: called twice.
[[nodiscard]] Result<void> init(const BootMemory& boot);
[[nodiscard]] bool initialised();

struct Stats {
  uint64_t table_frames;                  // frames described (0 .. highest usable frame)
  uint64_t usable_frames;                 // whole frames inside the available ranges (as reported)
  uint64_t boot_taken_frames;             // usable frames taken at boot (low memory, images, table)
  uint64_t free_frames;                   // on the buddy free lists now
  uint64_t kind_frames[kFrameKindCount];  // per-kind census of the whole table
};
[[nodiscard]] Stats stats();

// Full consistency check: free lists vs descriptors, kind counters vs a census, slab caches.
[[nodiscard]] AuditReport audit();

#if GLASS_HOST
// Host tests only: forget all mm state (the arena is about to go away).
void host_reset();
#endif

}  // namespace glass::mm
