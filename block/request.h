// Request and RequestRef: one preallocated block request per tag, and the counted reference that
// drivers, completions and timeouts hold while it is in flight.
//
// Invariants (docs/block.md draws them):
//  - refs == 0: the block layer owns the request (free, or being prepared by its submitter, or
//    being finished by its ender); no RequestRef points at it and a tag lookup finds nothing.
//  - Dispatch stores refs = 2 (release) after writing every field: one count is the RequestRef
//    the driver receives, the other is "in flight" and belongs to no object. Fields other than
//    refs, state and deadline_ns are read-only while refs != 0 (the device writes the buffer's
//    bytes on a read, never the buffer handle).
//  - A RequestRef copy increments (the count is already >= 1: its source holds one); a lookup
//    increments only from non-zero (try_get), so an ended request is never revived; destruction
//    decrements.
//  - Who ends a dispatch is decided once, by claim: phase kInFlight -> kClaimed{Done,Timeout,
//    Abort} by compare-exchange. Exactly one claim succeeds; the losers drop their references.
//    While the driver has not yet received the request (kDispatching) only the device's own
//    completion may claim it: a timeout or removal then would wait for a reference the driver
//    cannot yet give up (Driver::abort reaches only what it has received).
//  - phase and generation share one atomic word (state), so "kDispatching of dispatch g" can be
//    turned into "kInFlight of dispatch g" after the driver returns without touching a later
//    dispatch of the same tag.
//  - end_ok / end_err consume a reference and succeed only by compare-exchange refs 2 -> 0 (the
//    claimant's reference plus the in-flight count: nobody else can still see the request);
//    otherwise they give the reference back. After 2 -> 0 the ender is the request's only user.
//  - A RequestRef that won the claim must end the request: dropping it instead is a bug and
//    panics (the request would stay claimed and its tag would never come back).
#pragma once

#include <stdint.h>

#include <atomic>
#include <utility>

#include "block/block_buffer.h"
#include "kernel/lib/result.h"

namespace glass::block {

class Disk;
class Waiter;
class EndResult;
class RequestRef;
EndResult end_request(RequestRef&& ref, bool ok, Error e);

enum class Op : uint8_t { kRead = 0, kWrite = 1 };

// kFree -> kPrepared (tag taken) -> kDispatching (refs 2, the driver's queue_rq running) ->
// kInFlight -> one kClaimed* -> kFree (ended). An inline completion claims from kDispatching.
enum class Phase : uint8_t {
  kFree,
  kPrepared,
  kDispatching,
  kInFlight,
  kClaimedDone,     // the device's completion won
  kClaimedTimeout,  // the deadline passed and the timeout scan won
  kClaimedAbort,    // the disk went away
};

struct Request {
  // Fixed at TagSet::init.
  Disk* disk = nullptr;
  uint32_t disk_id = 0;
  uint32_t tag = 0;
  // Written by the submitter while refs == 0 (published by dispatch's release store).
  Op op = Op::kRead;
  uint32_t sectors = 0;
  uint64_t sector = 0;
  uint32_t offset = 0;  // byte offset of the transfer in buffer
  BlockBuffer buffer;   // kBlockBuffer frames, owned by the request while it is in flight
  Waiter* waiter = nullptr;
  // Shared while in flight.
  std::atomic<uint32_t> refs{0};
  std::atomic<uint64_t> state{0};  // generation << 8 | Phase (see the invariants)
  std::atomic<uint64_t> deadline_ns{0};

  // generation: +1 per dispatch, tells a stale tag from a reused one.
  [[nodiscard]] static constexpr uint64_t pack(uint32_t generation, Phase p) {
    return uint64_t{generation} << 8 | static_cast<uint8_t>(p);
  }
  [[nodiscard]] static constexpr Phase phase_of(uint64_t state) {
    return static_cast<Phase>(state & 0xff);
  }
  [[nodiscard]] static constexpr uint32_t generation_of(uint64_t state) {
    return static_cast<uint32_t>(state >> 8);
  }
  [[nodiscard]] Phase phase() const { return phase_of(state.load(std::memory_order_acquire)); }
};
// Requests are preallocated per tag (TagSet: up to 256 per disk): keep one within two lines.
static_assert(sizeof(Request) <= 128, "a Request is preallocated per tag: keep it small");
static_assert(std::atomic<uint32_t>::is_always_lock_free &&
              std::atomic<uint64_t>::is_always_lock_free);

class RequestRef {
 public:
  RequestRef() = default;
  RequestRef(const RequestRef& o);
  RequestRef(RequestRef&& o) noexcept
      : rq_(std::exchange(o.rq_, nullptr)), claimed_(std::exchange(o.claimed_, false)) {}
  RequestRef& operator=(const RequestRef& o);
  RequestRef& operator=(RequestRef&& o) noexcept;
  ~RequestRef() { reset(); }

