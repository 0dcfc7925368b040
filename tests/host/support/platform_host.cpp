// Host implementation of the platform seam (kernel/lib/platform.h): threads stand in for CPUs,
// stderr for the console, abort() for a panic stop so GoogleTest death tests can match messages.
// Invariant: CPU ids are dense and stable per thread for the life of the process.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>

#include "kernel/lib/platform.h"

namespace glass::platform {
namespace {
std::atomic<unsigned> g_next_cpu{0};
thread_local unsigned t_cpu = ~0u;
}  // namespace

void cpu_relax() {
  __builtin_ia32_pause();
}
uintptr_t irq_save() {
  return 0;
}
void irq_restore(uintptr_t) {}

unsigned current_cpu() {
  if (t_cpu == ~0u) t_cpu = g_next_cpu.fetch_add(1) % kMaxCpus;
  return t_cpu;
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
