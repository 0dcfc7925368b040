// kernel_exit / halt_forever; see shutdown.h.
#include "kernel/base/shutdown.h"

#include "kernel/arch/x86_64/cpu.h"

namespace glass {
namespace {
constexpr uint16_t kDebugExitPort = 0xf4;  // QEMU: -device isa-debug-exit,iobase=0xf4,iosize=4
bool g_exit_on_panic = false;
void (*g_before_panic_exit)() = nullptr;
}  // namespace

void set_exit_on_panic(bool exit) {
  g_exit_on_panic = exit;
}
bool exit_on_panic() {
  return g_exit_on_panic;
}

void set_before_panic_exit(void (*hook)()) {
  g_before_panic_exit = hook;
}

void kernel_exit_after_panic() {
  if (g_before_panic_exit != nullptr) g_before_panic_exit();
  if (exit_on_panic()) kernel_exit(ExitCode::kPanic);
  halt_forever();
}

void kernel_exit(ExitCode code) {
  cpu::outl(kDebugExitPort, static_cast<uint32_t>(code));
  // Only reached without the debug-exit device (e.g. someone booted the ISO by hand).
  halt_forever();
}

void halt_forever() {
  for (;;) {
    cpu::cli();
    cpu::hlt();
  }
}

}  // namespace glass
