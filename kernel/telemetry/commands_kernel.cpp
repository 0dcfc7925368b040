// The telemetry channel's host side of the conversation: bytes from COM2 through FrameDecoder
// (COBS, length, CRC-32C) and decode_event, the commands they carry, the answers owed, and the
// demo controls. Invariants in telemetry.h and channel_state.h.
//
// Receive path: COM2's receive interrupt moves host bytes into a queue (com2_rx_kernel.cpp; or,
// polled, poll() reads the UART itself). Decoding and acting stay in poll(), never in the
// interrupt handler, because a command may take a snapshot or walk the page tables, which is only
// sound at a quiescent point. The interrupt's other gain: it wakes the idle loop's hlt at once.
//
// Answers: every answer owed (channel_state.h's Owed) is queued when its input is decoded and
// framed by send_replies() in that order, a snapshot included, so nothing a poll answered can be
// overtaken or discarded by a snapshot in the same poll. Each poll decodes whatever the receive
// queue holds (up to kRxBudget): after garbage the decoder is in step at the next 0x00.
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

// Appends an answer; false when kMaxAnswers already wait (the caller decides what that costs).
bool owe(const Reply& r) {
  if (g.reply_count == kMaxAnswers) return false;
  g.replies[g.reply_count++] = r;
  if (r.kind == Owed::kSnapshot) g.snapshot_pending = true;
  if (r.kind == Owed::kPong || r.kind == Owed::kWalkResult) ++g.command_replies;
  if (r.kind == Owed::kRxLost) g.rx_lost_owed = true;
  return true;
}

// Bad input is counted; the first of a poll is answered (a flood costs the kernel little).
void bad_input(Owed kind, const char* what, uint32_t version) {
  ++g.st.bad_commands;
  if (g.error_replies++ != 0) return;
  Reply r{};
  r.kind = kind;
  r.text = what;
  r.asid = version;
  (void)owe(r);  // kMaxAnswers waiting: counted only, like the rest of a flood
}

void bad_command(const char* what) {
  bad_input(Owed::kError, what, 0);
}

// "telemetry: kernel speaks vN, inspector vM: HELLO refused", framed when its turn comes.
void hello_mismatch(uint32_t theirs) {
  bad_input(Owed::kRefusal, nullptr, theirs);
}

// HELLO / REQUEST_SNAPSHOT. Requests in a row share one snapshot; one after other answers gets its
// own, after them.
void want_snapshot() {
  if (g.reply_count != 0 && g.replies[g.reply_count - 1].kind == Owed::kSnapshot) return;
  Reply r{};
  r.kind = Owed::kSnapshot;
  if (!owe(r)) bad_command("telemetry: too many commands");
}

