// demo=mm: memory management slowly enough to watch in the inspector. The rounds themselves are
// portable (mm/demo_workload.h: address spaces, all page sizes, demand-zero faults, protect and
// unmap, frames of every runtime kind, small objects, a folio mapped twice, CR3 there and back);
// this file drives them from the kernel. Between steps it waits, polling the telemetry channel.
//
// Invariants: every step leaves mm quiescent (no cursor alive) before it waits, because
// telemetry::poll() may take a snapshot there, and a host's PAUSE may hold the demo there
// (telemetry::demo_checkpoint) while it walks the tables; everything a round creates it also frees,
// so the frame census after the demo equals the one before (checked, and printed) — also when a
// round fails, and then the demo ends the run with a failure (exit_after_demo exits "tests
// failed", not "success").
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/base/boot_info.h"
#include "kernel/base/kprintf.h"
#include "kernel/boot/cmdline.h"
#include "kernel/core/demo.h"
#include "kernel/drivers/tsc.h"
#include "kernel/telemetry/telemetry.h"
#include "mm/demo_workload.h"
#include "mm/mm.h"
#include "mm/phys/folio.h"
#include "mm/phys/kmalloc.h"
#include "mm/virt/address_space.h"
#include "mm/virt/clear_range.h"

namespace glass {
namespace {

constexpr int kRounds = mm::kDemoRounds;
constexpr uint64_t kAttachWaitMs = 10000;

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

uint64_t g_pace_percent = 100;  // demo_pace=P (kernel/boot/cmdline.h)

// The workload's pauses (mm/demo_workload.h): every step boundary waits here.
void demo_step(void*, uint64_t ms, const char* done) {
  step_wait(ms * g_pace_percent / 100, done);
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
  g_pace_percent = parse_cmdline(boot_info().cmdline).demo_pace;
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
    auto res = mm::demo_round(r, mm::DemoHooks{.step = demo_step});
    // The first round also pays for translating every code path once (TCG): its busy time is
    // reported on its own, so the steady state can be seen too.
    if (r == 0) first_busy = cpu::rdtsc() - t0 - g_wait_tsc - g_poll_tsc;
    if (res.is_error()) {
      telemetry::demo_end();
      // The round gave back what it took (mm/demo_workload.h); say so, so a leak would show.
      kprintf("demo mm: round %d failed: %s (leaked=%ld)\n", r, error_name(res.error()),
              static_cast<long>(frames_held_outside_caches()) - static_cast<long>(held_before));
      return false;
    }
  }
  telemetry::demo_end();
  const uint64_t total = cpu::rdtsc() - t0;
  const uint64_t guest_us = drivers::tsc_to_us(total);
  const uint64_t busy_us = drivers::tsc_to_us(total - g_wait_tsc - g_poll_tsc);
  const uint64_t poll_us = drivers::tsc_to_us(g_poll_tsc);
  const auto st = telemetry::stats();
  const long leaked =
      static_cast<long>(frames_held_outside_caches()) - static_cast<long>(held_before);
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
      static_cast<long>(mm::free_frames()) - static_cast<long>(free_before), leaked,
      st.enabled ? "on" : "off", st.attached ? 1 : 0, st.rx_irq ? "irq" : "polled", st.rx_irqs,
      st.frames, st.records - records_before, st.state_changes - changes_before, st.bytes_queued,
      st.bytes_sent - sent_before, st.dropped, st.snapshots, st.digests, st.bad_commands,
      st.last_snapshot_bytes, st.last_snapshot_ns / 1000);
  return leaked == 0;
}

}  // namespace glass
