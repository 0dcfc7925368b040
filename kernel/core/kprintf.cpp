// kprintf; see kprintf.h. The lock below guards COM1 output for all non-panic writers.
#include "kernel/core/kprintf.h"

#include "kernel/drivers/uart16550.h"
#include "kernel/lib/spinlock.h"

namespace glass {
namespace {
SpinLock g_console_lock;
bool g_quiet = false;

void console_sink(void*, const char* s, size_t n) {
  console_write_unlocked(s, n);
}
}  // namespace

void console_write_unlocked(const char* s, size_t n) {
  auto& uart = drivers::com1();
  for (size_t i = 0; i < n; ++i) {
    if (s[i] == '\n') uart.write_byte('\r');
    uart.write_byte(static_cast<uint8_t>(s[i]));
  }
}

void panic_printf(const char* fmt, ...) {
  char buf[256];
  va_list args;
  va_start(args, fmt);
  vformat_to(buf, sizeof buf, fmt, args);
  va_end(args);
  console_write_unlocked(buf, __builtin_strlen(buf));
}

void vkprintf(const char* fmt, va_list args) {
  SpinGuard guard(g_console_lock);
  vformat(FormatSink{console_sink, nullptr}, fmt, args);
}

void kprintf(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vkprintf(fmt, args);
  va_end(args);
}

void set_console_quiet(bool quiet) {
  g_quiet = quiet;
}

void kprintf_verbose(const char* fmt, ...) {
  if (g_quiet) return;
  va_list args;
  va_start(args, fmt);
  vkprintf(fmt, args);
  va_end(args);
}

}  // namespace glass
