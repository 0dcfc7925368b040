// virtio-blk probing; see virtio_blk.h.
#include "kernel/drivers/virtio_blk.h"

namespace glass::drivers::virtio {
namespace {
// virtio-blk feature bits and device configuration offsets (virtio 1.x, 5.2).
constexpr uint64_t kFeatureReadOnly = 1ull << 5, kFeatureBlockSize = 1ull << 6;
constexpr uint32_t kConfigCapacity = 0, kConfigBlockSize = 20;
}  // namespace

Result<BlockInfo> probe_block() {
  const pci::Device dev = TRY(pci::find(kVendor, kModernBlockDevice));
  PciTransport t = TRY(PciTransport::probe(dev));
  if (t.device_config_length() < kConfigBlockSize + 4) {
    t.fail();
    return Error::kMalformed;
  }
  BlockInfo info;
  info.addr = dev.addr;
  info.features = TRY(t.negotiate(kFeatureReadOnly | kFeatureBlockSize));
  info.sectors = t.device_config64(kConfigCapacity);
  info.read_only = (info.features & kFeatureReadOnly) != 0;
  if (info.features & kFeatureBlockSize) info.logical_block = t.device_config32(kConfigBlockSize);
  info.queues = t.num_queues();
  if (info.logical_block < 512 || (info.logical_block & (info.logical_block - 1)) != 0) {
    t.fail();  // not a power of two >= 512: nothing sane can be done with it
    return Error::kMalformed;
  }
  return info;
}

}  // namespace glass::drivers::virtio
