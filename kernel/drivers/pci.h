// PCI: configuration space through the legacy I/O ports (mechanism #1, 0xcf8 address, 0xcfc
// data), enumeration of every bus reachable from bus 0, capability lists and BARs.
//
// Invariants: configuration accesses are address-then-data pairs on shared ports, so each runs
// with interrupts off on this CPU (one CPU for now; SMP will need a lock here). Everything read
// from a device is treated as input from outside: capability walks stop after kMaxCapabilities
// (a looping list cannot hang the kernel), bridges are followed once per bus, and a BAR that
// cannot be sized or lies beyond the direct map is reported as an error, not used.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::drivers::pci {

struct Address {
  uint8_t bus = 0, device = 0, function = 0;
};

struct Device {
  Address addr;
  uint16_t vendor = 0, device_id = 0;
  uint8_t class_code = 0, subclass = 0, prog_if = 0;
  uint8_t header_type = 0;  // without the multi-function bit
  uint8_t irq_line = 0;     // legacy INTx routing as the firmware left it (0xff: none)
};

[[nodiscard]] uint32_t read32(Address a, uint16_t offset);
[[nodiscard]] uint16_t read16(Address a, uint16_t offset);
[[nodiscard]] uint8_t read8(Address a, uint16_t offset);
void write32(Address a, uint16_t offset, uint32_t value);
void write16(Address a, uint16_t offset, uint16_t value);

// Every function on bus 0 and behind PCI-to-PCI bridges, in bus/device/function order; fills
// out[0..max) and returns how many exist (more than max: the rest were not stored).
size_t enumerate(Device* out, size_t max);

// The first device with this vendor and device id (kNotFound: none).
[[nodiscard]] Result<Device> find(uint16_t vendor, uint16_t device_id);

inline constexpr unsigned kMaxCapabilities = 48;
// Calls f(offset, id) for each entry of the capability list (none when the status register says
// there is no list); stops at kMaxCapabilities entries or at a pointer into the header.
template <typename F>
void for_each_capability(Address a, F&& f) {
  if ((read16(a, 0x06) & (1u << 4)) == 0) return;  // status: capabilities list
  uint8_t at = read8(a, 0x34) & 0xfc;
  for (unsigned n = 0; n < kMaxCapabilities && at >= 0x40; ++n) {
    f(at, read8(a, at));
    at = read8(a, static_cast<uint16_t>(at + 1)) & 0xfc;
  }
}

struct Bar {
  uint64_t base = 0;
  uint64_t size = 0;
  bool io = false;
  bool is64 = false;
};
// BAR `index` (0..5) of a type-0 header, sized by writing all ones with decoding off. kNotFound:
// the BAR is unused; kUnsupported: an I/O BAR or the upper half of a 64-bit one.
[[nodiscard]] Result<Bar> read_bar(Address a, unsigned index);

// Lets the device decode its memory BARs and master the bus (command register bits 1 and 2).
void enable_memory_and_bus_master(Address a);

// Routes MSI-X table entry `entry` to `vector` on the local APIC `apic_id` (fixed delivery, edge)
// and turns MSI-X on for the function (legacy INTx off). kNotFound: no MSI-X capability;
// kInvalidArgument: the entry is beyond the table; kUnsupported: the table's BAR is unusable.
[[nodiscard]] Result<void> msix_route(Address a, uint16_t entry, uint8_t vector, uint8_t apic_id);

// A short name for the class ("storage", "bridge", ...), for the boot log.
[[nodiscard]] const char* class_name(uint8_t class_code);

}  // namespace glass::drivers::pci
