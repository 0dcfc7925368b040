// Waiter: the submitter's end of one request. The request's ender hands it the outcome and the
// buffer back, exactly once; the submitter polls done() or waits through a poll seam (on the host
// a test drains the device; in the kernel, interrupt-driven sleeping comes later).
//
// Invariants:
//  - A Waiter serves one request at a time: Disk refuses a Waiter that is still armed (kBusy).
//  - Everything but done_ is written by the ender before its release store of done_ = true, and
//    read by the submitter only after an acquire load sees it: done_ is the hand-over.
//  - A Waiter must outlive its request (Disk::remove ends every request it has dispatched).
#pragma once

#include <atomic>
#include <utility>

#include "block/block_buffer.h"
#include "kernel/lib/result.h"

namespace glass::block {

class Waiter {
 public:
  Waiter() = default;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  [[nodiscard]] bool done() const { return done_.load(std::memory_order_acquire); }
  [[nodiscard]] bool armed() const { return armed_.load(std::memory_order_acquire); }
  // The outcome; only once done().
  [[nodiscard]] Result<void> result() const {
    if (ok_) return {};
    return error_;
  }
  // The buffer, back from the request (once done()).
  [[nodiscard]] BlockBuffer take_buffer() { return std::move(buffer_); }

  // Calls poll() until the request is done, then gives its outcome and disarms.
  template <typename Poll>
  [[nodiscard]] Result<void> wait(Poll&& poll) {
    while (!done()) poll();
    armed_.store(false, std::memory_order_release);
    return result();
  }
  // Done with the outcome without waiting (it must be done()).
  void disarm() { armed_.store(false, std::memory_order_release); }

 private:
  friend class Disk;
  [[nodiscard]] bool arm() {
    bool expected = false;
    if (!armed_.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) return false;
    done_.store(false, std::memory_order_relaxed);
    return true;
  }
  void finish(BlockBuffer&& buffer, bool ok, Error e) {
    buffer_ = std::move(buffer);
    ok_ = ok;
    error_ = e;
    done_.store(true, std::memory_order_release);
  }

  std::atomic<bool> armed_{false};
  std::atomic<bool> done_{false};
  bool ok_ = false;
  Error error_ = Error::kInvalidArgument;
  BlockBuffer buffer_;
};

}  // namespace glass::block
