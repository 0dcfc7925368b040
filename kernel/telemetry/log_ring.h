// LogRing: the kernel's text events (log lines, KTAP results) between the code that prints them
// and the drain that frames them as `log` / `ktap` events.
//
// Invariants:
//  - Fixed capacity, no allocation; the caller serialises push and pop (the kernel holds one
//    SpinGuard around both, log_kernel.cpp), so this class has no atomics of its own.
//  - A full ring drops its oldest line, never the newest, and counts it (lost()): text is not
//    state, so a lost line costs no resync, but the drain says how many were lost.
//  - Text is at most kMaxText bytes. A longer line keeps its first kMaxText - kCutMarkerLen bytes
//    followed by kCutMarker, so a reader can always tell a cut line from a whole one.
//  - Portable and freestanding (host tests drive it).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/wire.h"

namespace glass::telemetry {

inline constexpr char kCutMarker[] = "[...]";
inline constexpr size_t kCutMarkerLen = sizeof(kCutMarker) - 1;

struct LogSlot {
  MsgType type = MsgType::kLog;  // kLog or kKtap
  uint8_t level = 0;             // LogLevel (kLog) or KtapStatus (kKtap)
  uint16_t len = 0;
  uint64_t number = 0;  // kKtap: the test's number
  uint64_t tsc = 0;     // raw time stamp, converted by the drain
  char text[kMaxText];
};

// Copies s[0..n) into out (kMaxText bytes), cutting with the marker when n > kMaxText or when the
// caller already had to cut (`cut`). Returns the length stored.
inline size_t fit_text(char* out, const char* s, size_t n, bool cut) {
  if (n > kMaxText) {
    n = kMaxText;
    cut = true;
  }
  if (cut && n > kMaxText - kCutMarkerLen) n = kMaxText - kCutMarkerLen;
  for (size_t i = 0; i < n; ++i) out[i] = s[i];
  if (!cut) return n;
  for (size_t i = 0; i < kCutMarkerLen; ++i) out[n + i] = kCutMarker[i];
  return n + kCutMarkerLen;
}

template <uint32_t kCapacity>
class LogRing {
  static_assert(kCapacity >= 2 && (kCapacity & (kCapacity - 1)) == 0, "a power of two");

 public:
  void push(const LogSlot& s) {
    if (head_ - tail_ == kCapacity) {
      ++tail_;  // the oldest goes
      ++lost_;
    }
    slots_[head_++ & (kCapacity - 1)] = s;
  }
  // The oldest line, or nullptr. Valid until the next push or pop.
  [[nodiscard]] const LogSlot* front() const {
    return head_ == tail_ ? nullptr : &slots_[tail_ & (kCapacity - 1)];
  }
  void pop() {
    if (head_ != tail_) ++tail_;
  }
  // Lines dropped since the last call.
  [[nodiscard]] uint64_t take_lost() {
    const uint64_t n = lost_;
    lost_ = 0;
    return n;
  }
  [[nodiscard]] uint32_t size() const { return head_ - tail_; }

 private:
  LogSlot slots_[kCapacity];
  uint32_t head_ = 0, tail_ = 0;
  uint64_t lost_ = 0;
};

}  // namespace glass::telemetry
