// .glt files. Why raw bytes and not decoded events: a recording must keep damage as it was, so
// `verify` and the decoder see what a live session saw.
#include "inspector/trace/trace_file.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>

#include "protocol/wire.h"

namespace glass::inspector {

namespace {
void put32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void put64(std::vector<uint8_t>& v, uint64_t x) {
  for (int i = 0; i < 8; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
uint64_t get(const std::vector<uint8_t>& v, size_t at, int n) {
  uint64_t x = 0;
  for (int i = 0; i < n; ++i) x |= static_cast<uint64_t>(v[at + i]) << (8 * i);
  return x;
}
}  // namespace

std::vector<uint8_t> trace_header(uint32_t protocol_version, uint64_t start_unix_ns) {
  std::vector<uint8_t> h(kTraceMagic, kTraceMagic + 8);
  put32(h, kTraceFormatVersion);
  put32(h, protocol_version);
  put64(h, start_unix_ns);
  put64(h, 0);
  return h;
}

bool parse_trace(const std::vector<uint8_t>& bytes, TraceFile& out, std::string& error) {
  if (bytes.size() < kTraceHeaderSize) {
    error = "not a Glass trace: " + std::to_string(bytes.size()) + " bytes, shorter than the " +
            std::to_string(kTraceHeaderSize) + "-byte header";
    return false;
  }
  if (std::memcmp(bytes.data(), kTraceMagic, 8) != 0) {
    error = "not a Glass trace: the file does not start with GLASSTRC";
    return false;
  }
  out.format_version = static_cast<uint32_t>(get(bytes, 8, 4));
  if (out.format_version != kTraceFormatVersion) {
    error = "trace file format v" + std::to_string(out.format_version) +
            ", this glass-trace reads v" + std::to_string(kTraceFormatVersion);
    return false;
  }
  out.protocol_version = static_cast<uint32_t>(get(bytes, 12, 4));
  out.start_unix_ns = get(bytes, 16, 8);
  out.stream.assign(bytes.begin() + kTraceHeaderSize, bytes.end());
  return true;
}

bool read_file_bytes(const std::string& path, std::vector<uint8_t>& out, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  if (f.bad()) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool read_trace(const std::string& path, TraceFile& out, std::string& error) {
  std::vector<uint8_t> bytes;
  if (!read_file_bytes(path, bytes, error)) return false;
  if (!parse_trace(bytes, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool write_trace(const std::string& path, const std::vector<uint8_t>& stream, std::string& error) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto h = trace_header(telemetry::kProtocolVersion,
                        std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  f.write(reinterpret_cast<const char*>(h.data()), static_cast<std::streamsize>(h.size()));
  f.write(reinterpret_cast<const char*>(stream.data()),
          static_cast<std::streamsize>(stream.size()));
  if (!f.flush()) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace glass::inspector
