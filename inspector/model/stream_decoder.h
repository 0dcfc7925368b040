// StreamDecoder: kernel telemetry bytes in, decoded events and reported gaps out. The one decoder
// shared by glass-trace, the GUI and the tests.
//
// Invariants:
//  - Every input byte is accounted for: it ends up in a delivered frame, in a Gap (with the reason
//    and the byte count), or in pending_bytes() of an unfinished last frame. finish() turns the
//    latter into a kTruncated gap.
//  - A Gap is reported for: damaged frames (checksum, COBS, size), missing sequence numbers, a
//    frame whose checksum is good but whose events do not parse (the whole frame is dropped: after
//    a bad event nothing in it can be trusted), and bytes before the first delimiter on attach
//    (kAttachSkip: expected, since a reader can join mid-frame).
//  - A handshake announcing another protocol version stops event decoding (version_error() says
//    "kernel speaks vN, inspector vM"); frames are still counted so the stream can be recorded.
//  - Items own their data (text, entry values): they outlive the bytes they came from.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/event.h"
#include "protocol/frame_decoder.h"

namespace glass::inspector {

enum class GapKind : uint8_t {
  kAttachSkip,     // bytes before the first frame boundary (joining mid-stream)
  kDamagedFrame,   // checksum / COBS / size failure
  kMissingFrames,  // sequence numbers skipped
  kBadEvent,       // a checksummed frame whose events do not parse
  kTruncated,      // the stream ended inside a frame
};

[[nodiscard]] const char* gap_kind_name(GapKind k);

struct Gap {
  GapKind kind;
  uint64_t offset = 0;        // stream offset where the damage starts
  uint64_t bytes = 0;         // wire bytes dropped
  uint64_t frames = 0;        // frames known lost (kMissingFrames), else 0 or 1
  uint32_t expected_seq = 0;  // kMissingFrames: what we wanted
  uint32_t seq = 0;           // kMissingFrames / kBadEvent: what we got
  std::string detail;         // a human sentence
};

struct DecodedEvent {
  telemetry::Event ev{};         // ev's borrowed pointers are cleared; use text/values below
  std::string text;              // log / ktap / panic / demo_state label
  std::vector<uint64_t> values;  // entries
  uint32_t seq = 0;              // of the frame it came in
  uint64_t offset = 0;           // stream offset of that frame
  uint32_t bytes = 0;            // encoded size of this event
};

struct StreamItem {
  enum class Kind : uint8_t { kEvent, kGap } kind;
  DecodedEvent event;  // kEvent
  Gap gap;             // kGap
};

struct StreamStats {
  uint64_t bytes = 0;
  uint64_t frames = 0;
  uint64_t frame_bytes = 0;  // wire bytes of good frames (COBS, seq, crc, delimiter included)
  uint64_t events = 0;
  uint64_t gaps = 0;
  uint64_t lost_frames = 0;
  uint64_t dropped_bytes = 0;
  std::array<uint64_t, telemetry::kMsgTypeSlots> count{};
  std::array<uint64_t, telemetry::kMsgTypeSlots> event_bytes{};
};

class StreamDecoder {
 public:
  StreamDecoder();
  // Decode what these bytes complete; items are appended to `out`.
  void feed(const uint8_t* p, size_t n, std::vector<StreamItem>& out);
  // End of stream: report an unfinished last frame (kTruncated).
  void finish(std::vector<StreamItem>& out);

  [[nodiscard]] const StreamStats& stats() const { return stats_; }
  [[nodiscard]] const std::optional<std::string>& version_error() const { return version_error_; }
  [[nodiscard]] std::optional<uint32_t> last_seq() const { return last_seq_; }

 private:
  void on_frame(uint64_t offset, std::vector<StreamItem>& out);
  void gap(std::vector<StreamItem>& out, Gap g);

  std::unique_ptr<telemetry::FrameDecoder> frames_;  // ~2 KiB of buffers: keep off the stack
  StreamStats stats_;
  uint64_t offset_ = 0;      // bytes consumed so far
  uint64_t span_start_ = 0;  // offset where the current frame's bytes began
  bool synced_ = false;      // seen a delimiter yet
  std::optional<uint32_t> last_seq_;
  std::optional<std::string> version_error_;
};

}  // namespace glass::inspector
