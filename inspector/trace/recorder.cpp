// run_recording: see recorder.h.
#include "inspector/trace/recorder.h"

#include <chrono>
#include <vector>

namespace glass::inspector {

namespace {
// Sends what the session queued and appends what it released for the file.
bool pump(UnixSocket& sock, Session& s, TraceWriter& out, std::string& error) {
  const auto rec = s.take_record();
  out.append(rec.data(), rec.size());
  const auto bytes = s.take_outgoing();
  return bytes.empty() || sock.write_all(bytes.data(), bytes.size(), error);
}
}  // namespace

bool run_recording(UnixSocket& sock, Session& s, TraceWriter& out, const RecordLimits& limits,
                   const volatile sig_atomic_t* stop, RecordOutcome& outcome, std::string& error) {
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count());
  };
  s.connect(elapsed_ms());
  if (!pump(sock, s, out, error)) {
    error = "sending HELLO: " + error;
    out.close(TraceEnd::kOpen);
    return false;
  }
  outcome.why = "the kernel closed the stream";
  bool streaming = true;  // the kernel may still be sending: leave with DETACH
  std::vector<uint8_t> buf(65536);
  for (;;) {
    if (stop && *stop) {
      outcome.why = "interrupted";
      break;
    }
    if (limits.duration_ms && elapsed_ms() >= limits.duration_ms) {
      outcome.why = "duration reached";
      break;
    }
    std::string err;
    const long r = sock.read_some(buf.data(), buf.size(), 100, err);
    if (r == -1 || r == -2) {
      if (r == -2) outcome.why = "read error: " + err + " (saving what arrived)";
      streaming = false;
      break;
    }
    if (r > 0)
      s.receive(buf.data(), static_cast<size_t>(r), elapsed_ms());
    else
      s.tick(elapsed_ms());
    if (!pump(sock, s, out, err)) {
      outcome.why = "write error: " + err + " (saving what arrived)";
      streaming = false;
      break;
    }
    if (out.error()) {
      outcome.why = *out.error();
      break;
    }
    if (limits.max_bytes && s.bytes_received() >= limits.max_bytes) {
      outcome.why = "--max-bytes reached";
      break;
    }
  }
  if (!streaming) {
    s.end_of_stream();
    std::string ignored;  // the kernel is gone: nothing more can be sent
    (void)pump(sock, s, out, ignored);
    outcome.end = TraceEnd::kKernelClosed;
    out.close(outcome.end);
    return true;
  }
  std::string ignored;  // best effort from here: the recording is complete either way
  if (s.detach(ignored)) (void)pump(sock, s, out, ignored);
  // Finish the frame in flight, so that the file does not end inside one (a cut frame is a gap
  // to verify). DETACH stops new frames; the one on the wire is at most ~1 KB.
  const uint64_t until = elapsed_ms() + kFinishFrameMs;
  while (!s.on_frame_boundary() && elapsed_ms() < until) {
    const long r = sock.read_some(buf.data(), buf.size(), 50, ignored);
    if (r < 0) break;
    if (r > 0) s.receive(buf.data(), static_cast<size_t>(r), elapsed_ms());
    (void)pump(sock, s, out, ignored);
  }
  s.end_of_stream();
  (void)pump(sock, s, out, ignored);
  outcome.end = TraceEnd::kDetached;
  out.close(outcome.end);
  return true;
}

}  // namespace glass::inspector
