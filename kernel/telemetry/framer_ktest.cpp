// Framer in the kernel: frames carry consecutive seq numbers and decode back; a full transmit
// buffer refuses (never waits) and a rolled-back snapshot leaves no byte and no seq behind.
#include "kernel/ktest/ktest.h"
#include "protocol/frame_decoder.h"
#include "protocol/framer.h"

namespace glass::telemetry {
namespace {

uint8_t g_tx[3 * kMaxWireFrame];
Framer g_framer;
FrameDecoder g_dec;

// Decodes every frame in the transmit buffer; returns how many, the first and last seq.
int decode_all(uint32_t* last, uint32_t* first = nullptr) {
  int frames = 0;
  const uint8_t* p = g_framer.pending();
  for (size_t i = 0; i < g_framer.pending_size(); ++i) {
    if (g_dec.push(p[i]) == FrameStatus::kFrame) {
      if (frames++ == 0 && first != nullptr) *first = g_dec.seq();
      *last = g_dec.seq();
    }
  }
  return frames;
}

auto run_event(uint64_t pfn) {
  return [pfn](ByteWriter& w) { return encode::frame_run(w, pfn, 1, 7, 9); };
}

}  // namespace

KTEST(telemetry_framer, frames_are_sequential_and_decode) {
  g_framer.attach(g_tx, sizeof g_tx);
  for (uint64_t i = 0; i < 200; ++i) KASSERT(g_framer.emit(run_event(i)));  // > one frame
  KASSERT(g_framer.seal());
  uint32_t last = 0;
  KEXPECT_EQ(decode_all(&last), 2);
  KEXPECT_EQ(last, 1u);
  g_framer.consumed(g_framer.pending_size());
  KEXPECT_EQ(g_framer.pending_size(), 0u);
}

KTEST(telemetry_framer, full_buffer_refuses_and_rollback_leaves_nothing) {
  g_framer.attach(g_tx, sizeof g_tx);
  KASSERT(g_framer.emit(run_event(1)));
  KASSERT(g_framer.seal());
  const size_t before = g_framer.pending_size();
  Framer::Mark m = g_framer.mark();
  bool refused = false;
  for (uint64_t i = 0; i < 100000 && !refused; ++i) refused = !g_framer.emit(run_event(i));
  KEXPECT(refused);  // returned at once with the buffer full: nothing waits for a reader
  g_framer.rollback(m);
  KEXPECT_EQ(g_framer.pending_size(), before);
  KASSERT(g_framer.emit(run_event(2)));
  KASSERT(g_framer.seal());
  uint32_t first = 0, last = 0;
  KEXPECT_EQ(decode_all(&last, &first), 2);
  KEXPECT_EQ(last, first + 1);  // the rolled-back frames never used their seq numbers
}

}  // namespace glass::telemetry
