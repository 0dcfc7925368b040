// Kernel threads and the per-CPU round-robin scheduler (docs/smp.md, "Threads").
//
// Invariants: a thread is pinned to the CPU it was spawned on and only that CPU switches to it;
// each CPU's run queue, sleeping list and `current` are guarded by that CPU's lock, which is held
// with interrupts off and never across a switch. Every CPU's original context (the boot CPU's
// kernel_start, an AP's idle loop) is its thread 0 and takes its turn like the others. A thread's
// stack (16 KiB above an unmapped guard page) and its Thread record come from fixed pools (no
// allocation on the scheduling path); both go back when join() sees it finished, which is only
// after it has been switched away from for good. The timer tick (100 Hz, every CPU) preempts;
// sleep and wait queues block; wake() puts a thread back on its CPU's queue and kicks that CPU.
#pragma once

#include <stdint.h>

#include <atomic>

#include "kernel/lib/result.h"
#include "kernel/lib/spinlock.h"

namespace glass::sched {

using ThreadFn = void (*)(void* arg);
struct Thread;

inline constexpr unsigned kMaxThreads = 32;

// Starts fn(arg) on CPU `cpu` (an online CPU). kBusy: all kMaxThreads are in use; kOutOfMemory:
// no frames for its stack; kInvalidArgument: cpu not online or fn null.
[[nodiscard]] Result<Thread*> spawn(unsigned cpu, ThreadFn fn, void* arg);
// Waits (yielding, bounded) until t has finished, then frees it. False after timeout_us (t is
// left alone: still running).
[[nodiscard]] bool join(Thread* t, uint64_t timeout_us);
// Gives the CPU to the next ready thread on it, if any.
void yield();
// Blocks the calling thread for at least `ticks` timer ticks (10 ms each).
void sleep_ticks(uint64_t ticks);
// The calling thread's CPU-local switch count (how often a CPU switched threads: for tests).
[[nodiscard]] uint64_t switches(unsigned cpu);

// Threads blocked until signalled. wait() returns once signal() has been called (at any time
// before or after it: the signal is remembered); signal() wakes every waiter on any CPU.
class WaitQueue {
 public:
  constexpr WaitQueue() = default;
  void wait();
  void signal();
  void reset();  // forget a signal (no waiter may be blocked)

 private:
  SpinLock lock_;
  Thread* head_ TA_GUARDED(lock_) = nullptr;
  bool signalled_ TA_GUARDED(lock_) = false;
};

// While preemption is off on this CPU (nested), the tick never switches threads: for waits that
// halt with interrupts on but hold a per-CPU resource (a shootdown's request slot).
void preempt_off();
void preempt_on();
// This CPU's original context becomes its thread 0 (kernel_start, ap_main: before its timer).
void init_cpu();
// Timer interrupt (every CPU, after its EOI): wakes sleepers due and preempts. Interrupts off.
void on_timer_tick();
// An idle loop's check: true if a thread other than the caller is ready on this CPU.
[[nodiscard]] bool others_ready();

}  // namespace glass::sched
