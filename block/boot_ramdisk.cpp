// The boot ramdisk; see boot_ramdisk.h for the invariants.
#include "block/boot_ramdisk.h"

#include <new>

namespace glass::block {
namespace {
constexpr uint32_t kBlockSize = 512;

// A Disk preallocates a request per tag: too big for a stack and never destroyed, so it lives
// in static storage, constructed on open.
struct BootRamdisk {
  Ramdisk rd;
  Disk disk;
  BootRamdiskInfo info;
};
alignas(BootRamdisk) unsigned char g_storage[sizeof(BootRamdisk)];
BootRamdisk* g_disk = nullptr;  // written once, by the boot path, before anyone uses it
bool g_tried = false;
}  // namespace

Result<const BootRamdiskInfo*> open_boot_ramdisk(uint64_t kib, uint64_t fail_every) {
  if (g_tried) return Error::kAlreadyExists;
  if (kib == 0 || kib > kBootRamdiskMaxKib || fail_every > UINT32_MAX) {
    return Error::kInvalidArgument;
  }
  g_tried = true;
  auto* b = new (g_storage) BootRamdisk();
  const uint64_t sectors = kib * 1024 / kBlockSize;
  Result<void> r = b->rd.init(sectors, kBlockSize, kOwnerBootRamdisk);
  if (r.is_ok()) {
    r = b->disk.init(DiskConfig()
                         .queue_depth(32)
                         .queues(1)
                         .logical_block_size(kBlockSize)
                         .capacity_sectors(sectors),
                     b->rd);
  }
  if (r.is_error()) {
    b->~BootRamdisk();  // its storage frames go back
    return r.error();
  }
  b->rd.attach(b->disk);
  b->rd.fail_every(static_cast<uint32_t>(fail_every));
  b->info = BootRamdiskInfo{kib, sectors, static_cast<uint32_t>(fail_every)};
  g_disk = b;
  return &b->info;
}

Result<Disk*> boot_ramdisk() {
  if (g_disk == nullptr) return Error::kNotFound;
  return &g_disk->disk;
}

Result<Ramdisk*> boot_ramdisk_driver() {
  if (g_disk == nullptr) return Error::kNotFound;
  return &g_disk->rd;
}

Result<const BootRamdiskInfo*> boot_ramdisk_info() {
  if (g_disk == nullptr) return Error::kNotFound;
  return &g_disk->info;
}

}  // namespace glass::block
