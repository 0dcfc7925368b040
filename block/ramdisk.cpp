// Ramdisk: see ramdisk.h for the invariants.
#include "block/ramdisk.h"

#include <string.h>

#include "kernel/lib/panic.h"

namespace glass::block {

Result<void> Ramdisk::init(uint64_t sectors, uint32_t block_size, mm::OwnerId owner) {
  if (sectors == 0 || block_size == 0 || storage_.owns()) return Error::kInvalidArgument;
  const uint64_t bytes = sectors * block_size;
  if (bytes / block_size != sectors || bytes > (mm::kFrameSize << mm::kMaxOrder)) {
    return Error::kInvalidArgument;
  }
  const uint64_t frames = (bytes + mm::kFrameSize - 1) / mm::kFrameSize;
  storage_ = TRY(BlockBuffer::alloc(frames, owner));
  block_size_ = block_size;
  // Fresh frames hold whatever was there before: a new disk reads as zeros.
  storage_.with_mapped([](mm::PageBytes b) { memset(b.data, 0, b.size); });
  return {};
}

void Ramdisk::fail_every(uint32_t n) {
  SpinGuard guard(fail_lock_);
  fail_every_ = n;
  served_ = 0;
  injecting_.store(fail_every_ != 0 || hook_ != nullptr, std::memory_order_relaxed);
}

void Ramdisk::set_fail_hook(FailHook hook, void* ctx) {
  SpinGuard guard(fail_lock_);
  hook_ = hook;
  hook_ctx_ = ctx;
  injecting_.store(fail_every_ != 0 || hook_ != nullptr, std::memory_order_relaxed);
}

bool Ramdisk::should_fail(const RequestRef& rq) {
  // Nothing configured: no lock per request (served_ counts only while fail_every is set, and
  // fail_every restarts it).
  if (!injecting_.load(std::memory_order_relaxed)) return false;
  FailHook hook = nullptr;
  void* ctx = nullptr;
  bool fail = false;
  {
    SpinGuard guard(fail_lock_);
    ++served_;
    fail = fail_every_ != 0 && served_ % fail_every_ == 0;
    hook = hook_;
    ctx = hook_ctx_;
  }
  if (!fail && hook != nullptr) fail = hook(ctx, rq);
  if (fail) injected_.fetch_add(1, std::memory_order_relaxed);
  return fail;
}

void Ramdisk::serve(RequestRef&& rq) {
  if (should_fail(rq)) {
    (void)complete(std::move(rq), false, Error::kMalformed);
    return;
  }
  const uint64_t at = rq.sector() * block_size_;
  const uint64_t len = uint64_t{rq.sectors()} * block_size_;
  Result<void> copied = Error::kInvalidArgument;
  {
    SpinGuard guard(data_lock_);
    copied = rq.buffer().with_pointer_into(rq.offset(), len, [&](uint8_t* buf) {
      return storage_.with_pointer_into(at, len, [&](uint8_t* disk) {
        if (rq.op() == Op::kRead) {
          memcpy(buf, disk, len);
        } else {
          memcpy(disk, buf, len);
        }
      });
    });
  }
  // The disk checked the range against its capacity; a storage smaller than the capacity the
  // disk was configured with surfaces here as an error, not an overrun.
  (void)complete(std::move(rq), copied.is_ok(),
                 copied.is_ok() ? Error::kInvalidArgument : copied.error());
}

void Ramdisk::queue_rq(RequestRef rq, bool /*last*/) {
  switch (mode_.load(std::memory_order_relaxed)) {
    case Mode::kInline:
      serve(std::move(rq));
      return;
    case Mode::kNeverAnswers:
      return;  // rq's destructor drops the driver's count: refs 1, in flight until a timeout
    case Mode::kDeferredRef:
    case Mode::kDeferredTag: {
      const bool keep_ref = mode_.load(std::memory_order_relaxed) == Mode::kDeferredRef;
      SpinGuard guard(lock_);
      if (count_ == kSlots) panic("ramdisk: more requests queued than the disk has tags");
      Slot& s = queue_[(head_ + count_) % kSlots];
      s.tag = rq.tag();
      s.generation = rq.generation();
      if (keep_ref) s.ref = std::move(rq);
      ++count_;
      return;  // in tag mode rq's destructor drops the count after the slot is visible
    }
  }
}

void Ramdisk::abort(uint32_t tag) {
  RequestRef dropped;  // dropped after the lock is released (a drop reports telemetry)
  SpinGuard guard(lock_);
  for (uint32_t i = 0; i < count_; ++i) {
    Slot& s = queue_[(head_ + i) % kSlots];
    if (s.tag != tag) continue;
    // One dispatch per tag at a time, and an ended dispatch left no slot: at most one match.
    s.tag = kNone;
    dropped = std::move(s.ref);
  }
}

uint32_t Ramdisk::drain(uint32_t max) {
  uint32_t served = 0;
  while (served < max) {
    Slot s;
    {
      SpinGuard guard(lock_);
      if (count_ == 0) break;
      Slot& front = queue_[head_];
      s.ref = std::move(front.ref);
      s.tag = front.tag;
      s.generation = front.generation;
      front.tag = kNone;
      head_ = (head_ + 1) % kSlots;
      --count_;
    }
    if (s.tag == kNone) continue;  // aborted while queued
    RequestRef rq = std::move(s.ref);
    if (!rq) {
      if (disk_ == nullptr) panic("ramdisk: deferred by tag without an attached disk");
      rq = disk_->lookup(s.tag);
      // Ended meanwhile (timeout, removal), or ended and the tag dispatched again.
      if (!rq || rq.generation() != s.generation) continue;
    }
    serve(std::move(rq));
    ++served;
  }
  return served;
}

uint32_t Ramdisk::queued() {
  SpinGuard guard(lock_);
  return count_;
}

}  // namespace glass::block
