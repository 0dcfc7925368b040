// Kernel threads on the real machine (at 1, 2 and 4 CPUs): a thread on every CPU runs there and is
// joined; two threads that never yield share a CPU (the timer preempts); a sleeping thread wakes
// after its ticks; a thread blocked on a wait queue runs once signalled from another CPU. Every
// wait is bounded; stacks and page-table nodes go back (the mm hook's census after every test).
#include <atomic>

#include "kernel/arch/x86_64/percpu.h"
#include "kernel/drivers/lapic.h"
#include "kernel/ktest/ktest.h"
#include "kernel/sched/thread.h"
#include "kernel/smp/ap_boot.h"

namespace glass::sched {
namespace {

constexpr uint64_t kTimeoutUs = 20'000'000;

struct Where {
  std::atomic<unsigned> cpu{~0u};
};
void note_cpu(void* p) {
  static_cast<Where*>(p)->cpu.store(arch::this_cpu_id());
}

KTEST(sched, a_thread_on_every_cpu_runs_there_and_is_joined) {
  const unsigned n = smp::cpus_online();
  Where where[arch::kMaxCpus];
  Thread* t[arch::kMaxCpus] = {};
  for (unsigned c = 0; c < n; ++c) {
    auto r = spawn(c, note_cpu, &where[c]);
    KASSERT(r.is_ok());
    t[c] = r.value();
  }
  for (unsigned c = 0; c < n; ++c) {
    if (!join(t[c], kTimeoutUs)) {
      KFAIL("the thread on CPU %u did not finish within %lu s", c, kTimeoutUs / 1'000'000);
      return;  // still running: its stack must stay
    }
    KEXPECT_EQ(where[c].cpu.load(), c);
  }
}

struct Busy {
  std::atomic<uint64_t> count{0};
  std::atomic<bool>* stop = nullptr;
};
void spin_until_stopped(void* p) {
  auto* b = static_cast<Busy*>(p);
  while (!b->stop->load(std::memory_order_relaxed)) b->count.fetch_add(1);
}

KTEST(sched, two_threads_that_never_yield_share_a_cpu) {
  const unsigned cpu = smp::cpus_online() - 1;
  std::atomic<bool> stop{false};
  Busy a, b;
  a.stop = b.stop = &stop;
  const uint64_t switches_before = switches(cpu);
  auto ta = spawn(cpu, spin_until_stopped, &a);
  KASSERT(ta.is_ok());
  auto tb = spawn(cpu, spin_until_stopped, &b);
  if (tb.is_error()) {
    stop.store(true);
    KEXPECT(join(ta.value(), kTimeoutUs));
    KFAIL("second thread: %s", error_name(tb.error()));
    return;
  }
  // Both must make progress while neither yields: only the tick can take the CPU from one.
  const uint64_t t0 = drivers::timer_ticks();
  while ((a.count.load() == 0 || b.count.load() == 0) &&
         drivers::timer_ticks() - t0 < 20 * drivers::timer_hz()) {
    if (cpu == arch::this_cpu_id()) {
      yield();
    } else {
      asm volatile("pause");
    }
  }
  const uint64_t ca = a.count.load(), cb = b.count.load();
  stop.store(true);
  KEXPECT(join(ta.value(), kTimeoutUs));
  KEXPECT(join(tb.value(), kTimeoutUs));
  KEXPECT(ca > 0);
  KEXPECT(cb > 0);
  KEXPECT(switches(cpu) > switches_before + 2);
}

struct Sleeper {
  uint64_t slept_ticks = 0;
};
void sleep_three_ticks(void* p) {
  const uint64_t t0 = drivers::timer_ticks();
  sleep_ticks(3);
  static_cast<Sleeper*>(p)->slept_ticks = drivers::timer_ticks() - t0;
}

struct Waiter {
  WaitQueue* wq = nullptr;
  std::atomic<bool> woke{false};
};
void wait_then_note(void* p) {
  auto* w = static_cast<Waiter*>(p);
  w->wq->wait();
  w->woke.store(true);
}

KTEST(sched, a_sleeper_wakes_after_its_ticks_and_a_waiter_once_signalled) {
  const unsigned cpu = smp::cpus_online() - 1;
  Sleeper s;
  auto ts = spawn(cpu, sleep_three_ticks, &s);
  KASSERT(ts.is_ok());
  KEXPECT(join(ts.value(), kTimeoutUs));
  KEXPECT(s.slept_ticks >= 3);

  static WaitQueue wq;
  wq.reset();
  Waiter w;
  w.wq = &wq;
  auto tw = spawn(cpu, wait_then_note, &w);
  KASSERT(tw.is_ok());
  const uint64_t t0 = drivers::timer_ticks();
  while (drivers::timer_ticks() - t0 < 3) yield();  // give it time to block
  KEXPECT(!w.woke.load());                          // blocked, not running past the wait
  wq.signal();
  KEXPECT(join(tw.value(), kTimeoutUs));
  KEXPECT(w.woke.load());
}

}  // namespace
}  // namespace glass::sched
