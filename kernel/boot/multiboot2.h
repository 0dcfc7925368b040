// mb2::parse: the multiboot2 boot information (what GRUB leaves at EBX) turned into a BootInfo
// the kernel can trust, and mb2::print_summary: the human-readable account printed at boot.
//
// Invariants:
//  - parse() never reads outside [blob, blob + min(total_size, readable_bytes)), whatever the bytes
//    say; all offset arithmetic is done on 64-bit integers relative to blob, never on pointers past
//    the end, so no size field can wrap it. The blob need not be aligned (fields are memcpy'd).
//  - Every pointer in a BootInfo points into the blob (so it lives as long as the blob stays
//    mapped and unmodified); every string is NUL-terminated inside its own tag.
//  - Fixed capacities, no allocation. What does not fit is counted in *_dropped and warned about.
//  - Failure policy (the blob comes from outside, so nothing here panics):
//      header unusable (total_size < 8 or > readable_bytes)        -> Error::kMalformed
//      a tag header that cannot be walked (size < 8, runs past
//      total_size)                                                  -> stop; keep earlier tags;
//      warn no end tag before total_size                                -> warn a known tag whose
//      contents are inconsistent                 -> skip that tag; warn an unknown tag type -> skip
//      silently (spec allows it)
//    A warning names the tag type and its byte offset in the blob, so one line says what is wrong.
//  - The header's "reserved" field is ignored, as the specification tells the OS to do.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/format.h"
#include "kernel/lib/result.h"

namespace glass::mb2 {

// Tag types (multiboot2 specification, "Boot information").
inline constexpr uint32_t kTagEnd = 0;
inline constexpr uint32_t kTagCmdline = 1;
inline constexpr uint32_t kTagBootLoaderName = 2;
inline constexpr uint32_t kTagModule = 3;
inline constexpr uint32_t kTagBasicMeminfo = 4;
inline constexpr uint32_t kTagBootDevice = 5;
inline constexpr uint32_t kTagMmap = 6;
inline constexpr uint32_t kTagAcpiOld = 14;  // copy of an ACPI 1.0 RSDP
inline constexpr uint32_t kTagAcpiNew = 15;  // copy of an ACPI 2.0+ RSDP
// Not a tag type: used in warnings about the blob as a whole or a header that could not be read.
inline constexpr uint32_t kNoTag = 0xffffffff;

// Memory map entry types.
inline constexpr uint32_t kMemAvailable = 1;
inline constexpr uint32_t kMemReserved = 2;
inline constexpr uint32_t kMemAcpiReclaimable = 3;
inline constexpr uint32_t kMemAcpiNvs = 4;
inline constexpr uint32_t kMemBadRam = 5;

inline constexpr size_t kMaxMemoryRegions = 128;
inline constexpr size_t kMaxModules = 16;
inline constexpr size_t kMaxWarnings = 16;

struct MemoryRegion {
  uint64_t base;
  uint64_t length;
  uint32_t type;  // kMem*; other values are reserved memory
};

struct Module {
  uint32_t start;       // physical address of the first byte
  uint32_t end;         // physical address one past the last byte (end >= start, checked)
  const char* cmdline;  // into the blob, NUL-terminated, may be ""
};

struct Rsdp {
  const uint8_t* bytes = nullptr;  // the RSDP copy inside the blob; nullptr: no ACPI tag
  uint32_t length = 0;             // 20 for version 1; the RSDP's own length field for version 2
  uint8_t version = 0;             // 1 (tag 14) or 2 (tag 15); 0 when absent
  bool checksum_ok = false;        // all checksums the version defines sum to zero
};

struct BasicMeminfo {
  bool present = false;
  uint32_t mem_lower_kib = 0;
  uint32_t mem_upper_kib = 0;
};

struct Warning {
  uint32_t tag_type;  // kNoTag when the problem is not one tag's
  uint32_t offset;    // byte offset of the tag (or of the problem) from the start of the blob
  const char* what;   // static string
};

struct BootInfo {
  uint32_t total_size = 0;
  const char* cmdline = nullptr;           // nullptr: no (valid) command line tag
  const char* boot_loader_name = nullptr;  // nullptr: no (valid) boot loader name tag

  MemoryRegion mmap[kMaxMemoryRegions] = {};
  uint32_t mmap_count = 0;
  uint32_t mmap_dropped = 0;  // entries beyond kMaxMemoryRegions

  Module modules[kMaxModules] = {};
  uint32_t module_count = 0;
  uint32_t modules_dropped = 0;

  Rsdp rsdp;
  BasicMeminfo meminfo;
  bool end_tag_seen = false;

  Warning warnings[kMaxWarnings] = {};
  uint32_t warning_count = 0;
  uint32_t warnings_dropped = 0;

  // Sum of the lengths of kMemAvailable regions (saturating).
  [[nodiscard]] uint64_t usable_bytes() const;
};

static_assert(sizeof(MemoryRegion) == 24, "mmap entries stay compact: 128 of them fit in 3 KiB");
// parse() returns a BootInfo by value, on the boot stack: keep it well under a page.
static_assert(sizeof(BootInfo) <= 4096, "BootInfo must stay small enough for the boot stack");

// Parses the boot information at blob. readable_bytes caps every read: pass how much is mapped.
[[nodiscard]] Result<BootInfo> parse(const uint8_t* blob, size_t readable_bytes);

// Writes a multi-line human-readable summary (memory map, usable MiB, command line, modules, boot
// loader, RSDP, one "mb2: warning: tag <type> at offset <off>: <what>" line per warning).
void print_summary(const BootInfo& info, FormatSink sink);

// "available", "reserved", "ACPI reclaimable", "ACPI NVS", "bad RAM"; any other type is reserved
// memory by the spec and gets "reserved (unknown type)" (print the number alongside).
[[nodiscard]] const char* memory_type_name(uint32_t type);

}  // namespace glass::mb2
