// TraceWriter: see trace_writer.h. Why write(2) per append and no fsync: a killed process loses
// nothing the kernel has accepted (the page cache outlives it); only a host crash could, and a
// recording is not worth an fsync per frame.
#include "inspector/trace/trace_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "protocol/wire.h"

namespace glass::inspector {

TraceWriter::~TraceWriter() {
  if (fd_ >= 0) close(TraceEnd::kHostLeft);
}

bool TraceWriter::open(const std::string& path, std::string& error) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto header = trace_header(
      telemetry::kProtocolVersion,
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()));
  append(header.data(), header.size());
  if (error_) {
    error = *error_;
    return false;
  }
  bytes_ = 0;
  return true;
}

void TraceWriter::fail(const std::string& what) {
  error_ = "recording to " + path_ + " stopped after " + std::to_string(bytes_) + " bytes: " + what;
  ::close(fd_);
  fd_ = -1;
}

void TraceWriter::append(const uint8_t* p, size_t n) {
  size_t off = 0;
  while (fd_ >= 0 && off < n) {
    const ssize_t w = ::write(fd_, p + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return fail(w < 0 ? std::strerror(errno) : "the disk took no bytes");
    off += static_cast<size_t>(w);
    bytes_ += static_cast<uint64_t>(w);
  }
}

void TraceWriter::close(TraceEnd end) {
  if (fd_ < 0) return;
  uint8_t b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(static_cast<uint32_t>(end) >> (8 * i));
  if (::pwrite(fd_, b, sizeof b, static_cast<off_t>(kTraceEndOffset)) != sizeof b)
    return fail(std::string("cannot mark the end: ") + std::strerror(errno));
  if (::close(fd_) != 0) {
    fd_ = -1;
    error_ = "recording to " + path_ + ": close: " + std::strerror(errno);
    return;
  }
  fd_ = -1;
}

}  // namespace glass::inspector
