// ByteWriter / ByteReader: bounded little-endian and LEB128 access to caller-owned byte buffers.
//
// Invariants: a ByteWriter never writes past its capacity; once a write does not fit, the writer
// is "overflowed", every later write is a no-op, and size() stays at the last byte that fitted, so
// the caller can roll back to a mark and lose nothing that was committed before it. A ByteReader
// never reads past its end; a read that would is an error (kMalformed) and leaves the reader
// "failed". Varints are unsigned LEB128 of at most 10 bytes; a longer or overlong-to-65-bits
// encoding is malformed, so every value has at most one accepted spelling per length. No
// allocation, no std library beyond header-only pieces: this is used by the kernel's encoder.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::telemetry {

inline constexpr size_t kMaxVarintBytes = 10;

[[nodiscard]] constexpr uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
[[nodiscard]] constexpr int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
[[nodiscard]] constexpr size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

class ByteWriter {
 public:
  constexpr ByteWriter(uint8_t* buf, size_t cap) : buf_(buf), cap_(cap) {}

  void u8(uint8_t v) {
    if (!reserve(1)) return;
    buf_[len_++] = v;
  }
  void u32le(uint32_t v) {
    if (!reserve(4)) return;
    for (int i = 0; i < 4; ++i) buf_[len_++] = static_cast<uint8_t>(v >> (8 * i));
  }
  void u64le(uint64_t v) {
    if (!reserve(8)) return;
    for (int i = 0; i < 8; ++i) buf_[len_++] = static_cast<uint8_t>(v >> (8 * i));
  }
  void varint(uint64_t v) {
    if (!reserve(varint_size(v))) return;
    while (v >= 0x80) {
      buf_[len_++] = static_cast<uint8_t>(v | 0x80);
      v >>= 7;
    }
    buf_[len_++] = static_cast<uint8_t>(v);
  }
  void svarint(int64_t v) { varint(zigzag(v)); }
  void bytes(const void* p, size_t n) {
    if (!reserve(n)) return;
    const auto* s = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) buf_[len_++] = s[i];
  }

  [[nodiscard]] size_t size() const { return len_; }
  [[nodiscard]] size_t capacity() const { return cap_; }
  [[nodiscard]] bool overflowed() const { return overflowed_; }
  [[nodiscard]] uint8_t* data() const { return buf_; }
  // Forget everything after `mark` (a value size() returned) and clear the overflow: how an
  // encoder makes "append one whole event or nothing".
  void rollback(size_t mark) {
    if (mark <= len_) len_ = mark;
    overflowed_ = false;
  }

 private:
  bool reserve(size_t n) {
    if (overflowed_ || n > cap_ - len_) {
      overflowed_ = true;
      return false;
    }
    return true;
  }
  uint8_t* buf_;
  size_t cap_;
  size_t len_ = 0;
  bool overflowed_ = false;
};

class ByteReader {
 public:
  constexpr ByteReader(const uint8_t* p, size_t n) : p_(p), n_(n) {}

  [[nodiscard]] Result<uint8_t> u8() {
    if (!need(1)) return Error::kMalformed;
    return p_[pos_++];
  }
  [[nodiscard]] Result<uint32_t> u32le() {
    if (!need(4)) return Error::kMalformed;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p_[pos_++]) << (8 * i);
    return v;
  }
  [[nodiscard]] Result<uint64_t> u64le() {
    if (!need(8)) return Error::kMalformed;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p_[pos_++]) << (8 * i);
    return v;
  }
  [[nodiscard]] Result<uint64_t> varint() {
    uint64_t v = 0;
    for (size_t i = 0; i < kMaxVarintBytes; ++i) {
      if (!need(1)) return Error::kMalformed;
      uint8_t b = p_[pos_++];
      // The tenth byte may carry only bit 63; anything more does not fit 64 bits.
      if (i == kMaxVarintBytes - 1 && b > 1) return fail();
      v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return v;
    }
    return fail();
  }
  [[nodiscard]] Result<int64_t> svarint() { return unzigzag(TRY(varint())); }
  // A varint that must fit `max` (inclusive): how fields narrower than 64 bits are read.
  [[nodiscard]] Result<uint64_t> varint_max(uint64_t max) {
    uint64_t v = TRY(varint());
    if (v > max) return fail();
    return v;
  }
  // Borrow n bytes in place (valid as long as the underlying buffer).
  [[nodiscard]] Result<const uint8_t*> bytes(size_t n) {
    if (!need(n)) return Error::kMalformed;
    const uint8_t* p = p_ + pos_;
    pos_ += n;
    return p;
  }

  [[nodiscard]] size_t position() const { return pos_; }
  [[nodiscard]] const uint8_t* here() const { return p_ + pos_; }
  [[nodiscard]] size_t remaining() const { return n_ - pos_; }
  [[nodiscard]] bool at_end() const { return pos_ == n_; }
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  bool need(size_t n) {
    if (failed_ || n > n_ - pos_) {
      failed_ = true;
      return false;
    }
    return true;
  }
  Error fail() {
    failed_ = true;
    return Error::kMalformed;
  }
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace glass::telemetry
