// FrameDecoder: turns a byte stream into checked frames, resynchronising after any damage.
//
// Invariants:
//  - Bytes are consumed one at a time; a frame ends at 0x00. Whatever happens to the bytes of one
//    frame (garbage, truncation, a flipped bit, an oversize run), the decoder is in step again at
//    the next 0x00, and every byte it dropped is reported in a Status (nothing is lost silently).
//  - A frame is delivered only if it COBS-decodes, is at least seq + crc long, at most
//    kMaxPlainFrame, and its CRC-32C matches. Its payload is borrowed from the decoder's buffer:
//    valid until the next push().
//  - Sequence numbers are not judged here (the stream layer knows what it expected).
//  - Fixed buffers, no allocation: the kernel can use it on its receive path.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/cobs.h"
#include "protocol/crc32c.h"
#include "protocol/wire.h"

namespace glass::telemetry {

enum class FrameStatus : uint8_t {
  kNone,         // byte consumed, no frame finished
  kFrame,        // a good frame: see seq() and payload()
  kEmpty,        // a lone delimiter (a writer's resync marker): ignored
  kOversize,     // more than kMaxWireFrame bytes without a delimiter: dropped
  kBadCobs,      // the bytes do not COBS-decode
  kTooShort,     // shorter than seq + crc
  kBadChecksum,  // CRC-32C mismatch
};

[[nodiscard]] constexpr const char* frame_status_name(FrameStatus s) {
  switch (s) {
    case FrameStatus::kNone:
      return "none";
    case FrameStatus::kFrame:
      return "frame";
    case FrameStatus::kEmpty:
      return "empty";
    case FrameStatus::kOversize:
      return "oversize frame";
    case FrameStatus::kBadCobs:
      return "bad COBS encoding";
    case FrameStatus::kTooShort:
      return "frame too short";
    case FrameStatus::kBadChecksum:
      return "checksum mismatch";
  }
  return "?";
}

class FrameDecoder {
 public:
  // Feed one byte. On anything but kNone, dropped_bytes() says how many wire bytes (delimiter
  // included) the finished frame or the damage spanned.
  [[nodiscard]] FrameStatus push(uint8_t b) {
    if (b != 0) {
      if (len_ < kMaxWireFrame) {
        wire_[len_] = b;
      } else {
        overflow_ = true;
      }
      ++span_;
      ++len_;
      return FrameStatus::kNone;
    }
    size_t n = len_;
    span_bytes_ = span_ + 1;
    span_ = 0;
    len_ = 0;
    if (overflow_) {
      overflow_ = false;
      return FrameStatus::kOversize;
    }
    if (n == 0) return FrameStatus::kEmpty;
    auto r = cobs_decode(wire_, n, plain_, sizeof plain_);
    if (r.is_error())
      return r.error() == Error::kOverflow ? FrameStatus::kOversize : FrameStatus::kBadCobs;
    size_t m = r.value();
    if (m < kFrameOverhead) return FrameStatus::kTooShort;
    uint32_t want = static_cast<uint32_t>(plain_[m - 4]) | (uint32_t{plain_[m - 3]} << 8) |
                    (uint32_t{plain_[m - 2]} << 16) | (uint32_t{plain_[m - 1]} << 24);
    if (crc32c(plain_, m - 4) != want) return FrameStatus::kBadChecksum;
    seq_ = static_cast<uint32_t>(plain_[0]) | (uint32_t{plain_[1]} << 8) |
           (uint32_t{plain_[2]} << 16) | (uint32_t{plain_[3]} << 24);
    payload_len_ = m - kFrameOverhead;
    return FrameStatus::kFrame;
  }

  [[nodiscard]] uint32_t seq() const { return seq_; }
  [[nodiscard]] const uint8_t* payload() const { return plain_ + 4; }
  [[nodiscard]] size_t payload_size() const { return payload_len_; }
  // Wire bytes of the frame (or damage) just finished, including its delimiter.
  [[nodiscard]] size_t span_bytes() const { return span_bytes_; }
  // Bytes of an unfinished frame waiting for its delimiter (a truncated stream leaves these).
  [[nodiscard]] size_t pending_bytes() const { return span_; }

 private:
  uint8_t wire_[kMaxWireFrame];
  uint8_t plain_[kMaxPlainFrame];
  size_t len_ = 0;
  size_t span_ = 0;
  size_t span_bytes_ = 0;
  size_t payload_len_ = 0;
  uint32_t seq_ = 0;
  bool overflow_ = false;
};

}  // namespace glass::telemetry
