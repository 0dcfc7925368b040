// RequestRef and the ends of a request: see request.h for the invariants (the refcount protocol
// and the claim), disk.h for what happens once a request has ended.
#include "block/request.h"

#include "block/block_events.h"
#include "block/disk.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/platform.h"

namespace glass::block {

namespace events = telemetry::block_events;

namespace {
#if GLASS_HOST
std::atomic<int64_t> g_live{0};
inline void count_live(int64_t d) {
  g_live.fetch_add(d, std::memory_order_relaxed);
}
#else
inline void count_live(int64_t) {}
#endif
}  // namespace

#if GLASS_HOST
int64_t RequestRef::live() {
  return g_live.load(std::memory_order_relaxed);
}
#endif

RequestRef::RequestRef(Request* rq) : rq_(rq) {
  count_live(1);
}

RequestRef RequestRef::adopt(Request* rq) {
  return RequestRef(rq);
}

RequestRef RequestRef::try_get(Request* rq) {
  uint32_t n = rq->refs.load(std::memory_order_relaxed);
  do {
    if (n == 0) return {};
  } while (!rq->refs.compare_exchange_weak(n, n + 1, std::memory_order_acquire,
                                           std::memory_order_relaxed));
  events::ref(rq->disk_id, rq->tag, n + 1);
  return RequestRef(rq);
}

RequestRef::RequestRef(const RequestRef& o) : rq_(o.rq_) {
  if (rq_ == nullptr) return;
  // The source holds a count, so the request cannot reach 0 under us: a plain increment.
  const uint32_t n = rq_->refs.fetch_add(1, std::memory_order_relaxed) + 1;
  events::ref(rq_->disk_id, rq_->tag, n);
  count_live(1);
}

RequestRef& RequestRef::operator=(const RequestRef& o) {
  if (this != &o) {
    RequestRef copy(o);
    *this = std::move(copy);
  }
  return *this;
}

RequestRef& RequestRef::operator=(RequestRef&& o) noexcept {
  if (this != &o) {
    reset();
    rq_ = std::exchange(o.rq_, nullptr);
    claimed_ = std::exchange(o.claimed_, false);
  }
  return *this;
}

void RequestRef::reset() {
  if (rq_ == nullptr) return;
  Request* rq = std::exchange(rq_, nullptr);
  if (claimed_) {
    panic("block: disk %u tag %u: the reference that claimed its end was dropped", rq->disk_id,
          rq->tag);
  }
  // Never the last count: the in-flight count stays until an end takes it with ours (2 -> 0).
  const uint32_t n = rq->refs.fetch_sub(1, std::memory_order_release) - 1;
  if (n == 0)
    panic("block: disk %u tag %u: refcount dropped to 0 outside an end", rq->disk_id, rq->tag);
  events::ref(rq->disk_id, rq->tag, n);
  count_live(-1);
}

bool RequestRef::try_claim(Phase how) {
  uint64_t state = rq_->state.load(std::memory_order_acquire);
  for (;;) {
    const Phase now = Request::phase_of(state);
    if (now != Phase::kInFlight && !(now == Phase::kDispatching && how == Phase::kClaimedDone)) {
      return false;
    }
    if (rq_->state.compare_exchange_weak(state, Request::pack(Request::generation_of(state), how),
                                         std::memory_order_acq_rel, std::memory_order_acquire)) {
      claimed_ = true;
      return true;
    }
  }
}

EndResult end_request(RequestRef&& ref, bool ok, Error e) {
  if (!ref.claimed_ && !ref.try_claim(Phase::kClaimedDone)) {
    ref.reset();
    return EndResult(EndResult::Kind::kLost, RequestRef());
  }
  Request* rq = ref.rq_;
  uint32_t expected = 2;
  if (!rq->refs.compare_exchange_strong(expected, 0, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
    return EndResult(EndResult::Kind::kHeld, std::move(ref));
  }
  // 2 -> 0 took our count and the in-flight one together: the reference is spent.
  ref.rq_ = nullptr;
  ref.claimed_ = false;
  count_live(-1);
  rq->disk->finish(*rq, ok, e);  // its block_end says refcount 0: no separate block_ref
  return EndResult(EndResult::Kind::kEnded, RequestRef());
}

void end_claimed(RequestRef&& ref, bool ok, Error e) {
  if (!ref.claimed()) panic("block: end_claimed with a reference that has not claimed");
  EndResult r = end_request(std::move(ref), ok, e);
  while (!r.ended()) {
    // Others hold references only for a moment (a lookup that will lose its claim and drop).
    platform::cpu_relax();
    r = end_request(r.take_back(), ok, e);
  }
}

bool complete(RequestRef&& ref, bool ok, Error e) {
  events::device_done(ref.disk_id(), ref.tag(), events::status_of(ok, e));
  if (!ref.claimed() && !ref.try_claim(Phase::kClaimedDone)) {
    ref.reset();
    return false;
  }
  end_claimed(std::move(ref), ok, e);
  return true;
}

}  // namespace glass::block
