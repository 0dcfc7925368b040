// How the kernel ends a run. Under test (and with exit_after_ready or panic=exit) it leaves QEMU
// through the isa-debug-exit device, whose status is (code << 1) | 1; otherwise it halts so the
// person at the console can read the last lines.
// Invariant: kernel_exit never returns and takes no lock (it is reached from panics).
#pragma once

#include <stdint.h>

namespace glass {

enum class ExitCode : uint8_t {
  kSuccess = 0,      // QEMU exits with status 1
  kTestsFailed = 1,  // status 3
  kPanic = 2,        // status 5
};

// Whether a panic leaves QEMU (true under ktest, exit_after_ready, panic=exit) or halts.
void set_exit_on_panic(bool exit);
[[nodiscard]] bool exit_on_panic();
[[noreturn]] void kernel_exit(ExitCode code);
[[noreturn]] void halt_forever();

}  // namespace glass
