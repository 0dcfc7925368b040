// Kernel threads and the per-CPU round-robin scheduler; see thread.h for the invariants.
#include "kernel/sched/thread.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/platform.h"
#include "mm/phys/frames.h"
#include "mm/virt/clear_range.h"
#include "mm/virt/kernel_space.h"
#include "mm/virt/pt_cursor.h"

extern "C" void sched_switch(uint64_t* save_rsp, uint64_t next_rsp);
extern "C" char sched_thread_start[];

namespace glass::sched {

enum State : uint8_t { kReady, kRunning, kBlocked, kDead };

struct Thread {
  uint64_t rsp = 0;  // saved while it is not running
  std::atomic<uint8_t> state{kReady};
  unsigned cpu = 0;
  unsigned index = 0;  // in g_threads, and its stack slot
  ThreadFn fn = nullptr;
  void* arg = nullptr;
  Thread* next = nullptr;  // on one list at a time: a ready queue, a sleeping list, a wait queue
  uint64_t wake_tick = 0;
  std::atomic<bool> finished{false};  // switched away from for good: join may free it
  std::atomic<bool> used{false};
};

namespace {

// Thread stacks: slot i at kStackBase + i * kSlotBytes is [guard][16 KiB stack], the rest
// unmapped (root slot 388, nobody else's). The last slot unmapped takes the region's nodes.
constexpr uint64_t kStackBase = 0xffffc20000000000ull;
constexpr uint64_t kSlotBytes = 32 * 1024, kGuard = 4096, kStackBytes = 16384;
static_assert(kGuard + kStackBytes <= kSlotBytes);

struct Cpu {
  SpinLock lock;
  Thread* ready_head = nullptr;  // FIFO: round robin
  Thread* ready_tail = nullptr;
  Thread* sleeping = nullptr;
  Thread* current = nullptr;  // null until init_cpu
  Thread boot;                // the CPU's original context, its thread 0
  Thread* dead_prev = nullptr;
  bool in_schedule = false;  // halted inside schedule(): the tick wakes, never preempts
  unsigned preempt_off = 0;  // only this CPU touches it
  std::atomic<uint64_t> switches{0};
};

Cpu g_cpu[arch::kMaxCpus];
Thread g_threads[kMaxThreads];
SpinLock g_stack_lock;  // the stack region's slots (map and unmap)
uint64_t g_stacks_mapped = 0;
static_assert(kMaxThreads <= 64);

uint64_t slot_base(unsigned i) {
  return kStackBase + i * kSlotBytes;
}

void unmap_stack(unsigned i) {
  SpinGuard g(g_stack_lock);
  g_stacks_mapped &= ~(uint64_t{1} << i);
  const uint64_t start = g_stacks_mapped == 0 ? kStackBase : slot_base(i);
  const uint64_t end = g_stacks_mapped == 0 ? kStackBase + (1ull << 30) : slot_base(i) + kSlotBytes;
  (void)mm::clear_range(*mm::kernel_page_table(), start, end, [](mm::PhysAddr phys, unsigned) {
    (void)mm::free_frames(phys, 0, mm::FrameKind::kLarge);
  });
}

Result<void> map_stack_pages(unsigned i) {
  const uint64_t bottom = slot_base(i) + kGuard;
  mm::CursorMut c =
      TRY(mm::CursorMut::create(*mm::kernel_page_table(), bottom, bottom + kStackBytes));
  for (uint64_t p = 0; p < kStackBytes / 4096; ++p) {
    const mm::PhysAddr frame = TRY(mm::alloc_frames(0, mm::FrameKind::kLarge, mm::kOwnerKernel));
    if (auto r = c.map(frame, 1, mm::PageProp{true, false, false, false, false}); r.is_error()) {
      (void)mm::free_frames(frame, 0, mm::FrameKind::kLarge);
      return r.error();
    }
  }
  return {};
}

Result<void> map_stack(unsigned i) {
  {
    SpinGuard g(g_stack_lock);
    g_stacks_mapped |= uint64_t{1} << i;
  }
  if (auto r = map_stack_pages(i); r.is_error()) {
    unmap_stack(i);
    return r.error();
  }
  return {};
}

void push_ready(Cpu& c, Thread* t) {
  t->next = nullptr;
  if (c.ready_tail != nullptr) {
    c.ready_tail->next = t;
  } else {
    c.ready_head = t;
  }
  c.ready_tail = t;
}

Thread* pop_ready(Cpu& c) {
  Thread* t = c.ready_head;
  if (t == nullptr) return nullptr;
  c.ready_head = t->next;
  if (c.ready_head == nullptr) c.ready_tail = nullptr;
  t->next = nullptr;
  return t;
}

void finish_switch() {
  Cpu& c = g_cpu[arch::this_cpu_id()];
  if (c.dead_prev != nullptr) {
    c.dead_prev->finished.store(true, std::memory_order_release);
    c.dead_prev = nullptr;
  }
}

// Switches to the next ready thread (or keeps the current one). Interrupts off; no lock held.
// With nothing to run (the current thread blocked and the queue empty) it halts until a tick or a
// wake puts something on the queue.
void schedule() {
  Cpu& c = g_cpu[arch::this_cpu_id()];
  Thread* prev = c.current;
  Thread* next = nullptr;
  for (;;) {
    {
      SpinGuard g(c.lock);
      if (prev->state.load() == kRunning) {
        prev->state.store(kReady);
        push_ready(c, prev);
      }
      next = pop_ready(c);
      if (next != nullptr) {
        next->state.store(kRunning);
        c.current = next;
        c.in_schedule = false;
        break;
      }
      c.in_schedule = true;
    }
    cpu::sti_hlt();  // a tick or a wake IPI
    cpu::cli();
  }
  if (next == prev) return;
  c.switches.fetch_add(1, std::memory_order_relaxed);
  c.dead_prev = prev->state.load() == kDead ? prev : nullptr;
  sched_switch(&prev->rsp, next->rsp);
  finish_switch();
}

Thread* current() {
  return g_cpu[arch::this_cpu_id()].current;
}

void make_ready(Thread* t) {
  Cpu& c = g_cpu[t->cpu];
  {
    SpinGuard g(c.lock);
    if (t->state.load() != kBlocked) return;
    t->state.store(kReady);
    push_ready(c, t);
  }
  if (t->cpu != arch::this_cpu_id()) {
    (void)drivers::lapic_send_ipi(static_cast<uint8_t>(arch::g_percpu[t->cpu].apic_id),
                                  arch::kVectorIpiWake);
  }
}

}  // namespace

extern "C" [[noreturn]] void sched_thread_main() {
  finish_switch();
  Thread* self = current();
  cpu::sti();
  self->fn(self->arg);
  cpu::cli();
  self->state.store(kDead);
  schedule();  // never comes back: nobody switches to a dead thread
  panic("sched: a finished thread was switched to");
}

void init_cpu() {
  Cpu& c = g_cpu[arch::this_cpu_id()];
  c.boot.cpu = arch::this_cpu_id();
  c.boot.state.store(kRunning);
  c.boot.used.store(true);
  c.current = &c.boot;
}

Result<Thread*> spawn(unsigned cpu, ThreadFn fn, void* arg) {
  if (cpu >= arch::kMaxCpus || g_cpu[cpu].current == nullptr || fn == nullptr) {
    return Error::kInvalidArgument;
  }
  Thread* t = nullptr;
  for (unsigned i = 0; i < kMaxThreads && t == nullptr; ++i) {
    bool expected = false;
    if (g_threads[i].used.compare_exchange_strong(expected, true)) t = &g_threads[i];
  }
  if (t == nullptr) return Error::kBusy;
  t->index = static_cast<unsigned>(t - g_threads);
  if (auto r = map_stack(t->index); r.is_error()) {
    t->used.store(false);
    return r.error();
  }
  // The stack sched_switch pops for a thread that never ran: six callee-saved registers, then
  // sched_thread_start as the return address, placed so RSP is 16-byte aligned at its call.
  const uint64_t top = slot_base(t->index) + kGuard + kStackBytes;
  auto* words = reinterpret_cast<uint64_t*>(top - 72);
  for (int i = 0; i < 6; ++i) words[i] = 0;
  words[6] = reinterpret_cast<uint64_t>(sched_thread_start);
  t->rsp = top - 72;
  t->cpu = cpu;
  t->fn = fn;
  t->arg = arg;
  t->next = nullptr;
  t->finished.store(false);
  t->state.store(kBlocked);
  make_ready(t);
  return t;
}

bool join(Thread* t, uint64_t timeout_us) {
  const uint64_t limit = drivers::tsc_khz() * timeout_us / 1000;
  const uint64_t start = cpu::rdtsc();
  while (!t->finished.load(std::memory_order_acquire)) {
    if (cpu::rdtsc() - start > limit) return false;
    if (others_ready()) {
      yield();
    } else {
      cpu::cli();
      if (!t->finished.load(std::memory_order_acquire) && !others_ready()) cpu::sti_hlt();
      cpu::sti();
    }
  }
  unmap_stack(t->index);
  t->used.store(false, std::memory_order_release);
  return true;
}

void yield() {
  const uintptr_t irq = platform::irq_save();
  schedule();
  platform::irq_restore(irq);
}

void sleep_ticks(uint64_t ticks) {
  const uintptr_t irq = platform::irq_save();
  Cpu& c = g_cpu[arch::this_cpu_id()];
  {
    SpinGuard g(c.lock);
    Thread* self = c.current;
    self->wake_tick = drivers::timer_ticks() + (ticks == 0 ? 1 : ticks);
    self->state.store(kBlocked);
    self->next = c.sleeping;
    c.sleeping = self;
  }
  schedule();
  platform::irq_restore(irq);
}

void preempt_off() {
  const uintptr_t irq = platform::irq_save();
  ++g_cpu[arch::this_cpu_id()].preempt_off;
  platform::irq_restore(irq);
}

void preempt_on() {
  const uintptr_t irq = platform::irq_save();
  --g_cpu[arch::this_cpu_id()].preempt_off;
  platform::irq_restore(irq);
}

uint64_t switches(unsigned cpu) {
  return cpu < arch::kMaxCpus ? g_cpu[cpu].switches.load(std::memory_order_relaxed) : 0;
}

bool others_ready() {
  Cpu& c = g_cpu[arch::this_cpu_id()];
  SpinGuard g(c.lock);
  return c.ready_head != nullptr;
}

void on_timer_tick() {
  Cpu& c = g_cpu[arch::this_cpu_id()];
  if (c.current == nullptr) return;
  bool preempt;
  {
    SpinGuard g(c.lock);
    const uint64_t now = drivers::timer_ticks();
    for (Thread** p = &c.sleeping; *p != nullptr;) {
      Thread* t = *p;
      if (t->wake_tick <= now) {
        *p = t->next;
        t->state.store(kReady);
        push_ready(c, t);
      } else {
        p = &t->next;
      }
    }
    preempt = !c.in_schedule && c.preempt_off == 0 && c.ready_head != nullptr &&
              c.current->state.load() == kRunning;
  }
  if (preempt) schedule();
}

void WaitQueue::wait() {
  const uintptr_t irq = platform::irq_save();
  bool blocked = false;
  {
    SpinGuard g(lock_);
    if (!signalled_) {
      Thread* self = current();
      self->state.store(kBlocked);  // before the lock goes: a signal after it finds us blocked
      self->next = head_;
      head_ = self;
      blocked = true;
    }
  }
  if (blocked) schedule();
  platform::irq_restore(irq);
}

void WaitQueue::signal() {
  Thread* woken;
  {
    SpinGuard g(lock_);
    signalled_ = true;
    woken = head_;
    head_ = nullptr;
  }
  while (woken != nullptr) {
    Thread* t = woken;
    woken = t->next;
    make_ready(t);
  }
}

void WaitQueue::reset() {
  SpinGuard g(lock_);
  signalled_ = false;
}

}  // namespace glass::sched
