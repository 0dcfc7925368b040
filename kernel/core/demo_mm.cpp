// demo=mm: memory management slowly enough to watch in the inspector. Each round builds an
// address space, maps ranges with 4 KiB, 2 MiB and 1 GiB pages, faults in demand-zero pages,
// allocates frames of every runtime kind and small objects, maps one folio at two addresses
// (refcount 2), switches CR3 there and back, then
// takes it all down again. Between steps it waits, polling the telemetry channel.
//
// Invariants: every step leaves mm quiescent (no cursor alive) before it waits, because
// telemetry::poll() may take a snapshot there, and a host's PAUSE may hold the demo there
// (telemetry::demo_checkpoint) while it walks the tables; everything a round creates it also frees,
// so the frame census after the demo equals the one before (checked, and printed). The demo maps
// raw frames through a cursor and removes them again before the address space is destroyed (whose
// destructor only knows folio pages).
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/demo.h"
#include "kernel/core/kprintf.h"
#include "kernel/drivers/tsc.h"
#include "kernel/telemetry/telemetry.h"
#include "mm/address_space.h"
#include "mm/clear_range.h"
#include "mm/folio.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/pt_cursor.h"

namespace glass {
namespace {

constexpr int kRounds = 6;
constexpr uint64_t kStepMs = 40;
constexpr uint64_t kAttachWaitMs = 10000;
constexpr uint64_t kMiB = 1ull << 20, kGiB = 1ull << 30;

uint64_t now_ms() {
  return drivers::tsc_to_us(cpu::rdtsc()) / 1000;
}

// Where the demo's guest time goes (./glass bench telemetry, docs/telemetry.md "Busy time"):
//  - wait: asleep between timer ticks in step_wait();
//  - poll: inside telemetry::poll() while step_wait() pauses, i.e. the drain (framing, digests,
//    the UART) done off the workload's path, reported on its own;
//  - busy: everything else, the demo's own work (mm calls, the telemetry hooks recording into the
//    rings, its kprintf lines). No poll() runs inside a step, so busy time pays for recording
//    events and nothing else of telemetry.
uint64_t g_wait_tsc = 0;
uint64_t g_poll_tsc = 0;

// A pause the inspector can see: telemetry runs, the CPU sleeps between timer ticks. `done` names
// the step just finished: a host that sent PAUSE finds the demo blocked here (demo_state says
// which step); nullptr waits without being a step boundary. A host's PAUSE blocks inside
// demo_checkpoint(), which counts as waiting too.
void step_wait(uint64_t ms, const char* done) {
  const uint64_t t0 = cpu::rdtsc();
  uint64_t polling = 0;
  if (done != nullptr) telemetry::demo_checkpoint(done);
  const uint64_t end = now_ms() + ms;
  do {
    const uint64_t p0 = cpu::rdtsc();
    telemetry::poll();
    polling += cpu::rdtsc() - p0;
    cpu::hlt();
  } while (now_ms() < end);
  g_poll_tsc += polling;
  g_wait_tsc += cpu::rdtsc() - t0 - polling;
}

struct Block {
  mm::PhysAddr phys = 0;
  unsigned order = 0;
  mm::FrameKind kind = mm::FrameKind::kLarge;
};

Result<void> map_block(mm::PageTable& pt, uint64_t va, const Block& b, unsigned level) {
  const uint64_t size = mm::kFrameSize << b.order;
  mm::CursorMut c = TRY(mm::CursorMut::create(pt, va, va + size));
  const uint64_t step = level == 2 ? 2 * kMiB : mm::kFrameSize;
  for (uint64_t off = 0; off < size; off += step) {
    TRY(c.map(b.phys + off, level, mm::PageProp{.write = true, .user = true}));
  }
  return {};
}

Result<void> round(int r) {
  auto as = TRY(mm::UniqueAddressSpace::create());
  mm::PageTable& pt = as->page_table();
  step_wait(kStepMs, "address space created");

  // Frames of every runtime kind, several orders.
  static constexpr mm::FrameKind kKinds[] = {mm::FrameKind::kLarge, mm::FrameKind::kFolio,
                                             mm::FrameKind::kBlockBuffer, mm::FrameKind::kLarge};
  Block blocks[4];
  for (int i = 0; i < 4; ++i) {
    blocks[i].kind = kKinds[i];
    blocks[i].order = static_cast<unsigned>((i * 2 + r) % 6);
    blocks[i].phys = TRY(mm::alloc_frames(blocks[i].order, blocks[i].kind, as->owner()));
    step_wait(kStepMs / 2, "frames allocated");
  }
  Block huge{0, 9, mm::FrameKind::kLarge};
  huge.phys = TRY(mm::alloc_frames(9, huge.kind, as->owner()));

  // 4 KiB pages, a 2 MiB page, and a 1 GiB page (of physical memory nobody touches: the address
  // space is never used for access, only to show the tree).
  const uint64_t base = 0x400000 + static_cast<uint64_t>(r) * 64 * kMiB;
  for (int i = 0; i < 4; ++i) {
    TRY(map_block(pt, base + static_cast<uint64_t>(i) * 4 * kMiB, blocks[i], 1));
    step_wait(kStepMs, "4 KiB pages mapped");
  }
  TRY(map_block(pt, base + 32 * kMiB, huge, 2));
  step_wait(kStepMs, "2 MiB page mapped");
  {
    mm::CursorMut c = TRY(mm::CursorMut::create(pt, 8 * kGiB, 9 * kGiB));
    TRY(c.map(1 * kGiB, 3, mm::PageProp{.user = true}));
  }
  step_wait(kStepMs, "1 GiB page mapped");

  // Demand-zero pages through a VMA: folios appear as the pages are touched.
  const uint64_t anon = 16 * kGiB;
  {
    mm::MmapWriteGuard w(*as);
    mm::VmaNew vma = TRY(mm::VmaNew::anonymous(anon, 16 * mm::kFrameSize, mm::Prot{.write = true}));
    TRY(w.map(static_cast<mm::VmaNew&&>(vma)));
  }
  for (uint64_t i = 0; i < 16; i += 3) {
    mm::MmapReadGuard g(*as);
    TRY(g.fault_in(anon + i * mm::kFrameSize, true));
  }
  step_wait(kStepMs, "demand-zero pages faulted in");

  // One folio mapped at two addresses: each PTE holds a reference, so its count reads 2 until
  // the address space's destructor drops both.
  {
    mm::Folio shared = TRY(mm::Folio::alloc(0, as->owner()));
    mm::Folio second = shared;  // the second reference, for the second mapping
    const uint64_t va = 24 * kGiB;
    mm::CursorMut c = TRY(mm::CursorMut::create(pt, va, va + 4 * kMiB));
    TRY(c.map(shared.phys(), 1, mm::PageProp{.user = true}));
    const mm::PhysAddr phys = std::move(shared).into_phys();  // the first PTE holds this one
    TRY(c.jump(va + 2 * kMiB));
    TRY(c.map(phys, 1, mm::PageProp{.user = true}));
    (void)std::move(second).into_phys();  // and the second PTE this one
  }
  step_wait(kStepMs, "one folio mapped at two addresses (refcount 2)");

  // Small objects: slab frames come and go with them.
  void* objs[24] = {};
  for (auto& o : objs) o = TRY(mm::kmalloc(256 + static_cast<size_t>(r) * 64));
  step_wait(kStepMs, "slab objects allocated");

  // CR3 there and back (the destructor switches back to the kernel table).
  as->activate();
  step_wait(kStepMs, "cr3 switched to the round's address space");

  // Down again: a partial unmap inside the 2 MiB page splits it first.
  TRY(mm::clear_range(pt, base + 32 * kMiB + 64 * 1024, base + 32 * kMiB + 128 * 1024));
  step_wait(kStepMs, "2 MiB page split by a partial unmap");
  TRY(mm::clear_range(pt, base, base + 64 * kMiB));  // raw frames: freed below
  TRY(mm::clear_range(pt, 8 * kGiB, 9 * kGiB));
  step_wait(kStepMs, "mappings removed");
  for (auto* o : objs) mm::kfree(o);
  for (const auto& b : blocks) TRY(mm::free_frames(b.phys, b.order, b.kind));
  TRY(mm::free_frames(huge.phys, huge.order, huge.kind));
  step_wait(kStepMs, "frames and objects freed");
  return {};
}

}  // namespace

// Frames of the kinds a finished demo must have given back. Slab frames are left out on purpose:
// caches keep empty slabs for the next allocation, which is what free_delta then shows.
uint64_t frames_held_outside_caches() {
  const mm::Stats s = mm::stats();
  uint64_t n = 0;
  for (mm::FrameKind k : {mm::FrameKind::kPageTable, mm::FrameKind::kLarge, mm::FrameKind::kFolio,
                          mm::FrameKind::kBlockBuffer, mm::FrameKind::kTelemetry}) {
    n += s.kind_frames[mm::index(k)];
  }
  return n;
}

GLASS_DEMO(mm, "address spaces, all page sizes and frame kinds, slowly (for the inspector)") {
  telemetry::demo_begin();  // PAUSE / STEP / RESUME from here on (even while waiting for a host)
  if (telemetry::stats().enabled && !telemetry::attached()) {
    kprintf("demo mm: waiting up to %lu s for a telemetry host on COM2\n", kAttachWaitMs / 1000);
    const uint64_t end = now_ms() + kAttachWaitMs;
    while (!telemetry::attached() && now_ms() < end) step_wait(10, nullptr);
  }
  const uint64_t free_before = mm::free_frames();
  const uint64_t held_before = frames_held_outside_caches();
  g_wait_tsc = g_poll_tsc = 0;
  const auto st0 = telemetry::stats();
  const uint64_t records_before = st0.records, sent_before = st0.bytes_sent, tx_before = st0.tx_ns,
                 changes_before = st0.state_changes, record_before = st0.record_ns;
  const uint64_t t0 = cpu::rdtsc();
  uint64_t first_busy = 0;
  for (int r = 0; r < kRounds; ++r) {
    auto res = round(r);
    // The first round also pays for translating every code path once (TCG): its busy time is
    // reported on its own, so the steady state can be seen too.
    if (r == 0) first_busy = cpu::rdtsc() - t0 - g_wait_tsc - g_poll_tsc;
    if (res.is_error()) {
      telemetry::demo_end();
      kprintf("demo mm: round %d failed: %s\n", r, error_name(res.error()));
      return;
    }
  }
  telemetry::demo_end();
  const uint64_t total = cpu::rdtsc() - t0;
  const uint64_t guest_us = drivers::tsc_to_us(total);
  const uint64_t busy_us = drivers::tsc_to_us(total - g_wait_tsc - g_poll_tsc);
  const uint64_t poll_us = drivers::tsc_to_us(g_poll_tsc);
  const auto st = telemetry::stats();
  kprintf(
      "DEMO MM DONE rounds=%d guest_us=%lu busy_us=%lu busy_round0_us=%lu record_us=%lu "
      "poll_us=%lu tx_us=%lu "
      "free_delta=%ld "
      "leaked=%ld telemetry=%s attached=%d rx=%s rx_irqs=%lu frames=%lu records=%lu changes=%lu "
      "bytes=%lu "
      "bytes_sent=%lu dropped=%lu snapshots=%lu digests=%lu bad_commands=%lu snapshot_bytes=%lu "
      "snapshot_us=%lu\n",
      kRounds, guest_us, busy_us, drivers::tsc_to_us(first_busy),
      (st.record_ns - record_before) / 1000, poll_us, (st.tx_ns - tx_before) / 1000,
      static_cast<long>(mm::free_frames()) - static_cast<long>(free_before),
      static_cast<long>(frames_held_outside_caches()) - static_cast<long>(held_before),
      st.enabled ? "on" : "off", st.attached ? 1 : 0, st.rx_irq ? "irq" : "polled", st.rx_irqs,
      st.frames, st.records - records_before, st.state_changes - changes_before, st.bytes_queued,
      st.bytes_sent - sent_before, st.dropped, st.snapshots, st.digests, st.bad_commands,
      st.last_snapshot_bytes, st.last_snapshot_ns / 1000);
}

}  // namespace glass
