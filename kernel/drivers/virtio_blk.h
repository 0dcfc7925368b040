// virtio-blk over the modern PCI transport, driven by the block layer: the disk found and its
// geometry read at boot, one split virtqueue, and a block::Driver that turns each dispatched
// request into a descriptor chain (header, data, status) and each used-ring entry back into the
// end of that request.
//
// Invariants:
//  - At most one virtio-blk disk is driven (the first found); open_block() probes once and keeps
//    it. The device ends either DRIVER_OK with its queue set up or FAILED, never between.
//  - The rings and the per-tag request headers/status bytes live in frames of kind device-queue
//    owned by the driver for its whole life (the device reads them by physical address at any
//    time); a request's data buffer is the request's (block-buffer frames) while it is in flight.
//  - The driver holds exactly one reference per request the device has (held_[tag], taken in
//    queue_rq, given up when the used ring returns the tag or when abort resets the device).
//    Completions are reaped in thread context (wait()); the MSI-X interrupt only wakes the
//    waiting CPU, so no request is ended from an interrupt.
//  - A device that answers nonsense (an id not in flight) or is aborted (a timeout, the disk's
//    removal) is reset: after a reset it touches none of our memory, so every buffer lent to it
//    can be handed back; the disk then ends every request with an error, never a hang.
//  - One CPU for now; lock_ serialises the queue and held_ for SMP.
#pragma once

#include <stdint.h>

#include "block/disk.h"
#include "block/waiter.h"
#include "kernel/drivers/virtio_pci.h"
#include "kernel/lib/result.h"

namespace glass::drivers::virtio {

struct BlockInfo {
  pci::Address addr;
  uint64_t sectors = 0;          // capacity in 512-byte sectors (virtio-blk's unit, always)
  uint32_t logical_block = 512;  // VIRTIO_BLK_F_BLK_SIZE when offered
  bool read_only = false;
  uint16_t queues = 0;
  uint16_t queue_size = 0;  // entries in the queue this driver uses (queue 0)
  uint32_t depth = 0;       // requests in flight at once (3 descriptors each)
  bool interrupts = false;  // completions by MSI-X interrupt (else polled)
  uint64_t features = 0;
};

// The disk, opened on first use (probe, queue set up, DRIVER_OK, the block::Disk configured from
// the device). kNotFound: none attached; kOutOfMemory: no frame for the rings; kUnsupported /
// kMalformed: a device we cannot drive; kBusy: it was reset after a failure.
[[nodiscard]] Result<const BlockInfo*> open_block();
[[nodiscard]] Result<block::Disk*> block_disk();

// Waits until `w`'s request has ended: reaps completions, expires requests past their timeout
// (the device is then reset), and sleeps between interrupts. Returns the request's outcome.
[[nodiscard]] Result<void> wait(block::Waiter& w);

// Test seam for device errors: the next `n` requests are sent to the sector just past the
// device's end, so the real device answers each with VIRTIO_BLK_S_IOERR (the block layer checked
// the range already; only this seam gets past it). The error then takes the driver's ordinary
// path: status byte, reap, complete(false).
void inject_device_errors(uint32_t n);

// Requests the device was given and completions taken back since boot, and completion
// interrupts (the ktests check they add up).
struct BlockCounters {
  uint64_t submitted = 0, completed = 0, failed = 0, resets = 0, interrupts = 0;
};
[[nodiscard]] BlockCounters block_counters();

}  // namespace glass::drivers::virtio
