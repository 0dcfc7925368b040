// The few C runtime symbols a freestanding C++ kernel still needs: the compiler may emit calls to
// memcpy/memmove/memset/memcmp for struct copies and array initialisation, and strlen/strcmp back
// the __builtin_ forms it cannot fold. Plain byte loops (correctness over speed), except memcpy and
// memset: those are on hot paths with sizes the compiler cannot see (a block read's 4 KiB copy, a
// telemetry record's push by its runtime size), where a byte loop is 8x the instructions and, under
// TCG, most of the work; rep movsq/stosq then a byte tail is what the compiler emits itself for a
// known size.
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/panic.h"

extern "C" {

void* memcpy(void* dst, const void* src, size_t n) {
  void* d = dst;
  size_t words = n / 8, tail = n % 8;
  asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
  asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(tail) : : "memory");
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  void* d = dst;
  size_t words = n / 8, tail = n % 8;
  const uint64_t pattern = static_cast<unsigned char>(c) * 0x0101010101010101ull;
  asm volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
  asm volatile("rep stosb" : "+D"(d), "+c"(tail) : "a"(pattern) : "memory");
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i] || a[i] == '\0') {
      return static_cast<unsigned char>(a[i]) - static_cast<unsigned char>(b[i]);
    }
  }
  return 0;
}

char* strstr(const char* haystack, const char* needle) {
  const size_t n = strlen(needle);
  for (; *haystack; ++haystack) {
    if (strncmp(haystack, needle, n) == 0) return const_cast<char*>(haystack);
  }
  return n == 0 ? const_cast<char*>(haystack) : nullptr;
}

void __cxa_pure_virtual() {
  glass::panic("pure virtual function called");
}

}  // extern "C"
