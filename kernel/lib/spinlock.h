// SpinLock and SpinGuard: a ticket lock that can only be held through a guard.
//
// Invariants: lock()/unlock() are private; SpinGuard is the only way to hold a SpinLock, it is
// neither copyable nor movable, and it releases on scope exit, so a lock can never be leaked by an
// early return. The guard disables interrupts on this CPU while held (restored in reverse order on
// release), so a lock taken in an interrupt handler cannot deadlock against its own CPU. Ticket
// order makes waiting FIFO-fair. Holding a lock records the CPU that took it, so a recursive take
// panics instead of hanging. For clang's -Wthread-safety, SpinLock is a capability and SpinGuard
// a scoped capability (kernel/lib/thread_annotations.h): data declared TA_GUARDED(some_lock)
// cannot be touched outside a SpinGuard on that lock.
#pragma once

#include <stdint.h>

#include <atomic>

#include "kernel/lib/platform.h"
#include "kernel/lib/thread_annotations.h"

namespace glass {

class TA_CAP("spinlock") SpinLock {
 public:
  constexpr SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  // For assertions only ("caller holds the lock"); racy by nature when false.
  [[nodiscard]] bool is_locked() const {
    return next_.load(std::memory_order_relaxed) != serving_.load(std::memory_order_relaxed);
  }
  // Number of acquisitions that had to wait: cheap contention statistics for telemetry/benchmarks.
  [[nodiscard]] uint64_t contended_count() const {
    return contended_.load(std::memory_order_relaxed);
  }

 private:
  friend class SpinGuard;
  void lock() TA_ACQ();
  void unlock() TA_REL();

  std::atomic<uint32_t> next_{0};
  std::atomic<uint32_t> serving_{0};
  std::atomic<uint32_t> owner_cpu_{~0u};
  std::atomic<uint64_t> contended_{0};
};

class [[nodiscard]] TA_SCOPED_CAP SpinGuard {
 public:
  explicit SpinGuard(SpinLock& lock) TA_ACQ(lock) : lock_(lock), irq_(platform::irq_save()) {
    lock_.lock();
  }
  ~SpinGuard() TA_REL() {
    lock_.unlock();
    platform::irq_restore(irq_);
  }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;
  SpinGuard(SpinGuard&&) = delete;
  SpinGuard& operator=(SpinGuard&&) = delete;

 private:
  SpinLock& lock_;
  uintptr_t irq_;
};

}  // namespace glass
