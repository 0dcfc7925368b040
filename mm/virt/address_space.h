// AddressSpace: a user page table sharing the kernel half, and the set of VMAs that says what may
// be mapped in the user half. Reached only through its mmap lock guards.
//
// Invariants:
//  - The AddressSpace owns its PageTable (user half only; the kernel half is the kernel page
//    table's, shared by pointer) and, through the PTEs, one folio reference per present page.
//  - vmas_[0, vma_count_) are disjoint, sorted, inside the user half, and change only under the
//    mmap write lock. A present user page always lies inside a VMA and has at most its rights.
//  - Pages are filled on demand (handle_page_fault) under the mmap read lock; the page table's
//    own range locks order concurrent fills.
//  - The active address space of this CPU (activate) is never destroyed: destruction switches the
//    CPU back to the kernel page table first.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <type_traits>
#include <utility>

#include "kernel/lib/result.h"
#include "kernel/lib/thread_annotations.h"
#include "mm/virt/mmap_lock.h"
#include "mm/virt/page_table.h"
#include "mm/virt/vma.h"

namespace glass::mm {

class AddressSpace {
 public:
  static constexpr size_t kMaxVmas = 64;

  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  [[nodiscard]] OwnerId owner() const { return owner_; }
  [[nodiscard]] PageTable& page_table() { return pt_; }
  // Makes this CPU translate through this address space.
  void activate();
  [[nodiscard]] bool active() const;

 private:
  friend class UniqueAddressSpace;
  friend class MmapReadGuard;
  friend class MmapWriteGuard;
  friend class VmaMut;
  AddressSpace(PageTable&& pt, OwnerId owner) : pt_(std::move(pt)), owner_(owner) {}
  ~AddressSpace();

  [[nodiscard]] const Vma* find(uint64_t va) const TA_REQ_SHARED(lock_);
  // f(VmaRef) for the VMA containing va (f's result), or kNotFound. Callers hold the mmap lock:
  // the read and write guards both lend their views through this one place.
  template <typename F>
  using VmaResult = Result<decltype(std::declval<F&>()(std::declval<VmaRef>()))>;
  template <typename F>
  VmaResult<F> call_with_vma(uint64_t va, F&& f) const TA_REQ_SHARED(lock_) {
    const Vma* v = find(va);
    if (v == nullptr) return Error::kNotFound;
    if constexpr (std::is_void_v<decltype(f(std::declval<VmaRef>()))>) {
      f(VmaRef(*v));
      return {};
    } else {
      return f(VmaRef(*v));
    }
  }
  // The first VMA with end > va.
  [[nodiscard]] size_t lower_bound(uint64_t va) const TA_REQ_SHARED(lock_);
  // Afterwards no VMA straddles va.
  [[nodiscard]] Result<void> split_at(uint64_t va) TA_REQ(lock_);
  [[nodiscard]] Result<void> fault_in(uint64_t va, bool write, bool exec) TA_REQ_SHARED(lock_);
  // Maps a fresh zero folio at every unmapped page of [start, end) (inside a VMA) through one
  // cursor; pages already present stay. Touches no VMA: the page table's locks order it.
  [[nodiscard]] Result<void> fill_pages(uint64_t start, uint64_t end, PageProp prop);
  [[nodiscard]] Result<void> unmap_pages(uint64_t start, uint64_t end);
  [[nodiscard]] Result<void> protect_pages(uint64_t start, uint64_t end, Prot prot);

  PageTable pt_;
  OwnerId owner_;
  MmapLock lock_;
  Vma vmas_[kMaxVmas] TA_GUARDED(lock_);
  size_t vma_count_ TA_GUARDED(lock_) = 0;
};

// The single owner of an AddressSpace; destroying it unmaps everything and frees the tables.
class UniqueAddressSpace {
 public:
  // A new, empty address space sharing the kernel page table's kernel half. kUnsupported if the
  // kernel page table does not exist yet; kOutOfMemory.
  [[nodiscard]] static Result<UniqueAddressSpace> create();

  UniqueAddressSpace(UniqueAddressSpace&& o) noexcept : as_(std::exchange(o.as_, nullptr)) {}
  UniqueAddressSpace& operator=(UniqueAddressSpace&&) = delete;
  UniqueAddressSpace(const UniqueAddressSpace&) = delete;
  ~UniqueAddressSpace();

  [[nodiscard]] AddressSpace& operator*() const { return *as_; }
  [[nodiscard]] AddressSpace* operator->() const { return as_; }

