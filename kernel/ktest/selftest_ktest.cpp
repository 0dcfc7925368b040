// Deliberately broken tests. They live in hidden suites (selftest_*), which `ktest=all` skips;
// the end-to-end layer boots each by name and checks the harness reports it: a failure named with
// its diagnostics, a panic and an unexpected page fault decoded and attributed to the test.
#include "kernel/ktest/ktest.h"
#include "kernel/lib/panic.h"

KTEST(selftest_fail, deliberate_failure) {
  KEXPECT_EQ(1 + 1, 3);
}

KTEST_EXPECT_FAULT(selftest_fail, declared_fault_never_happens, glass::ktest::kVectorPageFault,
                   0x1000) {}

KTEST_EXPECT_FAULT_ANY_ADDRESS(selftest_fail, wrong_fault_happens, glass::ktest::kVectorPageFault) {
  asm volatile("ud2");
}

KTEST(selftest_fail, passing_test_after_failures) {
  KEXPECT(true);
}

KTEST(selftest_panic, deliberate_panic) {
  glass::panic("selftest: deliberate panic in %s", "selftest_panic.deliberate_panic");
}

KTEST(selftest_fault, unexpected_page_fault) {
  *reinterpret_cast<volatile uint64_t*>(0x2000) = 0xdead;
}

KTEST(selftest_hang, spins_forever) {
  for (;;) asm volatile("pause");
}
