// The register frame the interrupt stubs (isr.S) build on the stack before calling C++.
// Invariant: field order mirrors the push order in isr.S exactly; the static_asserts pin it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::arch {

struct InterruptFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector;
  uint64_t error_code;  // 0 for vectors that push none
  // Pushed by the CPU:
  uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(InterruptFrame) == 22 * 8, "isr.S pushes exactly 22 quadwords");
static_assert(offsetof(InterruptFrame, vector) == 15 * 8, "isr.S pushes the vector after 15 GPRs");
static_assert(offsetof(InterruptFrame, rip) == 17 * 8, "the CPU frame follows the error code");

inline constexpr uint8_t kVectorTimer = 32;
inline constexpr uint8_t kVectorSpurious = 0xff;
// ISA IRQ n, when routed through the I/O APIC, arrives at kVectorIsaBase + n (clear of the
// exceptions, the LAPIC timer and the 8259s' remapped 0x20..0x2f, which stay masked).
inline constexpr uint8_t kVectorIsaBase = 48;
inline constexpr unsigned kIsaIrqs = 16;
// Message-signalled interrupts (MSI/MSI-X) use the kMsiVectors vectors right after the ISA ones,
// handed out once each by allocate_msi_vector.
inline constexpr uint8_t kVectorMsiBase = kVectorIsaBase + kIsaIrqs;
inline constexpr unsigned kMsiVectors = 16;
// Inter-processor interrupts (docs/smp.md) follow the MSI vectors and share their path: one stub
// table, a handler, then the EOI. Wake only ends a hlt; shootdown runs the TLB shootdown service.
inline constexpr uint8_t kVectorIpiBase = kVectorMsiBase + kMsiVectors;
inline constexpr unsigned kIpiVectors = 2;
inline constexpr uint8_t kVectorIpiWake = kVectorIpiBase;
inline constexpr uint8_t kVectorIpiShootdown = kVectorIpiBase + 1;
inline constexpr unsigned kDeviceVectors = kIsaIrqs + kMsiVectors + kIpiVectors;  // 48..81

// Interrupt handlers for the device vectors: run with interrupts off; the dispatcher sends the
// LAPIC its EOI after the handler returns. A vector without a handler is acknowledged and
// ignored (counted nowhere: nothing routes to it).
using IrqHandler = void (*)();
void set_irq_handler(uint8_t isa_irq, IrqHandler h);
// The next free MSI vector, now handled by h; kBusy when all kMsiVectors are taken.
[[nodiscard]] Result<uint8_t> allocate_msi_vector(IrqHandler h);
[[nodiscard]] IrqHandler irq_handler(uint64_t vector);
// The handler of IPI vector kVectorIpiBase + i (set at boot, before any CPU sends it).
void set_ipi_handler(uint8_t vector, IrqHandler h);

void idt_init();
// Loads the (one, shared) IDT on this CPU: an AP calls it once idt_init has run on the boot CPU.
void idt_load();
// Name of an exception vector ("#PF page fault"), or "interrupt" for >= 32.
const char* vector_name(uint64_t vector);

}  // namespace glass::arch
