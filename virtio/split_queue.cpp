// The driver's side of a split virtqueue; see split_queue.h for the ordering it keeps.
#include "virtio/split_queue.h"

namespace glass::virtio {
namespace {
uint16_t load_acquire(const uint16_t* p) {
  return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
// Sequentially consistent: a release (the ring entry before the index) that is also ordered
// before the later load of the device's flags (an xchg on x86, a full barrier).
void store_seq_cst(uint16_t* p, uint16_t v) {
  __atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}
}  // namespace

Descriptor* SplitQueue::desc() const {
  return reinterpret_cast<Descriptor*>(mem_ + layout().desc_offset());
}
uint16_t* SplitQueue::avail() const {
  return reinterpret_cast<uint16_t*>(mem_ + layout().avail_offset());
}
uint8_t* SplitQueue::used() const {
  return mem_ + layout().used_offset();
}

Result<void> SplitQueue::init(uint16_t size, void* mem, uint64_t phys) {
  if (size == 0 || size > kMaxSize || (size & (size - 1)) != 0 || mem == nullptr) {
    return Error::kInvalidArgument;
  }
  size_ = size;
  mem_ = static_cast<uint8_t*>(mem);
  phys_ = phys;
  __builtin_memset(mem_, 0, layout().bytes());
  for (uint16_t i = 0; i < size; ++i) {
    next_free_[i] = static_cast<uint16_t>(i + 1);
    head_in_flight_[i] = false;
  }
  free_head_ = 0;
  num_free_ = size;
  in_flight_ = 0;
  avail_idx_ = 0;
  used_seen_ = 0;
  broken_ = false;
  return {};
}

Result<void> SplitQueue::submit(const Segment* segs, uint16_t n, uint64_t token) {
  if (n == 0 || segs == nullptr) return Error::kInvalidArgument;
  bool writable_seen = false;
  uint32_t writable = 0;
  for (uint16_t i = 0; i < n; ++i) {
    if (segs[i].len == 0) return Error::kInvalidArgument;
    if (writable_seen && !segs[i].device_writes) return Error::kInvalidArgument;
    writable_seen |= segs[i].device_writes;
    if (segs[i].device_writes) writable += segs[i].len;
  }
  if (broken_) return Error::kMalformed;
  if (n > num_free_) return Error::kBusy;

  const uint16_t head = free_head_;
  uint16_t at = head;
  Descriptor* d = desc();
  for (uint16_t i = 0; i < n; ++i) {
    const uint16_t next = next_free_[at];
    const bool last = i + 1 == n;
    d[at].addr = segs[i].phys;
    d[at].len = segs[i].len;
    d[at].flags =
        static_cast<uint16_t>((segs[i].device_writes ? kDescWrite : 0) | (last ? 0 : kDescNext));
    d[at].next = last ? 0 : next;
    if (last) free_head_ = next;
    at = next;
  }
  num_free_ = static_cast<uint16_t>(num_free_ - n);
  chain_len_[head] = n;
  chain_writable_[head] = writable;
  token_[head] = token;
  head_in_flight_[head] = true;
  ++in_flight_;

  uint16_t* a = avail();
  a[2 + avail_idx_ % size_] = head;
  store_seq_cst(&a[1], ++avail_idx_);  // the entry and descriptors before the index
  return {};
}

bool SplitQueue::notify_needed() const {
  // Our index store (seq_cst) before the device's flag load (seq_cst): otherwise the device may
  // go idle having set "no notify" just before we read it, and never see the new chain.
  const auto* flags = reinterpret_cast<const uint16_t*>(used());
  return (__atomic_load_n(flags, __ATOMIC_SEQ_CST) & kUsedNoNotify) == 0;
}

Result<bool> SplitQueue::pop(Completion& out) {
  if (broken_) return Error::kMalformed;
  const auto* idx = reinterpret_cast<const uint16_t*>(used() + 2);
  const uint16_t device_idx = load_acquire(idx);
  if (device_idx == used_seen_) return false;
  if (static_cast<uint16_t>(device_idx - used_seen_) > in_flight_) {
    broken_ = true;  // the device claims more completions than chains it was given
    return Error::kMalformed;
  }
  const auto* ring = reinterpret_cast<const UsedElement*>(used() + 4);
  const UsedElement e = ring[used_seen_ % size_];
  if (e.id >= size_ || !head_in_flight_[e.id]) {
    broken_ = true;
    return Error::kMalformed;
  }
  const auto head = static_cast<uint16_t>(e.id);
  ++used_seen_;
  out.token = token_[head];
  out.written = e.len < chain_writable_[head] ? e.len : chain_writable_[head];
  // Free the chain from the shadows, never by following `next` in shared memory: a chain is
  // taken from the front of the free list, whose links (next_free_) stay as they were while it
  // is in flight, so chain_len_ - 1 steps from its head reach its last descriptor.
  uint16_t at = head;
  for (uint16_t i = 1; i < chain_len_[head]; ++i) at = next_free_[at];
  next_free_[at] = free_head_;
  free_head_ = head;
  num_free_ = static_cast<uint16_t>(num_free_ + chain_len_[head]);
  head_in_flight_[head] = false;
  --in_flight_;
  return true;
}

}  // namespace glass::virtio
