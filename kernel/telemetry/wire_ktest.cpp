// The shared wire headers, built the kernel's way (freestanding, no SSE, kernel code model) and
// run inside the kernel: a frame the kernel encodes decodes back to the same events, and a
// damaged frame is rejected. Host tests cover the same code with the host compiler; this proves
// the one definition really does compile and behave identically on the side that will emit it.
#include "kernel/ktest/ktest.h"
#include "protocol/encoder.h"
#include "protocol/event.h"
#include "protocol/frame_decoder.h"

namespace glass::telemetry {
namespace {

// Static: a frame plus the decoder's buffers would be a large share of the 32 KiB boot stack.
FrameBuilder g_builder;
uint8_t g_wire[kMaxWireFrame + 1];
FrameDecoder g_decoder;

// Feeds wire bytes to the decoder; returns the status of the first finished frame.
FrameStatus feed(const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const FrameStatus s = g_decoder.push(bytes[i]);
    if (s != FrameStatus::kNone) return s;
  }
  return FrameStatus::kNone;
}

}  // namespace

KTEST(telemetry, kernel_encoded_frame_decodes_to_the_same_events) {
  ByteWriter& w = g_builder.writer();
  KASSERT(encode::frame_run(w, 0x1234, 512, 7, 42).is_ok());
  KASSERT(encode::cursor_begin(w, 9, 0, 1, 0x400000, 0x800000, 0x5555, 1000).is_ok());
  auto sealed = g_builder.seal(77, g_wire, sizeof g_wire);
  KASSERT(sealed.is_ok());
  KEXPECT_EQ(feed(g_wire, sealed.value()), FrameStatus::kFrame);
  KEXPECT_EQ(g_decoder.seq(), 77);

  ByteReader r(g_decoder.payload(), g_decoder.payload_size());
  auto run = decode_event(r);
  KASSERT(run.is_ok());
  KEXPECT_EQ(static_cast<uint8_t>(run.value().type), static_cast<uint8_t>(MsgType::kFrameRun));
  KEXPECT_EQ(run.value().frame_run.first, 0x1234);
  KEXPECT_EQ(run.value().frame_run.count, 512);
  KEXPECT_EQ(run.value().frame_run.kind, 7);
  KEXPECT_EQ(run.value().frame_run.owner, 42);
  auto cursor = decode_event(r);
  KASSERT(cursor.is_ok());
  KEXPECT_EQ(static_cast<uint8_t>(cursor.value().type),
             static_cast<uint8_t>(MsgType::kCursorBegin));
}

KTEST(telemetry, damaged_frame_is_rejected) {
  KASSERT(encode::log(g_builder.writer(), LogLevel::kInfo, 5, "hello", 5).is_ok());
  auto sealed = g_builder.seal(1, g_wire, sizeof g_wire);
  KASSERT(sealed.is_ok());
  g_wire[2] ^= 0x40;  // flip one bit inside the frame (not the delimiter)
  KEXPECT(feed(g_wire, sealed.value()) != FrameStatus::kFrame);
}

}  // namespace glass::telemetry
