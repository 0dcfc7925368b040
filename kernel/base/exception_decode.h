// Exception decoding, shared by the dispatcher (kernel/trap) and the ktest runner (which prints a
// decode as a diagnostic when a test faults differently from what it declared).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/x86_64/interrupt_frame.h"

namespace glass::arch {

// "not present, write, kernel mode, instruction fetch" for a #PF error code.
size_t decode_page_fault_error(uint64_t err, char* buf, size_t size);
// "selector index 5 in GDT" for #TS/#NP/#SS/#GP error codes.
size_t decode_selector_error(uint64_t err, char* buf, size_t size);
void print_exception_decode(const InterruptFrame& f, uint64_t cr2);

}  // namespace glass::arch
