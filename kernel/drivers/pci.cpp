// PCI configuration space and enumeration; see pci.h.
#include "kernel/drivers/pci.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/lib/platform.h"
#include "mm/virt/layout.h"

namespace glass::drivers::pci {
namespace {
constexpr uint16_t kAddressPort = 0xcf8, kDataPort = 0xcfc;

uint32_t address_of(Address a, uint16_t offset) {
  return (1u << 31) | static_cast<uint32_t>(a.bus) << 16 |
         static_cast<uint32_t>(a.device & 0x1f) << 11 |
         static_cast<uint32_t>(a.function & 0x7) << 8 | (offset & 0xfc);
}

Device describe(Address a, uint32_t id) {
  Device d;
  d.addr = a;
  d.vendor = static_cast<uint16_t>(id);
  d.device_id = static_cast<uint16_t>(id >> 16);
  const uint32_t cls = read32(a, 0x08);
  d.class_code = static_cast<uint8_t>(cls >> 24);
  d.subclass = static_cast<uint8_t>(cls >> 16);
  d.prog_if = static_cast<uint8_t>(cls >> 8);
  d.header_type = read8(a, 0x0e) & 0x7f;
  d.irq_line = read8(a, 0x3c);
  return d;
}

struct Scan {
  Device* out;
  size_t max;
  size_t count = 0;
  bool bus_seen[256] = {};

