// ReplaySource: see replay_source.h.
#include "inspector/app/replay_source.h"

#include <chrono>

#include "inspector/trace/trace_file.h"

namespace glass::inspector::app {

bool ReplaySource::open(const std::string& path, std::string& error) {
  path_ = path;
  std::vector<uint8_t> bytes;
  if (!read_file_bytes(path, bytes, error)) return false;
  const auto t0 = std::chrono::steady_clock::now();
  std::string msg;
  if (!timeline_.load(std::move(bytes), msg)) {
    error = path + ": " + msg;
    return false;
  }
  load_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  message_ = path + ": " + msg;
  pos_ = event_count() > 0 ? event_count() - 1 : 0;
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
