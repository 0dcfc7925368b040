// The decoded report an unexpected exception produces: vector name, error code decoded, CR2 for
// #PF, registers, symbolized backtrace. Shared by the dispatcher (kernel/trap) and the ktest
// runner (which prints a decode when a test faults differently from what it declared).
// Invariant: printing only (panic_printf, no lock taken), so it is safe from any exception.
#include "kernel/base/exception_decode.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/base/backtrace.h"
#include "kernel/base/kprintf.h"
#include "kernel/lib/format.h"

namespace glass::arch {
namespace {

bool has_selector_error(uint64_t v) {
  return v == 10 || v == 11 || v == 12 || v == 13;
}

}  // namespace

size_t decode_page_fault_error(uint64_t err, char* buf, size_t size) {
  return format_to(buf, size, "%s, %s, %s%s%s%s%s",
                   (err & 1) ? "protection violation" : "not present", (err & 2) ? "write" : "read",
                   (err & 4) ? "user mode" : "kernel mode", (err & 16) ? ", instruction fetch" : "",
                   (err & 8) ? ", reserved bit set" : "", (err & 32) ? ", protection key" : "",
                   (err & 64) ? ", shadow stack" : "");
}

size_t decode_selector_error(uint64_t err, char* buf, size_t size) {
  static constexpr const char* kTables[4] = {"GDT", "IDT", "LDT", "IDT"};
  if (err == 0) return format_to(buf, size, "no selector");
  return format_to(buf, size, "selector index %lu in %s%s", (err >> 3) & 0x1fff,
                   kTables[(err >> 1) & 3], (err & 1) ? ", external event" : "");
}

void print_exception_decode(const InterruptFrame& f, uint64_t cr2) {
  panic_printf("\nPANIC: unexpected exception %lu %s at rip %#lx\n", f.vector,
               vector_name(f.vector), f.rip);
  char decoded[160];
  if (f.vector == 14) {
    decode_page_fault_error(f.error_code, decoded, sizeof decoded);
    panic_printf("  page fault address (cr2) 0x%016lx\n  error code %#lx: %s\n", cr2, f.error_code,
                 decoded);
  } else if (has_selector_error(f.vector)) {
    decode_selector_error(f.error_code, decoded, sizeof decoded);
    panic_printf("  error code %#lx: %s\n", f.error_code, decoded);
  } else if (f.vector == 8 || f.vector == 17 || f.vector == 21 || f.vector == 29 ||
             f.vector == 30) {
    panic_printf("  error code %#lx\n", f.error_code);
  }
  panic_printf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
  panic_printf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f.rsi, f.rdi, f.rbp, f.rsp);
  panic_printf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", f.r8, f.r9, f.r10, f.r11);
  panic_printf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", f.r12, f.r13, f.r14, f.r15);
  panic_printf("  rip %016lx rflags %016lx cs %04lx ss %04lx cr3 %016lx\n", f.rip, f.rflags, f.cs,
               f.ss, cpu::read_cr3());
  print_backtrace(f.rip, f.rbp);
}

}  // namespace glass::arch
