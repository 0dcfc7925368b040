// .glt trace files: a 32-byte header, then the kernel's telemetry bytes exactly as they came off
// the wire (frames, damage and all), so replaying a file is replaying the session.
//
// Invariants:
//  - The header is "GLASSTRC", u32 LE file format version (1), u32 LE protocol version of the
//    recorder, u64 LE recording start (Unix ns), u32 LE how the recording ended (TraceEnd; 0 while
//    it is being written, so a recorder killed mid-way leaves kOpen), u32 reserved (0). Files of
//    format 1 written before TraceEnd existed hold 0 there: "not closed", which is all they can
//    say.
//  - A file is refused, in one sentence naming the path, without reading more than its header
//    when it is a directory or not a regular file (a device: /dev/zero never ends), empty,
//    shorter than the header, of another magic, of another file format or of another protocol
//    version (both versions named, and the reader by its own name).
//  - A body cut short is not an error here (the stream decoder reports the partial last frame);
//    whether the recording said goodbye is TraceEnd's business (trace_end.h).
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace glass::inspector {

inline constexpr char kTraceMagic[8] = {'G', 'L', 'A', 'S', 'S', 'T', 'R', 'C'};
inline constexpr uint32_t kTraceFormatVersion = 1;
inline constexpr size_t kTraceHeaderSize = 32;
inline constexpr size_t kTraceEndOffset = 24;  // where TraceEnd lives in the header

// How a recording ended, written into the header when the writer closes the file.
enum class TraceEnd : uint32_t {
  kOpen = 0,          // never closed: the recorder was killed (or the file predates TraceEnd)
  kDetached = 1,      // the host said DETACH and kept the frame in flight to its end: a goodbye
  kKernelClosed = 2,  // the kernel's end closed the stream (QEMU exited or was killed)
  kWhole = 3,         // written in one piece (synth, --save): complete by construction
  kHostLeft = 4,      // the host closed the file while attached (the inspector quit)
};
inline constexpr uint32_t kMaxTraceEnd = 4;

struct TraceFile {
  uint32_t format_version = kTraceFormatVersion;
  uint32_t protocol_version = 0;
  uint64_t start_unix_ns = 0;
  TraceEnd end = TraceEnd::kOpen;
  std::vector<uint8_t> stream;
};

[[nodiscard]] std::vector<uint8_t> trace_header(uint32_t protocol_version, uint64_t start_unix_ns,
                                                TraceEnd end = TraceEnd::kOpen);
// Checks a header (the first kTraceHeaderSize bytes or fewer); `reader` names the program in a
// version refusal ("this glass-inspect reads v1").
[[nodiscard]] bool check_trace_header(const uint8_t* p, size_t n, const char* reader,
                                      std::string& error);
// The TraceEnd field of a header already checked by check_trace_header().
[[nodiscard]] TraceEnd trace_end_in_header(const uint8_t* header);
// Parse an in-memory file; on failure returns false and sets `error`.
[[nodiscard]] bool parse_trace(const std::vector<uint8_t>& bytes, TraceFile& out,
                               std::string& error, const char* reader = "this reader");
// The whole file, header included, after checking what it is and its header (a damaged body is
// still worth its good frames to a replay). Errors name the path.
[[nodiscard]] bool read_trace_bytes(const std::string& path, const char* reader,
                                    std::vector<uint8_t>& out, std::string& error);
[[nodiscard]] bool read_trace(const std::string& path, TraceFile& out, std::string& error,
                              const char* reader = "glass-trace");
// Writes a whole trace at once (synth, --save): TraceEnd kWhole unless told otherwise.
[[nodiscard]] bool write_trace(const std::string& path, const std::vector<uint8_t>& stream,
                               std::string& error, TraceEnd end = TraceEnd::kWhole);

}  // namespace glass::inspector
