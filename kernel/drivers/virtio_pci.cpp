// The virtio 1.x PCI transport; see virtio_pci.h.
#include "kernel/drivers/virtio_pci.h"

#include "mm/virt/layout.h"

namespace glass::drivers::virtio {
namespace {
// virtio_pci_cap (virtio 1.x, 4.1.4): cfg_type values and field offsets within the capability.
constexpr uint8_t kCapVendor = 0x09;
constexpr uint8_t kCommonCfg = 1, kNotifyCfg = 2, kIsrCfg = 3, kDeviceCfg = 4;
constexpr uint64_t k4GiB = 1ull << 32;
constexpr uint32_t kConfigGeneration = 0x15;

struct Structure {
  bool found = false;
  uint8_t bar = 0;
  uint32_t offset = 0, length = 0;
};
}  // namespace

Result<PciTransport> PciTransport::probe(const pci::Device& dev) {
  Structure s[5];
  uint32_t multiplier = 0;
  pci::for_each_capability(dev.addr, [&](uint8_t at, uint8_t id) {
    if (id != kCapVendor) return;
    const uint8_t type = pci::read8(dev.addr, at + 3);
    if (type < kCommonCfg || type > kDeviceCfg || s[type].found) return;  // the first of a type
    s[type] = Structure{true, pci::read8(dev.addr, at + 4), pci::read32(dev.addr, at + 8),
                        pci::read32(dev.addr, at + 12)};
    if (type == kNotifyCfg) multiplier = pci::read32(dev.addr, at + 16);
  });
  PciTransport t;
  t.dev_ = dev;
  volatile uint8_t** where[5] = {nullptr, &t.common_, &t.notify_, &t.isr_, &t.device_};
  for (uint8_t type = kCommonCfg; type <= kDeviceCfg; ++type) {
    if (!s[type].found) return Error::kNotFound;
    const pci::Bar bar = TRY(pci::read_bar(dev.addr, s[type].bar));
    if (bar.base == 0 || bar.base + bar.size > k4GiB) return Error::kUnsupported;
    if (static_cast<uint64_t>(s[type].offset) + s[type].length > bar.size) {
      return Error::kMalformed;
    }
    *where[type] =
        reinterpret_cast<volatile uint8_t*>(layout::kDirectMapBase + bar.base + s[type].offset);
  }
  t.notify_multiplier_ = multiplier;
  t.device_length_ = s[kDeviceCfg].length;
  pci::enable_memory_and_bus_master(dev.addr);
  return t;
}

void PciTransport::reset() {
  write8(common_, common::kDeviceStatus, 0);
  // The device may take a moment: the spec says to wait until the status reads 0 again.
  for (int i = 0; i < 1000000 && read8(common_, common::kDeviceStatus) != 0; ++i) {
  }
}

void PciTransport::fail() {
  write8(common_, common::kDeviceStatus, static_cast<uint8_t>(status() | kFailed));
}

Result<uint64_t> PciTransport::negotiate(uint64_t wanted) {
  reset();
  write8(common_, common::kDeviceStatus, kAcknowledge);
  write8(common_, common::kDeviceStatus, kAcknowledge | kDriver);
  uint64_t offered = 0;
  for (uint32_t half = 0; half < 2; ++half) {
    write32(common_, common::kDeviceFeatureSelect, half);
    offered |= static_cast<uint64_t>(read32(common_, common::kDeviceFeature)) << (32 * half);
  }
  if ((offered & kFeatureVersion1) == 0) {
    fail();
    return Error::kUnsupported;  // a legacy-only device: not ours
  }
  const uint64_t accepted = (wanted | kFeatureVersion1) & offered;
  for (uint32_t half = 0; half < 2; ++half) {
    write32(common_, common::kDriverFeatureSelect, half);
    write32(common_, common::kDriverFeature, static_cast<uint32_t>(accepted >> (32 * half)));
  }
  write8(common_, common::kDeviceStatus, kAcknowledge | kDriver | kFeaturesOk);
  if ((status() & kFeaturesOk) == 0) {
    fail();
    return Error::kUnsupported;
  }
  return accepted;
}

void PciTransport::set_driver_ok() {
  write8(common_, common::kDeviceStatus, static_cast<uint8_t>(status() | kDriverOk));
}

uint64_t PciTransport::device_config64(uint32_t offset) const {
  // A 64-bit field may change between its halves: read until the generation is stable (a
  // device that never settles gets the last read; bounded so it cannot hang the kernel).
  uint64_t v = 0;
  for (int i = 0; i < 100; ++i) {
    const uint8_t gen = read8(common_, kConfigGeneration);
    v = read32(device_, offset) | static_cast<uint64_t>(read32(device_, offset + 4)) << 32;
    if (read8(common_, kConfigGeneration) == gen) break;
  }
  return v;
}

volatile uint16_t* PciTransport::notify_address(uint16_t queue_notify_off) const {
  return reinterpret_cast<volatile uint16_t*>(notify_ + static_cast<uint32_t>(queue_notify_off) *
                                                            notify_multiplier_);
}

}  // namespace glass::drivers::virtio
