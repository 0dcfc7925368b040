// StreamDecoder: see stream_decoder.h for the invariants. Why the attach rule: a reader that
// connects mid-stream sees the tail of some frame first; calling that a gap would be noise, but
// the bytes are still counted and the model starts unsynced anyway.
#include "inspector/model/stream_decoder.h"

#include <type_traits>

namespace glass::inspector {

using telemetry::FrameStatus;
using telemetry::MsgType;

const char* gap_kind_name(GapKind k) {
  switch (k) {
    case GapKind::kAttachSkip:
      return "attach-skip";
    case GapKind::kDamagedFrame:
      return "damaged-frame";
    case GapKind::kMissingFrames:
      return "missing-frames";
    case GapKind::kBadEvent:
      return "bad-event";
    case GapKind::kTruncated:
      return "truncated";
  }
  return "?";
}

StreamDecoder::StreamDecoder() : frames_(std::make_unique<telemetry::FrameDecoder>()) {}

void StreamDecoder::gap(std::vector<StreamItem>& out, Gap g) {
  ++stats_.gaps;
  stats_.dropped_bytes += g.bytes;
  stats_.lost_frames += g.frames;
  StreamItem it{StreamItem::Kind::kGap, {}, std::move(g)};
  out.push_back(std::move(it));
}

void StreamDecoder::feed(const uint8_t* p, size_t n, std::vector<StreamItem>& out) {
  for (size_t i = 0; i < n; ++i) {
    FrameStatus s = frames_->push(p[i]);
    ++offset_;
    ++stats_.bytes;
    if (s == FrameStatus::kNone) continue;
    uint64_t start = span_start_;
    span_start_ = offset_;
    bool first = !synced_;
    synced_ = true;
    if (s == FrameStatus::kEmpty) continue;
    if (s == FrameStatus::kFrame) {
      on_frame(start, out);
      continue;
    }
    Gap g{first ? GapKind::kAttachSkip : GapKind::kDamagedFrame,
          start,
          frames_->span_bytes(),
          first ? 0u : 1u,
          0,
          0,
          ""};
    g.detail = std::string(first ? "joined mid-stream: skipped " : "dropped ") +
               std::to_string(g.bytes) + " bytes (" + telemetry::frame_status_name(s) + ")";
    gap(out, std::move(g));
  }
}

void StreamDecoder::finish(std::vector<StreamItem>& out) {
  size_t pending = frames_->pending_bytes();
  if (pending == 0) return;
  Gap g{GapKind::kTruncated, span_start_, pending, 0, 0, 0, ""};
  g.detail = "stream ends inside a frame: " + std::to_string(pending) +
             " bytes after the last complete frame" +
             (last_seq_ ? " (seq " + std::to_string(*last_seq_) + ")" : std::string()) + " ignored";
  gap(out, std::move(g));
}

void StreamDecoder::on_frame(uint64_t offset, std::vector<StreamItem>& out) {
  uint32_t seq = frames_->seq();
  if (last_seq_ && seq != *last_seq_ + 1) {
    uint32_t want = *last_seq_ + 1;
    // seq counts up and wraps at 2^32: a step of more than half the range is a step back (a
    // kernel that restarted its count, frames replayed or spliced), not 4 billion lost frames.
    const uint32_t ahead = seq - want;
    const bool back = ahead > 0x80000000u;
    Gap g{GapKind::kMissingFrames, offset, 0, back ? 0u : ahead, want, seq, ""};
    g.detail = "expected frame " + std::to_string(want) + ", got " + std::to_string(seq) +
               (back ? " (the sequence went back by " + std::to_string(want - seq) +
                           "; no frame counted lost)"
                     : " (" + std::to_string(g.frames) + " frames lost)");
    gap(out, std::move(g));
  }
  last_seq_ = seq;
  ++stats_.frames;
  stats_.frame_bytes += frames_->span_bytes();
  if (version_error_) return;

  // Decode into a local list first: a frame is delivered whole or not at all.
  telemetry::ByteReader r(frames_->payload(), frames_->payload_size());
  std::vector<StreamItem> items;
  while (!r.at_end()) {
    size_t at = r.position();
    auto e = telemetry::decode_event(r);
    if (e.is_error()) {
      Gap g{GapKind::kBadEvent, offset, frames_->span_bytes(), 1, 0, seq, ""};
      uint8_t type = frames_->payload()[at];
      g.detail = "frame " + std::to_string(seq) + ": event at byte " + std::to_string(at) +
                 " (type 0x" + "0123456789abcdef"[type >> 4] + "0123456789abcdef"[type & 15] +
                 (telemetry::is_known(type)
                      ? std::string(", ") + telemetry::msg_name(static_cast<MsgType>(type))
                      : std::string(", unknown")) +
                 ") does not parse; frame dropped";
      gap(out, std::move(g));
      return;
    }
    StreamItem it{StreamItem::Kind::kEvent, {}, {}};
    DecodedEvent& d = it.event;
    d.ev = e.value();
    d.seq = seq;
    d.offset = offset;
    d.bytes = static_cast<uint32_t>(r.position() - at);
    // Text and deltas point into the frame buffer, which is reused: copy out (the text into
    // d.text, the deltas expanded into d.values), leave no dangling view.
    (void)telemetry::visit(d.ev, [&d](auto& m) {
      telemetry::msg::for_each_field(m, [&d](auto codec, auto& v, const char*) {
        using C = decltype(codec);
        if constexpr (std::is_same_v<C, telemetry::field::Text>) {
          d.text.assign(v.data, v.len);
          v = {};
        }
      });
    });
    if (d.ev.type == MsgType::kEntries) {
      d.values.resize(d.ev.entries.count);
      auto n = telemetry::entry_values(d.ev, d.values.data(), d.values.size());
      if (n.is_error()) d.values.clear();  // cannot happen: decode_event walked the deltas
      d.ev.entries.deltas = {};
    }
    items.push_back(std::move(it));
  }
  for (auto& it : items) {
    const auto& ev = it.event.ev;
    if (ev.type == MsgType::kHandshake && ev.handshake.version != telemetry::kProtocolVersion) {
      version_error_ = "kernel speaks v" + std::to_string(ev.handshake.version) + ", inspector v" +
                       std::to_string(telemetry::kProtocolVersion) +
                       ": cannot decode this stream (rebuild one side)";
    }
    ++stats_.events;
    ++stats_.count[static_cast<uint8_t>(ev.type)];
    stats_.event_bytes[static_cast<uint8_t>(ev.type)] += it.event.bytes;
    out.push_back(std::move(it));
    if (version_error_) return;
  }
}

}  // namespace glass::inspector
