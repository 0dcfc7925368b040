// MmapLock: an address space's reader-writer lock over its VMAs, and the only two ways to hold
// it: MmapReadGuard (many at once) and MmapWriteGuard (alone).
//
// Invariants: the state word is -1 while a writer holds it, else the number of readers; lock and
// unlock are private to the guards. Guards are neither copyable nor movable, so they are released
// by the thread (and in the scope) that took them. Page tables have their own locks (cursors):
// the mmap lock orders VMA changes, not PTE changes, which is why demand faults may fill pages
// under the read lock.
#pragma once

#include <stdint.h>

#include <atomic>

#include "kernel/lib/platform.h"

namespace glass::mm {

class MmapLock {
 public:
  constexpr MmapLock() = default;
  MmapLock(const MmapLock&) = delete;
  MmapLock& operator=(const MmapLock&) = delete;
  [[nodiscard]] bool write_locked() const { return state_.load(std::memory_order_relaxed) < 0; }

 private:
  friend class MmapReadGuard;
  friend class MmapWriteGuard;
  void lock_shared() {
    for (;;) {
      int32_t s = state_.load(std::memory_order_relaxed);
      if (s >= 0 && state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire)) return;
      glass::platform::cpu_relax();
    }
  }
  [[nodiscard]] bool try_lock_shared() {
    int32_t s = state_.load(std::memory_order_relaxed);
    while (s >= 0) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire)) return true;
    }
    return false;
  }
  void unlock_shared() { state_.fetch_sub(1, std::memory_order_release); }
  void lock() {
    for (;;) {
      int32_t s = 0;
      if (state_.compare_exchange_weak(s, -1, std::memory_order_acquire)) return;
      glass::platform::cpu_relax();
    }
  }
  void unlock() { state_.store(0, std::memory_order_release); }

  std::atomic<int32_t> state_{0};
};

}  // namespace glass::mm
