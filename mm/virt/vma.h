// Vma and its typestate views: what you hold says what you may do with a virtual memory area.
//
//   VmaNew   a VMA being set up: owned by its creator, in no address space yet; the only state in
//            which its kind-defining fields may be chosen. MmapWriteGuard::map consumes it.
//   VmaRef   a read view, handed to a callback by MmapReadGuard/MmapWriteGuard::with_vma: it
//            exists only inside the callback, so it cannot outlive the guard that protects it.
//   VmaMut   a changing view, handed out only under MmapWriteGuard (with_vma_mut).
//
// Invariants: a Vma is [start, end), page aligned, non-empty and inside the user half; the VMAs
// of one address space are disjoint and sorted (mm/virt/address_space.h), and change only under its
// mmap write lock.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "mm/virt/pte.h"
#include "mm/virt/va_range.h"

namespace glass::mm {

struct Prot {
  bool write = false;
  bool exec = false;
  bool operator==(const Prot&) const = default;
};

// Anonymous memory is the only kind so far: zero-filled on first touch, backed by folios.
struct Vma {
  uint64_t start = 0;
  uint64_t end = 0;
  Prot prot;
  bool operator==(const Vma&) const = default;

  [[nodiscard]] PageProp page_prop() const {
    return PageProp{prot.write, prot.exec, true, false, false};
  }
};

class AddressSpace;

class VmaNew {
 public:
  // Anonymous, demand-zero memory at [start, start + len): check_va_range for the user half
  // (mm/virt/va_range.h). kInvalidArgument: empty, misaligned, wrapping, non-canonical or crossing
  // the canonical hole; kPermissionDenied: in the kernel half. A VMA's range is never checked
  // again: its pages and its splits lie inside it.
  [[nodiscard]] static Result<VmaNew> anonymous(uint64_t start, uint64_t len, Prot prot) {
    TRY(check_va_range(Half::kUser, start, start + len));  // a wrapped start + len is < start
    return VmaNew(Vma{start, start + len, prot});
  }
  // Setup only: fault every page in when the VMA is mapped instead of on first touch.
  VmaNew& populate(bool on) {
    populate_ = on;
    return *this;
  }
  VmaNew(VmaNew&&) = default;
  VmaNew(const VmaNew&) = delete;
  VmaNew& operator=(const VmaNew&) = delete;

  [[nodiscard]] const Vma& vma() const { return vma_; }
  [[nodiscard]] bool populates() const { return populate_; }

 private:
  explicit VmaNew(Vma v) : vma_(v) {}
  Vma vma_;
  bool populate_ = false;
};

class VmaRef {
 public:
  [[nodiscard]] uint64_t start() const { return vma_.start; }
  [[nodiscard]] uint64_t end() const { return vma_.end; }
  [[nodiscard]] Prot prot() const { return vma_.prot; }
  [[nodiscard]] bool contains(uint64_t va) const { return va >= vma_.start && va < vma_.end; }

 private:
  friend class MmapReadGuard;
  friend class MmapWriteGuard;
  // AddressSpace::call_with_vma lends views for both guards; it is private to AddressSpace and
  // reachable only from the guards, so a view still exists only under a held mmap lock.
  friend class AddressSpace;
  explicit VmaRef(const Vma& v) : vma_(v) {}
  VmaRef(const VmaRef&) = default;  // copies stay inside the callback's scope: private
  const Vma& vma_;
};

class VmaMut {
 public:
  [[nodiscard]] uint64_t start() const { return as_vma().start; }
  [[nodiscard]] uint64_t end() const { return as_vma().end; }
  [[nodiscard]] Prot prot() const { return as_vma().prot; }
  // Changes the whole VMA's rights, pages already present included.
  [[nodiscard]] Result<void> protect(Prot prot);
  // Drops every present page (the VMA stays; the next touch faults in a zero page again).
  [[nodiscard]] Result<void> zap();

 private:
  friend class MmapWriteGuard;
  VmaMut(AddressSpace& as, uint64_t start) : as_(as), start_(start) {}
  VmaMut(const VmaMut&) = default;
  [[nodiscard]] const Vma& as_vma() const;
  AddressSpace& as_;
  uint64_t start_;
};

}  // namespace glass::mm
