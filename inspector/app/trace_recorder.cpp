// TraceRecorder: see trace_recorder.h. stdio buffering keeps the per-frame cost at a memcpy; a
// flush per UI frame bounds what a crash can lose to one frame's bytes.
#include "inspector/app/trace_recorder.h"

#include <cerrno>
#include <chrono>
#include <cstring>

#include "inspector/trace/trace_file.h"
#include "protocol/wire.h"

namespace glass::inspector::app {

TraceRecorder::~TraceRecorder() {
  if (f_ != nullptr) std::fclose(f_);
}

bool TraceRecorder::open(const std::string& path, std::string& error) {
  path_ = path;
  f_ = std::fopen(path.c_str(), "wb");
  if (f_ == nullptr) {
    error = "cannot record to " + path + ": " + std::strerror(errno);
    return false;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto header = trace_header(
      telemetry::kProtocolVersion,
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()));
  if (std::fwrite(header.data(), 1, header.size(), f_) != header.size()) {
    error = "cannot record to " + path + ": " + std::strerror(errno);
    std::fclose(f_);
    f_ = nullptr;
    return false;
  }
  return true;
}

void TraceRecorder::fail(const std::string& what) {
  error_ = "recording to " + path_ + " stopped after " + std::to_string(bytes_) + " bytes: " + what;
  std::fclose(f_);
  f_ = nullptr;
}

void TraceRecorder::append(const uint8_t* p, size_t n) {
  if (f_ == nullptr || n == 0) return;
  if (std::fwrite(p, 1, n, f_) != n) return fail(std::strerror(errno));
  bytes_ += n;
}

void TraceRecorder::flush() {
  if (f_ != nullptr && std::fflush(f_) != 0) fail(std::strerror(errno));
}

}  // namespace glass::inspector::app
