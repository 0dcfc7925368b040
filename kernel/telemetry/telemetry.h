// The kernel's telemetry channel on COM2: per-CPU rings of typed records (filled by mm through
// mm_events.h), drained (telemetry/drain.h) into frames, host commands, snapshots (telemetry/
// snapshot.h) and digests.
// Kernel only (the *_kernel.cpp files); docs/telemetry.md describes the protocol.
//
// Invariants:
//  - The kernel never waits for the host: COM2 bytes leave only when the UART says it has room
//    (LSR checked before every byte), anything that does not fit is kept for the next poll, and
//    events that do not fit a ring become a counted `dropped` event.
//  - poll() is the only place that frames, sends, reads commands, takes snapshots and computes
//    digests. It must be called at quiescent points only — no cursor alive and no mm operation
//    half done on this CPU — so a snapshot or digest describes exactly the events queued before
//    it. The idle loop and demos call it; interrupt handlers never do.
//  - Nothing is streamed until a host sends HELLO (the mm hooks stay a single untaken branch);
//    HELLO and REQUEST_SNAPSHOT start a fresh snapshot, DETACH stops streaming.
//  - Host bytes arrive by COM2's receive interrupt (queued, com2_rx_kernel.cpp) or by polling;
//    either way they are decoded and acted on only in poll().
//  - Every byte from the host is validated (frame checksum, event decoder, known commands only);
//    anything else is counted and answered with an error `log` event, never acted on. A HELLO
//    of another protocol version is refused the same way ("kernel speaks v3, inspector v1").
//  - No answer is dropped: every answer owed (snapshot, PONG, walk_result, error, refusal,
//    rx_lost) is queued when its input is decoded and framed by poll() in that order, each one
//    that is not a snapshot after the rings are drained (a walk_result describes the state after
//    every event before it in the stream); a snapshot never discards what was framed before it.
//    At most kMaxQueuedReplies PINGs/WALKs wait; more before the next poll are refused as bad
//    commands. demo_state follows the queued answers.
//  - Demo control: a demo brackets itself with demo_begin()/demo_end() and calls
//    demo_checkpoint() between steps (quiescent points). After PAUSE the next checkpoint blocks,
//    polling, until RESUME or DETACH (a new HELLO keeps it paused, so
//    one-shot tools can attach, look and leave); STEP while blocked lets exactly one step
//    run, to the next checkpoint. Each block is reported once as a demo_state event.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/event_ring.h"
#include "protocol/wire.h"
#include "telemetry/recorder.h"

namespace glass::telemetry {

struct ChannelStats {
  bool enabled = false;
  bool attached = false;
  uint64_t records = 0;        // records queued in rings since boot
  uint64_t dropped = 0;        // records lost to full rings (reported as dropped events)
  uint64_t frames = 0;         // frames sealed
  uint64_t bytes_queued = 0;   // wire bytes framed
  uint64_t bytes_sent = 0;     // wire bytes handed to the UART
  uint64_t tx_deferred = 0;    // polls that stopped because the UART or the TX buffer was full
  uint64_t state_changes = 0;  // frames, entries and lock operations drained (the bench's unit)
  uint64_t record_ns = 0;      // guest time the mm hooks spent recording into the rings
  uint64_t tx_ns = 0;          // guest time spent handing bytes to the UART (LSR checks, writes)
  bool rx_irq = false;         // COM2 is read by its receive interrupt (else polled from poll())
  uint64_t rx_irqs = 0;        // COM2 receive interrupts taken
  uint64_t rx_bytes = 0;       // host bytes read from COM2
  uint64_t rx_overflows = 0;   // host bytes lost because the receive queue was full
  uint64_t commands = 0;       // good host commands
  uint64_t walks = 0;          // WALK commands answered (walk_errors of them refused)
  uint64_t walk_errors = 0;
  uint64_t bad_commands = 0;  // malformed / unknown / damaged host input
  uint64_t snapshots = 0;     // snapshots sent
  uint64_t snapshots_deferred = 0;
  uint64_t digests = 0;        // periodic digests sent
  uint64_t encode_errors = 0;  // records the encoder refused (a bug: counted, never sent)
  uint64_t last_snapshot_bytes = 0;
  uint64_t last_snapshot_ns = 0;  // time to scan and frame it (not to transmit it)
};

// Sets the channel up after mm, the TSC and the LAPIC: rings and the transmit buffer are frames
// of kind telemetry; COM2's receive interrupt is routed unless rx_polled (telemetry=polled) or
// the ACPI tables do not allow it. enabled=false (telemetry=off) leaves everything off for good.
void init(bool enabled, bool rx_polled);
// See the invariants: quiescent points only.
void poll();
// Sends what is queued, waiting at most timeout_ms for the UART (used before the kernel exits).
void flush(uint64_t timeout_ms);
[[nodiscard]] ChannelStats stats();
[[nodiscard]] bool attached();

// Text events (log_kernel.cpp). Callable from any context except an interrupt handler that
// interrupted one of them; none of them prints. A line longer than kMaxText (or one the caller
// already had to cut: `cut`) is cut and marked ("[...]").
void log_line(LogLevel level, const char* s, size_t n, bool cut);
void ktap_result(KtapStatus status, uint64_t number, const char* name, size_t n);
// The panic path: panic_text() collects what the panic prints; panic_flush() sends the rings, the
// queued lines, the panic's lines and a `panic` event to an attached host, synchronously and
// bounded in time (a missing host never holds the panic up). Once per boot.
void panic_text(const char* s, size_t n);
void panic_flush();

// Demo control (see the invariants). label: a static string naming the step just finished.
void demo_begin();
void demo_end();
void demo_checkpoint(const char* label);

class Framer;

namespace internal {
// TSC ticks the mm hooks spent recording into the rings since boot.
[[nodiscard]] uint64_t record_tsc();
// log_kernel.cpp: queued lines -> log/ktap events (false: the transmit buffer is full);
// logs_off() drops them for good (telemetry=off).
[[nodiscard]] bool drain_logs(Framer& f, uint64_t (*ns_of)(uint64_t));
void logs_off();
// channel_kernel.cpp: queued lines and ring records -> frames (false: the buffer filled); the
// transmit buffer -> COM2, giving up when the UART takes no byte for byte_wait_ns or after
// total_ns (the panic path).
[[nodiscard]] bool drain_all();
void transmit_bounded(uint64_t byte_wait_ns, uint64_t total_ns);
// The address-space registry (telemetry/recorder.h).
using Space = recorder::Space;
inline constexpr size_t kMaxSpaces = recorder::kMaxSpaces;
[[nodiscard]] const Space* spaces();  // kMaxSpaces slots, live ones in any order
[[nodiscard]] uint64_t registry_overflows();
// Turns recording into the rings on or off (mm_events::on()).
void set_recording(bool on);
// The ring of `cpu` (rings beyond the CPUs set up have no storage and drop everything).
[[nodiscard]] EventRing& ring(unsigned cpu);
[[nodiscard]] unsigned ring_count();
[[nodiscard]] uint64_t now_ns();
// WALK over the real page tables of a registered address space (walk_kernel.cpp).
[[nodiscard]] WalkStatus walk(uint32_t asid, uint64_t va, WalkLevel* out, uint8_t& count);
// The registered address space whose root CR3 holds now (0 if none).
[[nodiscard]] uint32_t current_asid();
}  // namespace internal

}  // namespace glass::telemetry
