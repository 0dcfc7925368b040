// The buddy allocator's per-CPU cache of single frames; invariants in buddy.h.
//
// Why no lock: each CpuFrames is touched only by its own CPU with interrupts off, so nothing can
// interleave with it (on the host, a thread stands in for a CPU: kernel/lib/platform.h). The
// shared lock is taken once per kCpuCacheBatch frames instead of once per frame, which is what
// makes order-0 allocation cheaper than glibc malloc(4096) and lets two CPUs scale.
#include <atomic>

#include "kernel/lib/panic.h"
#include "mm/phys/buddy.h"

namespace glass::mm {

void BuddyAllocator::set_count(CpuFrames& c, uint32_t n) {
  std::atomic_ref<uint32_t>(c.count).store(n, std::memory_order_relaxed);
}

void BuddyAllocator::add_delta(CpuFrames& c, FrameKind kind, int64_t d) {
  // Only this CPU writes its deltas: a plain read of our own value, an atomic store for readers.
  std::atomic_ref<int64_t>(c.kind_delta[index(kind)])
      .store(c.kind_delta[index(kind)] + d, std::memory_order_relaxed);
}

uint32_t BuddyAllocator::refill(CpuFrames& c) {
  SpinGuard guard(lock_);
  uint32_t n = c.count;
  while (n < kCpuCacheBatch) {
    const Pfn pfn = take_locked(0);
    if (pfn == kNoPfn) break;
    c.frames[n++] = pfn;
  }
  set_count(c, n);
  return n;
}

void BuddyAllocator::drain(CpuFrames& c, uint32_t keep) {
  SpinGuard guard(lock_);
  uint32_t n = c.count;
  while (n > keep) release_locked(c.frames[--n], 0);
  set_count(c, n);
}

void BuddyAllocator::drain_this_cpu() {
  const uintptr_t irq = glass::platform::irq_save();
  CpuFrames& c = cpu_[glass::platform::current_cpu()];
  if (c.count != 0) drain(c, 0);
  glass::platform::irq_restore(irq);
}

Result<Pfn> BuddyAllocator::alloc_cached(FrameKind kind, OwnerId owner) {
  const uintptr_t irq = glass::platform::irq_save();
  CpuFrames& c = cpu_[glass::platform::current_cpu()];
  uint32_t n = c.count;
  if (n == 0 && (n = refill(c)) == 0) {
    glass::platform::irq_restore(irq);
    return Error::kOutOfMemory;
  }
  const Pfn pfn = c.frames[n - 1];
  set_count(c, n - 1);
  claim(pfn, 0, kind, owner);
  add_delta(c, FrameKind::kFree, -1);
  add_delta(c, kind, +1);
  glass::platform::irq_restore(irq);
  return pfn;
}

void BuddyAllocator::free_cached(Pfn pfn, FrameKind kind) {
  unclaim(pfn, 0);
  const uintptr_t irq = glass::platform::irq_save();
  CpuFrames& c = cpu_[glass::platform::current_cpu()];
  if (c.count == kCpuCacheCapacity) drain(c, kCpuCacheCapacity - kCpuCacheBatch);
  c.frames[c.count] = pfn;
  set_count(c, c.count + 1);
  add_delta(c, kind, -1);
  add_delta(c, FrameKind::kFree, +1);
  glass::platform::irq_restore(irq);
}

void BuddyAllocator::audit_cpu_caches(uint64_t* cached, int64_t deltas[kFrameKindCount],
                                      AuditReport& report) const {
  const FrameTable& t = *table_;
  for (unsigned cpu = 0; cpu < glass::platform::kMaxCpus; ++cpu) {
    const CpuFrames& c = cpu_[cpu];
    const uint32_t n =
        std::atomic_ref<uint32_t>(const_cast<uint32_t&>(c.count)).load(std::memory_order_relaxed);
    if (n > kCpuCacheCapacity) {
      report.fail("cpu %u caches %u frames, more than %u", cpu, n, kCpuCacheCapacity);
      return;
    }
    for (uint32_t i = 0; i < n; ++i) {
      const Pfn p = c.frames[i];
      if (!t.contains(p) || load_kind(t[p]) != FrameKind::kFree || t[p].free_order != kNoOrder) {
        report.fail("cpu %u cache holds frame %u, which is %s (free order %u)", cpu, p,
                    t.contains(p) ? kind_name(load_kind(t[p])) : "outside the table",
                    t.contains(p) ? t[p].free_order : 0);
        return;
      }
    }
    *cached += n;
    for (size_t k = 0; k < kFrameKindCount; ++k) {
      deltas[k] += std::atomic_ref<int64_t>(const_cast<int64_t&>(c.kind_delta[k]))
                       .load(std::memory_order_relaxed);
    }
  }
}

}  // namespace glass::mm
