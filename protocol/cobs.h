// COBS (Consistent Overhead Byte Stuffing): how a telemetry frame is made free of zero bytes so a
// single 0x00 can end every frame and a reader can always find the next frame start.
//
// Invariants: cobs_encode output never contains 0x00 and is at most n + n/254 + 1 bytes
// (cobs_max_encoded); cobs_decode accepts exactly the outputs of cobs_encode (a code byte of 0, or
// a code that runs past the end, is malformed) and never writes past `cap`. Buffer to buffer, no
// allocation, usable from the kernel's drain and the host's decoder alike.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::telemetry {

[[nodiscard]] constexpr size_t cobs_max_encoded(size_t n) {
  return n + n / 254 + 1;
}

[[nodiscard]] inline Result<size_t> cobs_encode(const uint8_t* in, size_t n, uint8_t* out,
                                                size_t cap) {
  if (cap < cobs_max_encoded(n)) return Error::kOverflow;
  size_t code_pos = 0;
  size_t o = 1;
  uint8_t code = 1;
  for (size_t i = 0; i < n; ++i) {
    if (in[i] != 0) {
      out[o++] = in[i];
      ++code;
    }
    // A group ends at a zero byte or after 254 data bytes; in the latter case the next group
    // starts without an implied zero.
    if (in[i] == 0 || code == 0xff) {
      out[code_pos] = code;
      code_pos = o++;
      code = 1;
    }
  }
  out[code_pos] = code;
  return o;
}

[[nodiscard]] inline Result<size_t> cobs_decode(const uint8_t* in, size_t n, uint8_t* out,
                                                size_t cap) {
  size_t i = 0;
  size_t o = 0;
  while (i < n) {
    uint8_t code = in[i++];
    if (code == 0) return Error::kMalformed;
    size_t run = code - 1u;
    if (run > n - i) return Error::kMalformed;
    if (run > cap - o) return Error::kOverflow;
    for (size_t k = 0; k < run; ++k) {
      if (in[i] == 0) return Error::kMalformed;
      out[o++] = in[i++];
    }
    if (code != 0xff && i < n) {
      if (o >= cap) return Error::kOverflow;
      out[o++] = 0;
    }
  }
  return o;
}

}  // namespace glass::telemetry

namespace glass::telemetry {

// Streaming COBS: put() bytes one at a time, finish() closes the last group. Lets the kernel
// encode seq | payload | crc straight into its output without assembling a plain frame first.
// Invariant: output never exceeds `cap`; on overflow finish() reports kOverflow.
class CobsWriter {
 public:
  CobsWriter(uint8_t* out, size_t cap) : out_(out), cap_(cap), ok_(cap >= 1), o_(1) {}
  void put(uint8_t b) {
    if (!ok_) return;
    if (b != 0) {
      if (o_ >= cap_) {
        ok_ = false;
        return;
      }
      out_[o_++] = b;
      ++code_;
    }
    if (b == 0 || code_ == 0xff) {
      if (o_ >= cap_) {
        ok_ = false;
        return;
      }
      out_[code_pos_] = code_;
      code_pos_ = o_++;
      code_ = 1;
    }
  }
  [[nodiscard]] Result<size_t> finish() {
    if (!ok_) return Error::kOverflow;
    out_[code_pos_] = code_;
    return o_;
  }

 private:
  uint8_t* out_;
  size_t cap_;
  bool ok_;
  size_t o_;
  size_t code_pos_ = 0;
  uint8_t code_ = 1;
};

}  // namespace glass::telemetry
