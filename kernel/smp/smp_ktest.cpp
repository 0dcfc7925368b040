// SMP on the real machine (the kernel layer boots 1, 2 and 4 CPUs): every CPU the MADT lists
// comes up and answers with its own id and LAPIC; each AP's stacks sit above unmapped guard
// pages; a CPU that never answers is given up on, in bounded time; after an unmap on one CPU a
// read from another faults (the shootdown reached it); map/unmap on disjoint ranges from every CPU
// at once, checked entry by entry; overlapping cursors never interleave; frame stress from every
// CPU. The mm hook in frames_ktest.cpp audits frames and checks for leaks after every test. A CPU
// that does not finish its share within kTimeoutUs fails the test by name and with the
// instruction it is at (an NMI asks it), never a hang.
#include "kernel/arch/x86_64/ap_stacks.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/probe.h"
#include "kernel/base/backtrace.h"
#include "kernel/base/boot_info.h"
#include "kernel/boot/acpi.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/ktest/ktest.h"
#include "kernel/lib/spinlock.h"
#include "kernel/smp/ap_boot.h"
#include "kernel/smp/cpu_snapshot.h"
#include "kernel/smp/cpu_work.h"
#include "kernel/smp/shootdown.h"
#include "mm/phys/frames.h"
#include "mm/phys/unique_frame.h"
#include "mm/virt/clear_range.h"
#include "mm/virt/kernel_space.h"
#include "mm/virt/layout.h"
#include "mm/virt/pt_cursor.h"

