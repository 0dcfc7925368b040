// Framer: events -> frames -> a transmit buffer of wire bytes waiting for the UART. The one place
// the kernel's stream gets its sequence numbers.
//
// Invariants:
//  - emit() appends one whole event to the open frame, sealing the frame into the transmit
//    buffer and retrying when the frame is full; it returns false (writing nothing) only when the
//    transmit buffer has no room for another whole frame. It never waits.
//  - The transmit buffer holds whole frames only, each once, in seq order; bytes leave from the
//    front (take()/consumed()). mark()/rollback() undo everything framed since the mark, seq
//    included, so a snapshot that does not fit is never sent half.
//  - Storage is borrowed; no allocation, no locks (one thread at a time: the poll path).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/encoder.h"

namespace glass::telemetry {

class Framer {
 public:
  void attach(uint8_t* tx, size_t cap) {
    tx_ = tx;
    cap_ = cap;
    len_ = pos_ = 0;
  }
  [[nodiscard]] bool attached() const { return tx_ != nullptr; }

  // f(ByteWriter&) -> Result<void>: one encode:: call. False: the transmit buffer is full.
  template <typename F>
  [[nodiscard]] bool emit(F&& f) {
    Result<void> r = f(fb_.writer());
    if (r.is_ok()) return true;
    if (r.error() != Error::kOverflow || fb_.empty()) {
      ++encode_errors_;  // refused arguments, or an event larger than a frame: a bug, counted
      return true;
    }
    if (!seal()) return false;
    r = f(fb_.writer());
    if (r.is_error()) ++encode_errors_;
    return true;
  }
  // Entries [first, first + count) of `node` = values: as many events as the encoder needs.
  [[nodiscard]] bool emit_entries(uint64_t node, uint32_t first, const uint64_t* values,
                                  uint32_t count) {
    while (count > 0) {
      auto r = encode::entries(fb_.writer(), node, first, values, count);
      if (r.is_error()) {
        if (r.error() != Error::kOverflow || fb_.empty()) {
          ++encode_errors_;
          return true;
        }
        if (!seal()) return false;
        continue;
      }
      first += r.value();
      values += r.value();
      count -= r.value();
    }
    return true;
  }
  // Closes the open frame into the transmit buffer (no-op when empty). False if it does not fit.
  [[nodiscard]] bool seal() {
    if (fb_.empty()) return true;
    compact();
    if (cap_ - len_ < kMaxWireFrame) return false;
    auto n = fb_.seal(seq_, tx_ + len_, cap_ - len_);
    if (n.is_error()) return false;  // cannot happen: room was checked
    len_ += n.value();
    ++seq_;
    ++frames_;
    bytes_ += n.value();
    return true;
  }
  // A lone 0x00: a reader that joined mid-frame is in step at once.
  [[nodiscard]] bool resync_marker() {
    compact();
    if (len_ >= cap_) return false;
    tx_[len_++] = 0;
    return true;
  }

  struct Mark {
    size_t len;
    uint32_t seq;
    uint64_t frames, bytes;
  };
  [[nodiscard]] Mark mark() {
    compact();  // so nothing moves before rollback (pos_ stays 0 until bytes are consumed)
    return {len_, seq_, frames_, bytes_};
  }
  // Only while nothing since the mark has been taken (the poll path guarantees it).
  void rollback(const Mark& m) {
    fb_.writer().rollback(0);
    len_ = m.len;
    seq_ = m.seq;
    frames_ = m.frames;
    bytes_ = m.bytes;
  }
  // Forgets the open frame (its events are about to be replaced by a snapshot).
  void drop_open_frame() { fb_.writer().rollback(0); }

  // Bytes waiting for the UART, and marking them sent.
  [[nodiscard]] const uint8_t* pending() const { return tx_ + pos_; }
  [[nodiscard]] size_t pending_size() const { return len_ - pos_; }
  void consumed(size_t n) {
    pos_ += n;
    if (pos_ == len_) pos_ = len_ = 0;
  }
  [[nodiscard]] size_t room() const { return cap_ - (len_ - pos_); }
  [[nodiscard]] bool open_frame_empty() const { return fb_.empty(); }
  [[nodiscard]] uint64_t frames() const { return frames_; }
  [[nodiscard]] uint64_t bytes() const { return bytes_; }
  [[nodiscard]] uint64_t encode_errors() const { return encode_errors_; }

 private:
  // Moves unsent bytes to the front so a whole frame fits behind them whenever it can.
  void compact() {
    if (pos_ == 0) return;
    for (size_t i = pos_; i < len_; ++i) tx_[i - pos_] = tx_[i];
    len_ -= pos_;
    pos_ = 0;
  }

  FrameBuilder fb_;
  uint8_t* tx_ = nullptr;
  size_t cap_ = 0;
  size_t len_ = 0;  // bytes framed
  size_t pos_ = 0;  // bytes already sent, from the front
  uint32_t seq_ = 0;
  uint64_t frames_ = 0, bytes_ = 0, encode_errors_ = 0;
};

}  // namespace glass::telemetry
