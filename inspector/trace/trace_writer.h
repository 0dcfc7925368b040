// TraceWriter: a .glt file written as the bytes arrive, so a recorder that is killed (kill -9, a
// crash, a power cut of the host process) leaves everything it had appended, readable.
//
// Invariants:
//  - open() writes the header with TraceEnd kOpen; append() hands the bytes to the kernel at once
//    (write(2), no user-space buffer), so after each append() returns the file holds them. Callers
//    that append whole frames (Session::take_record) leave a valid trace after every append.
//  - close(end) writes how the recording ended into the header (the only byte ever rewritten)
//    and closes; the destructor of a writer still open closes it as kHostLeft.
//  - The first write error stops the writer and is kept in error(); bytes are never silently
//    skipped while it is open. Move-only owner of its descriptor.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <optional>
#include <string>

#include "inspector/trace/trace_file.h"

namespace glass::inspector {

class TraceWriter {
 public:
  TraceWriter() = default;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;
  ~TraceWriter();

  [[nodiscard]] bool open(const std::string& path, std::string& error);
  void append(const uint8_t* p, size_t n);
  void close(TraceEnd end);
  // Kept for callers that flushed a buffered writer: appends are already in the file.
  void flush() {}

  [[nodiscard]] bool recording() const { return fd_ >= 0; }
  [[nodiscard]] uint64_t bytes() const { return bytes_; }  // body bytes appended
  [[nodiscard]] const std::optional<std::string>& error() const { return error_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void fail(const std::string& what);

  int fd_ = -1;
  std::string path_;
  uint64_t bytes_ = 0;
  std::optional<std::string> error_;
};

}  // namespace glass::inspector
