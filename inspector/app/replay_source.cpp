// ReplaySource: see replay_source.h.
#include "inspector/app/replay_source.h"

#include <chrono>

#include "inspector/trace/trace_file.h"

namespace glass::inspector::app {

bool ReplaySource::open(const std::string& path, std::string& error) {
  path_ = path;
  std::vector<uint8_t> bytes;
  // Refuses a directory, a device, an empty or foreign file from its header alone, naming
  // glass-inspect in a version refusal.
  if (!read_trace_bytes(path, "glass-inspect", bytes, error)) return false;
  const TraceEnd end = trace_end_in_header(bytes.data());
  // The partial frame after the last delimiter, and the body's size, before the bytes move.
  const size_t body = bytes.size() - kTraceHeaderSize;
  size_t tail = 0;
  while (tail < body && bytes[bytes.size() - 1 - tail] != 0) ++tail;
  const auto t0 = std::chrono::steady_clock::now();
  std::string msg;
  if (!timeline_.load(std::move(bytes), msg)) {
    error = path + ": " + msg;
    return false;
  }
  load_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  message_ = path + ": " + msg;
  // Where a recording without a goodbye stops (status line and log): the frames decoded are
  // the events' distinct frames.
  uint64_t frames = 0;
  std::optional<uint32_t> last_seq;
  std::optional<uint64_t> last_offset;
  for (size_t i = 0; i < timeline_.event_count(); ++i) {
    const StreamItem& it = timeline_.item(i);
    if (it.kind != StreamItem::Kind::kEvent) continue;
    if (it.event.offset != last_offset) ++frames;
    last_offset = it.event.offset;
    last_seq = it.event.seq;
  }
  cut_ = trace_cut_at(end, body, frames, last_seq, tail);
  if (cut_) message_ += "; " + cut_->sentence();
  // A replay opens at its start, as a recording is watched: the first event (--at-event moves it).
  pos_ = 0;
  return true;
}

bool ReplaySource::seek_checked(uint64_t n, std::string& error) {
  if (n >= event_count()) {
    error = "--at-event " + std::to_string(n) + ": " + path_ + " has " +
            std::to_string(event_count()) + " events" +
            (event_count() > 0 ? " (0.." + std::to_string(event_count() - 1) + ")" : "");
    return false;
  }
  seek(static_cast<size_t>(n));
  return true;
}

void ReplaySource::seek(size_t n) {
  pos_ = event_count() == 0 ? 0 : std::min(n, event_count() - 1);
  carry_ = 0;
}

bool ReplaySource::tick(double dt) {
  if (!playing_ || event_count() == 0) return false;
  carry_ += dt * rate_;
  const auto step = static_cast<size_t>(carry_);
  if (step == 0) return false;
  carry_ -= static_cast<double>(step);
  const size_t before = pos_;
  pos_ = std::min(pos_ + step, event_count() - 1);
  if (pos_ == event_count() - 1) playing_ = false;
  return pos_ != before;
}

}  // namespace glass::inspector::app
