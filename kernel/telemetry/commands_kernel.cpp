// The telemetry channel's host side of the conversation: bytes from COM2 through FrameDecoder
// (COBS, length, CRC-32C) and decode_event, the commands they carry, the answers owed, and the
// demo controls. Invariants in telemetry.h and channel_state.h.
//
// Receive path: COM2's receive interrupt moves host bytes into a queue (com2_rx_kernel.cpp; or,
// polled, poll() reads the UART itself). Decoding and acting stay in poll(), never in the
// interrupt handler, because a command may take a snapshot or walk the page tables, which is only
// sound at a quiescent point. The interrupt's other gain: it wakes the idle loop's hlt at once.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/drivers/uart16550.h"
#include "kernel/lib/format.h"
#include "kernel/telemetry/channel_state.h"
#include "kernel/telemetry/com2_rx.h"
#include "protocol/event.h"

namespace glass::telemetry {
namespace internal {
namespace {

Channel& g = g_channel;
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
  internal::Demo& d = g.demo;
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

// On PING: how the host's bytes arrived, as a debug `log` event before the PONG (so a host can
// see the receive interrupt at work without another message type).
void rx_report() {
  const RxInfo i = com2_rx_info();
  char msg[200];
  const size_t n =
      i.irq_mode ? format_to(msg, sizeof msg,
                             "telemetry: com2 rx irq=%u vector=%u interrupts=%lu irq_bytes=%lu "
                             "catch_up_bytes=%lu overflows=%lu line_errors=%lu",
                             i.isa_irq, i.vector, i.irqs, i.irq_bytes, i.catch_up_bytes,
                             i.overflows, i.line_errors)
                 : format_to(msg, sizeof msg, "telemetry: com2 rx polled (%s) bytes=%lu",
                             i.polled_reason, g.st.rx_bytes);
  (void)g.framer.emit([&](ByteWriter& w) {
    return encode::log(w, LogLevel::kDebug, internal::now_ns(), msg,
                       n < sizeof msg ? n : sizeof msg - 1);
  });
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
        if (e.type == MsgType::kPing) rx_report();
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

}  // namespace

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

void receive() {
  com2_rx_collect();
  for (size_t i = 0; i < kRxBudget; ++i) {
    const int b = com2_rx_byte();
    if (b < 0) return;
    ++g.st.rx_bytes;
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

}  // namespace internal

namespace {
internal::Channel& g = internal::g_channel;
}  // namespace

void demo_begin() {
  g.demo = internal::Demo{};
  g.demo.running = true;
}

void demo_end() {
  if (g.demo.pause) g.demo.report = true;  // a host waits for the next block: it says "none"
  g.demo.running = g.demo.pause = g.demo.step = g.demo.blocked = false;
  g.demo.label = "";
}

void demo_checkpoint(const char* label) {
  internal::Demo& d = g.demo;
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
