// panic() and Result misuse: format once into a fixed buffer, write it, stop.
// Invariant: a nested panic (panic while formatting a panic) skips formatting entirely.
#include "kernel/lib/panic.h"

#include <atomic>

#include "kernel/lib/platform.h"
#include "kernel/lib/result.h"

namespace glass {
namespace {
std::atomic<int> g_panicking{0};
}

void panic(const char* fmt, ...) {
  if (g_panicking.fetch_add(1) != 0) {
    static constexpr char kNested[] = "\nPANIC (nested)\n";
    platform::console_write(kNested, sizeof(kNested) - 1);
    platform::panic_stop();
  }
  char buf[512];
  size_t n = format_to(buf, sizeof buf, "\nPANIC: ");
  va_list args;
  va_start(args, fmt);
  vformat_to(buf + n, sizeof buf - n, fmt, args);
  va_end(args);
  platform::console_write(buf, __builtin_strlen(buf));
  platform::console_write("\n", 1);
  platform::panic_stop();
}

void panic_result_misuse(const char* what) {
  panic("%s", what);
}

}  // namespace glass