  void add(const Device& d) {
    if (count < max) out[count] = d;
    ++count;
  }
  void bus(uint8_t b) {
    if (bus_seen[b]) return;  // a bridge pointing back at a scanned bus cannot loop us
    bus_seen[b] = true;
    for (uint8_t dev = 0; dev < 32; ++dev) {
      const Address f0{b, dev, 0};
      if (static_cast<uint16_t>(read32(f0, 0)) == 0xffff) continue;
      const unsigned functions = (read8(f0, 0x0e) & 0x80) ? 8 : 1;
      for (uint8_t fn = 0; fn < functions; ++fn) {
        const Address a{b, dev, fn};
        const uint32_t id = read32(a, 0);
        if (static_cast<uint16_t>(id) == 0xffff) continue;
        const Device d = describe(a, id);
        add(d);
        if (d.class_code == 0x06 && d.subclass == 0x04 && d.header_type == 1) {
          bus(read8(a, 0x19));  // secondary bus number
        }
      }
    }
  }
};
}  // namespace

uint32_t read32(Address a, uint16_t offset) {
  const uintptr_t irq = platform::irq_save();
  cpu::outl(kAddressPort, address_of(a, offset));
  const uint32_t v = cpu::inl(kDataPort);
  platform::irq_restore(irq);
  return v;
}

uint16_t read16(Address a, uint16_t offset) {
  return static_cast<uint16_t>(read32(a, offset) >> ((offset & 2) * 8));
}

uint8_t read8(Address a, uint16_t offset) {
  return static_cast<uint8_t>(read32(a, offset) >> ((offset & 3) * 8));
}

void write32(Address a, uint16_t offset, uint32_t value) {
  const uintptr_t irq = platform::irq_save();
  cpu::outl(kAddressPort, address_of(a, offset));
  cpu::outl(kDataPort, value);
  platform::irq_restore(irq);
}

void write16(Address a, uint16_t offset, uint16_t value) {
  const uintptr_t irq = platform::irq_save();
  cpu::outl(kAddressPort, address_of(a, offset));
  cpu::outw(static_cast<uint16_t>(kDataPort + (offset & 2)), value);
  platform::irq_restore(irq);
}

size_t enumerate(Device* out, size_t max) {
  Scan scan{out, max};
  scan.bus(0);
  return scan.count;
}

Result<Device> find(uint16_t vendor, uint16_t device_id) {
  constexpr size_t kMax = 64;
  Device devices[kMax];
  const size_t n = enumerate(devices, kMax);
  for (size_t i = 0; i < n && i < kMax; ++i) {
    if (devices[i].vendor == vendor && devices[i].device_id == device_id) return devices[i];
  }
  return Error::kNotFound;
}

Result<Bar> read_bar(Address a, unsigned index) {
  if (index > 5) return Error::kInvalidArgument;
  const auto off = static_cast<uint16_t>(0x10 + 4 * index);
  const uint32_t lo = read32(a, off);
  if (lo & 1) return Error::kUnsupported;  // I/O space: the drivers here use memory BARs
  const bool is64 = ((lo >> 1) & 3) == 2;
  if (is64 && index == 5) return Error::kMalformed;
  // Size it with decoding off, so the all-ones probe never answers a real access.
  const uint16_t command = read16(a, 0x04);
  write16(a, 0x04, static_cast<uint16_t>(command & ~0x3u));
  write32(a, off, 0xffffffffu);
  uint64_t mask = read32(a, off) & ~0xfull;
  write32(a, off, lo);
  uint32_t hi = 0;
  if (is64) {
    const auto off_hi = static_cast<uint16_t>(off + 4);
    hi = read32(a, off_hi);
    write32(a, off_hi, 0xffffffffu);
    mask |= static_cast<uint64_t>(read32(a, off_hi)) << 32;
    write32(a, off_hi, hi);
  } else {
    mask |= 0xffffffff00000000ull;
  }
  write16(a, 0x04, command);
  if ((mask & 0xffffffffull) == 0) return Error::kNotFound;
  Bar bar;
  bar.is64 = is64;
  bar.base = (static_cast<uint64_t>(hi) << 32) | (lo & ~0xfull);
  bar.size = ~mask + 1;
  return bar;
}

void enable_memory_and_bus_master(Address a) {
  write16(a, 0x04, static_cast<uint16_t>(read16(a, 0x04) | 0x6));
}

Result<void> msix_route(Address a, uint16_t entry, uint8_t vector, uint8_t apic_id) {
  constexpr uint8_t kCapMsix = 0x11;
  uint8_t cap = 0;
  for_each_capability(a, [&](uint8_t at, uint8_t id) {
    if (id == kCapMsix && cap == 0) cap = at;
  });
  if (cap == 0) return Error::kNotFound;
  const uint16_t control = read16(a, static_cast<uint16_t>(cap + 2));
  const unsigned size = (control & 0x7ffu) + 1;
  if (entry >= size) return Error::kInvalidArgument;
  const uint32_t table = read32(a, static_cast<uint16_t>(cap + 4));
  const Bar bar = TRY(read_bar(a, table & 7));
  const uint64_t offset = table & ~7u;
  if (bar.base == 0 || bar.base + bar.size > (1ull << 32) || offset + 16ull * size > bar.size) {
    return Error::kUnsupported;
  }
  auto* e = reinterpret_cast<volatile uint32_t*>(layout::kDirectMapBase + bar.base + offset +
                                                 16ull * entry);
  e[0] = 0xfee00000u | static_cast<uint32_t>(apic_id) << 12;  // message address
  e[1] = 0;
  e[2] = vector;                                                     // fixed delivery, edge
  e[3] = 0;                                                          // unmasked
  write16(a, 0x04, static_cast<uint16_t>(read16(a, 0x04) | 0x406));  // memory, master, INTx off
  write16(a, static_cast<uint16_t>(cap + 2),
          static_cast<uint16_t>((control | 0x8000u) & ~0x4000u));  // enable, function unmasked
  return {};
}

const char* class_name(uint8_t class_code) {
  switch (class_code) {
    case 0x01:
      return "storage";
    case 0x02:
      return "network";
    case 0x03:
      return "display";
    case 0x06:
      return "bridge";
    case 0x07:
      return "communication";
    case 0x08:
      return "system";
    case 0x0c:
      return "serial bus";
    default:
      return "other";
  }
}

}  // namespace glass::drivers::pci
