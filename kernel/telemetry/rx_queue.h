// RxQueue: host bytes between COM2's receive interrupt (the producer) and telemetry::poll()
// (the consumer, thread context), which decodes and acts on them.
//
// Invariants: single producer, single consumer, lock-free: head_ is written only by the producer,
// tail_ only by the consumer, each published with release and read with acquire. The producer
// never waits: a byte that finds the queue full is dropped and counted (overflows), and the host
// sees at worst a damaged command frame (its CRC fails), which the channel answers with an error,
// and an rx_lost event. The COM2 handler asks room() first and leaves a byte it cannot keep in the
// UART, so in practice nothing overflows. Fixed storage, no allocation; portable so host tests
// can drive it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>

namespace glass::telemetry {

class RxQueue {
 public:
  static constexpr uint32_t kCapacity = 4096;  // a power of two; far above any command burst
  static_assert((kCapacity & (kCapacity - 1)) == 0);

  // Producer. False (and counted) when full.
  bool push(uint8_t b) {
    const uint32_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) == kCapacity) {
      overflows_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    bytes_[head & (kCapacity - 1)] = b;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }
  // Consumer: -1 when empty.
  int pop() {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return -1;
    const uint8_t b = bytes_[tail & (kCapacity - 1)];
    tail_.store(tail + 1, std::memory_order_release);
    return b;
  }
  [[nodiscard]] uint64_t overflows() const { return overflows_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint32_t queued() const {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire);
  }
  // Producer: bytes push() would take now (the consumer may only make it more).
  [[nodiscard]] uint32_t room() const { return kCapacity - queued(); }

 private:
  uint8_t bytes_[kCapacity] = {};
  std::atomic<uint32_t> head_{0};
  std::atomic<uint32_t> tail_{0};
  std::atomic<uint64_t> overflows_{0};
};

}  // namespace glass::telemetry
