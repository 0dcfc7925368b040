// Work for an idle AP: one function at a time, run from the AP's idle loop (thread context,
// interrupts on), so it may take locks, map and unmap, and answer shootdowns while it runs. Until
// the scheduler exists this is how the boot CPU (tests, benchmarks) puts the other CPUs to work.
//
// Invariants: CPU c's mailbox is written by one poster at a time (the boot CPU's test or bench:
// callers do not share a target) while c has finished its previous work; c reads it after seeing
// `posted` advance (release/acquire) and publishes `done` the same way once fn has returned.
// Waiting is bounded by the caller's timeout: a CPU that does not finish is reported by the
// caller (wait_work returns false), never waited for forever.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::smp {

using WorkFn = void (*)(void* arg);

// Hands fn(arg) to CPU `cpu` and wakes it. kInvalidArgument: not an online AP (the boot CPU runs
// its own share itself); kBusy: its previous work has not finished.
[[nodiscard]] Result<void> post_work(unsigned cpu, WorkFn fn, void* arg);
// True once CPU `cpu` has finished what was posted to it; false after timeout_us. With interrupts
// on it halts between checks (the worker sends a wake IPI when done), else it spins.
[[nodiscard]] bool wait_work(unsigned cpu, uint64_t timeout_us);
// The AP's idle loop: runs posted work, otherwise halts with interrupts on. Never returns.
[[noreturn]] void idle_loop();

}  // namespace glass::smp
