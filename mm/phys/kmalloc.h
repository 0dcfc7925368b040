// kmalloc/kfree: untyped kernel heap. Small sizes come from power-of-two slab caches
// (16 .. 2048 bytes); anything larger is a block straight from the buddy allocator (kind kLarge).
//
// Invariants: kfree finds how to free an object from the descriptor of the frame it lives in
// (kSlab -> that slab's cache; kLarge -> the block's order), so callers never pass a size.
// Objects are aligned to min(size class, 4096) and at least 16 bytes; large blocks to their size.
// Fallible by design: out of memory is an error Result, never a null pointer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::mm {

inline constexpr size_t kKmallocMaxAlign = size_t{4096} << 10;  // a max-order buddy block

// kInvalidArgument for size 0, an alignment that is not a power of two or exceeds
// kKmallocMaxAlign, or a size beyond a max-order block; kOutOfMemory when memory runs out.
[[nodiscard]] Result<void*> kmalloc(size_t size, size_t align = 16);
// nullptr is ignored. Anything else not returned by kmalloc panics naming its frame.
void kfree(void* ptr);
// How many bytes the object really has (its size class or block size).
[[nodiscard]] size_t kmalloc_usable_size(const void* ptr);
// Objects handed out by the slab classes and not yet freed (quiescent callers: leak checks).
[[nodiscard]] uint64_t kmalloc_live_objects();

}  // namespace glass::mm
