// virtio-blk over the modern PCI transport: finding the disk and reading its geometry.
//
// Invariants: at most one virtio-blk disk is driven (the first found); probing leaves the device
// either negotiated (FEATURES_OK, no queue yet: requests are the block layer's, issue 12) or
// FAILED, never in between; the read-only feature is honoured by reporting it, not by hoping.
#pragma once

#include <stdint.h>

#include "kernel/drivers/virtio_pci.h"
#include "kernel/lib/result.h"

namespace glass::drivers::virtio {

struct BlockInfo {
  pci::Address addr;
  uint64_t sectors = 0;          // capacity in 512-byte sectors (virtio-blk's unit, always)
  uint32_t logical_block = 512;  // VIRTIO_BLK_F_BLK_SIZE when offered
  bool read_only = false;
  uint16_t queues = 0;
  uint64_t features = 0;
};

// Finds the first modern virtio-blk device and negotiates with it. kNotFound: none attached.
[[nodiscard]] Result<BlockInfo> probe_block();

}  // namespace glass::drivers::virtio
