// Which virtual ranges a page table (and so a cursor, a VMA, an unmap) may cover: the one place
// the rule is written.
//
// Invariants: a range [start, end) passes check_va_range(half, ...) iff it is non-empty, does not
// wrap, is page aligned, canonical at both ends, does not cross the canonical hole, and lies in
// `half`. Everything that takes a range from a caller checks it here, once, and with the same
// errors: PageTable::check_range (every cursor), VmaNew::anonymous (a new VMA), and the unmap and
// protect of an address space, which must refuse before they change any VMA; code that builds a
// range from one that passed (a VMA's pages, a fault's page inside a VMA) relies on that.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "mm/virt/pte.h"

namespace glass::mm {

enum class Half : uint8_t { kUser, kKernel };

// kInvalidArgument: empty, wrapped, misaligned, non-canonical, crossing the hole, or a user range
// for the kernel half; kPermissionDenied: a kernel-half range for the user half.
[[nodiscard]] inline Result<void> check_va_range(Half half, uint64_t start, uint64_t end) {
  if (start >= end) return Error::kInvalidArgument;
  if (((start | end) & (kFrameSize - 1)) != 0) return Error::kInvalidArgument;
  if (!is_canonical(start) || !is_canonical(end - 1)) return Error::kInvalidArgument;
  if ((start < kUserEnd) != (end - 1 < kUserEnd)) return Error::kInvalidArgument;
  if (half == Half::kUser && start >= kKernelStart) return Error::kPermissionDenied;
  if (half == Half::kKernel && start < kUserEnd) return Error::kInvalidArgument;
  return {};
}

}  // namespace glass::mm
