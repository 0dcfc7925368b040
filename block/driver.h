// Driver: what a block device driver implements. The disk calls queue_rq once per dispatch with
// the driver's reference (refs 2: it plus the in-flight count), and abort when someone else (a
// timeout, the disk's removal) has claimed the end of a request the driver may still hold.
// `last` is false while the submitter batches (block/plug.h): the driver may then leave telling
// the device until commit(), which the disk calls when the batch ends.
//
// Invariants:
//  - queue_rq may end the request inline (complete / end_ok), keep the reference for a deferred
//    completion, or drop it and remember only the tag (a device that answers by tag: it looks the
//    request up again, TagSet::lookup, and must check the generation it saw).
//  - After abort(tag) returns, the driver holds no reference to that tag's request and will take
//    none for the aborted dispatch; the claimant waits for exactly that before ending it.
//  - A driver never blocks in either call (both may run with a spinlock held by the caller's
//    caller, and a timeout scan may run in an interrupt later).
#pragma once

#include <stdint.h>

#include "block/request.h"

namespace glass::block {

class Driver {
 public:
  virtual void queue_rq(RequestRef rq, bool last) = 0;
  virtual void abort(uint32_t tag) = 0;
  // The batch ended: tell the device about whatever queue_rq left untold. A driver that tells
  // the device at every queue_rq has nothing to do.
  virtual void commit() {}

 protected:
  Driver() = default;
  ~Driver() = default;  // not deleted through a Driver*: the disk only borrows its driver
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
};

}  // namespace glass::block
