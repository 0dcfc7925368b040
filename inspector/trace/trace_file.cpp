// .glt files. Why raw bytes and not decoded events: a recording must keep damage as it was, so
// `verify` and the decoder see what a live session saw. Why fstat before reading: a path may name
// a directory or a device that never ends (/dev/zero); only a regular file is read, and its
// header is checked before the body is.
#include "inspector/trace/trace_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "inspector/trace/trace_writer.h"
#include "protocol/wire.h"

namespace glass::inspector {

namespace {
void put32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void put64(std::vector<uint8_t>& v, uint64_t x) {
  for (int i = 0; i < 8; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
uint64_t get(const uint8_t* v, size_t at, int n) {
  uint64_t x = 0;
  for (int i = 0; i < n; ++i) x |= static_cast<uint64_t>(v[at + i]) << (8 * i);
  return x;
}

// Reads exactly n bytes unless the file ends first; false on a read error.
bool read_up_to(int fd, uint8_t* p, size_t n, size_t& got) {
  got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, p + got, n - got);
    if (r == 0) return true;
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += static_cast<size_t>(r);
  }
  return true;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};
}  // namespace

std::vector<uint8_t> trace_header(uint32_t protocol_version, uint64_t start_unix_ns, TraceEnd end) {
  std::vector<uint8_t> h(kTraceMagic, kTraceMagic + 8);
  put32(h, kTraceFormatVersion);
  put32(h, protocol_version);
  put64(h, start_unix_ns);
  put32(h, static_cast<uint32_t>(end));
  put32(h, 0);
  return h;
}

bool check_trace_header(const uint8_t* p, size_t n, const char* reader, std::string& error) {
  if (n == 0) {
    error = "not a Glass trace: the file is empty";
    return false;
  }
  if (n < kTraceHeaderSize) {
    error = "not a Glass trace: " + std::to_string(n) + " bytes, shorter than the " +
            std::to_string(kTraceHeaderSize) + "-byte header";
    return false;
  }
  if (std::memcmp(p, kTraceMagic, 8) != 0) {
    error = "not a Glass trace: the file does not start with GLASSTRC";
    return false;
  }
  const auto format = static_cast<uint32_t>(get(p, 8, 4));
  if (format != kTraceFormatVersion) {
    error = "trace file format v" + std::to_string(format) + ", " + reader + " reads v" +
            std::to_string(kTraceFormatVersion);
    return false;
  }
  const auto protocol = static_cast<uint32_t>(get(p, 12, 4));
  if (protocol != telemetry::kProtocolVersion) {
    error = "trace recorded with telemetry protocol v" + std::to_string(protocol) + ", " + reader +
            " reads v" + std::to_string(telemetry::kProtocolVersion);
    return false;
  }
  return true;
}

TraceEnd trace_end_in_header(const uint8_t* header) {
  const auto end = static_cast<uint32_t>(get(header, kTraceEndOffset, 4));
  return end <= kMaxTraceEnd ? static_cast<TraceEnd>(end) : TraceEnd::kOpen;
}

bool parse_trace(const std::vector<uint8_t>& bytes, TraceFile& out, std::string& error,
                 const char* reader) {
  if (!check_trace_header(bytes.data(), bytes.size(), reader, error)) return false;
  out.format_version = static_cast<uint32_t>(get(bytes.data(), 8, 4));
  out.protocol_version = static_cast<uint32_t>(get(bytes.data(), 12, 4));
  out.start_unix_ns = get(bytes.data(), 16, 8);
  out.end = trace_end_in_header(bytes.data());
  out.stream.assign(bytes.begin() + kTraceHeaderSize, bytes.end());
  return true;
}

bool read_trace_bytes(const std::string& path, const char* reader, std::vector<uint8_t>& out,
                      std::string& error) {
  // O_NONBLOCK: opening a FIFO nobody writes must not hang; it is refused below anyway.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = path + " is a directory, not a Glass trace";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = path + " is not a regular file (a device, pipe or socket), not a Glass trace";
    return false;
  }
  uint8_t header[kTraceHeaderSize];
  size_t got = 0;
  if (!read_up_to(fd.get(), header, sizeof header, got)) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  if (!check_trace_header(header, got, reader, error)) {
    error = path + ": " + error;
    return false;
  }
  // The size fstat saw bounds the read: a file that grows meanwhile (a recording in progress) is
  // read as it was.
  const auto size = static_cast<size_t>(st.st_size);
  out.assign(header, header + got);
  if (size > got) {
    out.resize(size);
    size_t body = 0;
    if (!read_up_to(fd.get(), out.data() + got, size - got, body)) {
      error = "cannot read " + path + ": " + std::strerror(errno);
      return false;
    }
    out.resize(got + body);
  }
  return true;
}

bool read_trace(const std::string& path, TraceFile& out, std::string& error, const char* reader) {
  std::vector<uint8_t> bytes;
  if (!read_trace_bytes(path, reader, bytes, error)) return false;
  if (!parse_trace(bytes, out, error, reader)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool write_trace(const std::string& path, const std::vector<uint8_t>& stream, std::string& error,
                 TraceEnd end) {
  TraceWriter w;
  if (!w.open(path, error)) return false;
  w.append(stream.data(), stream.size());
  w.close(end);
  if (w.error()) {
    error = *w.error();
    return false;
  }
  return true;
}

}  // namespace glass::inspector
