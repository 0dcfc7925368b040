// Plug: a submitter's batch. While a Plug on a disk is alive, the disk tells its driver that
// more requests follow (Driver::queue_rq's `last` is false), so a driver whose device must be
// told about new work (virtio's notification: a trap out of the guest each time) tells it once,
// at the Plug's end (Driver::commit), for the whole batch. The Linux block layer's plugging, for
// the same reason.
//
// Invariants:
//  - A Plug belongs to one submitter and one disk, and lives on the submitter's stack; plugs
//    nest (a count). Every request dispatched while the count is non-zero reaches the device at
//    the latest when the outermost Plug ends: the destructor always commits.
//  - A plug delays only the telling, never the request: queue_rq has the request on the ring
//    before it returns, and a driver that waits for a completion commits first, so waiting inside
//    a plug cannot hang.
//  - Requests of other submitters dispatched meanwhile are batched too (the count is the disk's):
//    harmless, since the Plug's end commits them as well.
#pragma once

#include "block/disk.h"

namespace glass::block {

class [[nodiscard]] Plug {
 public:
  explicit Plug(Disk& disk) : disk_(disk) { disk_.plug(); }
  ~Plug() { disk_.unplug(); }
  Plug(const Plug&) = delete;
  Plug& operator=(const Plug&) = delete;

 private:
  Disk& disk_;
};

}  // namespace glass::block
