// SpinLock implementation; see spinlock.h for the invariants.
#include "kernel/lib/spinlock.h"

#include "kernel/lib/panic.h"

namespace glass {

// The primitive itself: the analysis cannot see a ticket lock being taken, so it trusts the
// annotations on the declarations (spinlock.h) instead.
void SpinLock::lock() TA_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned cpu = platform::current_cpu();
  if (is_locked() && owner_cpu_.load(std::memory_order_relaxed) == cpu) {
    panic("spinlock %p taken twice by cpu %u", static_cast<void*>(this), cpu);
  }
  const uint32_t ticket = next_.fetch_add(1, std::memory_order_relaxed);
  if (serving_.load(std::memory_order_acquire) != ticket) {
    contended_.fetch_add(1, std::memory_order_relaxed);
    while (serving_.load(std::memory_order_acquire) != ticket) platform::cpu_relax();
  }
  owner_cpu_.store(cpu, std::memory_order_relaxed);
}

void SpinLock::unlock() TA_NO_THREAD_SAFETY_ANALYSIS {
  owner_cpu_.store(~0u, std::memory_order_relaxed);
  serving_.fetch_add(1, std::memory_order_release);
}

}  // namespace glass
