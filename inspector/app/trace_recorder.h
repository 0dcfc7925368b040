// TraceRecorder: --record OUT.glt, the raw bytes of a live session appended to a .glt file as
// they arrive, so a crash or a killed inspector still leaves a readable trace.
//
// Invariants: the file starts with trace_header() (inspector/trace/trace_file.h), then every
// byte received, in order, across re-attaches (each connection begins with the kernel's resync
// marker and handshake, so a reader resynchronises there). The first write error stops the
// recording and is kept in error(); bytes are never silently skipped while recording.
#pragma once

#include <stdint.h>
#include <stdio.h>

#include <optional>
#include <string>

namespace glass::inspector::app {

class TraceRecorder {
 public:
  TraceRecorder() = default;
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;
  ~TraceRecorder();

  [[nodiscard]] bool open(const std::string& path, std::string& error);
  void append(const uint8_t* p, size_t n);
  void flush();
  [[nodiscard]] bool recording() const { return f_ != nullptr; }
  [[nodiscard]] uint64_t bytes() const { return bytes_; }
  [[nodiscard]] const std::optional<std::string>& error() const { return error_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void fail(const std::string& what);

  FILE* f_ = nullptr;
  std::string path_;
  uint64_t bytes_ = 0;
  std::optional<std::string> error_;
};

}  // namespace glass::inspector::app
