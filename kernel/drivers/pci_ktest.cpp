// PCI enumeration and the virtio-blk probe on the real QEMU machine (q35): the host bridge is
// always there; a virtio-blk disk is there when the harness attached one (the kernel layer does).
#include "kernel/drivers/pci.h"
#include "kernel/drivers/virtio_blk.h"
#include "kernel/ktest/ktest.h"

using namespace glass;
using namespace glass::drivers;

KTEST(pci, finds_the_q35_host_bridge_first) {
  pci::Device devices[32];
  const size_t n = pci::enumerate(devices, 32);
  KASSERT(n >= 1);
  KEXPECT_EQ(devices[0].addr.bus, 0u);
  KEXPECT_EQ(devices[0].addr.device, 0u);
  KEXPECT_EQ(devices[0].vendor, 0x8086u);     // Intel
  KEXPECT_EQ(devices[0].device_id, 0x29c0u);  // the Q35 MCH QEMU models
  KEXPECT_EQ(devices[0].class_code, 0x06u);   // bridge
  for (size_t i = 0; i < n && i < 32; ++i) KEXPECT(devices[i].vendor != 0xffff);
}

KTEST(pci, a_missing_device_is_not_found) {
  auto r = pci::find(0x1234, 0xfffe);
  KASSERT(r.is_error());
  KEXPECT(r.error() == Error::kNotFound);
}

KTEST(pci, capability_walk_ends_on_every_device) {
  pci::Device devices[32];
  const size_t n = pci::enumerate(devices, 32);
  for (size_t i = 0; i < n && i < 32; ++i) {
    unsigned caps = 0;
    pci::for_each_capability(devices[i].addr, [&](uint8_t at, uint8_t) {
      KEXPECT(at >= 0x40);
      ++caps;
    });
    KEXPECT(caps <= pci::kMaxCapabilities);
  }
}

KTEST(virtio_blk, open_negotiates_version_1_and_sets_up_a_queue) {
  auto r = virtio::open_block();
  if (r.is_error() && r.error() == Error::kNotFound) KSKIP("no virtio-blk disk attached");
  KASSERT(r.is_ok());
  const virtio::BlockInfo& d = *r.value();
  KEXPECT(d.sectors > 0);
  KEXPECT(d.features & virtio::kFeatureVersion1);
  KEXPECT(d.queues >= 1);
  KEXPECT(d.logical_block >= 512);
  KEXPECT(d.queue_size >= 1 && (d.queue_size & (d.queue_size - 1)) == 0);
  // The device is live (FEATURES_OK and DRIVER_OK, not FAILED): read its status back through a
  // second transport (probing reads capabilities only; it does not reset the device).
  auto dev = pci::find(virtio::kVendor, virtio::kModernBlockDevice);
  KASSERT(dev.is_ok());
  auto t = virtio::PciTransport::probe(dev.value());
  KASSERT(t.is_ok());
  KEXPECT((t.value().status() & virtio::kFeaturesOk) != 0);
  KEXPECT((t.value().status() & virtio::kDriverOk) != 0);
  KEXPECT((t.value().status() & virtio::kFailed) == 0);
}
