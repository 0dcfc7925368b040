// Mb2Builder: writes multiboot2 boot-information blobs for tests, well-formed by default and
// malformed on request (raw tags, wrong sizes, missing padding, lying total_size).
//
// Invariant: bytes() is the blob exactly as built; finish() patches total_size to the real length
// unless told otherwise, so each malformation is one deliberate call.
#pragma once

#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "kernel/boot/multiboot2.h"

namespace glass::mb2::testing {

class Mb2Builder {
 public:
  Mb2Builder() { put32(0), put32(0); }  // total_size (patched by finish), reserved

  // A tag with the given payload; size = 8 + payload, then padding to 8 unless pad is false.
  // size_override replaces the size field only (the bytes written stay the same).
  size_t tag(uint32_t type, const std::vector<uint8_t>& payload, bool pad = true,
             int64_t size_override = -1) {
    const size_t at = bytes_.size();
    put32(type);
    put32(size_override >= 0 ? static_cast<uint32_t>(size_override)
                             : static_cast<uint32_t>(8 + payload.size()));
    bytes_.insert(bytes_.end(), payload.begin(), payload.end());
    if (pad) align();
    return at;
  }

  size_t string_tag(uint32_t type, const std::string& s) { return tag(type, with_nul(s)); }
  size_t cmdline(const std::string& s) { return string_tag(kTagCmdline, s); }
  size_t boot_loader_name(const std::string& s) { return string_tag(kTagBootLoaderName, s); }

  size_t module(uint32_t start, uint32_t end, const std::string& s) {
    std::vector<uint8_t> p;
    append32(p, start);
    append32(p, end);
    auto str = with_nul(s);
    p.insert(p.end(), str.begin(), str.end());
    return tag(kTagModule, p);
  }

  size_t meminfo(uint32_t lower_kib, uint32_t upper_kib) {
    std::vector<uint8_t> p;
    append32(p, lower_kib);
    append32(p, upper_kib);
    return tag(kTagBasicMeminfo, p);
  }

  size_t mmap(const std::vector<MemoryRegion>& entries, uint32_t entry_size = 24) {
    std::vector<uint8_t> p;
    append32(p, entry_size);
    append32(p, 0);  // entry_version
    for (const MemoryRegion& e : entries) {
      std::vector<uint8_t> entry;
      append64(entry, e.base);
      append64(entry, e.length);
      append32(entry, e.type);
      entry.resize(entry_size, 0);
      p.insert(p.end(), entry.begin(), entry.end());
    }
    return tag(kTagMmap, p);
  }

  // An RSDP with correct checksums; version 1 (20 bytes, tag 14) or 2 (36 bytes, tag 15).
  static std::vector<uint8_t> rsdp(int version) {
    std::vector<uint8_t> r(version == 1 ? 20 : 36, 0);
    memcpy(r.data(), "RSD PTR ", 8);
    memcpy(r.data() + 9, "BOCHS ", 6);
    r[15] = version == 1 ? 0 : 2;  // revision
    const uint32_t rsdt = 0x1ffe2000;
    memcpy(r.data() + 16, &rsdt, 4);
    if (version == 2) {
      const uint32_t len = 36;
      memcpy(r.data() + 20, &len, 4);
      const uint64_t xsdt = 0x1ffe3000;
      memcpy(r.data() + 24, &xsdt, 8);
    }
    r[8] = checksum_fix(r.data(), 20);
    if (version == 2) r[32] = checksum_fix(r.data(), 36);
    return r;
  }
  size_t acpi(int version) { return tag(version == 1 ? kTagAcpiOld : kTagAcpiNew, rsdp(version)); }

  size_t end_tag() { return tag(kTagEnd, {}); }

  void raw(const std::vector<uint8_t>& b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  void align() {
    while (bytes_.size() % 8 != 0) bytes_.push_back(0);
  }

  // Patches total_size: the real length, or a lie when asked.
  std::vector<uint8_t> finish(int64_t total_override = -1) {
    const uint32_t total = total_override >= 0 ? static_cast<uint32_t>(total_override)
                                               : static_cast<uint32_t>(bytes_.size());
    memcpy(bytes_.data(), &total, 4);
    return bytes_;
  }
  size_t size() const { return bytes_.size(); }

  static void append32(std::vector<uint8_t>& v, uint32_t x) {
    uint8_t b[4];
    memcpy(b, &x, 4);
    v.insert(v.end(), b, b + 4);
  }
  static void append64(std::vector<uint8_t>& v, uint64_t x) {
    uint8_t b[8];
    memcpy(b, &x, 8);
    v.insert(v.end(), b, b + 8);
  }

 private:
  static std::vector<uint8_t> with_nul(const std::string& s) {
    std::vector<uint8_t> v(s.begin(), s.end());
    v.push_back(0);
    return v;
  }
  static uint8_t checksum_fix(const uint8_t* p, size_t n) {
    uint8_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum = static_cast<uint8_t>(sum + p[i]);
    return static_cast<uint8_t>(0 - sum);  // the checksum byte itself is zero while summing
  }
  void put32(uint32_t x) { append32(bytes_, x); }

  std::vector<uint8_t> bytes_;
};

// What QEMU's SeaBIOS reports for -m 512 (e820), as GRUB passes it on.
inline std::vector<MemoryRegion> qemu_512m_memory_map() {
  return {
      {0x0, 0x9fc00, kMemAvailable},       {0x9fc00, 0x400, kMemReserved},
      {0xf0000, 0x10000, kMemReserved},    {0x100000, 0x1fee0000, kMemAvailable},
      {0x1ffe0000, 0x20000, kMemReserved}, {0xfeffc000, 0x4000, kMemReserved},
      {0xfffc0000, 0x40000, kMemReserved},
  };
}

// A blob shaped like GRUB 2.06's on QEMU -m 512: tag order and sizes as GRUB writes them,
// including tags the parser skips (boot device, framebuffer, ELF sections, load base address).
inline std::vector<uint8_t> synthetic_qemu_512m_blob() {
  Mb2Builder b;
  b.cmdline("ktest=all console=com1");
  b.boot_loader_name("GRUB 2.06-13+deb12u1");
  b.module(0x143000, 0x14a2b1, "/boot/glass.sym");
  b.meminfo(639, 523136);
  std::vector<uint8_t> bootdev;
  Mb2Builder::append32(bootdev, 0xe0);
  Mb2Builder::append32(bootdev, 0xffffffff);
  Mb2Builder::append32(bootdev, 0xffffffff);
  b.tag(kTagBootDevice, bootdev);
  b.mmap(qemu_512m_memory_map());
  std::vector<uint8_t> fb(24, 0);  // EGA text framebuffer: address, pitch, w, h, bpp, type
  fb[0] = 0x00, fb[1] = 0x80, fb[2] = 0x0b;
  fb[8] = 160, fb[12] = 80, fb[16] = 25, fb[20] = 16, fb[21] = 2;
  b.tag(8, fb);
  std::vector<uint8_t> elf(12 + 64 * 3, 0);  // ELF sections: num, entsize, shndx, headers
  elf[0] = 3, elf[4] = 64, elf[8] = 2;
  b.tag(9, elf);
  b.acpi(1);
  std::vector<uint8_t> base;
  Mb2Builder::append32(base, 0x100000);
  b.tag(21, base);
  b.end_tag();
  return b.finish();
}

}  // namespace glass::mb2::testing
