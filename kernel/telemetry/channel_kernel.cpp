// The telemetry channel: drains the rings into frames, sends them on COM2 without ever waiting,
// takes snapshots and sends periodic digests; host commands are commands_kernel.cpp's. Invariants
// in telemetry.h and channel_state.h.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/base/kprintf.h"
#include "kernel/drivers/tsc.h"
#include "kernel/drivers/uart16550.h"
#include "kernel/telemetry/channel_state.h"
#include "kernel/telemetry/com2_rx.h"
#include "mm/mm.h"
#include "mm/phys/platform.h"
#include "telemetry/snapshot.h"

extern "C" uint64_t glass_boot_tsc;

namespace glass::telemetry {
namespace internal {
Channel g_channel;
}  // namespace internal

namespace {

using internal::Channel;
using internal::discard_rings;
Channel& g = internal::g_channel;

constexpr unsigned kRingOrder = 6;                   // 256 KiB of frames per CPU ring
constexpr uint32_t kRingRecords = 4096;              // 192 KiB of it: a power of two
constexpr unsigned kTxOrder = 6;                     // 256 KiB of wire bytes waiting for the UART
constexpr uint64_t kDigestPeriodNs = 2'000'000'000;  // a full scan costs ~7 ms under TCG at 512M
constexpr size_t kTxBudget = 65536;                  // bytes offered to the UART per poll
constexpr uint64_t kRefusedBackoffNs = 50'000;       // the UART refused: look again after this
static_assert(kRingRecords * sizeof(Record) <= (mm::kFrameSize << kRingOrder));

EventRing g_rings[platform::kMaxCpus];

uint64_t ns_of(uint64_t tsc) {
  return drivers::tsc_to_ns(tsc - glass_boot_tsc);
}

// Queued lines, then ring records -> frames until everything is drained (true) or the transmit
// buffer is full (false).
bool drain() {
  if (!internal::drain_logs(g.framer, ns_of)) return false;
  return g.drain.drain(g.framer, g_rings, platform::kMaxCpus);
}

bool send_digest(bool snapshot_end) {
  const Digest d = full_digest();
  return g.framer.emit(
      [&](ByteWriter& w) { return encode::digest(w, snapshot_end, g.epoch, d.frames, d.tables); });
}

}  // namespace

// What this poll framed before the snapshot (answers owed before it, the events they follow)
// leaves before it: sealed, never dropped. If that does not fit, nothing changes until next poll.
bool internal::try_snapshot() {
  const uint64_t t0 = internal::now_ns();
  if (!g.framer.seal()) {
    ++g.st.snapshots_deferred;
    return false;
  }
  internal::set_recording(false);
  discard_rings();  // the snapshot replaces everything they describe
  Framer::Mark m = g.framer.mark();
  ++g.epoch;
  HandshakeInfo h;
  h.boot_id = g.boot_id;
  h.build_id = mix64(reinterpret_cast<uint64_t>(&g) ^ 0x676c617373ull);
  h.ram_bytes = mm::stats().usable_frames * mm::kFrameSize;
  h.frame_count = mm::frame_table().size();
  h.cpu_count = 1;
  bool ok = (!g.handshake_pending || g.framer.resync_marker()) &&
            (!g.handshake_pending ||
             g.framer.emit([&](ByteWriter& w) { return encode::handshake(w, h); })) &&
            g.framer.emit(
                [&](ByteWriter& w) { return encode::snapshot_begin(w, g.epoch, h.frame_count); }) &&
            snapshot_body(g.framer) && send_digest(true) && g.framer.seal();
  if (!ok) {
    g.framer.rollback(m);
    --g.epoch;
    ++g.st.snapshots_deferred;  // the transmit buffer is too full: next poll
    return false;
  }
  g.handshake_pending = false;
  g.attached = true;
  internal::set_recording(true);
  g.last_digest_ns = internal::now_ns();
  ++g.st.snapshots;
  g.st.last_snapshot_bytes = g.framer.bytes() - m.bytes;
  g.st.last_snapshot_ns = g.last_digest_ns - t0;
  return true;
}

namespace {

// Hands the transmit buffer to the UART until it is busy or `budget` bytes went: one LSR check
// per burst of up to 16 bytes (uart16550.h says why that loses nothing).
void transmit(size_t budget) {
  Framer& f = g.framer;
  const uint8_t* p = f.pending();
  const size_t n = f.pending_size();
  if (n == 0) return;
  const uint64_t t0 = cpu::rdtsc();
  const size_t limit = n < budget ? n : budget;
  size_t sent = 0;
  while (sent < limit) {
    const size_t k = drivers::com2().try_write_burst(p + sent, limit - sent);
    if (k == 0) break;
    sent += k;
  }
  if (sent < n) ++g.st.tx_deferred;
  f.consumed(sent);
  g.st.bytes_sent += sent;
  g.st.tx_ns += drivers::tsc_to_ns(cpu::rdtsc() - t0);
}

}  // namespace

namespace internal {
bool drain_all() {
  return drain();
}

void transmit_bounded(uint64_t byte_wait_ns, uint64_t total_ns) {
  const uint64_t start = now_ns();
  uint64_t last_progress = start;
  while (g.framer.pending_size() != 0) {
    const uint64_t before = g.st.bytes_sent;
    transmit(kTxBudget);
    const uint64_t t = now_ns();
    if (g.st.bytes_sent != before) {
      last_progress = t;
      continue;
    }
    if (t - last_progress > byte_wait_ns || t - start > total_ns) return;  // nobody is reading
    // Refused: wait on the clock, not on the LSR. Under QEMU every LSR read takes the lock
    // that the thread which resumes the UART once the host reads also needs.
    while (now_ns() - t < kRefusedBackoffNs) cpu::pause();
  }
  // The last bytes are still in the UART's FIFO: let them out before the caller exits QEMU.
  while (!drivers::com2().tx_idle() && now_ns() - start <= total_ns) cpu::pause();
}

void discard_rings() {
  for (EventRing& r : g_rings) r.discard();
  g.drain.forget_pending();
}

uint64_t now_ns() {
  return ns_of(cpu::rdtsc());
}

uint64_t record_tsc() {
  return recorder::record_ticks();
}
const Space* spaces() {
  return recorder::spaces();
}
uint64_t registry_overflows() {
  return recorder::registry_overflows();
}
// Each CPU records into its own ring (the hooks index g_rings by the per-CPU id): a ring has one
// producer. Only ring 0 has storage so far, so an AP's records are refused by its empty ring and
// counted nowhere (docs/smp.md: per-CPU ring storage is still to come).
void set_recording(bool on) {
  if (on)
    recorder::start(g_rings, true);
  else
    recorder::stop();
}
EventRing& ring(unsigned cpu) {
  return g_rings[cpu < platform::kMaxCpus ? cpu : 0];
}
unsigned ring_count() {
  return platform::kMaxCpus;
}
}  // namespace internal

void init(bool enabled, bool rx_polled) {
  g.enabled = false;
  if (!enabled) return internal::logs_off();
  if (!drivers::com2().present()) {
    kprintf("telemetry: warning: no UART answers at COM2; telemetry is off\n");
    return internal::logs_off();
  }
  auto ring = mm::alloc_frames(kRingOrder, mm::FrameKind::kTelemetry, mm::kOwnerKernel);
  auto tx = mm::alloc_frames(kTxOrder, mm::FrameKind::kTelemetry, mm::kOwnerKernel);
  if (ring.is_error() || tx.is_error()) {
    kprintf("telemetry: warning: no memory for the rings; telemetry is off\n");
    return internal::logs_off();
  }
  g.drain = Drain(ns_of);
  g_rings[0].attach(static_cast<Record*>(mm::platform::phys_to_virt(ring.value())), kRingRecords);
  g.framer.attach(static_cast<uint8_t*>(mm::platform::phys_to_virt(tx.value())),
                  mm::kFrameSize << kTxOrder);
  g.boot_id = mix64(cpu::rdtsc() ^ glass_boot_tsc);
  g.enabled = true;
  internal::com2_rx_init(rx_polled);
}

void poll() {
  if (!g.enabled || g.busy) return;
  g.busy = true;
  g.error_replies = 0;
  internal::receive();
  // Answers first, in the order they were asked for (snapshots among them), then the rest.
  const bool answered = internal::send_replies();
  const bool drained = !g.attached || (answered && drain());
  if (g.attached && drained && answered &&
      internal::now_ns() - g.last_digest_ns >= kDigestPeriodNs) {
    if (send_digest(false)) {
      g.last_digest_ns = internal::now_ns();
      ++g.st.digests;
    }
  }
  (void)g.framer.seal();  // whatever is open goes out now: latency over a few bytes of framing
  transmit(kTxBudget);
  g.busy = false;
}

void flush(uint64_t timeout_ms) {
  if (!g.enabled) return;
  poll();
  g.busy = true;
  if (g.attached && !g.snapshot_pending && drain() && send_digest(false)) ++g.st.digests;
  (void)g.framer.seal();
  const uint64_t deadline = internal::now_ns() + timeout_ms * 1'000'000;
  while (internal::now_ns() < deadline) {
    transmit(kTxBudget);
    if (g.framer.pending_size() == 0 && drivers::com2().tx_idle()) break;
    cpu::pause();
  }
  g.busy = false;
}

ChannelStats stats() {
  ChannelStats s = g.st;
  s.enabled = g.enabled;
  s.attached = g.attached;
  s.frames = g.framer.frames();
  s.bytes_queued = g.framer.bytes();
  s.encode_errors = g.framer.encode_errors();
  s.records = g_rings[0].pushed();
  s.record_ns = drivers::tsc_to_ns(recorder::record_ticks());
  s.state_changes = g.drain.state_changes();
  s.dropped = g.drain.dropped();
  const internal::RxInfo rx = internal::com2_rx_info();
  s.rx_irq = rx.irq_mode;
  s.rx_irqs = rx.irqs;
  s.rx_overflows = rx.overflows;
  return s;
}

bool attached() {
  return g.attached;
}

}  // namespace glass::telemetry