// Host bytes lost before decoding (the receive queue full, or the UART's own errors such as an
// overrun) are owed to the host as an rx_lost event, in the position they were noticed.
void note_rx_loss() {
  if (g.rx_lost_owed) return;
  const RxInfo i = com2_rx_info();
  if (i.overflows == g.rx_lost_overflows && i.line_errors == g.rx_lost_line_errors) return;
  Reply r{};
  r.kind = Owed::kRxLost;
  (void)owe(r);  // no room: noticed again next poll, the counts keep
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
[[nodiscard]] bool rx_report() {
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
  return g.framer.emit([&](ByteWriter& w) {
    return encode::log(w, LogLevel::kDebug, internal::now_ns(), msg,
                       n < sizeof msg ? n : sizeof msg - 1);
  });
}

[[nodiscard]] bool emit_error(LogLevel level, const char* msg, size_t n) {
  return g.framer.emit(
      [&](ByteWriter& w) { return encode::log(w, level, internal::now_ns(), msg, n); });
}

// One answer that is not a snapshot. False: the transmit buffer is full (it stays owed).
[[nodiscard]] bool emit_answer(Reply& q) {
  switch (q.kind) {
    case Owed::kPong:
      if (!q.logged && !rx_report()) return false;
      q.logged = true;
      return g.framer.emit([&](ByteWriter& w) { return encode::pong(w, q.token); });
    case Owed::kWalkResult: {
      WalkLevel levels[kMaxLevel];
      uint8_t count = 0;
      const WalkStatus st = internal::walk(q.asid, q.va, levels, count);
      if (!g.framer.emit([&](ByteWriter& w) {
            return encode::walk_result(w, q.token, q.asid, q.va, st, levels, count);
          }))
        return false;
      ++g.st.walks;
      if (st != WalkStatus::kLeaf && st != WalkStatus::kNotPresent) ++g.st.walk_errors;
      return true;
    }
    case Owed::kError:
      return emit_error(LogLevel::kError, q.text, __builtin_strlen(q.text));
    case Owed::kRefusal: {
      char msg[96];
      const size_t n =
          format_to(msg, sizeof msg, "telemetry: kernel speaks v%u, inspector v%u: HELLO refused",
                    kProtocolVersion, q.asid);
      return emit_error(LogLevel::kError, msg, n < sizeof msg ? n : sizeof msg - 1);
    }
    case Owed::kRxLost: {
      const RxInfo i = com2_rx_info();
      const uint64_t lost = i.overflows - g.rx_lost_overflows;
      const uint64_t errors = i.line_errors - g.rx_lost_line_errors;
      if (!g.framer.emit([&](ByteWriter& w) { return encode::rx_lost(w, lost, errors); }))
        return false;
      g.rx_lost_overflows = i.overflows;
      g.rx_lost_line_errors = i.line_errors;
      return true;
    }
    case Owed::kSnapshot:
      break;
  }
  return true;
}

// Forgets answers [from, to) that left (or, DETACH, that are no longer owed), keeping the order.
void forget(size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    const Owed k = g.replies[i].kind;
    if (k == Owed::kPong || k == Owed::kWalkResult) --g.command_replies;
    if (k == Owed::kRxLost) g.rx_lost_owed = false;
  }
  for (size_t i = to; i < g.reply_count; ++i) g.replies[i - (to - from)] = g.replies[i];
  g.reply_count -= to - from;
  g.snapshot_pending = false;
  for (size_t i = 0; i < g.reply_count; ++i)
    if (g.replies[i].kind == Owed::kSnapshot) g.snapshot_pending = true;
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
        g.handshake_pending = true;
        want_snapshot();
        break;
      case MsgType::kRequestSnapshot:
        ++g.st.commands;
        if (!g.attached) g.handshake_pending = true;
        want_snapshot();
        break;
      case MsgType::kDetach:
        ++g.st.commands;
        g.attached = false;
        internal::set_recording(false);
        discard_rings();
        // A snapshot would attach again: no longer owed. Answers to commands before it still go.
        for (size_t i = g.reply_count; i-- > 0;)
          if (g.replies[i].kind == Owed::kSnapshot) forget(i, i + 1);
        release_demo();  // nobody is left to resume it
        break;
      case MsgType::kPing:
      case MsgType::kWalk: {
        if (g.command_replies == kMaxQueuedReplies || g.reply_count == kMaxAnswers)
          return bad_command("telemetry: too many commands");
        ++g.st.commands;
        const Event& e = ev.value();
        Reply q{};
        q.kind = e.type == MsgType::kPing ? Owed::kPong : Owed::kWalkResult;
        q.token = e.type == MsgType::kPing ? e.ping.token : e.walk.token;
        q.asid = e.type == MsgType::kPing ? 0 : e.walk.asid;
        q.va = e.type == MsgType::kPing ? 0 : e.walk.va;
        (void)owe(q);  // room was checked
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
  bool ok = true;
  while (ok && done < g.reply_count) {
    Reply& q = g.replies[done];
    // An answer follows every event recorded before it (a walk_result describes that state).
    ok =
        q.kind == Owed::kSnapshot ? try_snapshot() : (!g.attached || drain_all()) && emit_answer(q);
    if (ok) ++done;
  }
  forget(0, done);
  if (!ok) return false;
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
  note_rx_loss();
  // Collect and decode until the queue stays empty or the budget is spent; the last collect
  // leaves the UART's FIFO empty, so the next byte raises a new edge (com2_rx_kernel.cpp).
  size_t budget = kRxBudget;
  for (bool more = true; more;) {
    com2_rx_collect();
    more = false;
    for (; budget > 0; --budget) {
      const int b = com2_rx_byte();
      if (b < 0) break;
      more = true;
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
    if (budget == 0) break;
  }
  com2_rx_collect();
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
