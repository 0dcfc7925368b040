// kprintf: formatted output on the console (COM1), checked at compile time against its arguments.
// Invariant: one kprintf call's bytes are never interleaved with another's (a spinlock serialises
// them; the guard also masks interrupts so a handler that prints cannot deadlock its own CPU).
// "\n" becomes "\r\n" on the wire because QEMU's stdio puts the terminal in raw mode.
#pragma once

#include <stddef.h>

#include "kernel/lib/format.h"

namespace glass {

void kprintf(const char* fmt, ...) GLASS_PRINTF_FORMAT(1, 2);
void vkprintf(const char* fmt, va_list args);
// Raw console write and printf without the lock: for the panic and exception paths only, where
// the lock may be held by the code that faulted. Output is limited to 256 bytes per call.
void console_write_unlocked(const char* s, size_t n);
void panic_printf(const char* fmt, ...) GLASS_PRINTF_FORMAT(1, 2);
// Set by the `quiet` command-line option: kprintf_verbose() output is dropped.
void set_console_quiet(bool quiet);
void kprintf_verbose(const char* fmt, ...) GLASS_PRINTF_FORMAT(1, 2);

}  // namespace glass
