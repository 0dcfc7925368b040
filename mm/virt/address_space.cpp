// Address spaces, their VMAs and demand-zero faults; see address_space.h for the invariants.
#include "mm/virt/address_space.h"

#include <atomic>
#include <new>

#include "mm/phys/folio.h"
#include "mm/phys/kmalloc.h"
#include "mm/virt/clear_range.h"
#include "mm/virt/kernel_space.h"
#include "mm/virt/pt_cursor.h"

namespace glass::mm {
namespace {

// The address space this CPU translates through (single CPU for now: one slot).
constinit AddressSpace* g_active = nullptr;
constinit std::atomic<OwnerId> g_next_owner{kOwnerDynamicBase + 0x10000};

// Takes every page out of [start, end) of `pt` and drops the folio reference each PTE held
// (after the TLB flush: mm/virt/clear_range.h).
Result<void> drop_pages(PageTable& pt, uint64_t start, uint64_t end) {
  return clear_range(pt, start, end, [](PhysAddr phys, unsigned) {
    auto f = Folio::adopt_phys(phys);  // the reference the PTE held; dropped here
    if (f.is_error()) panic("mm: PTE mapped %#llx, which is no folio", (unsigned long long)phys);
  });
}

}  // namespace

// ---------------------------------------------------------------- lifetime
Result<UniqueAddressSpace> UniqueAddressSpace::create() {
  PageTable* kernel = kernel_page_table();
  if (kernel == nullptr) return Error::kUnsupported;
  const OwnerId owner = g_next_owner.fetch_add(1, std::memory_order_relaxed);
  PageTable pt = TRY(PageTable::create_user(owner, kernel));
  void* mem = TRY(kmalloc(sizeof(AddressSpace), alignof(AddressSpace)));
  return UniqueAddressSpace(new (mem) AddressSpace(std::move(pt), owner));
}

UniqueAddressSpace::~UniqueAddressSpace() {
  if (as_ == nullptr) return;
  as_->~AddressSpace();
  kfree(as_);
  as_ = nullptr;
}

AddressSpace::~AddressSpace() {
  if (g_active == this) {
    switch_to_kernel_page_table();
    g_active = nullptr;
  }
  if (drop_pages(pt_, 0, kUserEnd).is_error()) {
    panic("mm: address space %u: cannot take its pages back (out of memory splitting?)", owner_);
  }
}

void AddressSpace::activate() {
  platform::load_root(pt_.root_phys());
  g_active = this;
}

bool AddressSpace::active() const {
  return g_active == this;
}

// ---------------------------------------------------------------- VMAs
size_t AddressSpace::lower_bound(uint64_t va) const {
  size_t lo = 0, hi = vma_count_;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (vmas_[mid].end <= va) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

const Vma* AddressSpace::find(uint64_t va) const {
  const size_t i = lower_bound(va);
  return i < vma_count_ && vmas_[i].start <= va ? &vmas_[i] : nullptr;
}

Result<void> AddressSpace::split_at(uint64_t va) {
  const size_t i = lower_bound(va);
  if (i == vma_count_ || vmas_[i].start >= va) return {};
  if (vma_count_ == kMaxVmas) return Error::kOverflow;
  for (size_t k = vma_count_; k > i; --k) vmas_[k] = vmas_[k - 1];
  ++vma_count_;
  vmas_[i].end = va;
  vmas_[i + 1].start = va;
  return {};
}

Result<void> AddressSpace::fault_in(uint64_t va, bool write, bool exec) {
  const Vma* v = find(va);
  if (v == nullptr) return Error::kNotFound;
  if ((write && !v->prot.write) || (exec && !v->prot.exec)) return Error::kPermissionDenied;
  const uint64_t page = va & ~(kFrameSize - 1);
  return fill_pages(page, page + kFrameSize, v->page_prop());
}

// One cursor for the whole range: one descent, one set of locks, one TLB batch and one cursor's
// worth of telemetry, however many pages. The range lies inside a VMA (checked when the VMA was
// made), so the cursor's own range check cannot fail here.
Result<void> AddressSpace::fill_pages(uint64_t start, uint64_t end, PageProp prop) {
  CursorMut c = TRY(CursorMut::create(pt_, start, end));
  while (c.va() < c.end()) {
    Folio folio = TRY(Folio::alloc(0, owner_));
    folio.with_mapped([](PageBytes b) { __builtin_memset(b.data, 0, b.size); });
    const uint64_t va = c.va();
    auto r = c.map(folio.phys(), 1, prop);
    if (r.is_ok()) {
      (void)std::move(folio).into_phys();  // the PTE holds this reference now
      continue;
    }
    // Another CPU filled it first: its page stands, ours goes back.
    if (r.error() != Error::kAlreadyExists) return r;
    if (va + kFrameSize == c.end()) break;
    TRY(c.jump(va + kFrameSize));
  }
  return {};
}

Result<void> AddressSpace::unmap_pages(uint64_t start, uint64_t end) {
  return drop_pages(pt_, start, end);
}

Result<void> AddressSpace::protect_pages(uint64_t start, uint64_t end, Prot prot) {
  CursorMut c = TRY(CursorMut::create(pt_, start, end));
  for (;;) {
    const VaRange r = TRY(c.protect_next(c.end() - c.va(), [&](PageProp p) {
      p.write = prot.write;
      p.exec = prot.exec;
      return p;
    }));
    if (r.empty()) return {};
  }
}

// ---------------------------------------------------------------- guarded operations
Result<void> MmapWriteGuard::map(VmaNew&& vma) {
  as_.lock_.assert_held();
  const Vma v = vma.vma();
  const size_t i = as_.lower_bound(v.start);
  if (i < as_.vma_count_ && as_.vmas_[i].start < v.end) return Error::kAlreadyExists;
  if (as_.vma_count_ == AddressSpace::kMaxVmas) return Error::kOverflow;
  for (size_t k = as_.vma_count_; k > i; --k) as_.vmas_[k] = as_.vmas_[k - 1];
  as_.vmas_[i] = v;
  ++as_.vma_count_;
  if (vma.populates()) {
    auto r = as_.fill_pages(v.start, v.end, v.page_prop());
    if (r.is_error()) {
      (void)unmap(v.start, v.end - v.start);  // the cursor is gone: its range can be locked again
      return r;
    }
  }
  return {};
}

Result<void> MmapWriteGuard::unmap(uint64_t start, uint64_t len) {
  as_.lock_.assert_held();
  const uint64_t end = start + len;
  // The rule of mm/virt/va_range.h, here because it must refuse before any VMA changes.
  TRY(check_va_range(Half::kUser, start, end));
  TRY(as_.split_at(start));
  TRY(as_.split_at(end));
  const size_t first = as_.lower_bound(start);
  size_t last = first;
  while (last < as_.vma_count_ && as_.vmas_[last].start < end) ++last;
  const size_t gone = last - first;
  for (size_t k = first; k + gone < as_.vma_count_; ++k) as_.vmas_[k] = as_.vmas_[k + gone];
  as_.vma_count_ -= gone;
  return as_.unmap_pages(start, end);
}

Result<void> MmapWriteGuard::protect(uint64_t start, uint64_t len, Prot prot) {
  as_.lock_.assert_held();
  const uint64_t end = start + len;
  // The rule of mm/virt/va_range.h, here because it must refuse before any VMA changes.
  TRY(check_va_range(Half::kUser, start, end));
  // Every byte must be inside some VMA before anything changes.
  for (uint64_t at = start; at < end;) {
    const Vma* v = as_.find(at);
    if (v == nullptr) return Error::kNotFound;
    at = v->end;
  }
  TRY(as_.split_at(start));
  TRY(as_.split_at(end));
  for (size_t k = as_.lower_bound(start); k < as_.vma_count_ && as_.vmas_[k].start < end; ++k) {
    as_.vmas_[k].prot = prot;
  }
  return as_.protect_pages(start, end, prot);
}

const Vma& VmaMut::as_vma() const {
  as_.lock_.assert_held();  // a VmaMut exists only inside MmapWriteGuard::with_vma_mut
  return *as_.find(start_);
}

Result<void> VmaMut::protect(Prot prot) {
  Vma& v = const_cast<Vma&>(as_vma());
  v.prot = prot;
  return as_.protect_pages(v.start, v.end, prot);
}

Result<void> VmaMut::zap() {
  const Vma& v = as_vma();
  return as_.unmap_pages(v.start, v.end);
}

// ---------------------------------------------------------------- page faults
bool handle_page_fault(uint64_t address, uint64_t error_code) {
  constexpr uint64_t kProtection = 1, kWrite = 2, kFetch = 16;
  AddressSpace* as = g_active;
  if (as == nullptr || (error_code & kProtection) != 0 || address >= kUserEnd) return false;
  // One CPU: if a writer holds the lock, it is the code that faulted, and waiting would hang it.
  // Not resolving the fault gives the decoded panic instead.
  MmapReadGuard guard(*as, MmapReadGuard::TryOnly{});
  return guard.fault_in(address, (error_code & kWrite) != 0, (error_code & kFetch) != 0).is_ok();
}

}  // namespace glass::mm
