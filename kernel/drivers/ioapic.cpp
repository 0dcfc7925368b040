// I/O APIC registers; see ioapic.h for the invariants.
#include "kernel/drivers/ioapic.h"

#include "kernel/lib/platform.h"
#include "mm/virt/layout.h"

namespace glass::drivers {
namespace {
constexpr uint32_t kRegVersion = 0x01, kRegRedirBase = 0x10;
constexpr uint64_t kActiveLow = 1u << 13, kLevel = 1u << 15, kMasked = 1u << 16;
constexpr unsigned kDestShift = 56;

IoApic g_ioapic;

// Interrupts off around a select-then-access pair (ioapic.h).
class IrqOff {
 public:
  IrqOff() : token_(platform::irq_save()) {}
  ~IrqOff() { platform::irq_restore(token_); }
  IrqOff(const IrqOff&) = delete;
  IrqOff& operator=(const IrqOff&) = delete;

 private:
  uintptr_t token_;
};
}  // namespace

IoApic& ioapic() {
  return g_ioapic;
}

uint32_t IoApic::read(uint32_t reg) {
  regs_[0] = reg;   // IOREGSEL
  return regs_[4];  // IOWIN at +0x10
}

void IoApic::write(uint32_t reg, uint32_t v) {
  regs_[0] = reg;
  regs_[4] = v;
}

Result<void> IoApic::init(uint64_t phys) {
  if (phys == 0 || phys >= layout::kDirectMapMax || (phys & 0xf) != 0) {
    return Error::kInvalidArgument;
  }
  regs_ = reinterpret_cast<volatile uint32_t*>(phys + layout::kDirectMapBase);
  uint32_t version;
  {
    IrqOff off;
    version = read(kRegVersion);
  }
  const unsigned inputs = ((version >> 16) & 0xff) + 1;
  if (version == 0xffffffffu || (version & 0xff) < 0x10) {  // I/O APICs are version 0x1X/0x2X
    regs_ = nullptr;
    return Error::kUnsupported;
  }
  inputs_ = inputs;
  return {};
}

Result<void> IoApic::route(unsigned index, const IoApicRoute& r) {
  if (!ready() || index >= inputs_ || r.vector < 32) return Error::kInvalidArgument;
  const uint64_t low = uint64_t{r.vector} | (r.active_low ? kActiveLow : 0) |
                       (r.level ? kLevel : 0);  // fixed delivery, physical destination
  const uint32_t reg = kRegRedirBase + 2 * index;
  IrqOff off;
  write(reg, static_cast<uint32_t>(low | kMasked));
  write(reg + 1, static_cast<uint32_t>(uint64_t{r.dest_apic_id} << (kDestShift - 32)));
  if (!r.masked) write(reg, static_cast<uint32_t>(low));
  return {};
}

void IoApic::mask(unsigned index) {
  if (!ready() || index >= inputs_) return;
  IrqOff off;
  const uint32_t reg = kRegRedirBase + 2 * index;
  write(reg, read(reg) | static_cast<uint32_t>(kMasked));
}

uint64_t IoApic::entry(unsigned index) {
  if (!ready() || index >= inputs_) return 0;
  IrqOff off;
  const uint32_t reg = kRegRedirBase + 2 * index;
  return read(reg) | (uint64_t{read(reg + 1)} << 32);
}

IoApicRoute IoApic::decode(uint64_t e) {
  IoApicRoute r;
  r.vector = static_cast<uint8_t>(e & 0xff);
  r.dest_apic_id = static_cast<uint8_t>(e >> kDestShift);
  r.active_low = (e & kActiveLow) != 0;
  r.level = (e & kLevel) != 0;
  r.masked = (e & kMasked) != 0;
  return r;
}

}  // namespace glass::drivers
