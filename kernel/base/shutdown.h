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
// Stops after a panic: runs the before-panic-exit hook (telemetry flushes its rings to an attached
// host there; the hook must be bounded in time), then exits QEMU (panic status) when
// exit_on_panic(), else halts. Lower layers call this; the layer above that has something to
// save registers the hook, so nothing here depends on it.
[[noreturn]] void kernel_exit_after_panic();
void set_before_panic_exit(void (*hook)());
[[noreturn]] void halt_forever();

}  // namespace glass
