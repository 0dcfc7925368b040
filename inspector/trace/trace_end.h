// TraceCut: where and why a recording stops without a goodbye. One definition for glass-trace
// verify and dump and the inspector's replay, so all three say the same sentence.
//
// Invariants: a trace is complete when its header says it ended with a goodbye (kDetached: the
// host said DETACH and kept the frame in flight; kWhole: written in one piece; kHostLeft: the host
// chose to stop) and its body ends on a frame boundary. Anything else is cut, and the sentence
// says where (the file offset just after the last whole frame, how many whole frames came before
// it, the last sequence number) and why (never closed: the recorder was killed; the kernel
// closed the stream: QEMU exited or was killed, the kernel sends no goodbye; the body ends
// inside a frame).
#pragma once

#include <stdint.h>

#include <optional>
#include <string>

#include "inspector/trace/trace_file.h"

namespace glass::inspector {

struct TraceCut {
  uint64_t at_byte = 0;  // file offset after the last whole frame
  uint64_t frames = 0;   // whole frames before it
  std::optional<uint32_t> last_seq;
  std::string why;
  [[nodiscard]] std::string sentence() const;
};

[[nodiscard]] const char* trace_end_name(TraceEnd e);

// frames / last_seq / truncated_bytes: what the StreamDecoder made of the body (body_bytes long).
[[nodiscard]] std::optional<TraceCut> trace_cut_at(TraceEnd end, uint64_t body_bytes,
                                                   uint64_t frames,
                                                   std::optional<uint32_t> last_seq,
                                                   uint64_t truncated_bytes);
[[nodiscard]] inline std::optional<TraceCut> trace_cut(const TraceFile& f, uint64_t frames,
                                                       std::optional<uint32_t> last_seq,
                                                       uint64_t truncated_bytes) {
  return trace_cut_at(f.end, f.stream.size(), frames, last_seq, truncated_bytes);
}

}  // namespace glass::inspector
