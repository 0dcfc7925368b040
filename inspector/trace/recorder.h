// Recorder: glass-trace record's engine. It keeps the kernel's bytes verbatim (the .glt body) and
// meanwhile feeds them to a StateModel, so that a recording repairs itself: whenever the model
// falls out of sync (a gap, a corrupted frame, a digest mismatch, an event that contradicts it)
// the recorder asks the kernel for a new snapshot with one REQUEST_SNAPSHOT frame.
//
// Invariants:
//  - stream() is exactly the bytes received, in order: the model never changes what is saved.
//  - Sans I/O: bytes come in, command frames go out (appended to the caller's buffer), time is
//    passed in. run_recording() is the only part that touches a socket.
//  - One request per fall into kNeedSnapshot (the model's take_snapshot_request()), plus the
//    retry SnapshotRetry says is due (a request lost on the way must not leave a recording
//    unsynced).
//  - Every request sent is kept (reason, stream offset) for the summary.
#pragma once

#include <signal.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/host_framer.h"
#include "inspector/trace/snapshot_retry.h"
#include "inspector/trace/unix_socket.h"

namespace glass::inspector {

struct SentRequest {
  telemetry::SnapshotReason reason = telemetry::SnapshotReason::kGap;
  uint64_t at_byte = 0;  // stream bytes received when it was sent
  bool retry = false;
  std::string why;  // the model's reason for needing a snapshot
};

[[nodiscard]] const char* snapshot_reason_name(telemetry::SnapshotReason r);

class Recorder {
 public:
  static constexpr uint64_t kRetryMs = SnapshotRetry::kRetryMs;

  // The HELLO that starts a recording (it asks for the first snapshot).
  [[nodiscard]] bool start(uint64_t now_ms, std::vector<uint8_t>& to_kernel, std::string& error);
  // Bytes from the kernel: saved, decoded, applied; a snapshot request the model yields becomes
  // one frame in to_kernel.
  [[nodiscard]] bool on_bytes(const uint8_t* p, size_t n, uint64_t now_ms,
                              std::vector<uint8_t>& to_kernel, std::string& error);
  // Time passing without bytes: the retry of an unanswered request.
  [[nodiscard]] bool on_tick(uint64_t now_ms, std::vector<uint8_t>& to_kernel, std::string& error);
  // DETACH: the kernel stops streaming until the next HELLO.
  [[nodiscard]] bool stop(std::vector<uint8_t>& to_kernel, std::string& error);
  // Bytes after stop() (the rest of the frame in flight): saved and applied, nothing asked.
  void finish_bytes(const uint8_t* p, size_t n) { absorb(p, n); }
  // The saved stream ends with a frame delimiter (or is empty).
  [[nodiscard]] bool ends_on_frame_boundary() const;

  [[nodiscard]] const std::vector<uint8_t>& stream() const { return stream_; }
  [[nodiscard]] const StateModel& model() const { return model_; }
  [[nodiscard]] const std::vector<SentRequest>& requests() const { return requests_; }
  [[nodiscard]] const std::optional<std::string>& version_error() const {
    return decoder_.version_error();
  }

 private:
  void absorb(const uint8_t* p, size_t n);
  [[nodiscard]] bool request(telemetry::SnapshotReason why, bool retry, uint64_t now_ms,
                             std::vector<uint8_t>& to_kernel, std::string& error);

  StreamDecoder decoder_;
  StateModel model_;
  HostFramer framer_;
  std::vector<uint8_t> stream_;
  std::vector<StreamItem> items_;
  std::vector<SentRequest> requests_;
  SnapshotRetry retry_;
};

struct RecordLimits {
  uint64_t duration_ms = 0;  // 0: until the stream ends
  uint64_t max_bytes = 0;    // 0: no limit
};

// How long a recorder that leaves early waits for the frame in flight to end.
inline constexpr uint64_t kFinishFrameMs = 1000;

// Connected socket in, recording out: sends HELLO, then reads until the kernel closes the stream,
// a limit is reached or *stop becomes non-zero, forwarding the recorder's requests; a kernel left
// while still streaming gets a DETACH, and the frame in flight is read to its end. Returns false
// only when nothing could be sent (error set); `why` says how the recording ended ("read error:
// ..." keeps what arrived).
[[nodiscard]] bool run_recording(UnixSocket& sock, Recorder& rec, const RecordLimits& limits,
                                 const volatile sig_atomic_t* stop, std::string& why,
                                 std::string& error);

}  // namespace glass::inspector
