// The telemetry channel: drains the rings into frames, sends them on COM2 without ever waiting,
// reads host commands, takes snapshots and sends periodic digests. Invariants in telemetry.h.
//
// Receive path: COM2's receive register is polled from poll() (the idle loop wakes on every
// LAPIC tick, demos poll between steps), not from a receive interrupt. Every host byte goes
// through FrameDecoder (COBS, length, CRC-32C) and decode_event before it can act.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/kprintf.h"
#include "kernel/drivers/tsc.h"
#include "kernel/drivers/uart16550.h"
#include "kernel/telemetry/event.h"
#include "kernel/telemetry/frame_decoder.h"
#include "kernel/telemetry/framer.h"
#include "kernel/telemetry/snapshot_kernel.h"
#include "kernel/telemetry/telemetry.h"
#include "mm/mm.h"
#include "mm/platform.h"

extern "C" uint64_t glass_boot_tsc;

namespace glass::telemetry {
namespace {

constexpr unsigned kRingOrder = 6;                   // 256 KiB of frames per CPU ring
constexpr uint32_t kRingRecords = 4096;              // 192 KiB of it: a power of two
constexpr unsigned kTxOrder = 6;                     // 256 KiB of wire bytes waiting for the UART
constexpr uint64_t kDigestPeriodNs = 2'000'000'000;  // a full scan costs ~7 ms under TCG at 512M
constexpr size_t kRxBudget = 512;    // host bytes read per poll: garbage cannot starve the kernel
constexpr size_t kTxBudget = 65536;  // bytes offered to the UART per poll
static_assert(kRingRecords * sizeof(Record) <= (mm::kFrameSize << kRingOrder));

constexpr size_t kMaxQueuedReplies = 8;  // answers waiting for poll() to frame them

struct Reply {
  MsgType type;  // kPong or kWalkResult
  uint64_t token;
  uint32_t asid;
  uint64_t va;
};

struct Demo {
  bool running = false;
  bool pause = false;      // PAUSE asked for: block at the next checkpoint
  bool blocked = false;    // inside demo_checkpoint(), waiting
  bool step = false;       // STEP while blocked: leave the block for one step
  bool report = false;     // a demo_state is owed
  uint64_t steps = 0;      // checkpoints passed
  const char* label = "";  // the step just finished
};

struct Channel {
  bool enabled = false;
  bool attached = false;
  bool snapshot_pending = false;
  bool handshake_pending = false;
  bool have_pending = false;  // `pending` was popped but did not fit the transmit buffer
  unsigned pending_cpu = 0;
  Record pending{MsgType::kLog};
  uint64_t epoch = 0;
  uint64_t last_digest_ns = 0;
  uint64_t boot_id = 0;
  unsigned error_replies = 0;  // this poll
  Framer framer;
  FrameDecoder rx;
  ChannelStats st;
  uint64_t values[kEntriesPerNode];
  Reply replies[kMaxQueuedReplies];
  size_t reply_count = 0;
  Demo demo;
};
Channel g;

uint64_t ns_of(uint64_t tsc) {
  return drivers::tsc_to_ns(tsc - glass_boot_tsc);
}

// One record -> one or more events. False: the transmit buffer is full (try again later).
bool send(const Record& r, unsigned cpu) {
  Framer& f = g.framer;
  switch (r.type) {
    case MsgType::kFrameRun:
      return f.emit([&](ByteWriter& w) { return encode::frame_run(w, r.x[0], r.x[1], r.b, r.a); });
    case MsgType::kNodeFreed:
      return f.emit([&](ByteWriter& w) { return encode::node_freed(w, r.a, r.x[0]); });
    case MsgType::kAsCreated:
      return f.emit([&](ByteWriter& w) { return encode::as_created(w, r.a, r.x[0]); });
    case MsgType::kAsDestroyed:
      return f.emit([&](ByteWriter& w) { return encode::as_destroyed(w, r.a); });
    case MsgType::kCr3Switch:
      return f.emit([&](ByteWriter& w) { return encode::cr3_switch(w, r.b, r.a, ns_of(r.x[4])); });
    case MsgType::kNodeCreated:
      return f.emit(
          [&](ByteWriter& w) { return encode::node_created(w, r.a, r.b, r.x[0], r.x[1], r.h); });
    case MsgType::kEntries: {
      const uint64_t n = r.x[1];
      if (n == 0 || n > kEntriesPerNode || r.h >= kEntriesPerNode) return true;  // not ours
      for (uint64_t i = 0; i < n; ++i) g.values[i] = r.x[2] + i * r.x[3];
      return f.emit_entries(r.x[0], r.h, g.values, static_cast<uint32_t>(n));
    }
    case MsgType::kCursorBegin:
      return f.emit([&](ByteWriter& w) {
        return encode::cursor_begin(w, r.x[0], r.b, r.a, r.x[1], r.x[2], r.x[0], ns_of(r.x[4]));
      });
    case MsgType::kCursorEnd:
      return f.emit([&](ByteWriter& w) { return encode::cursor_end(w, r.x[0], ns_of(r.x[4])); });
    case MsgType::kLockAcquired:
      return f.emit([&](ByteWriter& w) {
        return encode::lock_acquired(w, r.x[0], r.x[1], r.x[2], ns_of(r.x[4]));
      });
    case MsgType::kLockReleased:
      return f.emit(
          [&](ByteWriter& w) { return encode::lock_released(w, r.x[0], r.x[1], ns_of(r.x[4])); });
    case MsgType::kDropped:
      g.st.dropped += r.x[0];
      return f.emit(
          [&](ByteWriter& w) { return encode::dropped(w, static_cast<uint8_t>(cpu), r.x[0]); });
    default:
      return true;  // no producer makes other records
  }
}

// Rings -> frames until every ring is empty or the transmit buffer is full. True: all drained.
bool drain() {
  if (g.have_pending) {
    if (!send(g.pending, g.pending_cpu)) return false;
    g.have_pending = false;
  }
  for (unsigned cpu = 0; cpu < internal::ring_count(); ++cpu) {
    EventRing& ring = internal::ring(cpu);
    if (!ring.attached()) continue;
    Record r{MsgType::kLog};
    while (ring.pop(r)) {
      if (!send(r, cpu)) {
        g.pending = r;
        g.pending_cpu = cpu;
        g.have_pending = true;
        return false;
      }
    }
    if (const uint64_t lost = ring.take_lost(); lost != 0) {
      Record d{MsgType::kDropped};
      d.x[0] = lost;
      if (!send(d, cpu)) {
        g.pending = d;
        g.pending_cpu = cpu;
        g.have_pending = true;
        return false;
      }
    }
  }
  return true;
}

void discard_rings() {
  for (unsigned cpu = 0; cpu < internal::ring_count(); ++cpu) internal::ring(cpu).discard();
  g.have_pending = false;
}

bool send_digest(bool snapshot_end) {
  const Digest d = internal::full_digest();
  return g.framer.emit(
      [&](ByteWriter& w) { return encode::digest(w, snapshot_end, g.epoch, d.frames, d.tables); });
}

void try_snapshot() {
  const uint64_t t0 = internal::now_ns();
  internal::set_recording(false);
  discard_rings();  // the snapshot replaces everything they describe
  g.framer.drop_open_frame();
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
            internal::snapshot_body(g.framer) && send_digest(true) && g.framer.seal();
  if (!ok) {
    g.framer.rollback(m);
    --g.epoch;
    ++g.st.snapshots_deferred;  // the transmit buffer is too full: next poll
    return;
  }
  g.snapshot_pending = g.handshake_pending = false;
  g.attached = true;
  internal::set_recording(true);
  g.last_digest_ns = internal::now_ns();
  ++g.st.snapshots;
  g.st.last_snapshot_bytes = g.framer.bytes() - m.bytes;
  g.st.last_snapshot_ns = g.last_digest_ns - t0;
}

void bad_command(const char* what) {
  ++g.st.bad_commands;
  if (g.error_replies++ != 0) return;  // one reply per poll: a flood costs the kernel little
  const size_t n = __builtin_strlen(what);
  (void)g.framer.emit(
      [&](ByteWriter& w) { return encode::log(w, LogLevel::kError, internal::now_ns(), what, n); });
}

void hello_mismatch(uint32_t theirs) {
  char msg[96];
  // "telemetry: kernel speaks vN, inspector vM: HELLO refused" without a formatter.
  size_t n = 0;
  auto put = [&](const char* t) {
    while (*t && n < sizeof msg - 1) msg[n++] = *t++;
  };
  auto num = [&](uint32_t v) {
    char d[10];
    int k = 0;
    do d[k++] = static_cast<char>('0' + v % 10);
    while ((v /= 10) != 0 && k < 10);
    while (k > 0 && n < sizeof msg - 1) msg[n++] = d[--k];
  };
  put("telemetry: kernel speaks v");
  num(kProtocolVersion);
  put(", inspector v");
  num(theirs);
  put(": HELLO refused");
  msg[n] = 0;
  bad_command(msg);
}

void release_demo() {
  g.demo.pause = g.demo.step = false;
}

void demo_command(MsgType t) {
  Demo& d = g.demo;
  if (!d.running) {
    d.pause = d.step = false;
    d.report = true;  // "no demo": nothing to pause
    return;
  }
  switch (t) {
    case MsgType::kPause:
      d.pause = true;
      if (d.blocked) d.report = true;  // already there: say so again
      break;
    case MsgType::kStep:
      // Blocked: run one step. Running: the same as PAUSE (the next checkpoint blocks).
      if (d.blocked) d.step = true;
      d.pause = true;
      break;
    default:  // kResume
      d.pause = d.step = false;
      d.report = true;
      break;
  }
}

// Answers after the snapshot and the drain: false while the transmit buffer is full.
bool send_replies() {
  size_t done = 0;
  for (; done < g.reply_count; ++done) {
    const Reply& q = g.replies[done];
    bool ok;
    if (q.type == MsgType::kPong) {
      ok = g.framer.emit([&](ByteWriter& w) { return encode::pong(w, q.token); });
    } else {
      WalkLevel levels[kMaxLevel];
      uint8_t count = 0;
      const WalkStatus st = internal::walk(q.asid, q.va, levels, count);
      ok = g.framer.emit([&](ByteWriter& w) {
        return encode::walk_result(w, q.token, q.asid, q.va, st, levels, count);
      });
      if (ok) {
        ++g.st.walks;
        if (st != WalkStatus::kLeaf && st != WalkStatus::kNotPresent) ++g.st.walk_errors;
      }
    }
    if (!ok) break;
  }
  for (size_t i = done; i < g.reply_count; ++i) g.replies[i - done] = g.replies[i];
  g.reply_count -= done;
  if (g.reply_count != 0) return false;
  if (g.demo.report) {
    const Demo& d = g.demo;
    const DemoRun run = !d.running               ? DemoRun::kNone
                        : (d.blocked && d.pause) ? DemoRun::kPaused
                                                 : DemoRun::kRunning;
    const uint32_t asid = internal::current_asid();
    if (!g.framer.emit([&](ByteWriter& w) {
          return encode::demo_state(w, run, d.steps, asid, d.label, __builtin_strlen(d.label));
        }))
      return false;
    g.demo.report = false;
  }
  return true;
}

void handle_frame() {
  ByteReader r(g.rx.payload(), g.rx.payload_size());
  if (r.at_end()) return bad_command("telemetry: empty command frame");
  while (!r.at_end()) {
    auto ev = decode_event(r);
    if (ev.is_error()) return bad_command("telemetry: undecodable command");
    switch (ev.value().type) {
      case MsgType::kHello:
        if (ev.value().hello.version != kProtocolVersion) {
          hello_mismatch(ev.value().hello.version);
          break;
        }
        ++g.st.commands;
        g.snapshot_pending = g.handshake_pending = true;
        break;
      case MsgType::kRequestSnapshot:
        ++g.st.commands;
        g.snapshot_pending = true;
        if (!g.attached) g.handshake_pending = true;
        break;
      case MsgType::kDetach:
        ++g.st.commands;
        g.attached = g.snapshot_pending = false;
        internal::set_recording(false);
        discard_rings();
        g.reply_count = 0;
        release_demo();  // nobody is left to resume it
        break;
      case MsgType::kPing:
      case MsgType::kWalk: {
        if (g.reply_count == kMaxQueuedReplies) return bad_command("telemetry: too many commands");
        ++g.st.commands;
        const Event& e = ev.value();
        Reply& q = g.replies[g.reply_count++];
        q.type = e.type == MsgType::kPing ? MsgType::kPong : MsgType::kWalkResult;
        q.token = e.type == MsgType::kPing ? e.ping.token : e.walk.token;
        q.asid = e.type == MsgType::kPing ? 0 : e.walk.asid;
        q.va = e.type == MsgType::kPing ? 0 : e.walk.va;
        break;
      }
      case MsgType::kPause:
      case MsgType::kStep:
      case MsgType::kResume:
        ++g.st.commands;
        demo_command(ev.value().type);
        break;
      default:
        return bad_command("telemetry: not a host command");
    }
  }
}

void receive() {
  for (size_t i = 0; i < kRxBudget; ++i) {
    const int b = drivers::com2().try_read();
    if (b < 0) return;
    switch (g.rx.push(static_cast<uint8_t>(b))) {
      case FrameStatus::kNone:
      case FrameStatus::kEmpty:
        break;
      case FrameStatus::kFrame:
        handle_frame();
        break;
      default:
        bad_command("telemetry: damaged command frame");
        break;
    }
  }
}

void transmit(size_t budget) {
  Framer& f = g.framer;
  size_t sent = 0;
  const uint8_t* p = f.pending();
  const size_t n = f.pending_size();
  while (sent < n && sent < budget && drivers::com2().try_write_byte(p[sent])) ++sent;
  if (sent < n) ++g.st.tx_deferred;
  f.consumed(sent);
  g.st.bytes_sent += sent;
}

}  // namespace

namespace internal {
uint64_t now_ns() {
  return ns_of(cpu::rdtsc());
}
}  // namespace internal

void init(bool enabled) {
  g.enabled = false;
  if (!enabled) return;
  if (!drivers::com2().present()) {
    kprintf("telemetry: warning: no UART answers at COM2; telemetry is off\n");
    return;
  }
  auto ring = mm::alloc_frames(kRingOrder, mm::FrameKind::kTelemetry, mm::kOwnerKernel);
  auto tx = mm::alloc_frames(kTxOrder, mm::FrameKind::kTelemetry, mm::kOwnerKernel);
  if (ring.is_error() || tx.is_error()) {
    kprintf("telemetry: warning: no memory for the rings; telemetry is off\n");
    return;
  }
  internal::ring(0).attach(static_cast<Record*>(mm::platform::phys_to_virt(ring.value())),
                           kRingRecords);
  g.framer.attach(static_cast<uint8_t*>(mm::platform::phys_to_virt(tx.value())),
                  mm::kFrameSize << kTxOrder);
  g.boot_id = mix64(cpu::rdtsc() ^ glass_boot_tsc);
  g.enabled = true;
}

void poll() {
  if (!g.enabled) return;
  g.error_replies = 0;
  receive();
  if (g.snapshot_pending) try_snapshot();
  const bool drained = !g.attached || (!g.snapshot_pending && drain());
  if (drained && !g.snapshot_pending) (void)send_replies();
  if (g.attached && drained && !g.snapshot_pending &&
      internal::now_ns() - g.last_digest_ns >= kDigestPeriodNs) {
    if (send_digest(false)) {
      g.last_digest_ns = internal::now_ns();
      ++g.st.digests;
    }
  }
  (void)g.framer.seal();  // whatever is open goes out now: latency over a few bytes of framing
  transmit(kTxBudget);
}

void flush(uint64_t timeout_ms) {
  if (!g.enabled) return;
  poll();
  if (g.attached && !g.snapshot_pending && drain() && send_digest(false)) ++g.st.digests;
  (void)g.framer.seal();
  const uint64_t deadline = internal::now_ns() + timeout_ms * 1'000'000;
  while (internal::now_ns() < deadline) {
    transmit(kTxBudget);
    if (g.framer.pending_size() == 0 && drivers::com2().tx_idle()) return;
    cpu::pause();
  }
}

ChannelStats stats() {
  ChannelStats s = g.st;
  s.enabled = g.enabled;
  s.attached = g.attached;
  s.frames = g.framer.frames();
  s.bytes_queued = g.framer.bytes();
  s.encode_errors = g.framer.encode_errors();
  s.records = internal::ring(0).pushed();
  return s;
}

bool attached() {
  return g.attached;
}

void demo_begin() {
  g.demo = Demo{};
  g.demo.running = true;
}

void demo_end() {
  if (g.demo.pause) g.demo.report = true;  // a host waits for the next block: it says "none"
  g.demo.running = g.demo.pause = g.demo.step = g.demo.blocked = false;
  g.demo.label = "";
}

void demo_checkpoint(const char* label) {
  Demo& d = g.demo;
  d.label = label;
  ++d.steps;
  if (!g.enabled || !d.running || !d.pause) return;
  d.blocked = true;
  d.step = false;
  d.report = true;
  // Interrupts are on here (demos sleep between ticks): the timer wakes each hlt.
  while (d.pause && !d.step) {
    poll();
    if (d.pause && !d.step) cpu::hlt();
  }
  d.blocked = false;
  d.step = false;  // STEP: exactly this one step runs; pause stays set
}

}  // namespace glass::telemetry
