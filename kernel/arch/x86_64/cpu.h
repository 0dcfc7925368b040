// Thin, inline wrappers over x86-64 instructions the kernel needs. No state lives here.
// Invariant: each wrapper is exactly one instruction (plus its operand moves), so callers can
// reason about ordering as if they had written the instruction themselves.
#pragma once

#include <stdint.h>

namespace glass::cpu {

inline void outb(uint16_t port, uint8_t v) {
  asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
inline void outw(uint16_t port, uint16_t v) {
  asm volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
inline void outl(uint16_t port, uint32_t v) {
  asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
inline uint8_t inb(uint16_t port) {
  uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline uint16_t inw(uint16_t port) {
  uint16_t v;
  asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline uint32_t inl(uint16_t port) {
  uint32_t v;
  asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}
inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}
inline void wrmsr(uint32_t msr, uint64_t v) {
  asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<uint32_t>(v)),
               "d"(static_cast<uint32_t>(v >> 32)));
}
inline uint64_t read_cr0() {
  uint64_t v;
  asm volatile("mov %%cr0, %0" : "=r"(v));
  return v;
}
inline uint64_t read_cr2() {
  uint64_t v;
  asm volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
inline uint64_t read_cr3() {
  uint64_t v;
  asm volatile("mov %%cr3, %0" : "=r"(v));
  return v;
}
inline void write_cr3(uint64_t v) {
  asm volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}
inline uint64_t read_cr4() {
  uint64_t v;
  asm volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}
inline uint64_t read_rflags() {
  uint64_t v;
  asm volatile("pushfq; popq %0" : "=r"(v));
  return v;
}
inline void cli() {
  asm volatile("cli" ::: "memory");
}
inline void sti() {
  asm volatile("sti" ::: "memory");
}
inline void hlt() {
  asm volatile("hlt" ::: "memory");
}
// Enables interrupts and halts as one step: sti takes effect after the next instruction, so an
// interrupt that became pending while they were off wakes this hlt instead of being missed.
inline void sti_hlt() {
  asm volatile("sti; hlt" ::: "memory");
}
inline void pause() {
  asm volatile("pause");
}
inline void invlpg(uint64_t va) {
  asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}
inline void write_cr4(uint64_t v) {
  asm volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}
inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d) {
  asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(sub));
}

inline constexpr uint64_t kRflagsIF = 1u << 9;
inline constexpr uint32_t kMsrApicBase = 0x1b;
inline constexpr uint32_t kMsrEfer = 0xc0000080;
inline constexpr uint32_t kMsrGsBase = 0xc0000101;

}  // namespace glass::cpu
