// The modern (virtio 1.x) PCI transport: finding a device's configuration structures through its
// vendor capabilities, and the status/feature handshake every virtio driver starts with.
//
// Invariants: the structures are reached through the direct map (their BAR must lie below 4 GiB,
// which the direct map always covers, uncached); every field is read with a volatile access of
// its own width, as the spec requires. The handshake follows the spec's order (reset,
// ACKNOWLEDGE, DRIVER, features, FEATURES_OK read back); a device that refuses ends in FAILED
// and an error, never a half-initialised device. Only VIRTIO_F_VERSION_1 is negotiated here;
// a driver adds its own feature bits. One owner per device (the driver that probed it).
#pragma once

#include <stdint.h>

#include "kernel/drivers/pci.h"
#include "kernel/lib/result.h"

namespace glass::drivers::virtio {

inline constexpr uint16_t kVendor = 0x1af4;
inline constexpr uint16_t kModernBlockDevice = 0x1042;  // 0x1040 + device type 2

// Device status bits (virtio 1.x, 2.1).
inline constexpr uint8_t kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8,
                         kFailed = 128;
inline constexpr uint64_t kFeatureVersion1 = 1ull << 32;

// The common configuration structure (virtio 1.x, 4.1.4.3), field offsets.
namespace common {
inline constexpr uint32_t kDeviceFeatureSelect = 0x00, kDeviceFeature = 0x04,
                          kDriverFeatureSelect = 0x08, kDriverFeature = 0x0c,
                          kConfigMsixVector = 0x10, kNumQueues = 0x12, kDeviceStatus = 0x14,
                          kQueueSelect = 0x16, kQueueSize = 0x18, kQueueMsixVector = 0x1a,
                          kQueueEnable = 0x1c, kQueueNotifyOff = 0x1e, kQueueDesc = 0x20,
                          kQueueDriver = 0x28, kQueueDevice = 0x30;
}  // namespace common

class PciTransport {
 public:
  // Finds the common, notify, ISR and device structures of `dev`. kNotFound: a structure is
  // missing (not a modern device); kUnsupported: a structure's BAR lies above 4 GiB or is not
  // a memory BAR; kMalformed: a structure extends past its BAR.
  [[nodiscard]] static Result<PciTransport> probe(const pci::Device& dev);

  // Reset, ACKNOWLEDGE, DRIVER, offer `wanted` & the device's features (VERSION_1 required),
  // FEATURES_OK read back. Returns the negotiated features; on refusal the status is FAILED.
  [[nodiscard]] Result<uint64_t> negotiate(uint64_t wanted);
  void set_driver_ok();
  void fail();
  void reset();

  [[nodiscard]] uint8_t status() const { return read8(common_, common::kDeviceStatus); }
  [[nodiscard]] uint16_t num_queues() const { return read16(common_, common::kNumQueues); }
  [[nodiscard]] uint64_t device_config64(uint32_t offset) const;
  [[nodiscard]] uint32_t device_config32(uint32_t offset) const { return read32(device_, offset); }
  [[nodiscard]] const pci::Device& pci_device() const { return dev_; }
  [[nodiscard]] volatile uint8_t* common_cfg() const { return common_; }
  // Where queue q's notifications go (its queue_notify_off times the multiplier).
  [[nodiscard]] volatile uint16_t* notify_address(uint16_t queue_notify_off) const;
  [[nodiscard]] uint32_t device_config_length() const { return device_length_; }

  static uint8_t read8(volatile uint8_t* base, uint32_t off) { return base[off]; }
  static uint16_t read16(volatile uint8_t* base, uint32_t off) {
    return *reinterpret_cast<volatile uint16_t*>(base + off);
  }
  static uint32_t read32(volatile uint8_t* base, uint32_t off) {
    return *reinterpret_cast<volatile uint32_t*>(base + off);
  }
  static void write8(volatile uint8_t* base, uint32_t off, uint8_t v) { base[off] = v; }
  static void write16(volatile uint8_t* base, uint32_t off, uint16_t v) {
    *reinterpret_cast<volatile uint16_t*>(base + off) = v;
  }
  static void write32(volatile uint8_t* base, uint32_t off, uint32_t v) {
    *reinterpret_cast<volatile uint32_t*>(base + off) = v;
  }
  // 64-bit fields are written as two 32-bit halves, low first (the spec allows either width).
  static void write64(volatile uint8_t* base, uint32_t off, uint64_t v) {
    write32(base, off, static_cast<uint32_t>(v));
    write32(base, off + 4, static_cast<uint32_t>(v >> 32));
  }

 private:
  pci::Device dev_;
  volatile uint8_t* common_ = nullptr;
  volatile uint8_t* notify_ = nullptr;
  volatile uint8_t* isr_ = nullptr;
  volatile uint8_t* device_ = nullptr;
  uint32_t notify_multiplier_ = 0;
  uint32_t device_length_ = 0;
};

}  // namespace glass::drivers::virtio
