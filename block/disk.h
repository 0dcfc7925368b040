// Disk: a configured block device in front of a driver. Submitters read and write sector ranges
// into block-buffer frames; the disk takes a tag, prepares the tag's preallocated request,
// dispatches it to the driver and, when it ends, hands outcome and buffer to the Waiter.
//
// Invariants:
//  - A submission either dispatches (the buffer moves into the request, the Waiter is armed) or
//    fails before dispatch having changed nothing (the caller keeps its buffer, the tag is back,
//    the Waiter is not armed).
//  - gone_ is written only under lock_, and a request is dispatched (refs 2, kDispatching) only
//    under lock_ with gone_ false: once remove() has set gone_ no new one starts. (submit's early
//    check reads it without the lock: it can only fail sooner, never let a dispatch through.) A
//    request still being handed to the driver when remove() scans is not yet kInFlight and is
//    skipped by the scan; its submitter, once the driver has it, sees gone_ and ends it the same
//    way.
//  - Timeouts and removal end a request only through a claim (request.h), so each dispatch ends
//    exactly once whatever races with it; the driver is told (abort) before the end is waited on.
//  - The disk never allocates after init: requests are preallocated in tags_, buffers come from
//    the submitter.
#pragma once

#include <stdint.h>

#include <atomic>

#include "block/disk_config.h"
#include "block/driver.h"
#include "block/tag_set.h"
#include "block/waiter.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/thread_annotations.h"

namespace glass::block {

class Disk {
 public:
  // A transfer spans at most this many frames (64 KiB); a bigger buffer is refused.
  static constexpr uint64_t kMaxTransferFrames = 16;

  Disk() = default;
  Disk(const Disk&) = delete;
  Disk& operator=(const Disk&) = delete;
  // Panics if requests are still in flight (remove() first, and let claimed ones finish).
  ~Disk();

  // kInvalidArgument for a config check() refuses; kAlreadyExists if already initialised.
  [[nodiscard]] Result<void> init(const DiskConfig& config, Driver& driver);

  // Reads/writes `sectors` logical blocks from `sector` into/from `buffer` at byte `offset`.
  // On success the buffer is moved into the request (the Waiter gives it back); on error the
  // caller keeps it. Errors: kNotFound (the disk went away), kPermissionDenied (a write to a
  // read-only disk), kInvalidArgument (no sectors, an empty buffer or one over
  // kMaxTransferFrames, an offset not a multiple of the block size, a transfer that
  // does not fit in the buffer), kOverflow (the sector range leaves the disk: the range error),
  // kBusy (the Waiter is still armed, or every tag of this CPU's queue is taken).
  [[nodiscard]] Result<void> read(uint64_t sector, uint32_t sectors, BlockBuffer& buffer,
                                  uint32_t offset, Waiter& waiter) {
    return submit(Op::kRead, sector, sectors, buffer, offset, waiter);
  }
  [[nodiscard]] Result<void> write(uint64_t sector, uint32_t sectors, BlockBuffer& buffer,
                                   uint32_t offset, Waiter& waiter) {
    return submit(Op::kWrite, sector, sectors, buffer, offset, waiter);
  }
  [[nodiscard]] Result<void> submit(Op op, uint64_t sector, uint32_t sectors, BlockBuffer& buffer,
                                    uint32_t offset, Waiter& waiter);

  // A submitter's batch (block/plug.h): while plugged, dispatches tell the driver more follow;
  // the last unplug has the driver commit. Use Plug rather than calling these.
  void plug() { plugged_.fetch_add(1, std::memory_order_relaxed); }
  void unplug() {
    if (plugged_.fetch_sub(1, std::memory_order_relaxed) == 1 && driver_ != nullptr) {
      driver_->commit();
    }
  }

  // Ends every in-flight request whose deadline is <= now_ns with kBusy (timed out); returns
  // how many it ended.
  uint32_t expire(uint64_t now_ns);
  // The device went away: refuses new submissions and ends every in-flight request with
  // kNotFound; returns how many it ended.
  uint32_t remove();

  // The request behind a tag if it is in flight (for completions that carry only a tag).
  [[nodiscard]] RequestRef lookup(uint32_t tag) { return tags_.lookup(tag); }
  [[nodiscard]] const DiskConfig& config() const { return config_; }
  [[nodiscard]] uint32_t id() const { return id_; }
  [[nodiscard]] TagSet& tags() { return tags_; }
  [[nodiscard]] bool idle() { return tags_.idle(); }

 private:
  friend EndResult end_request(RequestRef&& ref, bool ok, Error e);
  // After refs 2 -> 0: the ender is the only user. Hands everything back and frees the tag.
  void finish(Request& rq, bool ok, Error e);
  // Claims (as `how`) and ends the request behind `tag` if it is in flight and `pick` selects
  // it; driver.abort(tag) first, so the driver lets go of it.
  template <typename Pick>
  bool end_one(uint32_t tag, Phase how, Error e, Pick&& pick);
  template <typename Pick>
  uint32_t end_in_flight(Phase how, Error e, Pick&& pick);

  DiskConfig config_;
  Driver* driver_ = nullptr;
  uint32_t id_ = 0;
  SpinLock lock_;
  std::atomic<uint32_t> plugged_{0};  // Plugs alive on this disk
  std::atomic<bool> gone_{false};     // written under lock_ (see the invariants)
  bool initialised_ = false;
  TagSet tags_;
};

}  // namespace glass::block
