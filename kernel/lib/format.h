// format: printf-style formatting into a fixed buffer or a byte sink, with the compiler checking
// every format string against its arguments (GLASS_PRINTF_FORMAT -> -Wformat, an error here).
//
// Invariants: never allocates; never writes past the buffer (output is truncated, always
// NUL-terminated when the buffer is non-empty); returns the length the full output would have had,
// as snprintf does, so callers can detect truncation. Supported: %d %i %u %x %X %o %c %s %p %%,
// with flags '-', '0', '+', ' ', '#', width and precision ('*' too), and length modifiers
// hh h l ll z t j. No floating point (the kernel builds without SSE).
#pragma once

#include <stdarg.h>
#include <stddef.h>

#define GLASS_PRINTF_FORMAT(fmt_index, first_arg) \
  __attribute__((format(printf, fmt_index, first_arg)))

namespace glass {

// A sink receives formatted output in pieces.
struct FormatSink {
  void (*write)(void* ctx, const char* s, size_t n);
  void* ctx;
};

// Returns the number of characters written to the sink.
size_t vformat(FormatSink sink, const char* fmt, va_list args);
size_t format(FormatSink sink, const char* fmt, ...) GLASS_PRINTF_FORMAT(2, 3);

// snprintf-compatible. Returns the length the untruncated output would have.
size_t vformat_to(char* buf, size_t size, const char* fmt, va_list args);
size_t format_to(char* buf, size_t size, const char* fmt, ...) GLASS_PRINTF_FORMAT(3, 4);

}  // namespace glass
