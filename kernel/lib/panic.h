// panic(): a broken invariant of the kernel's own making. Prints "PANIC: <message>" on the console
// channel, then stops (platform::panic_stop). Messages name the object involved (frame number,
// kind, owner, node, cursor) so the line alone says what went wrong.
//
// Invariant: panic never returns and never allocates; a panic inside a panic goes straight to
// panic_stop without formatting, so a broken formatter cannot recurse forever.
#pragma once

#include "kernel/lib/format.h"

namespace glass {

[[noreturn]] void panic(const char* fmt, ...) GLASS_PRINTF_FORMAT(1, 2);

}  // namespace glass

// ASSERT(cond, fmt, ...): cheap invariant check kept in release builds; the message says why.
#define GLASS_ASSERT(cond, ...)                                                                    \
  do {                                                                                             \
    if (__builtin_expect(!(cond), 0)) ::glass::panic("assertion failed: " #cond ": " __VA_ARGS__); \
  } while (0)
