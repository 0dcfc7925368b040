// ACPI table walk for ISA IRQ routing; see acpi.h for the invariants.
#include "kernel/boot/acpi.h"

namespace glass::acpi {
namespace {

constexpr size_t kHeaderSize = 36;             // every system description table starts with this
constexpr size_t kMadtFixed = 44;              // header + local APIC address + flags
constexpr uint32_t kMaxTableBytes = 1u << 20;  // far above any real MADT/XSDT: a sanity bound
constexpr uint8_t kMadtLocalApic = 0, kMadtIoApic = 1, kMadtOverride = 2;
constexpr uint32_t kLapicEnabled = 1;  // clear: absent (a hot-plug slot), not to be started
constexpr uint32_t kMadtPcatCompat = 1;

uint32_t le32(const uint8_t* p) {
  return p[0] | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
uint64_t le64(const uint8_t* p) {
  return le32(p) | (uint64_t{le32(p + 4)} << 32);
}
uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
bool sums_to_zero(const uint8_t* p, size_t n) {
  uint8_t s = 0;
  for (size_t i = 0; i < n; ++i) s = static_cast<uint8_t>(s + p[i]);
  return s == 0;
}

struct Table {
  const uint8_t* p = nullptr;
  uint32_t length = 0;
};

// The table at phys, header and length checked, checksum verified. sig: its expected signature.
Result<Table> load(uint64_t phys, const char* sig, PhysView view, void* ctx, const char** why,
                   const char* unreadable, const char* bad_length, const char* bad_sum) {
  const uint8_t* h = view(phys, kHeaderSize, ctx);
  if (h == nullptr) {
    *why = unreadable;
    return Error::kMalformed;
  }
  if (__builtin_memcmp(h, sig, 4) != 0) {
    *why = unreadable;
    return Error::kNotFound;
  }
  const uint32_t length = le32(h + 4);
  if (length < kHeaderSize || length > kMaxTableBytes) {
    *why = bad_length;
    return Error::kMalformed;
  }
  const uint8_t* p = view(phys, length, ctx);
  if (p == nullptr) {
    *why = unreadable;
    return Error::kMalformed;
  }
  if (!sums_to_zero(p, length)) {
    *why = bad_sum;
    return Error::kMalformed;
  }
  return Table{p, length};
}

// The MADT through the XSDT (ACPI 2+, when it has one) or the RSDT.
Result<Table> find_madt(const mb2::Rsdp& rsdp, PhysView view, void* ctx, const char** why) {
  if (rsdp.bytes == nullptr) {
    *why = "no ACPI RSDP from the boot loader";
    return Error::kNotFound;
  }
  if (!rsdp.checksum_ok) {
    *why = "RSDP checksum mismatch";
    return Error::kMalformed;
  }
  const bool xsdt = rsdp.version >= 2 && rsdp.length >= 32 && le64(rsdp.bytes + 24) != 0;
  const uint64_t root = xsdt ? le64(rsdp.bytes + 24) : le32(rsdp.bytes + 16);
  const size_t entry = xsdt ? 8 : 4;
  Table t = TRY(load(root, xsdt ? "XSDT" : "RSDT", view, ctx, why,
                     xsdt ? "XSDT unreadable or not an XSDT" : "RSDT unreadable or not an RSDT",
                     "root table length out of range", "root table checksum mismatch"));
  for (size_t off = kHeaderSize; off + entry <= t.length; off += entry) {
    const uint64_t phys = xsdt ? le64(t.p + off) : le32(t.p + off);
    const uint8_t* h = view(phys, kHeaderSize, ctx);
    if (h == nullptr || __builtin_memcmp(h, "APIC", 4) != 0) continue;
    return load(phys, "APIC", view, ctx, why, "MADT unreadable", "MADT length out of range",
                "MADT checksum mismatch");
  }
  *why = "no MADT (APIC table) in the root table";
  return Error::kNotFound;
}

}  // namespace

Result<CpuList> find_cpus(const mb2::Rsdp& rsdp, PhysView view, void* ctx, const char** why) {
  const char* unused = nullptr;
  if (why == nullptr) why = &unused;
  const Table madt = TRY(find_madt(rsdp, view, ctx, why));
  if (madt.length < kMadtFixed) {
    *why = "MADT too short";
    return Error::kMalformed;
  }
  CpuList cpus;
  for (size_t off = kMadtFixed; off + 2 <= madt.length;) {
    const uint8_t type = madt.p[off], len = madt.p[off + 1];
    if (len < 2 || off + len > madt.length) {
      *why = "MADT entry length out of range";
      return Error::kMalformed;
    }
    if (type == kMadtLocalApic) {
      if (len < 8) {
        *why = "MADT processor local APIC entry too short";
        return Error::kMalformed;
      }
      const uint32_t flags = le32(madt.p + off + 4);
      if ((flags & kLapicEnabled) == 0) {
        ++cpus.disabled;
      } else if (cpus.count == CpuList::kMaxListedCpus) {
        ++cpus.dropped;
      } else {
        cpus.apic_ids[cpus.count++] = madt.p[off + 3];
      }
    }
    off += len;
  }
  if (cpus.count == 0) {
    *why = "the MADT lists no usable processor";
    return Error::kNotFound;
  }
  return cpus;
}

Result<IsaRoute> find_isa_route(const mb2::Rsdp& rsdp, uint8_t irq, PhysView view, void* ctx,
                                const char** why) {
  const char* unused = nullptr;
  if (why == nullptr) why = &unused;
  if (irq >= 16) {
    *why = "not an ISA IRQ";
    return Error::kInvalidArgument;
  }
  const Table madt = TRY(find_madt(rsdp, view, ctx, why));
  if (madt.length < kMadtFixed) {
    *why = "MADT too short";
    return Error::kMalformed;
  }
  IsaRoute r;
  r.isa_irq = irq;
  r.gsi = irq;
  r.legacy_pics = (le32(madt.p + 40) & kMadtPcatCompat) != 0;
  // First pass: the override for this IRQ, if any (it changes which GSI to look for).
  for (size_t off = kMadtFixed; off + 2 <= madt.length;) {
    const uint8_t type = madt.p[off], len = madt.p[off + 1];
    if (len < 2 || off + len > madt.length) {
      *why = "MADT entry length out of range";
      return Error::kMalformed;
    }
    if (type == kMadtOverride) {
      if (len < 10) {
        *why = "MADT interrupt source override too short";
        return Error::kMalformed;
      }
      if (madt.p[off + 2] == 0 /* ISA */ && madt.p[off + 3] == irq) {
        const uint16_t flags = le16(madt.p + off + 8);
        r.gsi = le32(madt.p + off + 4);
        r.overridden = true;
        const unsigned pol = flags & 3, trig = (flags >> 2) & 3;
        if (pol == 2 || trig == 2) {
          *why = "MADT override uses reserved polarity/trigger values";
          return Error::kMalformed;
        }
        r.active_low = pol == 3;  // 0 "conforms to the bus": ISA is active high
        r.level = trig == 3;      // 0 "conforms": ISA is edge
      }
    }
    off += len;
  }
  // Second pass (entry lengths were checked by the first): the I/O APIC whose inputs start at or
  // below the GSI, the closest one.
  bool found = false;
  for (size_t off = kMadtFixed; off + 2 <= madt.length && madt.p[off + 1] >= 2;
       off += madt.p[off + 1]) {
    const uint8_t type = madt.p[off], len = madt.p[off + 1];
    if (type != kMadtIoApic) continue;
    if (len < 12) {
      *why = "MADT I/O APIC entry too short";
      return Error::kMalformed;
    }
    const uint32_t base = le32(madt.p + off + 8);
    if (base <= r.gsi && (!found || base > r.ioapic_gsi_base)) {
      found = true;
      r.ioapic_id = madt.p[off + 2];
      r.ioapic_phys = le32(madt.p + off + 4);
      r.ioapic_gsi_base = base;
    }
  }
  if (!found) {
    *why = "no I/O APIC in the MADT serves the IRQ's GSI";
    return Error::kNotFound;
  }
  if ((r.ioapic_phys & 0xf) != 0 || r.ioapic_phys == 0) {
    *why = "MADT I/O APIC address is not a register block";
    return Error::kMalformed;
  }
  return r;
}

}  // namespace glass::acpi
