// Multiboot2 boot-information parser; see multiboot2.h for the failure policy.
//
// Invariant: `end` (the walk limit) is min(total_size, readable_bytes) fixed once from the header;
// every read goes through Reader::u32/u64/bytes, which take an offset and a length and check
// offset + length <= end in 64-bit arithmetic before touching memory. Tag handlers see only their
// own tag's [offset, offset + size) and must not read beyond it.
#include "kernel/boot/multiboot2.h"

namespace glass::mb2 {
namespace {

constexpr uint32_t kHeaderSize = 8;
constexpr uint32_t kTagHeaderSize = 8;
constexpr uint32_t kMmapHeaderSize = 16;  // tag header + entry_size + entry_version
constexpr uint32_t kMmapEntryMinSize = 24;
constexpr uint32_t kModuleHeaderSize = 16;  // tag header + mod_start + mod_end
constexpr uint32_t kRsdpV1Size = 20;
constexpr uint32_t kRsdpV2Size = 36;

class Reader {
 public:
  Reader(const uint8_t* blob, uint64_t end) : blob_(blob), end_(end) {}
  [[nodiscard]] bool has(uint64_t offset, uint64_t len) const {
    return offset <= end_ && len <= end_ - offset;
  }
  // Callers check has() first; reads are memcpy so the blob may be unaligned.
  [[nodiscard]] uint32_t u32(uint64_t offset) const {
    uint32_t v;
    __builtin_memcpy(&v, blob_ + offset, sizeof v);
    return v;
  }
  [[nodiscard]] uint64_t u64(uint64_t offset) const {
    uint64_t v;
    __builtin_memcpy(&v, blob_ + offset, sizeof v);
    return v;
  }
  [[nodiscard]] const uint8_t* at(uint64_t offset) const { return blob_ + offset; }

