// The platform seam: the few things portable code (kernel/lib, mm/, block/) needs from whatever
// it runs on. The kernel implements these in kernel/core/platform_kernel.cpp; host tests implement
// them in tests/host/support/platform_host.cpp (threads stand in for CPUs, stderr for the console).
//
// Invariant: nothing in this header may allocate or take a lock; every function is callable from
// any context, including with interrupts off and from a panic.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace glass::platform {

// Spin-wait hint (PAUSE on x86).
void cpu_relax();

// Disable interrupts on this CPU and return a token that restores the previous state.
[[nodiscard]] uintptr_t irq_save();
void irq_restore(uintptr_t token);

// Small dense CPU index, 0 .. max_cpus()-1. On the host each thread gets one on first use.
[[nodiscard]] unsigned current_cpu();
inline constexpr unsigned kMaxCpus = 64;

// Write raw bytes to the panic/console channel. Never blocks forever, never allocates.
void console_write(const char* s, size_t n);

// Stop after a panic. The kernel prints a backtrace and halts (or exits QEMU in test mode); the
// host aborts so death tests can match the message.
[[noreturn]] void panic_stop();

// A monotonic nanosecond clock (TSC-derived in the kernel, steady_clock on the host).
[[nodiscard]] uint64_t now_ns();

}  // namespace glass::platform
