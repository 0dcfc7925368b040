// TraceCut: see trace_end.h.
#include "inspector/trace/trace_end.h"

namespace glass::inspector {

const char* trace_end_name(TraceEnd e) {
  switch (e) {
    case TraceEnd::kOpen:
      return "open";
    case TraceEnd::kDetached:
      return "detached";
    case TraceEnd::kKernelClosed:
      return "kernel-closed";
    case TraceEnd::kWhole:
      return "whole";
    case TraceEnd::kHostLeft:
      return "host-left";
  }
  return "?";
}

std::string TraceCut::sentence() const {
  std::string s = "cut at byte " + std::to_string(at_byte) + " (after " + std::to_string(frames) +
                  " whole frames";
  if (last_seq) s += ", last seq " + std::to_string(*last_seq);
  return s + "): " + why;
}

std::optional<TraceCut> trace_cut_at(TraceEnd end, uint64_t body_bytes, uint64_t frames,
                                     std::optional<uint32_t> last_seq, uint64_t truncated_bytes) {
  TraceCut c;
  c.at_byte = kTraceHeaderSize + body_bytes - truncated_bytes;
  c.frames = frames;
  c.last_seq = last_seq;
  switch (end) {
    case TraceEnd::kOpen:
      c.why = "the recording was never closed (the recorder was killed, or wrote no end mark)";
      return c;
    case TraceEnd::kKernelClosed:
      c.why = "the kernel's end closed the stream without a goodbye (QEMU exited or was killed)";
      return c;
    case TraceEnd::kDetached:
    case TraceEnd::kWhole:
    case TraceEnd::kHostLeft:
      break;
  }
  if (truncated_bytes == 0) return std::nullopt;
  c.why = "the stream ends inside a frame (" + std::to_string(truncated_bytes) +
          " bytes after the last whole frame)";
  return c;
}

}  // namespace glass::inspector
