// Deliberately broken tests. They live in hidden suites (selftest_*), which `ktest=all` skips;
// the end-to-end layer boots each by name and checks the harness reports it: a failure named with
// its diagnostics, a panic and an unexpected page fault decoded and attributed to the test.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/ktest/ktest.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/platform.h"
#include "kernel/telemetry/telemetry.h"

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

// The panic again, but only once a telemetry host has attached (or 10 s have passed), so the e2e
// check that the panic reaches the host does not race the host's HELLO.
KTEST(selftest_panic_attached, waits_for_a_telemetry_host) {
  const uint64_t end = glass::platform::now_ns() + 10'000'000'000ull;
  while (!glass::telemetry::attached() && glass::platform::now_ns() < end) {
    glass::telemetry::poll();
    glass::cpu::hlt();  // the timer wakes us
  }
}

KTEST(selftest_panic_attached, deliberate_panic) {
  glass::panic("selftest: deliberate panic in %s", "selftest_panic_attached.deliberate_panic");
}

KTEST(selftest_fault, unexpected_page_fault) {
  *reinterpret_cast<volatile uint64_t*>(0x2000) = 0xdead;
}

KTEST(selftest_hang, spins_forever) {
  for (;;) asm volatile("pause");
}