namespace glass::smp {
namespace {

constexpr uint64_t kTimeoutUs = 20'000'000;  // a CPU's share; TCG vCPUs on a loaded 2-core host
// Kernel-half scratch space for these tests only (root slot 385; pt_ktest uses 384).
constexpr uint64_t kScratch = 0xffffc08000000000ull;
constexpr uint64_t kGiB = 1ull << 30;
constexpr mm::PageProp kRw{true, false, false, false, false};

const uint8_t* direct_view(uint64_t phys, size_t len, void*) {
  constexpr uint64_t kReadable = 4ull << 30;
  if (len > kReadable || phys > kReadable - len) return nullptr;
  return reinterpret_cast<const uint8_t*>(phys + layout::kDirectMapBase);
}

// Names a CPU that did not finish, with where it is (an NMI asks it: it answers even when
// spinning with interrupts off).
void report_stuck(ktest::Context& ktest_ctx, unsigned c) {
  auto rip = cpu_rip(c, 100'000);
  SymbolHit hit;
  if (rip.is_error()) {
    KFAIL("CPU %u did not finish its share within %lu s and does not answer an NMI", c,
          kTimeoutUs / 1'000'000);
  } else if (kernel_symbols().lookup(rip.value(), &hit)) {
    KFAIL("CPU %u did not finish its share within %lu s: it is at %#lx (%.*s+%#lx)", c,
          kTimeoutUs / 1'000'000, rip.value(), hit.name_len, hit.name, hit.offset);
  } else {
    KFAIL("CPU %u did not finish its share within %lu s: it is at %#lx", c, kTimeoutUs / 1'000'000,
          rip.value());
  }
}

// Runs fn(args[c]) on every online CPU at once: the APs through their mailboxes, then this CPU's
// share here. Returns false (after naming the CPU) if one did not finish in time.
template <typename Arg>
bool run_on_every_cpu(ktest::Context& ktest_ctx, WorkFn fn, Arg* args) {
  const unsigned n = cpus_online();
  for (unsigned c = 1; c < n; ++c) {
    if (post_work(c, fn, &args[c]).is_error()) {
      KFAIL("CPU %u would not take work", c);
      return false;
    }
  }
  fn(&args[0]);
  bool ok = true;
  for (unsigned c = 1; c < n; ++c) {
    if (!wait_work(c, kTimeoutUs)) {
      report_stuck(ktest_ctx, c);
      ok = false;
    }
  }
  return ok;
}

struct Who {
  unsigned id = ~0u;
  unsigned apic = ~0u;
};
void report_who(void* p) {
  auto* w = static_cast<Who*>(p);
  w->id = arch::this_cpu_id();
  w->apic = drivers::lapic_id();
}

KTEST(smp, every_listed_cpu_reports_with_its_own_id_and_lapic) {
  auto listed = acpi::find_cpus(boot_info().rsdp, direct_view, nullptr, nullptr);
  KASSERT(listed.is_ok());
  const unsigned want =
      listed.value().count < arch::kMaxCpus ? listed.value().count : arch::kMaxCpus;
  KEXPECT_EQ(cpus_online(), want);
  Who who[arch::kMaxCpus];
  KASSERT(run_on_every_cpu(ktest_ctx, report_who, who));
  for (unsigned c = 0; c < cpus_online(); ++c) {
    KEXPECT(arch::g_percpu[c].online.load());
    KEXPECT_EQ(who[c].id, c);
    KEXPECT_EQ(who[c].apic, arch::g_percpu[c].apic_id);
    bool in_madt = false;
    for (unsigned i = 0; i < listed.value().count; ++i) {
      in_madt = in_madt || listed.value().apic_ids[i] == who[c].apic;
    }
    KEXPECT(in_madt);
    for (unsigned d = 0; d < c; ++d) KEXPECT(who[d].apic != who[c].apic);
  }
}

mm::Mapping translate(uint64_t va) {
  auto c = mm::Cursor::create(*mm::kernel_page_table(), va, va + mm::kFrameSize);
  if (c.is_error()) return {};
  auto q = c.value().query();
  return q.is_ok() ? q.value() : mm::Mapping{};
}

KTEST(smp, every_ap_stack_sits_above_an_unmapped_guard_page) {
  for (unsigned c = 1; c < cpus_online(); ++c) {
    const arch::PerCpu& pc = arch::g_percpu[c];
    const uint64_t tops[4] = {pc.stack_top, pc.ist_top[0], pc.ist_top[1], pc.ist_top[2]};
    for (uint64_t top : tops) {
      const uint64_t bottom = top - arch::kApStackBytes;
      for (uint64_t va = bottom; va < top; va += mm::kFrameSize) {
        const mm::Mapping m = translate(va);
        KEXPECT(m.mapped && m.prop.write && !m.prop.exec);
        KEXPECT(arch::address_on_ap_stack(va));
      }
      KEXPECT(!translate(bottom - mm::kFrameSize).mapped);  // the guard
      KEXPECT(!arch::address_on_ap_stack(bottom - 8));
    }
  }
}

KTEST(smp, a_cpu_that_never_answers_is_given_up_on) {
  const unsigned before = cpus_online();
  if (before == arch::kMaxCpus) KSKIP("all %u CPU slots are in use", arch::kMaxCpus);
  constexpr uint8_t kNobody = 0xf0;  // no LAPIC answers there (QEMU numbers CPUs from 0)
  auto r = start_cpu(before, kNobody, 50'000);
  KEXPECT(r.is_error() && r.error() == Error::kNotFound);
  KEXPECT_EQ(cpus_online(), before);
  KEXPECT(!arch::g_percpu[before].online.load());
  arch::g_percpu[before].apic_id = 0;
}

// A CPU spinning with interrupts off (as a hung one would) is found where it spins.
std::atomic<bool> g_release{false};
std::atomic<bool> g_spinning{false};
[[gnu::noinline]] void spin_with_interrupts_off(void*) {
  cpu::cli();
  g_spinning.store(true);
  while (!g_release.load(std::memory_order_acquire)) asm volatile("pause" ::: "memory");
  cpu::sti();
}

KTEST(smp, a_cpu_spinning_with_interrupts_off_is_found_by_its_rip) {
  if (cpus_online() < 2) KSKIP("one CPU: no other CPU to ask");
  g_release.store(false);
  g_spinning.store(false);
  KASSERT(post_work(1, spin_with_interrupts_off, nullptr).is_ok());
  const uint64_t start = cpu::rdtsc();
  while (!g_spinning.load() && drivers::tsc_to_us(cpu::rdtsc() - start) < kTimeoutUs) cpu::pause();
  auto rip = cpu_rip(1, 1'000'000);
  g_release.store(true, std::memory_order_release);
  KEXPECT(wait_work(1, kTimeoutUs));
  KASSERT(rip.is_ok());
  SymbolHit at, fn;
  const auto fn_addr = reinterpret_cast<uint64_t>(&spin_with_interrupts_off);
  if (kernel_symbols().lookup(fn_addr, &fn)) {
    KEXPECT(kernel_symbols().lookup(rip.value(), &at) && at.name == fn.name);
  } else {
    KEXPECT(rip.value() >= fn_addr && rip.value() < fn_addr + 256);  // no symbols: near enough
  }
  KEXPECT(cpu_rip(0, 1000).is_error());  // itself: refused, not a self-NMI
}

struct Probe {
  uint64_t va = 0;
  uint64_t value = 0;
  bool ok = false;
};
void probe(void* p) {
  auto* pr = static_cast<Probe*>(p);
  pr->ok = probe_read_u64(reinterpret_cast<const volatile uint64_t*>(pr->va), &pr->value);
}

KTEST(smp, after_an_unmap_on_one_cpu_a_read_on_another_faults) {
  if (cpus_online() < 2) KSKIP("one CPU: no other CPU to hold a stale translation");
  mm::PageTable& k = *mm::kernel_page_table();
  const ShootdownStats before = shootdown_stats();
  {
    mm::BlockBufferFrame frame = mm::BlockBufferFrame::alloc(mm::kOwnerKernel).value();
    {
      mm::CursorMut c = mm::CursorMut::create(k, kScratch, kScratch + mm::kFrameSize).value();
      KASSERT(c.map(frame.phys(), 1, kRw).is_ok());
    }
    *reinterpret_cast<volatile uint64_t*>(kScratch) = 0x5eed;
    Probe p{kScratch};
    KASSERT(post_work(1, probe, &p).is_ok());
    KASSERT(wait_work(1, kTimeoutUs));
    KEXPECT(p.ok);  // CPU 1 now holds the translation in its TLB
    KEXPECT_EQ(p.value, 0x5eedu);
    KASSERT(mm::clear_range(k, kScratch, kScratch + kGiB).is_ok());  // unmap here, on CPU 0
    p = Probe{kScratch};
    KASSERT(post_work(1, probe, &p).is_ok());
    KASSERT(wait_work(1, kTimeoutUs));
    KEXPECT(!p.ok);  // faulted: its stale translation was shot down
  }
  const ShootdownStats after = shootdown_stats();
  KEXPECT(after.initiated > before.initiated);
  KEXPECT(after.paid >= before.paid + (cpus_online() - 1));
}

// The deadlock the shootdown protocol must avoid: CPU 0 holds a lock (interrupts off) and shoots
// down while CPU 1 spins on that lock with interrupts off, so no IPI can reach it. Spin loops pay
// pending shootdowns (platform::cpu_relax), so this returns; without that it would hang until
// the shootdown's 2 s bound panics, naming CPU 1 and where it spins.
SpinLock g_contended;
std::atomic<bool> g_about_to_lock{false};
void take_contended_lock(void*) {
  g_about_to_lock.store(true);
  SpinGuard g(g_contended);  // spins, interrupts off, until CPU 0 lets go
}

KTEST(smp, a_shootdown_reaches_a_cpu_spinning_on_a_lock_with_interrupts_off) {
  if (cpus_online() < 2) KSKIP("one CPU: nobody to spin");
  g_about_to_lock.store(false);
  const ShootdownStats before = shootdown_stats();
  {
    SpinGuard g(g_contended);
    KASSERT(post_work(1, take_contended_lock, nullptr).is_ok());
    const uint64_t start = cpu::rdtsc();
    while (!g_about_to_lock.load() && drivers::tsc_to_us(cpu::rdtsc() - start) < kTimeoutUs) {
      cpu::pause();
    }
    KEXPECT(g_about_to_lock.load());
    drivers::udelay(2000);  // it is spinning on the lock now, interrupts off
    const uint64_t page = kScratch;
    shootdown(uint64_t{1} << 1, &page, 1, false);  // returns: CPU 1 paid from its spin loop
  }
  KEXPECT(wait_work(1, kTimeoutUs));
  KEXPECT_EQ(shootdown_stats().paid, before.paid + 1);
}

// Cursors over one range from every CPU at once: each holds its cursor while it counts itself in
// and out of a shared critical section; nobody may ever find another inside (the range lock is
// what serializes them, checked here, not assumed). It also maps and unmaps a page inside, so
// the one who comes next must find the range empty. Few rounds: every hand-over of a contended
// lock between vCPUs can wait for a host time slice when vCPUs outnumber host cores (about 20 ms
// a round at 4 CPUs on 2 cores).
constexpr unsigned kOverlapRounds = 20;
struct Overlap {
  std::atomic<unsigned>* inside = nullptr;
  mm::PhysAddr frame = 0;
  unsigned errors = 0;
  unsigned rounds = 0;
};
void overlapping_cursors(void* p) {
  auto& o = *static_cast<Overlap*>(p);
  mm::PageTable& k = *mm::kernel_page_table();
  for (unsigned r = 0; r < kOverlapRounds; ++r) {
    auto c = mm::CursorMut::create(k, kScratch, kScratch + 4 * mm::kFrameSize);
    if (c.is_error()) {
      ++o.errors;
      continue;
    }
    if (o.inside->fetch_add(1) != 0) ++o.errors;                // someone else holds the same range
    if (c.value().map(o.frame, 1, kRw).is_error()) ++o.errors;  // the last one left it empty
    for (int i = 0; i < 50; ++i) asm volatile("pause");
    if (c.value().jump(kScratch).is_error()) ++o.errors;
    auto taken = c.value().take_next(4 * mm::kFrameSize);
    if (taken.is_error() || taken.value().kind != mm::Taken::Kind::kMapped ||
        taken.value().phys != o.frame) {
      ++o.errors;  // not our page: someone else's map got in
    }
    if (o.inside->fetch_sub(1) != 1) ++o.errors;
    ++o.rounds;
  }
}

KTEST(smp, overlapping_cursors_from_every_cpu_never_interleave) {
  std::atomic<unsigned> inside{0};
  Overlap o[arch::kMaxCpus];
  mm::BlockBufferFrame frames[arch::kMaxCpus];
  for (unsigned c = 0; c < cpus_online(); ++c) {
    auto f = mm::BlockBufferFrame::alloc(mm::kOwnerKernel);
    KASSERT(f.is_ok());
    frames[c] = std::move(f.value());
    o[c].inside = &inside;
    o[c].frame = frames[c].phys();
  }
  const bool finished = run_on_every_cpu(ktest_ctx, overlapping_cursors, o);
  if (finished) {
    for (unsigned c = 0; c < cpus_online(); ++c) {
      if (o[c].errors != 0)
        KFAIL("CPU %u: %u rounds found the range shared or dirty", c, o[c].errors);
      KEXPECT_EQ(o[c].rounds, kOverlapRounds);
    }
  }
  KEXPECT(mm::clear_range(*mm::kernel_page_table(), kScratch, kScratch + kGiB).is_ok());
}

// Each CPU maps kPages fresh frames into its own 2 MiB of kScratch, checks every entry (mapped,
// to its frame, writable, not executable) and every page's contents through the mapping against
// the direct map, unmaps, checks every entry is gone; kRounds times.
constexpr unsigned kPages = 64, kRounds = 8;
struct Disjoint {
  uint64_t base = 0;
  unsigned errors = 0;
  unsigned checked = 0;
  const char* first_error = nullptr;
};
void note(Disjoint& d, const char* what) {
  if (d.errors++ == 0) d.first_error = what;
}
void disjoint_map_unmap(void* p) {
  auto& d = *static_cast<Disjoint*>(p);
  mm::PageTable& k = *mm::kernel_page_table();
  const uint64_t end = d.base + kPages * mm::kFrameSize;
  for (unsigned round = 0; round < kRounds; ++round) {
    mm::PhysAddr frames[kPages];
    unsigned got = 0;
    for (; got < kPages; ++got) {
      auto f = mm::alloc_frames(0, mm::FrameKind::kBlockBuffer, mm::kOwnerKernel);
      if (f.is_error()) break;
      frames[got] = f.value();
    }
    if (got < kPages) note(d, "out of frames");
    {
      auto c = mm::CursorMut::create(k, d.base, d.base + got * mm::kFrameSize);
      if (c.is_error()) {
        note(d, "no cursor for the map");
      } else {
        for (unsigned i = 0; i < got; ++i) {
          if (c.value().map(frames[i], 1, kRw).is_error()) note(d, "map refused");
        }
      }
    }
    for (unsigned i = 0; i < got; ++i) {
      const uint64_t va = d.base + i * mm::kFrameSize;
      auto c = mm::Cursor::create(k, va, va + mm::kFrameSize);
      if (c.is_error()) {
        note(d, "no cursor for the check");
        continue;
      }
      auto q = c.value().query();
      if (q.is_error()) {
        note(d, "query refused");
        continue;
      }
      const mm::Mapping m = q.value();
      if (!m.mapped || m.phys != frames[i] || !m.prop.write || m.prop.exec) note(d, "wrong entry");
      const uint64_t pattern = va ^ (uint64_t{round} << 56);
      *reinterpret_cast<volatile uint64_t*>(va) = pattern;
      if (*static_cast<volatile uint64_t*>(mm::platform::phys_to_virt(frames[i])) != pattern) {
        note(d, "the mapping does not reach its frame");
      }
      ++d.checked;
    }
    if (mm::clear_range(k, d.base, end).is_error()) note(d, "unmap refused");
    for (unsigned i = 0; i < got; ++i) {
      const uint64_t va = d.base + i * mm::kFrameSize;
      auto c = mm::Cursor::create(k, va, va + mm::kFrameSize);
      if (c.is_error()) {
        note(d, "no cursor for the check after the unmap");
      } else {
        auto q = c.value().query();
        if (q.is_error() || q.value().mapped) note(d, "entry still mapped after the unmap");
      }
      if (mm::free_frames(frames[i], 0, mm::FrameKind::kBlockBuffer).is_error()) {
        note(d, "frame free refused");
      }
    }
  }
}

KTEST(smp, disjoint_map_unmap_from_every_cpu_checked_entry_by_entry) {
  Disjoint d[arch::kMaxCpus];
  for (unsigned c = 0; c < cpus_online(); ++c) d[c].base = kScratch + c * (2ull << 20);
  const bool finished = run_on_every_cpu(ktest_ctx, disjoint_map_unmap, d);
  if (finished) {
    for (unsigned c = 0; c < cpus_online(); ++c) {
      if (d[c].errors != 0) KFAIL("CPU %u: %u errors, first: %s", c, d[c].errors, d[c].first_error);
      KEXPECT_EQ(d[c].checked, kPages * kRounds);
    }
  }
  KEXPECT(mm::clear_range(*mm::kernel_page_table(), kScratch, kScratch + kGiB).is_ok());  // nodes
}

// Each CPU allocates and frees frames in a loop, keeping up to kHeld at a time, each stamped with
// its CPU and sequence and checked before it goes back. Mostly single frames (the per-CPU cache's
// path), every 16th of order 1 or 2 (the shared buddy lock's): a ticket lock hands over in order,
// so with more vCPUs than host cores every contended hand-over can wait for a host time slice,
// and a test that took the shared lock thousands of times would measure the host, not the kernel.
constexpr unsigned kHeld = 16, kAllocs = 1000;
struct Stress {
  unsigned cpu = 0;
  unsigned errors = 0;
  unsigned allocs = 0;
};
void frame_stress(void* p) {
  auto& s = *static_cast<Stress*>(p);
  mm::PhysAddr held[kHeld] = {};
  unsigned order[kHeld] = {};
  uint64_t stamp[kHeld] = {};
  for (unsigned i = 0; i < kAllocs; ++i) {
    const unsigned slot = i % kHeld;
    if (held[slot] != 0) {
      if (*static_cast<volatile uint64_t*>(mm::platform::phys_to_virt(held[slot])) != stamp[slot]) {
        ++s.errors;  // someone else wrote into a frame this CPU owns
      }
      if (mm::free_frames(held[slot], order[slot], mm::FrameKind::kBlockBuffer).is_error()) {
        ++s.errors;
      }
      held[slot] = 0;
    }
    order[slot] = i % 16 == 0 ? 1 + (i / 16) % 2 : 0;
    auto f = mm::alloc_frames(order[slot], mm::FrameKind::kBlockBuffer, mm::kOwnerKernel);
    if (f.is_error()) continue;  // a small machine may run dry for a moment: not an error
    held[slot] = f.value();
    stamp[slot] = (uint64_t{s.cpu} << 48) | i;
    *static_cast<volatile uint64_t*>(mm::platform::phys_to_virt(held[slot])) = stamp[slot];
    ++s.allocs;
  }
  for (unsigned slot = 0; slot < kHeld; ++slot) {
    if (held[slot] != 0 &&
        mm::free_frames(held[slot], order[slot], mm::FrameKind::kBlockBuffer).is_error()) {
      ++s.errors;
    }
  }
}

KTEST(smp, frame_stress_from_every_cpu) {
  Stress s[arch::kMaxCpus];
  for (unsigned c = 0; c < cpus_online(); ++c) s[c].cpu = c;
  KASSERT(run_on_every_cpu(ktest_ctx, frame_stress, s));
  for (unsigned c = 0; c < cpus_online(); ++c) {
    KEXPECT_EQ(s[c].errors, 0u);
    KEXPECT(s[c].allocs > kAllocs / 2);
  }
}

}  // namespace
}  // namespace glass::smp