  explicit operator bool() const { return rq_ != nullptr; }
  void reset();

  [[nodiscard]] uint32_t tag() const { return rq_->tag; }
  [[nodiscard]] uint32_t disk_id() const { return rq_->disk_id; }
  [[nodiscard]] Op op() const { return rq_->op; }
  [[nodiscard]] uint64_t sector() const { return rq_->sector; }
  [[nodiscard]] uint32_t sectors() const { return rq_->sectors; }
  [[nodiscard]] uint32_t offset() const { return rq_->offset; }
  [[nodiscard]] const BlockBuffer& buffer() const { return rq_->buffer; }
  [[nodiscard]] uint32_t generation() const {
    return Request::generation_of(rq_->state.load(std::memory_order_relaxed));
  }
  [[nodiscard]] bool claimed() const { return claimed_; }
  // The count now (for tests and telemetry; stale as soon as it is read).
  [[nodiscard]] uint32_t refcount() const { return rq_->refs.load(std::memory_order_relaxed); }

  // Tries to become the one that ends this dispatch (Phase kInFlight -> how; kClaimedDone also
  // from kDispatching). True once per dispatch, for one reference; the others must drop theirs.
  [[nodiscard]] bool try_claim(Phase how);

#if GLASS_HOST
  // RequestRef objects alive in the process (tests: nothing outstanding after a workload).
  [[nodiscard]] static int64_t live();
#endif

 private:
  friend class TagSet;
  friend class Disk;
  friend EndResult end_request(RequestRef&& ref, bool ok, Error e);

  // Takes over a count the caller already added (dispatch's).
  static RequestRef adopt(Request* rq);
  // Adds a count unless it is 0 (the request is not in flight): empty then.
  static RequestRef try_get(Request* rq);
  explicit RequestRef(Request* rq);

  Request* rq_ = nullptr;
  bool claimed_ = false;  // this reference won try_claim: it must end the request
};

// What an end did: kEnded (the reference is gone, the request finished), kHeld (other
// references exist: the reference is handed back, unchanged), kLost (someone else claimed the
// end: the reference was dropped).
class [[nodiscard]] EndResult {
 public:
  enum class Kind : uint8_t { kEnded, kHeld, kLost };
  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] bool ended() const { return kind_ == Kind::kEnded; }
  // The reference handed back (kHeld); empty otherwise.
  [[nodiscard]] RequestRef take_back() { return std::move(back_); }

 private:
  friend EndResult end_request(RequestRef&& ref, bool ok, Error e);
  EndResult(Kind k, RequestRef&& back) : kind_(k), back_(std::move(back)) {}
  Kind kind_;
  RequestRef back_;
};

// Ends the request with this outcome. An unclaimed reference claims first (as kClaimedDone) and
// is dropped if it loses (kLost); a claimed one ends by refs 2 -> 0 or is handed back (kHeld).
EndResult end_request(RequestRef&& ref, bool ok, Error e);
inline EndResult end_ok(RequestRef&& ref) {
  return end_request(std::move(ref), true, Error::kInvalidArgument);
}
inline EndResult end_err(RequestRef&& ref, Error e) {
  return end_request(std::move(ref), false, e);
}

// A driver's "the device finished this request": reports it, claims the end and ends it,
// waiting out references others hold briefly (a timeout scan that will lose its claim). False
// when the end was already claimed (a timeout or removal won): the reference is simply dropped.
bool complete(RequestRef&& ref, bool ok, Error e = Error::kMalformed);

// Ends a request the caller has claimed, waiting until every other reference is dropped. The
// caller must have made sure no holder keeps one for long (Driver::abort for the driver's own).
void end_claimed(RequestRef&& ref, bool ok, Error e);

}  // namespace glass::block
