// Small text helpers the views share (hex addresses, ranges, durations).
#pragma once

#include <stdint.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace glass::inspector::app {

[[nodiscard]] inline std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%" PRIx64, v);
  return b;
}

// 0xffff800000000000 as "ffff8000_00000000": the split a reader's eye needs for 64-bit values.
[[nodiscard]] inline std::string va_text(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%08" PRIx64 "_%08" PRIx64, v >> 32, v & 0xffffffffu);
  return b;
}

[[nodiscard]] inline std::string ms_text(uint64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f ms", static_cast<double>(ns) / 1e6);
  return b;
}

[[nodiscard]] inline bool parse_address(const char* s, uint64_t& out) {
  while (*s == ' ') ++s;
  if (*s == '\0') return false;
  // Addresses are read as hex with or without 0x; '_' and spaces group digits.
  std::string clean;
  for (const char* p = s; *p; ++p)
    if (*p != '_' && *p != ' ') clean += *p;
  if (clean.empty() || clean[0] == '-' || clean[0] == '+' || clean.size() > 18) return false;
  char* end = nullptr;
  unsigned long long v = std::strtoull(clean.c_str(), &end, 16);
  if (end == clean.c_str() || *end != '\0') return false;
  out = v;
  return true;
}

}  // namespace glass::inspector::app
