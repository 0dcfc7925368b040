// Ramdisk: a block device driver backed by frames, portable, for tests and teaching. It serves a
// request by copying between its storage and the request's buffer, either at once (inline) or
// when someone drains its queue (deferred: a test, or later the kernel's worker), so every
// refcount state of a request really happens; it can also drop requests (a device that never
// answers: only a timeout ends them) and fail requests on purpose.
//
// Invariants:
//  - storage_ (kBlockBuffer frames, owner given at init) is the disk's content; it is read and
//    written only under data_lock_, so concurrent requests to overlapping sectors are atomic
//    with respect to each other.
//  - queue_ holds, per deferred request, either the driver's RequestRef (kDeferredRef: refs 2
//    while queued) or only its tag and generation (kDeferredTag: refs 1; drain looks it up
//    again and drops it when the generation shows the tag was reused). Guarded by lock_.
//  - abort(tag) empties every queue slot of that tag, so after it the driver holds nothing of it.
//  - Injected errors: fail_every(n) fails every nth request served (count-based, "fail=N"); a
//    hook fails the requests it picks. A failed request ends with kMalformed ("the device
//    reported an error") and its data is not copied.
#pragma once

#include <stdint.h>

#include <atomic>

#include "block/block_buffer.h"
#include "block/disk.h"
#include "block/driver.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/thread_annotations.h"

namespace glass::block {

class Ramdisk final : public Driver {
 public:
  enum class Mode : uint8_t {
    kInline,        // served inside queue_rq
    kDeferredRef,   // queued with the driver's reference; served by drain()
    kDeferredTag,   // queued by tag only (reference dropped); drain() looks it up again
    kNeverAnswers,  // the reference is dropped and nothing remembered: only a timeout ends it
  };
  using FailHook = bool (*)(void* ctx, const RequestRef& rq);

  Ramdisk() = default;

  // Storage for `sectors` blocks of `block_size` bytes (at most a max-order block of frames),
  // zero-filled. kInvalidArgument if too big, kOutOfMemory if no frames.
  [[nodiscard]] Result<void> init(uint64_t sectors, uint32_t block_size, mm::OwnerId owner);
  // The disk whose tags kDeferredTag looks up (set once, before any request).
  void attach(Disk& disk) { disk_ = &disk; }

  void set_mode(Mode m) { mode_.store(m, std::memory_order_relaxed); }
  void fail_every(uint32_t n);
  void set_fail_hook(FailHook hook, void* ctx);

  // Serves up to `max` queued requests, oldest first; returns how many it served (slots of
  // aborted requests, and requests that ended meanwhile, are skipped and not counted).
  uint32_t drain(uint32_t max = ~0u);
  [[nodiscard]] uint32_t queued();
  // Requests whose device error was injected (by fail_every or the hook).
  [[nodiscard]] uint64_t injected() const { return injected_.load(std::memory_order_relaxed); }
  [[nodiscard]] const BlockBuffer& storage() const { return storage_; }

  void queue_rq(RequestRef rq, bool last) override;
  void abort(uint32_t tag) override;

 private:
  struct Slot {
    RequestRef ref;        // kDeferredRef
    uint32_t tag = kNone;  // kDeferredTag (and kDeferredRef, for abort)
    uint32_t generation = 0;
  };
  static constexpr uint32_t kNone = ~0u;
  static constexpr uint32_t kSlots = TagSet::kMaxTags;  // one per tag: the queue never fills

  // Copies the data (unless an error is injected) and completes the request.
  void serve(RequestRef&& rq);
  [[nodiscard]] bool should_fail(const RequestRef& rq);

  std::atomic<Mode> mode_{Mode::kInline};
  Disk* disk_ = nullptr;
  uint32_t block_size_ = 512;
  BlockBuffer storage_;
  SpinLock data_lock_;
  SpinLock lock_;
  Slot queue_[kSlots] TA_GUARDED(lock_);
  uint32_t head_ TA_GUARDED(lock_) = 0;
  uint32_t count_ TA_GUARDED(lock_) = 0;
  SpinLock fail_lock_;
  uint32_t fail_every_ TA_GUARDED(fail_lock_) = 0;
  uint32_t served_ TA_GUARDED(fail_lock_) = 0;
  FailHook hook_ TA_GUARDED(fail_lock_) = nullptr;
  void* hook_ctx_ TA_GUARDED(fail_lock_) = nullptr;
  std::atomic<bool> injecting_{false};  // fail_every_ != 0 || hook_ (written under fail_lock_)
  std::atomic<uint64_t> injected_{0};
};

}  // namespace glass::block
