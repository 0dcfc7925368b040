// TagSet: see tag_set.h for the invariants.
#include "block/tag_set.h"

#include "block/block_events.h"
#include "kernel/lib/panic.h"

namespace glass::block {

namespace events = telemetry::block_events;

Result<void> TagSet::init(uint32_t depth, uint32_t queues, Disk* disk, uint32_t disk_id) {
  if (depth == 0 || depth > kMaxDepth || queues == 0 || queues > kMaxQueues) {
    return Error::kInvalidArgument;
  }
  depth_ = depth;
  queues_ = queues;
  for (uint32_t t = 0; t < kMaxTags; ++t) {
    requests_[t].disk = disk;
    requests_[t].disk_id = disk_id;
    requests_[t].tag = t;
  }
  return {};
}

Result<uint32_t> TagSet::alloc(uint32_t queue) {
  if (queue >= queues_) return Error::kInvalidArgument;
  HwQueue& q = hw_[queue];
  const uint64_t all = depth_ == 64 ? ~uint64_t{0} : (uint64_t{1} << depth_) - 1;
  uint32_t index = 0;
  uint64_t used = q.used.load(std::memory_order_relaxed);
  for (;;) {
    const uint64_t free = ~used & all;
    if (free == 0) return Error::kBusy;
    index = static_cast<uint32_t>(__builtin_ctzll(free));
    if (q.used.compare_exchange_weak(used, used | uint64_t{1} << index, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      break;
    }
  }
  const uint32_t tag = queue * depth_ + index;
  Request& rq = requests_[tag];
  const uint64_t state = rq.state.load(std::memory_order_acquire);
  if (Request::phase_of(state) != Phase::kFree || rq.refs.load(std::memory_order_relaxed) != 0) {
    panic("block: disk %u tag %u handed out while its request is still in use", rq.disk_id, tag);
  }
  rq.state.store(Request::pack(Request::generation_of(state), Phase::kPrepared),
                 std::memory_order_relaxed);
  // No record here: the submitter either dispatches at once (block_dispatch says which tag) or
  // gives the tag back and reports both (block_events.h).
  return tag;
}

void TagSet::release(uint32_t tag, bool report) {
  Request& rq = requests_[tag];
  if (report) events::tag_free(rq.disk_id, tag);
  HwQueue& q = hw_[tag / depth_];
  const uint64_t bit = uint64_t{1} << (tag % depth_);
  if ((q.used.fetch_and(~bit, std::memory_order_release) & bit) == 0) {
    panic("block: disk %u tag %u released twice", rq.disk_id, tag);
  }
}

RequestRef TagSet::lookup(uint32_t tag) {
  if (tag >= size()) return {};
  return RequestRef::try_get(&requests_[tag]);
}

uint32_t TagSet::in_use() {
  uint32_t n = 0;
  for (uint32_t i = 0; i < queues_; ++i) {
    uint64_t used = hw_[i].used.load(std::memory_order_acquire);
    // Not __builtin_popcountll: without POPCNT it calls libgcc, which the kernel does not link.
    for (; used != 0; used &= used - 1) ++n;
  }
  return n;
}

bool TagSet::idle() {
  if (in_use() != 0) return false;
  for (uint32_t t = 0; t < size(); ++t) {
    const Request& rq = requests_[t];
    if (rq.refs.load(std::memory_order_acquire) != 0 || rq.phase() != Phase::kFree ||
        rq.buffer.owns()) {
      return false;
    }
  }
  return true;
}

}  // namespace glass::block
