// run_recording: glass-trace record, the socket adapter over Session (session.h). It keeps the
// kernel's bytes verbatim in a .glt file, appended as they arrive, and meanwhile lets the Session
// repair the recording: whenever the model falls out of sync (a gap, a corrupted frame, a digest
// mismatch) the Session's REQUEST_SNAPSHOT frames are sent.
//
// Invariants:
//  - The file body is exactly the bytes received, in order, appended whole frames at a time
//    (Session::take_record): a recorder killed at any moment leaves a trace that is valid up to
//    its last whole frame, with TraceEnd kOpen in its header (verify says it was cut, and where).
//  - A kernel left while still streaming gets a DETACH, and the frame in flight is read to its
//    end (at most kFinishFrameMs) so the file ends on a frame boundary: TraceEnd kDetached.
//  - A stream the kernel's end closed is marked kKernelClosed (the kernel sends no goodbye).
#pragma once

#include <signal.h>
#include <stdint.h>

#include <string>

#include "inspector/trace/session.h"
#include "inspector/trace/trace_file.h"
#include "inspector/trace/trace_writer.h"
#include "inspector/trace/unix_socket.h"

namespace glass::inspector {

struct RecordLimits {
  uint64_t duration_ms = 0;  // 0: until the stream ends
  uint64_t max_bytes = 0;    // 0: no limit
};

// How long a recorder that leaves early waits for the frame in flight to end.
inline constexpr uint64_t kFinishFrameMs = 1000;

struct RecordOutcome {
  std::string why;  // "duration reached", "the kernel closed the stream", "read error: ..."
  TraceEnd end = TraceEnd::kOpen;
};

// Connected socket in, recording out (the writer open, its header written): sends HELLO, then
// reads until the kernel closes the stream, a limit is reached or *stop becomes non-zero,
// forwarding the session's requests, appending to `out` as it goes, and closes `out` with how it
// ended. Returns false only when nothing could be sent (error set).
[[nodiscard]] bool run_recording(UnixSocket& sock, Session& session, TraceWriter& out,
                                 const RecordLimits& limits, const volatile sig_atomic_t* stop,
                                 RecordOutcome& outcome, std::string& error);

}  // namespace glass::inspector
