// Exceptions are decoded and, for tests that declare them, recovered exactly: these tests prove
// the runner's expected-fault protocol (kernel/ktest/runner.h) against real CPU exceptions.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/ktest/ktest.h"

namespace {
// Low memory is unmapped once early paging drops the identity map.
constexpr uint64_t kUnmapped = 0x1000;
}  // namespace

KTEST_EXPECT_FAULT(exceptions, read_of_unmapped_page_faults, glass::ktest::kVectorPageFault,
                   kUnmapped) {
  (void)*reinterpret_cast<volatile uint64_t*>(kUnmapped);
}

KTEST_EXPECT_FAULT(exceptions, write_of_unmapped_page_faults, glass::ktest::kVectorPageFault,
                   kUnmapped + 0x18) {
  *reinterpret_cast<volatile uint64_t*>(kUnmapped + 0x18) = 1;
}

KTEST_EXPECT_FAULT_ANY_ADDRESS(exceptions, non_canonical_address_is_gp,
                               glass::ktest::kVectorGeneralProtection) {
  (void)*reinterpret_cast<volatile uint64_t*>(0x8000000000000000ull);
}

KTEST_EXPECT_FAULT_ANY_ADDRESS(exceptions, ud2_is_invalid_opcode,
                               glass::ktest::kVectorInvalidOpcode) {
  asm volatile("ud2");
}

KTEST_EXPECT_FAULT_ANY_ADDRESS(exceptions, divide_by_zero_is_de, glass::ktest::kVectorDivideError) {
  uint64_t zero = 0;
  asm volatile("" : "+r"(zero));  // hide the zero from the optimiser
  asm volatile("xor %%edx, %%edx; mov $1, %%eax; divq %0" ::"r"(zero) : "rax", "rdx");
}

// After a recovered fault the runner must hand back a CPU with interrupts on and the timer alive.
KTEST(exceptions, recovery_restores_interrupts) {
  KEXPECT((glass::cpu::read_rflags() & glass::cpu::kRflagsIF) != 0);
  const uint64_t start = glass::drivers::timer_ticks();
  const uint64_t deadline = glass::cpu::rdtsc() + glass::drivers::tsc_khz() * 200;  // 200 ms
  while (glass::drivers::timer_ticks() == start && glass::cpu::rdtsc() < deadline) {
    glass::cpu::pause();
  }
  KEXPECT(glass::drivers::timer_ticks() > start);
}
