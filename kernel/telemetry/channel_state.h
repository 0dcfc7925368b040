// The telemetry channel's state, shared by the two halves of the channel: channel_kernel.cpp
// (drain, snapshots, digests, transmit) and commands_kernel.cpp (host bytes, commands, answers,
// demo control). Kernel only.
//
// Invariants: `g_channel` is touched only from telemetry::poll() and what it calls, from the
// demo hooks (thread context, between steps) and from the panic path (which takes it over only
// when no poll is in progress: `busy`). Nothing here is reached from an interrupt handler.
// Every answer the host is owed (a snapshot, a PONG, a walk_result, an error, a refusal, news of
// lost host bytes) waits in `replies` in the order of the input that asked for it, and leaves in
// that order; `snapshot_pending` is true exactly while a snapshot is among them.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/telemetry/telemetry.h"
#include "protocol/event_ring.h"
#include "protocol/frame_decoder.h"
#include "protocol/framer.h"
#include "telemetry/drain.h"

namespace glass::telemetry::internal {

// Host bytes decoded per poll: twice the receive queue, so a poll empties it even while the
// interrupt refills it, and a flood of garbage still costs a bounded time per poll.
inline constexpr size_t kRxBudget = 8192;
inline constexpr size_t kMaxQueuedReplies = 8;  // PONGs and walk_results waiting to be framed
inline constexpr size_t kMaxAnswers = 16;       // everything owed: those, snapshots and errors

// What is owed, in the order it was asked for.
enum class Owed : uint8_t {
  kSnapshot,    // HELLO / REQUEST_SNAPSHOT (with a handshake if handshake_pending)
  kPong,        // PING: the rx debug log line, then PONG
  kWalkResult,  // WALK
  kError,       // bad input: an error `log` with `text`
  kRefusal,     // a HELLO of another version: an error `log` naming both versions
  kRxLost,      // host bytes were lost before decoding: an rx_lost event
};

struct Reply {
  Owed kind;
  bool logged;       // kPong: its log line is out (a retry sends only the PONG)
  uint64_t token;    // kPong, kWalkResult
  uint32_t asid;     // kWalkResult; kRefusal: the HELLO's version
  uint64_t va;       // kWalkResult
  const char* text;  // kError: a static string
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
  bool busy = false;  // inside poll()/flush(): the panic path leaves the framer alone
  bool snapshot_pending = false;
  bool handshake_pending = false;
  uint64_t epoch = 0;
  uint64_t last_digest_ns = 0;
  uint64_t boot_id = 0;
  unsigned error_replies = 0;  // this poll
  Framer framer;
  Drain drain{nullptr};  // given its clock at init
  FrameDecoder rx;
  ChannelStats st;
  Reply replies[kMaxAnswers];
  size_t reply_count = 0;
  size_t command_replies = 0;        // of them kPong / kWalkResult (at most kMaxQueuedReplies)
  bool rx_lost_owed = false;         // a kRxLost is among them
  uint64_t rx_lost_overflows = 0;    // receive-queue overflows already reported
  uint64_t rx_lost_line_errors = 0;  // UART line errors already reported
  Demo demo;
};
extern Channel g_channel;

// channel_kernel.cpp. try_snapshot(): what is already framed leaves first, then a whole snapshot;
// false (nothing sent) while the transmit buffer is too full.
void discard_rings();
[[nodiscard]] bool try_snapshot();
// commands_kernel.cpp: host bytes -> commands (at most kRxBudget bytes per call); the answers
// owed, in order, each after the rings are drained (false while the transmit buffer is full).
void receive();
[[nodiscard]] bool send_replies();

}  // namespace glass::telemetry::internal
