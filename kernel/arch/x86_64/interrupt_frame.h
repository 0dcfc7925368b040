// The register frame the interrupt stubs (isr.S) build on the stack before calling C++.
// Invariant: field order mirrors the push order in isr.S exactly; the static_asserts pin it.
#pragma once

#include <stddef.h>
#include <stdint.h>

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

void idt_init();
// Name of an exception vector ("#PF page fault"), or "interrupt" for >= 32.
const char* vector_name(uint64_t vector);

}  // namespace glass::arch
