// Host implementation of the platform seam (kernel/lib/platform.h): threads stand in for CPUs,
// stderr for the console, abort() for a panic stop so GoogleTest death tests can match messages.
//
// Invariants: a live thread holds one CPU id, dense in 0..kMaxCpus-1, from its first
// current_cpu() call until it exits; ids are recycled, so a test process may create any number of
// threads over its life, but more than kMaxCpus alive at once is a panic (two threads sharing an id
// would silently share per-CPU state). Spinning yields the host CPU now and then, because a ticket
// lock hands over only when the next waiter is scheduled, and tests run more threads than cores.
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>

#include "kernel/lib/panic.h"
#include "kernel/lib/platform.h"

namespace glass::platform {
namespace {

static_assert(kMaxCpus <= 64, "CPU ids are tracked in one 64-bit mask");
std::atomic<uint64_t> g_cpus_in_use{0};

// The id lives in a trivial thread_local (a plain TLS load on every call); the slot with the
// destructor that gives it back is touched only once, when the id is claimed, because a
// thread_local with a destructor costs an initialisation check on every access.
thread_local unsigned t_cpu_id = ~0u;
struct CpuSlot {
  unsigned id = ~0u;
  ~CpuSlot() {
    if (id != ~0u) g_cpus_in_use.fetch_and(~(uint64_t{1} << id));
  }
};
thread_local CpuSlot t_slot;
thread_local unsigned t_spins = 0;

unsigned claim_cpu_id() {
  uint64_t used = g_cpus_in_use.load();
  for (;;) {
    if (used == ~uint64_t{0}) panic("host: more than %u threads alive use per-CPU state", kMaxCpus);
    const unsigned id = static_cast<unsigned>(__builtin_ctzll(~used));
    if (g_cpus_in_use.compare_exchange_weak(used, used | (uint64_t{1} << id))) return id;
  }
}

}  // namespace

void cpu_relax() {
  if (++t_spins % 64 == 0) {
    sched_yield();
  } else {
    __builtin_ia32_pause();
  }
}

uintptr_t irq_save() {
  return 0;
}
void irq_restore(uintptr_t) {}

unsigned current_cpu() {
  if (__builtin_expect(t_cpu_id == ~0u, 0)) {
    t_cpu_id = claim_cpu_id();
    t_slot.id = t_cpu_id;
  }
  return t_cpu_id;
}

void console_write(const char* s, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(2, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

void panic_stop() {
  std::abort();
}

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace glass::platform
