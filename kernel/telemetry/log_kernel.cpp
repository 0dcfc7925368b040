// Text events: kprintf lines (`log`), KTAP results (`ktap`) and the panic (`panic`), and the
// panic's synchronous, bounded flush of everything queued to COM2.
//
// Invariants:
//  - Text goes into one LogRing (log_ring.h) in BSS, so boot lines printed before telemetry is set
//    up are kept too; g_log_lock (a SpinGuard, interrupts off) guards it. Producers are kprintf
//    (under the console lock) and the ktest runner; the consumer is the drain in poll().
//  - Nothing here prints: a line that came from kprintf must never cause another kprintf (no
//    recursion). A nested call (a line logged while logging one) is dropped and counted.
//  - Log lines are not state: a snapshot does not discard them, and lines queued before a host
//    attached reach it after its first snapshot. A full ring drops the oldest line; the drain
//    reports how many as a warning `log` event.
//  - The panic path takes the channel over only if no poll()/flush() is in progress (`busy`) and
//    the ring's lock is free: a panic from inside telemetry sends nothing rather than a torn frame.
//    Every wait for the UART is bounded (kPanicByteWaitNs per byte, kPanicFlushNs in all), so a
//    host that is missing or not reading never holds up the panic.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/lib/platform.h"
#include "kernel/lib/spinlock.h"
#include "kernel/telemetry/channel_state.h"
#include "kernel/telemetry/log_ring.h"

namespace glass::telemetry {
namespace {

constexpr uint32_t kLogLines = 128;  // ~28 KiB of BSS
// A host that attached and then took nothing for a whole second is gone or stuck. Less is not
// enough: QEMU sends to the host one byte per socket write, so ~280 unread bytes fill the socket
// and the UART refuses bytes until the host reads again, and a host on a busy machine can be off
// the CPU for 100 ms (the e2e check stalls its recorder for 0.5 s to prove the wait holds).
constexpr uint64_t kPanicByteWaitNs = 1'000'000'000;
constexpr uint64_t kPanicFlushNs = 5'000'000'000;  // the whole flush, however slowly it drains
constexpr size_t kPanicTranscript = 2048;          // what the panic printed, for its events

LogRing<kLogLines> g_log;
SpinLock g_log_lock;
bool g_logging = false;  // under g_log_lock: a line is being queued
bool g_off = false;      // telemetry=off: nothing is kept
uint64_t g_nested = 0;

char g_panic_text[kPanicTranscript];
size_t g_panic_len = 0;
bool g_panic_flushed = false;

uint64_t rdtsc() {
  return cpu::rdtsc();
}

void queue(MsgType type, uint8_t level, uint64_t number, const char* s, size_t n, bool cut) {
  if (g_off) return;
  LogSlot slot;
  slot.type = type;
  slot.level = level;
  slot.number = number;
  slot.tsc = rdtsc();
  slot.len = static_cast<uint16_t>(fit_text(slot.text, s, n, cut));
  SpinGuard guard(g_log_lock);
  if (g_logging) {
    ++g_nested;
    return;
  }
  g_logging = true;
  g_log.push(slot);
  g_logging = false;
}

}  // namespace

void log_line(LogLevel level, const char* s, size_t n, bool cut) {
  queue(MsgType::kLog, static_cast<uint8_t>(level), 0, s, n, cut);
}

void ktap_result(KtapStatus status, uint64_t number, const char* name, size_t n) {
  queue(MsgType::kKtap, static_cast<uint8_t>(status), number, name, n, false);
}

void panic_text(const char* s, size_t n) {
  for (size_t i = 0; i < n && g_panic_len < kPanicTranscript; ++i)
    g_panic_text[g_panic_len++] = s[i];
}

namespace internal {

void logs_off() {
  SpinGuard guard(g_log_lock);
  g_off = true;
  while (g_log.front() != nullptr) g_log.pop();
}

bool drain_logs(Framer& f, uint64_t (*ns_of)(uint64_t)) {
  SpinGuard guard(g_log_lock);
  for (const LogSlot* s = g_log.front(); s != nullptr; s = g_log.front()) {
    const uint64_t t = ns_of(s->tsc);
    const bool ok =
        s->type == MsgType::kKtap ? f.emit([&](ByteWriter& w) {
          return encode::ktap(w, static_cast<KtapStatus>(s->level), s->number, s->text, s->len);
        })
                                  : f.emit([&](ByteWriter& w) {
                                      return encode::log(w, static_cast<LogLevel>(s->level), t,
                                                         s->text, s->len);
                                    });
    if (!ok) return false;
    g_log.pop();
  }
  const uint64_t lost = g_log.take_lost() + g_nested;
  g_nested = 0;
  if (lost != 0) {
    char msg[64] = "telemetry: log lines lost (log ring full): ";
    size_t n = sizeof "telemetry: log lines lost (log ring full): " - 1;
    char d[20];
    int k = 0;
    uint64_t v = lost;
    do d[k++] = static_cast<char>('0' + v % 10);
    while ((v /= 10) != 0 && k < 20);
    while (k > 0 && n < sizeof msg) msg[n++] = d[--k];
    (void)f.emit(
        [&](ByteWriter& w) { return encode::log(w, LogLevel::kWarn, ns_of(rdtsc()), msg, n); });
  }
  return true;
}

}  // namespace internal

// Sends, if a host is attached: the rings and queued lines, every line the panic printed (error
// level, so a viewer shows the decode), then the panic event carrying the first line.
void panic_flush() {
  internal::Channel& g = internal::g_channel;
  if (g_panic_flushed || !g.enabled || !g.attached || g.busy || g_log_lock.is_locked()) return;
  g_panic_flushed = true;
  g.busy = true;
  (void)internal::drain_all();
  const uint64_t now = internal::now_ns();
  size_t start = 0;
  const char* headline = nullptr;
  size_t headline_len = 0;
  for (size_t i = 0; i <= g_panic_len; ++i) {
    if (i < g_panic_len && g_panic_text[i] != '\n') continue;
    const size_t n = i - start;
    if (n != 0) {
      char line[kMaxText];
      const size_t len = fit_text(line, g_panic_text + start, n, false);
      if (headline == nullptr) {
        headline = g_panic_text + start;
        headline_len = n;
      }
      (void)g.framer.emit(
          [&](ByteWriter& w) { return encode::log(w, LogLevel::kError, now, line, len); });
    }
    start = i + 1;
  }
  if (headline == nullptr) headline = "PANIC", headline_len = 5;
  char text[kMaxText];
  const size_t len = fit_text(text, headline, headline_len, false);
  (void)g.framer.emit([&](ByteWriter& w) {
    return encode::panic(w, static_cast<uint8_t>(platform::current_cpu()), now, text, len);
  });
  (void)g.framer.seal();
  internal::transmit_bounded(kPanicByteWaitNs, kPanicFlushNs);
  g.busy = false;
}

}  // namespace glass::telemetry
