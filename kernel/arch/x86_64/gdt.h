// GDT and TSS. Segments are flat (x86-64 ignores base/limit for code and data); the TSS matters
// for its interrupt stack table: double fault, NMI and machine check run on their own stacks, so
// a kernel stack overflow still produces a decoded panic instead of a triple fault.
// Invariants: every CPU has its own GDT, TSS and IST stacks (ltr marks a TSS busy, so CPUs cannot
// share one), installed once by that CPU before its IDT is loaded and never changed afterwards;
// every kernel stack sits above a guard page that is left unmapped (the boot CPU's stacks: listed
// by stack_guard_pages for the kernel page tables; an AP's: see ap_stacks.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace glass::arch {

inline constexpr uint16_t kKernelCode = 0x08;
inline constexpr uint16_t kKernelData = 0x10;
inline constexpr uint16_t kUserData = 0x18 | 3;
inline constexpr uint16_t kUserCode = 0x20 | 3;
inline constexpr uint16_t kTssSelector = 0x28;

inline constexpr uint8_t kIstDoubleFault = 1;
inline constexpr uint8_t kIstNmi = 2;
inline constexpr uint8_t kIstMachineCheck = 3;

// Loads the boot CPU's GDT and TSS (its IST stacks are static).
void gdt_init();
// Loads CPU `cpu`'s GDT and TSS on the calling CPU, its IST stacks ending at ist_tops (#DF, NMI,
// #MC). Segment registers are reloaded; GS_BASE is left to percpu_install, which must run after
// this (loading a null GS may clear the base).
void gdt_init(unsigned cpu, const uint64_t ist_tops[3]);
// Bounds of an IST stack, so the backtrace walker knows which frames are plausible.
bool address_on_ist_stack(uint64_t addr);
// Virtual addresses of the guard pages below every kernel stack (boot stack, IST stacks): the
// kernel address space leaves them unmapped. Returns how many were written (at most max).
size_t stack_guard_pages(uint64_t* out, size_t max);

}  // namespace glass::arch
