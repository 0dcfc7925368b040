// A split virtqueue (virtio 1.x, 2.7), the driver's side: a descriptor table, the driver
// ("available") ring and the device ("used") ring in one block of memory the caller owns and
// the device reads by physical address.
//
// Ordering (the spec's, written out; TCG does not order stores for us):
//  - descriptors and the avail ring entry are written, then avail->idx with a sequentially
//    consistent store (2.7.13: the device must see the ring entry before the index that
//    publishes it; the store is a release);
//  - used->flags is then read with a sequentially consistent load (2.7.13.4: the index store
//    must be visible before the suppression flag is read, or a notification is lost: the
//    seq_cst pair is the full barrier the spec asks for, an xchg on x86);
//  - used->idx is read with acquire, then the used entries it covers (2.7.14).
// Shared indices are read and written with atomic accesses of their own width.
//
// Invariants: single driver-side owner (callers serialise submit/pop with their own lock);
// descriptors are free or belong to exactly one chain in flight; the free list and each chain's
// length live in driver-private shadow arrays, never read back from shared memory, so a device
// that scribbles on the descriptor table cannot corrupt them; whatever the device writes into
// the used ring is checked (an id not in flight, an index running ahead) and refused as
// kMalformed, never trusted. No allocation: everything is sized by kMaxSize.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::virtio {

struct Descriptor {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(Descriptor) == 16, "virtio 1.x 2.7.5: 16-byte descriptors");

inline constexpr uint16_t kDescNext = 1, kDescWrite = 2;
inline constexpr uint16_t kUsedNoNotify = 1;

struct UsedElement {
  uint32_t id;
  uint32_t len;
};
static_assert(sizeof(UsedElement) == 8, "virtio 1.x 2.7.8");

// Where the three parts sit in the block (offsets from its start) for a queue of `size`.
struct QueueLayout {
  uint16_t size = 0;
  [[nodiscard]] size_t desc_offset() const { return 0; }
  [[nodiscard]] size_t avail_offset() const { return 16u * size; }
  [[nodiscard]] size_t used_offset() const {  // 4-byte aligned, after flags, idx, ring, used_event
    return (avail_offset() + 6 + 2u * size + 3) & ~size_t{3};
  }
  [[nodiscard]] size_t bytes() const { return used_offset() + 6 + 8u * size; }
};

// One buffer of a request: device-readable ("out") or device-writable ("in").
struct Segment {
  uint64_t phys = 0;
  uint32_t len = 0;
  bool device_writes = false;
};

struct Completion {
  uint64_t token = 0;    // what submit() was given
  uint32_t written = 0;  // bytes the device says it wrote into the chain's writable segments
};

class SplitQueue {
 public:
  static constexpr uint16_t kMaxSize = 256;

  // Lays the queue out in `mem` (QueueLayout{size}.bytes() bytes, which the device finds at
  // `phys`) and zeroes it. size: a power of two, 1..kMaxSize (kInvalidArgument otherwise).
  [[nodiscard]] Result<void> init(uint16_t size, void* mem, uint64_t phys);

  [[nodiscard]] uint16_t size() const { return size_; }
  [[nodiscard]] uint64_t desc_phys() const { return phys_ + layout().desc_offset(); }
  [[nodiscard]] uint64_t avail_phys() const { return phys_ + layout().avail_offset(); }
  [[nodiscard]] uint64_t used_phys() const { return phys_ + layout().used_offset(); }
  [[nodiscard]] uint16_t free_descriptors() const { return num_free_; }
  [[nodiscard]] uint16_t in_flight() const { return in_flight_; }

  // Chains the segments (every readable one before every writable one, as 2.7.4.2 requires) and
  // makes the chain visible to the device. kInvalidArgument: no segment, an empty one, or the
  // order broken; kBusy: not enough free descriptors (nothing taken).
  [[nodiscard]] Result<void> submit(const Segment* segs, uint16_t n, uint64_t token);

  // Whether the device wants a notification for what was submitted (it may suppress them).
  [[nodiscard]] bool notify_needed() const;

  // The next chain the device finished, its descriptors freed: true and `out` filled, or false
  // when none is pending. kMalformed: the device reported something impossible (an id not in
  // flight, more completions than chains in flight); the queue is then unusable (broken()).
  [[nodiscard]] Result<bool> pop(Completion& out);
  [[nodiscard]] bool broken() const { return broken_; }

 private:
  [[nodiscard]] QueueLayout layout() const { return QueueLayout{size_}; }
  [[nodiscard]] Descriptor* desc() const;
  [[nodiscard]] uint16_t* avail() const;  // flags, idx, ring[size], used_event
  [[nodiscard]] uint8_t* used() const;    // flags, idx, ring[size] of UsedElement, avail_event

  uint8_t* mem_ = nullptr;
  uint64_t phys_ = 0;
  uint16_t size_ = 0;
  uint16_t free_head_ = 0;
  uint16_t num_free_ = 0;
  uint16_t in_flight_ = 0;
  uint16_t avail_idx_ = 0;  // the driver's copy of avail->idx (free-running)
  uint16_t used_seen_ = 0;  // used entries consumed so far (free-running)
  bool broken_ = false;
  // Driver-private shadows: next free descriptor; per head, its chain's length, writable bytes
  // and token, and whether it is in flight.
  uint16_t next_free_[kMaxSize] = {};
  uint16_t chain_len_[kMaxSize] = {};
  uint32_t chain_writable_[kMaxSize] = {};
  uint64_t token_[kMaxSize] = {};
  bool head_in_flight_[kMaxSize] = {};
};

}  // namespace glass::virtio
