// kprintf; see kprintf.h. The lock below guards COM1 output for all non-panic writers, and the
// line being assembled for the console tap: every complete kprintf line is also handed to the
// tap's `line` (telemetry turns it into a `log` event; it never prints, so there is no recursion).
// What the panic paths print (panic_printf) goes to the tap's `panic_text` instead. The tap is
// registered by the layer above (kernel_main), so console output depends on nothing above it.
#include "kernel/base/kprintf.h"

#include "kernel/drivers/uart16550.h"
#include "kernel/lib/spinlock.h"

namespace glass {
namespace {
SpinLock g_console_lock;
bool g_quiet = false;
ConsoleTap g_tap;  // set once, before the first line, by set_console_tap

// The line being printed (guarded by g_console_lock). Longer lines keep their start and are
// marked as cut.
char g_line[telemetry::kMaxText];  // the wire's longest text: no tap needs more
size_t g_line_len = 0;
bool g_line_cut = false;

bool contains(const char* s, size_t n, const char* word) {
  const size_t w = __builtin_strlen(word);
  for (size_t i = 0; i + w <= n; ++i)
    if (__builtin_memcmp(s + i, word, w) == 0) return true;
  return false;
}

telemetry::LogLevel level_of(const char* s, size_t n) {
  if (contains(s, n, "error:") || contains(s, n, "PANIC")) return telemetry::LogLevel::kError;
  if (contains(s, n, "warning")) return telemetry::LogLevel::kWarn;
  return telemetry::LogLevel::kInfo;
}

void line_feed(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (s[i] == '\n') {
      if (g_tap.line != nullptr)
        g_tap.line(level_of(g_line, g_line_len), g_line, g_line_len, g_line_cut);
      g_line_len = 0;
      g_line_cut = false;
    } else if (g_line_len < sizeof g_line) {
      g_line[g_line_len++] = s[i];
    } else {
      g_line_cut = true;
    }
  }
}

void console_sink(void*, const char* s, size_t n) {
  console_write_unlocked(s, n);
  line_feed(s, n);
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
  const size_t n = __builtin_strlen(buf);
  console_write_unlocked(buf, n);
  if (g_tap.panic_text != nullptr) g_tap.panic_text(buf, n);
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

void set_console_tap(const ConsoleTap& tap) {
  g_tap = tap;
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
