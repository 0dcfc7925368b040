// CRC-32C (Castagnoli): the checksum on every telemetry frame.
//
// Invariants: reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF, so
// crc32c("123456789") == 0xE3069283 (the check value every CRC-32C implementation agrees on; a
// static_assert below pins it). The table is built at compile time: no init call, no mutable state,
// safe from any context including the panic path.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace glass::telemetry {

namespace crc32c_detail {
struct Table {
  uint32_t v[256];
};
constexpr Table make_table() {
  Table t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t.v[i] = c;
  }
  return t;
}
inline constexpr Table kTable = make_table();
}  // namespace crc32c_detail

// Continue a running CRC: crc32c_update(crc32c_update(0, a), b) == crc32c(a ++ b).
[[nodiscard]] constexpr uint32_t crc32c_update(uint32_t crc, const uint8_t* p, size_t n) {
  uint32_t c = ~crc;
  for (size_t i = 0; i < n; ++i) c = crc32c_detail::kTable.v[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

[[nodiscard]] constexpr uint32_t crc32c(const uint8_t* p, size_t n) {
  return crc32c_update(0, p, n);
}

namespace crc32c_detail {
inline constexpr uint8_t kCheckInput[9] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
}
static_assert(crc32c(crc32c_detail::kCheckInput, 9) == 0xE3069283u, "CRC-32C check value");

}  // namespace glass::telemetry
