// The telemetry channel's state, shared by the two halves of the channel: channel_kernel.cpp
// (drain, snapshots, digests, transmit) and commands_kernel.cpp (host bytes, commands, answers,
// demo control). Kernel only.
//
// Invariants: `g_channel` is touched only from telemetry::poll() and what it calls, from the
// demo hooks (thread context, between steps) and from the panic path (which takes it over only
// when no poll is in progress: `busy`). Nothing here is reached from an interrupt handler.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/telemetry/telemetry.h"
#include "protocol/event_ring.h"
#include "protocol/frame_decoder.h"
#include "protocol/framer.h"
#include "telemetry/drain.h"

namespace glass::telemetry::internal {

inline constexpr size_t kRxBudget = 512;  // host bytes read per poll: garbage cannot starve us
inline constexpr size_t kMaxQueuedReplies = 8;  // answers waiting for poll() to frame them

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
  Reply replies[kMaxQueuedReplies];
  size_t reply_count = 0;
  Demo demo;
};
extern Channel g_channel;

// channel_kernel.cpp
void discard_rings();
// commands_kernel.cpp: host bytes -> commands (at most kRxBudget bytes per call); the answers
// owed, framed once the rings are drained (false while the transmit buffer is full).
void receive();
[[nodiscard]] bool send_replies();

}  // namespace glass::telemetry::internal
