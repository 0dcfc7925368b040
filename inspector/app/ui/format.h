// Small text helpers the views share (hex addresses, ranges, durations).
#pragma once

#include <stdint.h>

#include <cinttypes>
#include <cstdio>
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

}  // namespace glass::inspector::app
