// kprintf: formatted output on the console (COM1), checked at compile time against its arguments.
// Invariant: one kprintf call's bytes are never interleaved with another's (a spinlock serialises
// them; the guard also masks interrupts so a handler that prints cannot deadlock its own CPU).
// "\n" becomes "\r\n" on the wire because QEMU's stdio puts the terminal in raw mode.
#pragma once

#include <stddef.h>

#include "kernel/lib/format.h"
#include "protocol/wire.h"

namespace glass {

void kprintf(const char* fmt, ...) GLASS_PRINTF_FORMAT(1, 2);
void vkprintf(const char* fmt, va_list args);
// Raw console write and printf without the lock: for the panic and exception paths only, where
// the lock may be held by the code that faulted. Output is limited to 256 bytes per call.
void console_write_unlocked(const char* s, size_t n);
void panic_printf(const char* fmt, ...) GLASS_PRINTF_FORMAT(1, 2);
// Who else hears the console: `line` gets every complete kprintf line (with its level, guessed
// from "error:" / "warning" / "PANIC"; cut: longer than telemetry::kMaxText), `panic_text` what
// the panic paths print. Either may be null. Neither may print.
struct ConsoleTap {
  void (*line)(telemetry::LogLevel level, const char* s, size_t n, bool cut) = nullptr;
  void (*panic_text)(const char* s, size_t n) = nullptr;
};
void set_console_tap(const ConsoleTap& tap);
// Set by the `quiet` command-line option: kprintf_verbose() output is dropped.
void set_console_quiet(bool quiet);
void kprintf_verbose(const char* fmt, ...) GLASS_PRINTF_FORMAT(1, 2);

}  // namespace glass
