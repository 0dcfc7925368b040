// EventRing: one CPU's queue of typed telemetry records (messages.h's Record: a declared message
// and its type), between the mm code that produces them (mm/phys/mm_events.h, inline) and the
// drain that frames them (telemetry/drain.h). It sits in protocol/ because mm, below the
// telemetry folder, pushes into it directly.
//
// Invariants:
//  - Single producer (the owning CPU; no interrupt handler reports mm events, so a push is never
//    interrupted by another push on its CPU) and single consumer (the drain). Neither side ever
//    waits for the other: push on a full ring drops the record and counts it, it never blocks.
//    Lock-free: head_ is written only by the producer, tail_ only by the consumer, each published
//    with release and read with acquire.
//  - Nothing is lost silently. Records lost to a full ring are counted in lost_; the next push
//    that finds room for two records first stores a kDropped record carrying that count, in the
//    position the loss happened, and the consumer, finding the ring empty, takes any count left
//    (take_lost). Either way the host sees a `dropped` event and resynchronises.
//  - A record is a fixed-size trivially copyable message: producers copy fields, never format
//    bytes.
//  - Storage is borrowed (the kernel gives it frames of kind telemetry); capacity is any power of
//    two >= 2. Freestanding: no allocation, portable so host tests can drive it too.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>

#include "protocol/messages.h"

namespace glass::telemetry {

class EventRing {
 public:
  EventRing() = default;
  EventRing(const EventRing&) = delete;
  EventRing& operator=(const EventRing&) = delete;

  // Adopts `storage` of `capacity` records (a power of two >= 2); forgets anything queued.
  void attach(Record* storage, uint32_t capacity) {
    slots_ = storage;
    mask_ = capacity - 1;
    head_.store(0, std::memory_order_relaxed);
    tail_.store(0, std::memory_order_relaxed);
    lost_.store(0, std::memory_order_relaxed);
  }
  [[nodiscard]] bool attached() const { return slots_ != nullptr; }
  [[nodiscard]] uint32_t capacity() const { return slots_ ? mask_ + 1 : 0; }

  // Producer. False (and the record counted as lost) when the ring is full. The message is
  // written straight into its slot (no Record built and copied: this runs inside mm's hooks).
  template <typename M>
  bool push(const M& m) {
    uint32_t at;
    if (!reserve(at)) return false;
    Record& r = slots_[at & mask_];
    r.type = M::kType;
    member(r, static_cast<const M*>(nullptr)) = m;
    publish(at + 1);
    return true;
  }
  // The same for a message given as its type and bytes (a msg:: struct of that type, size bytes;
  // what mm's shared recording function receives).
  bool push(MsgType type, const void* message, uint32_t size) {
    if (size > sizeof(Record) - offsetof(Record, dropped)) return false;
    uint32_t at;
    if (!reserve(at)) return false;
    Record& r = slots_[at & mask_];
    r.type = type;
    __builtin_memcpy(reinterpret_cast<unsigned char*>(&r) + offsetof(Record, dropped), message,
                     size);
    publish(at + 1);
    return true;
  }
  bool push(const Record& r) {
    uint32_t at;
    if (!reserve(at)) return false;
    slots_[at & mask_] = r;
    publish(at + 1);
    return true;
  }

  // Consumer. False when empty.
  bool pop(Record& out) {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return false;
    out = slots_[tail & mask_];
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  // Consumer, after pop() returned false: records lost since the last kDropped record (0: none).
  uint64_t take_lost() { return lost_.exchange(0, std::memory_order_relaxed); }
  // Consumer: forget everything queued (a snapshot is about to replace it).
  void discard() {
    tail_.store(head_.load(std::memory_order_acquire), std::memory_order_release);
    lost_.store(0, std::memory_order_relaxed);
  }
  [[nodiscard]] uint32_t queued() const {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire);
  }
  [[nodiscard]] uint64_t pushed() const { return pushed_; }
  [[nodiscard]] uint64_t lost_pending() const { return lost_.load(std::memory_order_relaxed); }

 private:
  // The slot for the next record (after a kDropped record for earlier losses, if any is owed and
  // there is room for both); false, counting the record lost, when there is no room.
  bool reserve(uint32_t& at) {
    if (slots_ == nullptr) return false;
    const uint32_t head = head_.load(std::memory_order_relaxed);
    const uint32_t free = capacity() - (head - tail_.load(std::memory_order_acquire));
    at = head;
    if (lost_.load(std::memory_order_relaxed) != 0) {
      if (free < 2) {
        lost_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      const uint64_t lost = lost_.exchange(0, std::memory_order_relaxed);
      if (lost != 0) {
        Record& d = slots_[at++ & mask_];
        d.type = MsgType::kDropped;
        d.dropped = msg::Dropped{0, lost};  // cpu: the drain fills it in
      }
    } else if (free < 1) {
      lost_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    return true;
  }
  void publish(uint32_t head) {
    head_.store(head, std::memory_order_release);
    ++pushed_;
  }

  Record* slots_ = nullptr;
  uint32_t mask_ = 0;
  std::atomic<uint32_t> head_{0};
  std::atomic<uint32_t> tail_{0};
  std::atomic<uint64_t> lost_{0};
  uint64_t pushed_ = 0;  // producer-only statistic
};

}  // namespace glass::telemetry
