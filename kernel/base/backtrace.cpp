// Backtrace walker; see backtrace.h.
#include "kernel/base/backtrace.h"

#include "kernel/arch/x86_64/ap_stacks.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/base/kprintf.h"
#include "kernel/lib/format.h"

extern "C" char boot_kernel_stack_bottom[], boot_kernel_stack_top[];

namespace glass {
namespace {
SymbolTable g_symbols;

bool plausible_frame(uint64_t rbp) {
  if (rbp == 0 || (rbp & 7) != 0) return false;
  auto lo = reinterpret_cast<uint64_t>(boot_kernel_stack_bottom);
  auto hi = reinterpret_cast<uint64_t>(boot_kernel_stack_top);
  return (rbp >= lo && rbp + 16 <= hi) || arch::address_on_ist_stack(rbp) ||
         arch::address_on_ap_stack(rbp);
}

}  // namespace

SymbolTable& kernel_symbols() {
  return g_symbols;
}

void print_symbolized(uint64_t addr) {
  SymbolHit hit;
  if (g_symbols.lookup(addr, &hit)) {
    panic_printf("0x%016lx %.*s+%#lx\n", addr, hit.name_len, hit.name, hit.offset);
  } else {
    panic_printf("0x%016lx ?\n", addr);
  }
}

void print_backtrace(uint64_t rip, uint64_t rbp) {
  panic_printf("backtrace:%s\n", g_symbols.loaded() ? "" : " (no symbol module loaded)");
  panic_printf("  #0  ");
  print_symbolized(rip);
  for (int depth = 1; depth < 32 && plausible_frame(rbp); ++depth) {
    auto* frame = reinterpret_cast<const uint64_t*>(rbp);
    uint64_t ret = frame[1];
    if (ret == 0) break;
    panic_printf("  #%-2d ", depth);
    // A return address points after the call; look up ret-1 so the name is the caller's.
    print_symbolized(ret - 1);
    rbp = frame[0];
  }
}

}  // namespace glass