 private:
  explicit UniqueAddressSpace(AddressSpace* as) : as_(as) {}
  AddressSpace* as_;
};

// The guards are scoped capabilities: holding one is holding `as.lock_` for the analysis. Their
// methods reach the VMAs through as_, which the analysis cannot tie to the lock the constructor
// took, so each re-asserts it (mm/virt/mmap_lock.h: checked at run time too).
class TA_SCOPED_CAP MmapReadGuard {
 public:
  explicit MmapReadGuard(AddressSpace& as) TA_ACQ_SHARED(as.lock_) : as_(as), held_(true) {
    as_.lock_.lock_shared();
  }
  // Takes the lock only if no writer holds it; held() says whether it did. A constructor cannot
  // be a conditional acquire for the analysis, so it counts as held; every method checks held()
  // before it touches anything.
  struct TryOnly {};
  MmapReadGuard(AddressSpace& as, TryOnly) TA_ACQ_SHARED(as.lock_)
      : as_(as), held_(try_take(as.lock_)) {}
  ~MmapReadGuard() TA_REL() {
    if (held_) as_.lock_.unlock_shared();
  }
  [[nodiscard]] bool held() const { return held_; }
  MmapReadGuard(const MmapReadGuard&) = delete;
  MmapReadGuard& operator=(const MmapReadGuard&) = delete;
  MmapReadGuard(MmapReadGuard&&) = delete;
  MmapReadGuard& operator=(MmapReadGuard&&) = delete;

  // f(VmaRef) for the VMA containing va: f's result, or kNotFound.
  template <typename F>
  auto with_vma(uint64_t va, F&& f) -> Result<decltype(f(std::declval<VmaRef>()))> {
    if (!held()) return Error::kBusy;
    as_.lock_.assert_held_shared();
    return as_.call_with_vma(va, std::forward<F>(f));
  }
  [[nodiscard]] size_t vma_count() const {
    if (!held_) return 0;
    as_.lock_.assert_held_shared();
    return as_.vma_count_;
  }
  // Fills the page at va with a zero page if a VMA allows the access. kNotFound: no VMA;
  // kPermissionDenied: the VMA forbids it; kOutOfMemory; kBusy: a try-only guard did not get
  // the lock.
  [[nodiscard]] Result<void> fault_in(uint64_t va, bool write, bool exec = false) {
    if (!held_) return Error::kBusy;
    as_.lock_.assert_held_shared();
    return as_.fault_in(va, write, exec);
  }

 private:
  static bool try_take(MmapLock& lock) TA_NO_THREAD_SAFETY_ANALYSIS {
    return lock.try_lock_shared();
  }
  AddressSpace& as_;
  bool held_;
};

class TA_SCOPED_CAP MmapWriteGuard {
 public:
  explicit MmapWriteGuard(AddressSpace& as) TA_ACQ(as.lock_) : as_(as) { as_.lock_.lock(); }
  ~MmapWriteGuard() TA_REL() { as_.lock_.unlock(); }
  MmapWriteGuard(const MmapWriteGuard&) = delete;
  MmapWriteGuard& operator=(const MmapWriteGuard&) = delete;
  MmapWriteGuard(MmapWriteGuard&&) = delete;
  MmapWriteGuard& operator=(MmapWriteGuard&&) = delete;

  // Adds the VMA. kAlreadyExists: it overlaps one; kOverflow: kMaxVmas reached; kOutOfMemory
  // while populating (the VMA is then removed again).
  [[nodiscard]] Result<void> map(VmaNew&& vma);
  // Removes [start, start + len) from the VMAs and drops its pages. Errors as VmaNew::anonymous
  // (kPermissionDenied for the kernel half); kOverflow if splitting needs a VMA slot too many.
  [[nodiscard]] Result<void> unmap(uint64_t start, uint64_t len);
  // New rights for [start, start + len), which VMAs must cover entirely (else kNotFound).
  [[nodiscard]] Result<void> protect(uint64_t start, uint64_t len, Prot prot);

  template <typename F>
  auto with_vma(uint64_t va, F&& f) -> Result<decltype(f(std::declval<VmaRef>()))> {
    as_.lock_.assert_held();
    return as_.call_with_vma(va, std::forward<F>(f));
  }
  template <typename F>
  auto with_vma_mut(uint64_t va, F&& f) -> Result<decltype(f(std::declval<VmaMut&>()))> {
    as_.lock_.assert_held();
    const Vma* v = as_.find(va);
    if (v == nullptr) return Error::kNotFound;
    VmaMut m(as_, v->start);
    if constexpr (std::is_void_v<decltype(f(std::declval<VmaMut&>()))>) {
      f(m);
      return {};
    } else {
      return f(m);
    }
  }
  [[nodiscard]] size_t vma_count() const {
    as_.lock_.assert_held();
    return as_.vma_count_;
  }

 private:
  AddressSpace& as_;
};

// The #PF hook: true if the fault was a first touch of demand-zero memory in the active address
// space and is now resolved (the instruction can be retried); false for everything else, which
// the caller then treats as it always did.
[[nodiscard]] bool handle_page_fault(uint64_t address, uint64_t error_code);

}  // namespace glass::mm
