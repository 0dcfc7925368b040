// DiskConfig: how a disk is set up, built step by step (a builder, not a type state: a disk is
// either configured and usable or refused by Disk::init with the reason).
//
// Invariant: a DiskConfig is plain data; check() is the single place its limits are stated and
// Disk::init refuses any config check() refuses.
#pragma once

#include <stdint.h>

#include "block/tag_set.h"
#include "kernel/lib/result.h"

namespace glass::block {

class DiskConfig {
 public:
  static constexpr uint32_t kMinBlockSize = 512;
  static constexpr uint32_t kMaxBlockSize = 4096;

  DiskConfig& queue_depth(uint32_t d) {
    depth_ = d;
    return *this;
  }
  DiskConfig& queues(uint32_t q) {
    queues_ = q;
    return *this;
  }
  DiskConfig& logical_block_size(uint32_t bytes) {
    block_size_ = bytes;
    return *this;
  }
  DiskConfig& capacity_sectors(uint64_t sectors) {
    capacity_ = sectors;
    return *this;
  }
  DiskConfig& read_only(bool ro) {
    read_only_ = ro;
    return *this;
  }
  // How long a dispatched request may stay in flight before a timeout scan ends it.
  DiskConfig& timeout_ns(uint64_t ns) {
    timeout_ns_ = ns;
    return *this;
  }

  [[nodiscard]] uint32_t depth() const { return depth_; }
  [[nodiscard]] uint32_t queue_count() const { return queues_; }
  [[nodiscard]] uint32_t block_size() const { return block_size_; }
  [[nodiscard]] uint64_t capacity() const { return capacity_; }
  [[nodiscard]] bool is_read_only() const { return read_only_; }
  [[nodiscard]] uint64_t timeout() const { return timeout_ns_; }

  // kInvalidArgument unless: depth 1..64, queues 1..4, a power-of-two block size of 512..4096
  // bytes, capacity >= 1 sector, timeout > 0.
  [[nodiscard]] Result<void> check() const {
    if (depth_ == 0 || depth_ > TagSet::kMaxDepth) return Error::kInvalidArgument;
    if (queues_ == 0 || queues_ > TagSet::kMaxQueues) return Error::kInvalidArgument;
    if (block_size_ < kMinBlockSize || block_size_ > kMaxBlockSize ||
        (block_size_ & (block_size_ - 1)) != 0) {
      return Error::kInvalidArgument;
    }
    if (capacity_ == 0 || timeout_ns_ == 0) return Error::kInvalidArgument;
    return {};
  }

 private:
  uint32_t depth_ = 32;
  uint32_t queues_ = 1;
  uint32_t block_size_ = 512;
  uint64_t capacity_ = 0;
  bool read_only_ = false;
  uint64_t timeout_ns_ = 1'000'000'000;
};

}  // namespace glass::block
