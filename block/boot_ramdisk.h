// The boot ramdisk: the one ramdisk the kernel command line asks for (`ramdisk=KIB`, with
// `ramdisk.fail=N` to fail every Nth request it serves), a disk with no device behind it that
// demos and tests can read and write. Set up once by the boot path; portable (host tests open it
// like the kernel does).
//
// Invariants:
//  - Opened at most once per boot; after a successful open it lives to the end of the boot
//    (static storage, never destroyed: a Disk must outlive every request, and requests may be in
//    flight at any time). A refused open changes nothing and leaves no frame behind.
//  - Its storage frames are kBlockBuffer frames of owner kOwnerBootRamdisk, zero-filled.
//  - Size: whole KiB, at most kMaxKib (the ramdisk is one max-order run of frames).
#pragma once

#include <stdint.h>

#include "block/disk.h"
#include "block/ramdisk.h"

namespace glass::block {

inline constexpr mm::OwnerId kOwnerBootRamdisk = 0x21;  // a fixed id, like the virtio disk's 0x20
inline constexpr uint64_t kBootRamdiskMaxKib = (mm::kFrameSize << mm::kMaxOrder) / 1024;

struct BootRamdiskInfo {
  uint64_t kib = 0;
  uint64_t sectors = 0;  // of 512 bytes
  uint32_t fail_every = 0;
};

// kInvalidArgument: kib 0 or over kBootRamdiskMaxKib, or fail_every over 2^32 - 1;
// kAlreadyExists: opened before; kOutOfMemory: no run of frames that size.
[[nodiscard]] Result<const BootRamdiskInfo*> open_boot_ramdisk(uint64_t kib, uint64_t fail_every);
// The disk, once opened (kNotFound before, or if the open was refused).
[[nodiscard]] Result<Disk*> boot_ramdisk();
[[nodiscard]] Result<Ramdisk*> boot_ramdisk_driver();
[[nodiscard]] Result<const BootRamdiskInfo*> boot_ramdisk_info();

}  // namespace glass::block
