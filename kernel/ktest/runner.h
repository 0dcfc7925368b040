// The ktest runner: selects registered tests by the kernel command line and reports KTAP on COM1.
//
// Expected-fault tests return to the runner (they do not cost a reboot each): the runner arms a
// recovery point, and the exception dispatcher offers every exception to offer_exception() first.
// A test that declared a fault gets any exception recovered: it passes if it was exactly the
// declared one, and fails with the decode otherwise. A test that declared none and faults is an
// unexpected kernel fault: the dispatcher panics with the decode, naming the test.
// Why return instead of one boot per test: a boot costs ~0.5 s; the state a deliberate fault
// leaves behind is nothing (the test chose the faulting instruction and holds no lock there).
#pragma once

#include <stdint.h>

#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/base/shutdown.h"

namespace glass::ktest {

// selection: "all" (every suite but selftest_*) or "suite[,suite...]". Unknown names fail.
[[nodiscard]] ExitCode run(const char* selection);
// "suite.name" while a test runs, else null.
[[nodiscard]] const char* running_test_name();
// Returns only if the exception is not the running test's to claim.
void offer_exception(const arch::InterruptFrame& frame, uint64_t cr2);

}  // namespace glass::ktest
