// IDT: all 32 exception vectors, the LAPIC timer, the 16 ISA IRQ vectors (I/O APIC), the MSI and
// IPI vectors and the spurious vector, each through a stub in isr.S. Invariants: gates are
// interrupt gates (IF cleared on entry), so a handler never nests with another on the same CPU
// unless it re-enables interrupts itself (none does); an ISA handler is installed before its I/O
// APIC entry is unmasked and read by the dispatcher with interrupts off, so a plain pointer
// suffices.
#include <stddef.h>

#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/interrupt_frame.h"

extern "C" const uint64_t isr_stub_table[32];
extern "C" void isr_stub_timer();
extern "C" void isr_stub_spurious();
extern "C" const uint64_t isr_irq_stub_table[glass::arch::kDeviceVectors];

namespace glass::arch {
namespace {

struct [[gnu::packed]] IdtGate {
  uint16_t offset_lo;
  uint16_t selector;
  uint8_t ist;
  uint8_t type_attr;
  uint16_t offset_mid;
  uint32_t offset_hi;
  uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16, "64-bit IDT gates are 16 bytes");

struct [[gnu::packed]] IdtPointer {
  uint16_t limit;
  uint64_t base;
};

alignas(16) IdtGate g_idt[256];
IrqHandler g_irq_handlers[kDeviceVectors];  // ISA irqs first, then MSI vectors, then IPIs
unsigned g_msi_used = 0;

void set_gate(uint8_t vector, uint64_t handler, uint8_t ist) {
  g_idt[vector] = IdtGate{static_cast<uint16_t>(handler),
                          kKernelCode,
                          ist,
                          0x8e,  // present, DPL0, 64-bit interrupt gate
                          static_cast<uint16_t>(handler >> 16),
                          static_cast<uint32_t>(handler >> 32),
                          0};
}

constexpr const char* kNames[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range exceeded",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack-segment fault",
    "#GP general protection",
    "#PF page fault",
    "reserved (15)",
    "#MF x87 floating-point error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating-point",
    "#VE virtualization",
    "#CP control protection",
    "reserved (22)",
    "reserved (23)",
    "reserved (24)",
    "reserved (25)",
    "reserved (26)",
    "reserved (27)",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved (31)",
};

}  // namespace

void set_irq_handler(uint8_t isa_irq, IrqHandler h) {
  if (isa_irq < kIsaIrqs) g_irq_handlers[isa_irq] = h;
}

void set_ipi_handler(uint8_t vector, IrqHandler h) {
  if (vector >= kVectorIpiBase && vector < kVectorIpiBase + kIpiVectors) {
    g_irq_handlers[vector - kVectorIsaBase] = h;
  }
}

Result<uint8_t> allocate_msi_vector(IrqHandler h) {
  if (g_msi_used == kMsiVectors || h == nullptr) return Error::kBusy;
  const unsigned i = g_msi_used++;
  g_irq_handlers[kIsaIrqs + i] = h;
  return static_cast<uint8_t>(kVectorMsiBase + i);
}

IrqHandler irq_handler(uint64_t vector) {
  if (vector < kVectorIsaBase || vector >= kVectorIsaBase + kDeviceVectors) return nullptr;
  return g_irq_handlers[vector - kVectorIsaBase];
}

const char* vector_name(uint64_t vector) {
  return vector < 32 ? kNames[vector] : "interrupt";
}

void idt_init() {
  for (uint8_t v = 0; v < 32; ++v) {
    uint8_t ist = 0;
    if (v == 8) ist = kIstDoubleFault;
    if (v == 2) ist = kIstNmi;
    if (v == 18) ist = kIstMachineCheck;
    set_gate(v, isr_stub_table[v], ist);
  }
  set_gate(kVectorTimer, reinterpret_cast<uint64_t>(&isr_stub_timer), 0);
  for (uint8_t i = 0; i < kDeviceVectors; ++i) {
    set_gate(static_cast<uint8_t>(kVectorIsaBase + i), isr_irq_stub_table[i], 0);
  }
  set_gate(kVectorSpurious, reinterpret_cast<uint64_t>(&isr_stub_spurious), 0);
  idt_load();
}

void idt_load() {
  IdtPointer ptr{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
  asm volatile("lidt %0" ::"m"(ptr));
}

}  // namespace glass::arch
