// virtio-blk over the modern PCI transport: the disk found, its geometry read, and reads and
// writes of sector ranges through one split virtqueue.
//
// Invariants:
//  - At most one virtio-blk disk is driven (the first found); open() probes once and keeps it.
//    Probing leaves the device either DRIVER_OK with its queue set up or FAILED, never between.
//  - The queue's rings and the per-slot request headers/status bytes live in frames of kind
//    device-queue owned by the disk for its whole life (the device reads them by physical
//    address at any time); data buffers belong to the caller and are lent for one request.
//  - Completion comes by MSI-X interrupt (entry 0 -> a vector from arch::allocate_msi_vector ->
//    queue 0): the waiter halts until woken; polled only when MSI-X cannot be set up, and the
//    boot line says which. A request the device does not finish within kTimeoutMs resets it (after
//    a reset it touches no memory, so every buffer lent to it is the caller's again) and the disk
//    becomes unusable: an error, never a hang.
//  - One caller at a time (single CPU, no lock yet; the block layer will serialise).
#pragma once

#include <stdint.h>

#include "kernel/drivers/virtio_pci.h"
#include "kernel/lib/result.h"

namespace glass::drivers::virtio {

inline constexpr uint32_t kSectorSize = 512;  // virtio-blk's unit, whatever the block size
inline constexpr uint64_t kTimeoutMs = 2000;

struct BlockInfo {
  pci::Address addr;
  uint64_t sectors = 0;          // capacity in 512-byte sectors
  uint32_t logical_block = 512;  // VIRTIO_BLK_F_BLK_SIZE when offered
  bool read_only = false;
  uint16_t queues = 0;
  uint16_t queue_size = 0;  // entries in the queue this driver uses (queue 0)
  bool interrupts = false;  // completions by MSI-X interrupt (else polled)
  uint64_t features = 0;
};

enum class Op : uint32_t { kRead = 0, kWrite = 1 };  // VIRTIO_BLK_T_IN / _OUT

// The disk, opened on first use (probe, queue set up, DRIVER_OK). kNotFound: none attached;
// kOutOfMemory: no frame for the rings; kUnsupported/kMalformed: a device we cannot drive.
[[nodiscard]] Result<const BlockInfo*> open_block();

// Reads or writes `count` sectors from `sector` into/out of physically contiguous memory at
// `phys` (sector-aligned length; the caller owns it). kInvalidArgument: count 0, the range past
// the capacity or overflowing, a misaligned buffer, a write to a read-only disk; kNotFound: no
// disk; kBusy: the device failed (status IOERR/UNSUPP) or timed out (the disk is then gone).
[[nodiscard]] Result<void> transfer(Op op, uint64_t sector, uint32_t count, uint64_t phys);

// Requests submitted, completed, and failed since boot (the ktests check they add up).
struct BlockCounters {
  uint64_t submitted = 0, completed = 0, failed = 0, timed_out = 0;
  uint64_t interrupts = 0;  // completion interrupts taken
};
[[nodiscard]] BlockCounters block_counters();

}  // namespace glass::drivers::virtio
