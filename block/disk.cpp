// Disk: see disk.h for the invariants.
#include "block/disk.h"

#include <atomic>

#include "block/block_events.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/platform.h"

namespace glass::block {

namespace events = telemetry::block_events;

namespace {
std::atomic<uint32_t> g_next_disk_id{1};
}  // namespace

Disk::~Disk() {
  if (initialised_ && !tags_.idle()) {
    panic("block: disk %u destroyed with %u tags still in use", id_, tags_.in_use());
  }
}

Result<void> Disk::init(const DiskConfig& config, Driver& driver) {
  if (initialised_) return Error::kAlreadyExists;
  TRY(config.check());
  id_ = g_next_disk_id.fetch_add(1, std::memory_order_relaxed);
  TRY(tags_.init(config.depth(), config.queue_count(), this, id_));
  config_ = config;
  driver_ = &driver;
  initialised_ = true;
  return {};
}

Result<void> Disk::submit(Op op, uint64_t sector, uint32_t sectors, BlockBuffer& buffer,
                          uint32_t offset, Waiter& waiter) {
  if (!initialised_) return Error::kNotFound;
  // Without the lock: checked again under it at dispatch, this only fails early.
  if (gone_.load(std::memory_order_relaxed)) return Error::kNotFound;
  if (op == Op::kWrite && config_.is_read_only()) return Error::kPermissionDenied;
  const uint64_t bs = config_.block_size();
  if (sectors == 0 || !buffer.owns() || buffer.frames() > kMaxTransferFrames || offset % bs != 0 ||
      offset > buffer.bytes() || uint64_t{sectors} * bs > buffer.bytes() - offset) {
    return Error::kInvalidArgument;
  }
  if (sector >= config_.capacity() || sectors > config_.capacity() - sector) {
    return Error::kOverflow;
  }
  if (!waiter.arm()) return Error::kBusy;

  const uint32_t queue = platform::current_cpu() % config_.queue_count();
  Result<uint32_t> tag = tags_.alloc(queue);
  if (tag.is_error()) {
    waiter.disarm();
    return tag.error();
  }
  Request& rq = tags_.at(tag.value());
  rq.op = op;
  rq.sector = sector;
  rq.sectors = sectors;
  rq.offset = offset;
  rq.buffer = std::move(buffer);
  rq.waiter = &waiter;
  uint32_t generation = 0;
  {
    SpinGuard guard(lock_);
    if (!gone_.load(std::memory_order_relaxed)) {
      generation = Request::generation_of(rq.state.load(std::memory_order_relaxed)) + 1;
      rq.deadline_ns.store(platform::now_ns() + config_.timeout(), std::memory_order_relaxed);
      rq.state.store(Request::pack(generation, Phase::kDispatching), std::memory_order_relaxed);
      // Publishes every field above to whoever takes a reference (lookup's acquire).
      rq.refs.store(2, std::memory_order_release);
    }
  }
  if (generation == 0) {  // the disk went away meanwhile: nobody else has seen the request
    buffer = std::move(rq.buffer);
    rq.waiter = nullptr;
    rq.state.store(Request::pack(Request::generation_of(rq.state.load(std::memory_order_relaxed)),
                                 Phase::kFree),
                   std::memory_order_release);
    events::tag(id_, rq.tag);  // taken and given back undispatched: both said, in order
    tags_.release(rq.tag, /*report=*/true);
    waiter.disarm();
    return Error::kNotFound;
  }
  const uint32_t tag_number = rq.tag;
  // One record for "tag taken, dispatched, refcount 2" (block_events.h): no block_tag or
  // block_ref of its own.
  events::dispatch(id_, tag_number, static_cast<uint32_t>(op), sectors, sector,
                   rq.buffer.phys() >> mm::kFrameShift, rq.buffer.frames());
  driver_->queue_rq(RequestRef::adopt(&rq), plugged_.load(std::memory_order_relaxed) == 0);
  // The driver has it now, so a timeout or removal may claim it (abort reaches it). Fails, and
  // must, when the device already claimed it inline or the tag has since been dispatched again:
  // the generation in the word tells them apart.
  uint64_t expected = Request::pack(generation, Phase::kDispatching);
  const bool in_flight =
      rq.state.compare_exchange_strong(expected, Request::pack(generation, Phase::kInFlight),
                                       std::memory_order_acq_rel, std::memory_order_relaxed);
  // Only a request still in flight can have been skipped by a removal's scan; one the device
  // already claimed (ended inline, or ending) is not the removal's to end.
  bool gone = false;
  if (in_flight) {
    SpinGuard guard(lock_);
    gone = gone_.load(std::memory_order_relaxed);
  }
  if (gone) {  // a removal that ran while the driver was handed the request skipped it
    (void)end_one(
        tag_number, Phase::kClaimedAbort, Error::kNotFound, [generation](const Request& r) {
          return Request::generation_of(r.state.load(std::memory_order_relaxed)) == generation;
        });
  }
  return {};
}

void Disk::finish(Request& rq, bool ok, Error e) {
  const uint32_t status = events::status_of(ok, e);
  events::end(id_, rq.tag, status, rq.sectors, rq.sector, rq.buffer.phys() >> mm::kFrameShift,
              rq.buffer.frames());
  BlockBuffer buffer = std::move(rq.buffer);
  Waiter* waiter = rq.waiter;
  rq.waiter = nullptr;
  rq.state.store(
      Request::pack(Request::generation_of(rq.state.load(std::memory_order_relaxed)), Phase::kFree),
      std::memory_order_release);
  tags_.release(rq.tag, /*report=*/false);  // block_end said it: refcount 0, tag free
  // Last: the submitter may reuse the waiter (and this tag) as soon as it sees done.
  waiter->finish(std::move(buffer), ok, e);
}

template <typename Pick>
bool Disk::end_one(uint32_t tag, Phase how, Error e, Pick&& pick) {
  Request& rq = tags_.at(tag);
  // A first look without a reference: a scan that finds nothing due (the common case of a
  // timeout scan) touches no refcount and reports nothing.
  if (rq.phase() != Phase::kInFlight || !pick(rq)) return false;
  RequestRef ref = tags_.lookup(tag);
  // Holding a reference pins this dispatch (it cannot end without us), so what pick reads and
  // the claim are about the dispatch the reference belongs to: asked again.
  if (!ref || !pick(rq) || !ref.try_claim(how)) return false;
  if (how == Phase::kClaimedTimeout) events::timeout(id_, tag);
  driver_->abort(tag);
  end_claimed(std::move(ref), false, e);
  return true;
}

template <typename Pick>
uint32_t Disk::end_in_flight(Phase how, Error e, Pick&& pick) {
  uint32_t ended = 0;
  for (uint32_t tag = 0; tag < tags_.size(); ++tag) {
    if (end_one(tag, how, e, pick)) ++ended;
  }
  return ended;
}

uint32_t Disk::expire(uint64_t now_ns) {
  if (!initialised_) return 0;
  return end_in_flight(Phase::kClaimedTimeout, Error::kBusy, [now_ns](const Request& rq) {
    return rq.deadline_ns.load(std::memory_order_relaxed) <= now_ns;
  });
}

uint32_t Disk::remove() {
  if (!initialised_) return 0;
  {
    SpinGuard guard(lock_);
    gone_.store(true, std::memory_order_relaxed);
  }
  return end_in_flight(Phase::kClaimedAbort, Error::kNotFound, [](const Request&) { return true; });
}

}  // namespace glass::block
