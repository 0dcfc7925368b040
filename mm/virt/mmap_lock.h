// MmapLock: an address space's reader-writer lock over its VMAs, and the only two ways to hold
// it: MmapReadGuard (many at once) and MmapWriteGuard (alone).
//
// Invariants: the state word is -1 while a writer holds it, else the number of readers; lock and
// unlock are private to the guards. Guards are neither copyable nor movable, so they are released
// by the thread (and in the scope) that took them. Page tables have their own locks (cursors):
// the mmap lock orders VMA changes, not PTE changes, which is why demand faults may fill pages
// under the read lock. For clang's -Wthread-safety the lock is a capability (shared for readers,
// exclusive for the writer); the guards are scoped capabilities (mm/virt/address_space.h).
#pragma once

#include <stdint.h>

#include <atomic>

#include "kernel/lib/panic.h"
#include "kernel/lib/platform.h"
#include "kernel/lib/thread_annotations.h"

namespace glass::mm {

class TA_CAP("mmap lock") MmapLock {
 public:
  constexpr MmapLock() = default;
  MmapLock(const MmapLock&) = delete;
  MmapLock& operator=(const MmapLock&) = delete;
  [[nodiscard]] bool write_locked() const { return state_.load(std::memory_order_relaxed) < 0; }
  // For a guard's methods: the guard holds this lock for as long as it exists, which the
  // analysis cannot carry from the guard's constructor into its member functions. Checked at run
  // time too (one relaxed load), so a wrong assertion panics instead of letting data race.
  void assert_held() const TA_ASSERT() {
    if (state_.load(std::memory_order_relaxed) >= 0)
      panic("mmap lock %p: not write-locked", static_cast<const void*>(this));
  }
  void assert_held_shared() const TA_ASSERT_SHARED() {
    if (state_.load(std::memory_order_relaxed) == 0)
      panic("mmap lock %p: not held", static_cast<const void*>(this));
  }

 private:
  friend class MmapReadGuard;
  friend class MmapWriteGuard;
  // The primitive: the analysis trusts these annotations rather than reading the atomics.
  void lock_shared() TA_ACQ_SHARED() TA_NO_THREAD_SAFETY_ANALYSIS {
    for (;;) {
      int32_t s = state_.load(std::memory_order_relaxed);
      if (s >= 0 && state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire)) return;
      glass::platform::cpu_relax();
    }
  }
  [[nodiscard]] bool try_lock_shared() TA_TRY_ACQ_SHARED(true) TA_NO_THREAD_SAFETY_ANALYSIS {
    int32_t s = state_.load(std::memory_order_relaxed);
    while (s >= 0) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire)) return true;
    }
    return false;
  }
  void unlock_shared() TA_REL_SHARED() TA_NO_THREAD_SAFETY_ANALYSIS {
    state_.fetch_sub(1, std::memory_order_release);
  }
  void lock() TA_ACQ() TA_NO_THREAD_SAFETY_ANALYSIS {
    for (;;) {
      int32_t s = 0;
      if (state_.compare_exchange_weak(s, -1, std::memory_order_acquire)) return;
      glass::platform::cpu_relax();
    }
  }
  void unlock() TA_REL() TA_NO_THREAD_SAFETY_ANALYSIS {
    state_.store(0, std::memory_order_release);
  }

  std::atomic<int32_t> state_{0};
};

}  // namespace glass::mm
