// demo=smpbench: the SMP figures for `./glass bench smp` (tests/bench/smp_bench.py), measured in
// the guest with the TSC and printed on one line:
//  - disjoint_1cpu_ns / disjoint_2cpu_ns: kRounds map+unmap rounds of kPages pages, each CPU in
//    its own 2 MiB of kernel scratch space with its own frames: CPU 0 alone (CPU 1 spinning, not
//    halted), then CPUs 0 and 1 at once (wall time for both). Every unmap pays its TLB shootdown
//    to the other online CPUs;
//  - local_flush_ns: one invlpg; shootdown1_ns / shootdown3_ns: a one-page shootdown to CPU 1, to
//    CPUs 1-3 (idle, halted: their wake-up is part of the price), each as the initiator sees it.
// Figures a boot's CPU count cannot give are printed as 0. Invariant: measurement only; every
// frame and page-table node it takes is given back before it returns.
#include <atomic>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/base/kprintf.h"
#include "kernel/core/demo.h"
#include "kernel/drivers/tsc.h"
#include "kernel/smp/ap_boot.h"
#include "kernel/smp/cpu_work.h"
#include "kernel/smp/shootdown.h"
#include "mm/phys/frames.h"
#include "mm/phys/platform.h"
#include "mm/virt/clear_range.h"
#include "mm/virt/kernel_space.h"
#include "mm/virt/pt_cursor.h"

namespace glass {
namespace {
constexpr uint64_t kScratch = 0xffffc10000000000ull;  // root slot 386: nobody else's
constexpr uint64_t kGiB = 1ull << 30;
constexpr unsigned kPages = 16, kRounds = 2000, kFlushes = 2000;
constexpr uint64_t kTimeoutUs = 60'000'000;
constexpr mm::OwnerId kOwnerBench = 0x7779;

struct Worker {
  uint64_t base = 0;
  mm::PhysAddr frames[kPages] = {};
  bool ok = true;
};

void map_unmap_rounds(void* p) {
  auto& w = *static_cast<Worker*>(p);
  mm::PageTable& k = *mm::kernel_page_table();
  for (unsigned r = 0; r < kRounds && w.ok; ++r) {
    {
      auto c = mm::CursorMut::create(k, w.base, w.base + kPages * mm::kFrameSize);
      if (c.is_error()) {
        w.ok = false;
        break;
      }
      for (unsigned i = 0; i < kPages; ++i) {
        w.ok =
            w.ok &&
            c.value().map(w.frames[i], 1, mm::PageProp{true, false, false, false, false}).is_ok();
      }
    }
    w.ok = w.ok && mm::clear_range(k, w.base, w.base + kPages * mm::kFrameSize).is_ok();
  }
}

uint64_t ns_since(uint64_t t0) {
  return drivers::tsc_to_ns(cpu::rdtsc() - t0);
}

uint64_t shootdown_ns(uint64_t targets) {
  const uint64_t page = kScratch;
  const uint64_t t0 = cpu::rdtsc();
  for (unsigned i = 0; i < kFlushes; ++i) smp::shootdown(targets, &page, 1, false);
  return ns_since(t0) / kFlushes;
}

}  // namespace

GLASS_DEMO(smpbench, "SMP figures for ./glass bench smp (disjoint cursors, shootdown cost)") {
  const unsigned cpus = smp::cpus_online();
  Worker w[2];
  bool ok = true;
  for (unsigned c = 0; c < 2; ++c) {
    w[c].base = kScratch + c * (2ull << 20);
    for (auto& f : w[c].frames) {
      auto got = mm::alloc_frames(0, mm::FrameKind::kBlockBuffer, kOwnerBench);
      if (got.is_error()) {
        kprintf("smpbench: out of memory\n");
        return false;
      }
      f = got.value();
    }
  }
  // CPU 0 alone; CPU 1 (if any) is kept busy meanwhile, spinning with interrupts on, so the
  // shootdowns reach a running CPU in both phases (a halted vCPU's wake-up would otherwise be
  // the baseline's cost, not the map/unmap work's).
  static std::atomic<bool> g_stop;
  g_stop.store(false);
  const bool spinner = cpus >= 2 && smp::post_work(
                                        1,
                                        [](void*) {
                                          while (!g_stop.load(std::memory_order_relaxed)) {
                                            asm volatile("pause");
                                          }
                                        },
                                        nullptr)
                                        .is_ok();
  uint64_t t0 = cpu::rdtsc();
  map_unmap_rounds(&w[0]);
  const uint64_t one = ns_since(t0);
  g_stop.store(true);
  if (spinner) ok = smp::wait_work(1, kTimeoutUs);
  uint64_t two = 0;
  if (cpus >= 2) {
    t0 = cpu::rdtsc();
    ok = smp::post_work(1, map_unmap_rounds, &w[1]).is_ok();
    map_unmap_rounds(&w[0]);
    ok = ok && smp::wait_work(1, kTimeoutUs);
    two = ns_since(t0);
  }
  t0 = cpu::rdtsc();
  for (unsigned i = 0; i < kFlushes; ++i) mm::platform::tlb_flush_page(kScratch);
  const uint64_t local = ns_since(t0) / kFlushes;
  const uint64_t s1 = cpus >= 2 ? shootdown_ns(0b10) : 0;
  const uint64_t s3 = cpus >= 4 ? shootdown_ns(0b1110) : 0;
  ok = ok && w[0].ok && w[1].ok;
  (void)mm::clear_range(*mm::kernel_page_table(), kScratch, kScratch + kGiB);  // the nodes
  for (auto& wk : w) {
    for (mm::PhysAddr f : wk.frames)
      ok = mm::free_frames(f, 0, mm::FrameKind::kBlockBuffer).is_ok() && ok;
  }
  kprintf(
      "SMPBENCH cpus=%u rounds=%u pages=%u disjoint_1cpu_ns=%lu disjoint_2cpu_ns=%lu "
      "local_flush_ns=%lu shootdown1_ns=%lu shootdown3_ns=%lu ok=%d\n",
      cpus, kRounds, kPages, one, two, local, s1, s3, ok ? 1 : 0);
  return ok;
}

}  // namespace glass
