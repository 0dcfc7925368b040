// Frame-pointer backtraces with symbol names (the kernel is built with -fno-omit-frame-pointer).
// Invariant: the walker dereferences a frame pointer only if it is 8-aligned and lies on a known
// kernel stack, so a corrupt chain ends the trace instead of faulting inside a panic.
#pragma once

#include <stdint.h>

#include "kernel/boot/symbol_table.h"

namespace glass {

SymbolTable& kernel_symbols();
void print_backtrace(uint64_t rip, uint64_t rbp);
// "name+0x12" for one address, through kprintf-free console output (panic safe).
void print_symbolized(uint64_t addr);

}  // namespace glass