 private:
  const uint8_t* blob_;
  uint64_t end_;
};

void warn(BootInfo& info, uint32_t tag_type, uint64_t offset, const char* what) {
  if (info.warning_count == kMaxWarnings) {
    ++info.warnings_dropped;
    return;
  }
  info.warnings[info.warning_count++] = Warning{tag_type, static_cast<uint32_t>(offset), what};
}

// The string in [offset, offset + len) if a NUL ends it inside that range, else nullptr.
const char* string_in(const Reader& r, uint64_t offset, uint64_t len) {
  const uint8_t* s = r.at(offset);
  for (uint64_t i = 0; i < len; ++i) {
    if (s[i] == 0) return reinterpret_cast<const char*>(s);
  }
  return nullptr;
}

bool sums_to_zero(const uint8_t* p, uint32_t len) {
  uint8_t sum = 0;
  for (uint32_t i = 0; i < len; ++i) sum = static_cast<uint8_t>(sum + p[i]);
  return sum == 0;
}

// Each handler receives one whole tag, already known to lie inside the blob.
struct Tag {
  uint32_t type;
  uint32_t size;
  uint64_t offset;
};

void take_string(BootInfo& info, const Reader& r, const Tag& t, const char*& slot) {
  if (slot != nullptr) {
    warn(info, t.type, t.offset, "duplicate tag ignored");
    return;
  }
  const char* s = string_in(r, t.offset + kTagHeaderSize, t.size - kTagHeaderSize);
  if (s == nullptr) {
    warn(info, t.type, t.offset, "string not NUL-terminated inside its tag");
    return;
  }
  slot = s;
}

void take_module(BootInfo& info, const Reader& r, const Tag& t) {
  if (t.size < kModuleHeaderSize + 1) {
    warn(info, t.type, t.offset, "module tag too small");
    return;
  }
  const uint32_t start = r.u32(t.offset + 8);
  const uint32_t end = r.u32(t.offset + 12);
  const char* cmdline = string_in(r, t.offset + kModuleHeaderSize, t.size - kModuleHeaderSize);
  if (cmdline == nullptr) {
    warn(info, t.type, t.offset, "module string not NUL-terminated inside its tag");
    return;
  }
  if (end < start) {
    warn(info, t.type, t.offset, "module ends before it starts");
    return;
  }
  if (info.module_count == kMaxModules) {
    if (info.modules_dropped++ == 0)
      warn(info, t.type, t.offset, "too many modules; extra dropped");
    return;
  }
  info.modules[info.module_count++] = Module{start, end, cmdline};
}

void take_meminfo(BootInfo& info, const Reader& r, const Tag& t) {
  if (t.size < 16) {
    warn(info, t.type, t.offset, "basic meminfo tag too small");
    return;
  }
  info.meminfo = BasicMeminfo{true, r.u32(t.offset + 8), r.u32(t.offset + 12)};
}

void take_mmap(BootInfo& info, const Reader& r, const Tag& t, bool& seen) {
  if (seen) {
    warn(info, t.type, t.offset, "duplicate memory map ignored");
    return;
  }
  if (t.size < kMmapHeaderSize) {
    warn(info, t.type, t.offset, "memory map tag too small");
    return;
  }
  const uint32_t entry_size = r.u32(t.offset + 8);
  // entry_version is deliberately not checked: the spec makes newer entries a compatible
  // extension, announced through a larger entry_size.
  if (entry_size < kMmapEntryMinSize) {
    warn(info, t.type, t.offset, "memory map entry_size below 24");
    return;
  }
  const uint32_t body = t.size - kMmapHeaderSize;
  if (body % entry_size != 0) {
    warn(info, t.type, t.offset, "memory map entries do not fill the tag");
    return;
  }
  seen = true;
  bool wrapped = false;
  for (uint64_t e = t.offset + kMmapHeaderSize; e < t.offset + t.size; e += entry_size) {
    const MemoryRegion region{r.u64(e), r.u64(e + 8), r.u32(e + 16)};
    if (region.length != 0 && region.base + (region.length - 1) < region.base) {
      if (!wrapped) warn(info, t.type, t.offset, "memory map entry wraps past 2^64; dropped");
      wrapped = true;
      continue;
    }
    if (info.mmap_count == kMaxMemoryRegions) {
      if (info.mmap_dropped++ == 0) {
        warn(info, t.type, t.offset, "memory map longer than 128 entries; rest dropped");
      }
      continue;
    }
    info.mmap[info.mmap_count++] = region;
  }
}

void take_rsdp(BootInfo& info, const Reader& r, const Tag& t) {
  const bool v2 = t.type == kTagAcpiNew;
  if (!v2 && info.rsdp.version == 2) return;  // the newer table wins regardless of tag order
  const uint32_t payload = t.size - kTagHeaderSize;
  const uint64_t at = t.offset + kTagHeaderSize;
  if (payload < (v2 ? kRsdpV2Size : kRsdpV1Size)) {
    warn(info, t.type, t.offset, "RSDP tag too small");
    return;
  }
  const uint8_t* p = r.at(at);
  if (__builtin_memcmp(p, "RSD PTR ", 8) != 0) {
    warn(info, t.type, t.offset, "RSDP signature is not \"RSD PTR \"");
    return;
  }
  uint32_t length = kRsdpV1Size;
  if (v2) {
    length = r.u32(at + 20);
    if (length < kRsdpV2Size || length > payload) {
      warn(info, t.type, t.offset, "RSDP length field does not fit its tag");
      return;
    }
  }
  const bool ok = sums_to_zero(p, kRsdpV1Size) && (!v2 || sums_to_zero(p, length));
  if (!ok) warn(info, t.type, t.offset, "RSDP checksum mismatch (kept, marked bad)");
  info.rsdp = Rsdp{p, length, static_cast<uint8_t>(v2 ? 2 : 1), ok};
}

}  // namespace

uint64_t BootInfo::usable_bytes() const {
  uint64_t total = 0;
  for (uint32_t i = 0; i < mmap_count; ++i) {
    if (mmap[i].type != kMemAvailable) continue;
    total = mmap[i].length > ~0ull - total ? ~0ull : total + mmap[i].length;
  }
  return total;
}

Result<BootInfo> parse(const uint8_t* blob, size_t readable_bytes) {
  if (blob == nullptr || readable_bytes < kHeaderSize) return Error::kMalformed;
  BootInfo info;
  uint32_t total;
  __builtin_memcpy(&total, blob, sizeof total);
  if (total < kHeaderSize || total > readable_bytes) return Error::kMalformed;
  info.total_size = total;
  if (reinterpret_cast<uintptr_t>(blob) % 8 != 0) {
    warn(info, kNoTag, 0, "boot information not 8-byte aligned (read anyway)");
  }

  const Reader r(blob, total);
  bool mmap_seen = false;
  uint64_t offset = kHeaderSize;
  for (;;) {
    if (offset >= total) {
      warn(info, kTagEnd, total, "no end tag before total_size");
      break;
    }
    if (!r.has(offset, kTagHeaderSize)) {
      warn(info, kNoTag, offset, "tag header runs past total_size");
      break;
    }
    const Tag t{r.u32(offset), r.u32(offset + 4), offset};
    if (t.size < kTagHeaderSize) {
      warn(info, t.type, offset, "tag size below 8; walk stopped");
      break;
    }
    if (!r.has(offset, t.size)) {
      warn(info, t.type, offset, "tag runs past total_size; walk stopped");
      break;
    }
    if (t.type == kTagEnd) {
      info.end_tag_seen = true;
      if (t.size != kTagHeaderSize) warn(info, t.type, offset, "end tag size is not 8");
      if (offset + t.size != total) warn(info, t.type, offset, "bytes after end tag ignored");
      break;
    }
    switch (t.type) {
      case kTagCmdline:
        take_string(info, r, t, info.cmdline);
        break;
      case kTagBootLoaderName:
        take_string(info, r, t, info.boot_loader_name);
        break;
      case kTagModule:
        take_module(info, r, t);
        break;
      case kTagBasicMeminfo:
        take_meminfo(info, r, t);
        break;
      case kTagMmap:
        take_mmap(info, r, t, mmap_seen);
        break;
      case kTagAcpiOld:
      case kTagAcpiNew:
        take_rsdp(info, r, t);
        break;
      default:
        break;  // other tags (framebuffer, ELF sections, EFI, ...) are not ours to read
    }
    offset += (static_cast<uint64_t>(t.size) + 7) & ~uint64_t{7};
  }
  return info;
}

const char* memory_type_name(uint32_t type) {
  switch (type) {
    case kMemAvailable:
      return "available";
    case kMemReserved:
      return "reserved";
    case kMemAcpiReclaimable:
      return "ACPI reclaimable";
    case kMemAcpiNvs:
      return "ACPI NVS";
    case kMemBadRam:
      return "bad RAM";
  }
  return "reserved (unknown type)";
}

void print_summary(const BootInfo& info, FormatSink sink) {
  format(sink, "mb2: boot information: %u bytes, boot loader: %s\n", info.total_size,
         info.boot_loader_name != nullptr ? info.boot_loader_name : "(not given)");
  if (info.cmdline != nullptr) {
    format(sink, "mb2: command line: \"%s\"\n", info.cmdline);
  } else {
    format(sink, "mb2: command line: (not given)\n");
  }
  if (info.meminfo.present) {
    format(sink, "mb2: basic meminfo: lower %u KiB, upper %u KiB\n", info.meminfo.mem_lower_kib,
           info.meminfo.mem_upper_kib);
  }
  format(sink, "mb2: memory map: %u entries%s\n", info.mmap_count,
         info.mmap_dropped != 0 ? " (more dropped)" : "");
  for (uint32_t i = 0; i < info.mmap_count; ++i) {
    const MemoryRegion& m = info.mmap[i];
    const uint64_t last = m.length == 0 ? m.base : m.base + (m.length - 1);
    format(sink, "mb2:   0x%016llx-0x%016llx %-16s type %u, %llu KiB\n",
           static_cast<unsigned long long>(m.base), static_cast<unsigned long long>(last),
           memory_type_name(m.type), m.type, static_cast<unsigned long long>(m.length / 1024));
  }
  format(sink, "mb2: usable memory: %llu MiB\n",
         static_cast<unsigned long long>(info.usable_bytes() / (1024 * 1024)));
  for (uint32_t i = 0; i < info.module_count; ++i) {
    const Module& m = info.modules[i];
    format(sink, "mb2: module %u: 0x%x-0x%x (%u bytes) \"%s\"\n", i, m.start, m.end,
           m.end - m.start, m.cmdline);
  }
  if (info.modules_dropped != 0) format(sink, "mb2: %u modules dropped\n", info.modules_dropped);
  if (info.rsdp.bytes != nullptr) {
    format(sink, "mb2: ACPI RSDP v%u at %p, %u bytes, checksum %s\n", info.rsdp.version,
           static_cast<const void*>(info.rsdp.bytes), info.rsdp.length,
           info.rsdp.checksum_ok ? "ok" : "BAD");
  } else {
    format(sink, "mb2: ACPI RSDP: (not given)\n");
  }
  if (!info.end_tag_seen) format(sink, "mb2: no end tag found\n");
  for (uint32_t i = 0; i < info.warning_count; ++i) {
    const Warning& w = info.warnings[i];
    if (w.tag_type == kNoTag) {
      format(sink, "mb2: warning: at offset %u: %s\n", w.offset, w.what);
    } else {
      format(sink, "mb2: warning: tag %u at offset %u: %s\n", w.tag_type, w.offset, w.what);
    }
  }
  if (info.warnings_dropped != 0) {
    format(sink, "mb2: warning: %u more warnings dropped\n", info.warnings_dropped);
  }
}

}  // namespace glass::mb2
