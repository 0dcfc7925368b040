// TagSet: a disk's tags and the request preallocated for each, and tag -> request lookup.
//
// Invariants:
//  - Tags are global to the disk: tag = queue * depth + index, index < depth, queue < queues.
//    Each hardware queue hands out its own indices from its own atomic bitmap (a bit is taken by
//    compare-exchange and given back by fetch_and: no lock and no interrupt masking per request),
//    so queues never contend with each other.
//  - requests_[tag] lives as long as the TagSet (nothing is allocated or freed after init), so a
//    lookup may read any request's refcount at any time; try_get's increment-from-non-zero is
//    what keeps it from reviving a request that is being ended or is free.
//  - A tag is taken (alloc) before its request is prepared and given back (release) only after
//    the request's refs reached 0 and its phase is kFree again.
#pragma once

#include <stdint.h>

#include <atomic>

#include "block/request.h"

namespace glass::block {

class TagSet {
 public:
  static constexpr uint32_t kMaxQueues = 4;
  static constexpr uint32_t kMaxDepth = 64;  // one 64-bit bitmap per queue
  static constexpr uint32_t kMaxTags = kMaxQueues * kMaxDepth;

  TagSet() = default;
  TagSet(const TagSet&) = delete;
  TagSet& operator=(const TagSet&) = delete;

  // depth 1..kMaxDepth, queues 1..kMaxQueues, else kInvalidArgument. Once, before any alloc.
  [[nodiscard]] Result<void> init(uint32_t depth, uint32_t queues, Disk* disk, uint32_t disk_id);

  // A free tag of this queue (its request is kPrepared, refs 0); kBusy when all are taken.
  [[nodiscard]] Result<uint32_t> alloc(uint32_t queue);
  // Gives a tag back (its request must be kFree with refs 0). `report`: a block_tag_free event
  // (the caller reported the block_tag); false after an end, whose block_end already says it.
  void release(uint32_t tag, bool report);

  // A reference to the request behind `tag` if it is in flight (refs != 0), else empty; also
  // empty for a tag out of range. Safe against a concurrent end (see the invariants).
  [[nodiscard]] RequestRef lookup(uint32_t tag);

  [[nodiscard]] Request& at(uint32_t tag) { return requests_[tag]; }
  [[nodiscard]] uint32_t size() const { return depth_ * queues_; }
  [[nodiscard]] uint32_t depth() const { return depth_; }
  [[nodiscard]] uint32_t queues() const { return queues_; }
  // Tags taken now (racy unless the disk is quiet).
  [[nodiscard]] uint32_t in_use();
  // Every tag free and every request at refs 0, phase kFree (a quiet disk leaked nothing).
  [[nodiscard]] bool idle();

 private:
  struct HwQueue {
    // Bit i: index i is taken. Taken with acquire (sees the kFree the last ender published),
    // given back with release (after the request's phase went back to kFree).
    std::atomic<uint64_t> used{0};
  };

  uint32_t depth_ = 0;
  uint32_t queues_ = 0;
  HwQueue hw_[kMaxQueues];
  Request requests_[kMaxTags];
};

}  // namespace glass::block
