// A simulated virtio device for host tests of virtio/split_queue.h: it reads the rings the way a
// device does (acquire on avail->idx, descriptors by "physical" address, which on the host is a
// pointer) and completes chains in any order the test chooses. It checks what the driver
// promised: every chain's descriptors in range, readable before writable, and no descriptor in
// two chains at once.
#pragma once

#include <stdint.h>

#include <set>
#include <vector>

#include "virtio/split_queue.h"

namespace glass::virtio::sim {

struct Chain {
  uint16_t head = 0;
  std::vector<Descriptor> descs;
  std::vector<uint16_t> ids;
};

class SimDevice {
 public:
  SimDevice(void* mem, uint16_t size) : mem_(static_cast<uint8_t*>(mem)), layout_{size} {}

  // The next chain the driver published (false: none). Records a violation in `error` if the
  // chain breaks a rule.
  bool take(Chain& c) {
    const uint16_t idx = __atomic_load_n(avail() + 1, __ATOMIC_ACQUIRE);
    if (idx == avail_seen_) return false;
    c = Chain{};
    c.head = avail()[2 + avail_seen_ % layout_.size];
    ++avail_seen_;
    uint16_t at = c.head;
    bool writable = false;
    for (unsigned n = 0;; ++n) {
      if (at >= layout_.size || n >= layout_.size) {
        error = "descriptor index out of range or a loop";
        return true;
      }
      if (!busy_.insert(at).second) error = "a descriptor is in two chains at once";
      const Descriptor d = desc()[at];
      if (writable && !(d.flags & kDescWrite)) error = "readable after writable";
      writable |= (d.flags & kDescWrite) != 0;
      c.descs.push_back(d);
      c.ids.push_back(at);
      if (!(d.flags & kDescNext)) break;
      at = d.next;
    }
    return true;
  }

  void complete(const Chain& c, uint32_t written) {
    for (uint16_t id : c.ids) busy_.erase(id);
    auto* ring = reinterpret_cast<UsedElement*>(used() + 4);
    ring[used_idx_ % layout_.size] = UsedElement{c.head, written};
    __atomic_store_n(reinterpret_cast<uint16_t*>(used() + 2), ++used_idx_, __ATOMIC_RELEASE);
  }

  // Writes a raw used element (a misbehaving device).
  void complete_raw(uint32_t id, uint32_t len, uint16_t advance = 1) {
    auto* ring = reinterpret_cast<UsedElement*>(used() + 4);
    ring[used_idx_ % layout_.size] = UsedElement{id, len};
    used_idx_ = static_cast<uint16_t>(used_idx_ + advance);
    __atomic_store_n(reinterpret_cast<uint16_t*>(used() + 2), used_idx_, __ATOMIC_RELEASE);
  }

  void set_no_notify(bool on) {
    __atomic_store_n(reinterpret_cast<uint16_t*>(used()), on ? kUsedNoNotify : 0, __ATOMIC_RELEASE);
  }

  const char* error = nullptr;

 private:
  uint16_t* avail() { return reinterpret_cast<uint16_t*>(mem_ + layout_.avail_offset()); }
  Descriptor* desc() { return reinterpret_cast<Descriptor*>(mem_ + layout_.desc_offset()); }
  uint8_t* used() { return mem_ + layout_.used_offset(); }

  uint8_t* mem_;
  QueueLayout layout_;
  uint16_t avail_seen_ = 0;
  uint16_t used_idx_ = 0;
  std::set<uint16_t> busy_;
};

}  // namespace glass::virtio::sim
