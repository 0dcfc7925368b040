// .glt trace files: a 32-byte header, then the kernel's telemetry bytes exactly as they came off
// the wire (frames, damage and all), so replaying a file is replaying the session.
//
// Invariants: the header is "GLASSTRC", u32 LE file format version (1), u32 LE protocol version of
// the recorder, u64 LE recording start (Unix ns), u64 reserved (0). A file that is shorter than
// the header, has another magic or a newer format is refused with a sentence saying which;
// a body cut short is not an error here (the stream decoder reports the partial last frame).
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace glass::inspector {

inline constexpr char kTraceMagic[8] = {'G', 'L', 'A', 'S', 'S', 'T', 'R', 'C'};
inline constexpr uint32_t kTraceFormatVersion = 1;
inline constexpr size_t kTraceHeaderSize = 32;

struct TraceFile {
  uint32_t format_version = kTraceFormatVersion;
  uint32_t protocol_version = 0;
  uint64_t start_unix_ns = 0;
  std::vector<uint8_t> stream;
};

[[nodiscard]] std::vector<uint8_t> trace_header(uint32_t protocol_version, uint64_t start_unix_ns);
// Parse an in-memory file; on failure returns false and sets `error`.
[[nodiscard]] bool parse_trace(const std::vector<uint8_t>& bytes, TraceFile& out,
                               std::string& error);
// The whole file, unparsed (a damaged trace is still worth its good frames to a replay).
[[nodiscard]] bool read_file_bytes(const std::string& path, std::vector<uint8_t>& out,
                                   std::string& error);
[[nodiscard]] bool read_trace(const std::string& path, TraceFile& out, std::string& error);
[[nodiscard]] bool write_trace(const std::string& path, const std::vector<uint8_t>& stream,
                               std::string& error);

}  // namespace glass::inspector
