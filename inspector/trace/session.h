// Session: one host's conversation with a kernel's telemetry channel, with no I/O inside. Every
// host program that talks to a kernel (glass-trace record, the live commands, glass-inspect's
// live source) is an adapter: it moves bytes between a socket and a Session and does what the
// Session hands out. Bytes and the clock go in; epochs with their models, command frames to send,
// snapshot requests (and their retries), notes for a status line, and the raw bytes to record
// come out.
//
// Invariants:
//  - Sans I/O and clock-free: time is the now_ms the caller passes (any monotonic origin).
//  - connect() starts a connection: a fresh StreamDecoder and host frame seq from 0, and a HELLO
//    queued (it asks for the first snapshot, so the model's own "need a snapshot" is not asked
//    again). Everything received is decoded, applied to the epoch of the boot that sent it (a
//    handshake with a new boot id starts an epoch: a reboot), and counted in that epoch.
//  - The model's fall into kNeedSnapshot (a gap, a corrupted frame, a digest mismatch) queues one
//    REQUEST_SNAPSHOT; one that nobody answers is asked again when SnapshotRetry says so. Every
//    request is kept (reason, byte offset, retry or not) in requests().
//  - A handshake of another protocol version stops all asking (version_error() names both
//    versions); the bytes are still handed out for recording.
//  - take_record() hands out the received bytes verbatim, but only up to the last frame
//    delimiter seen: whatever an adapter appends to a file is whole frames. end_of_stream() (the
//    kernel closed it) and detach() + the frame in flight release the rest; nothing received is
//    ever dropped or reordered.
//  - Commands are whole frames, in the order asked, in take_outgoing(); nothing is sent by itself.
//  - Several sessions may later share one kernel channel through a host-side multiplexer: nothing
//    here assumes it owns the socket — a Session only sees the bytes it is given and only asks
//    through take_outgoing().
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inspector/model/stream_decoder.h"
#include "inspector/trace/epochs.h"
#include "inspector/trace/host_framer.h"
#include "inspector/trace/snapshot_retry.h"
#include "protocol/wire.h"

namespace glass::inspector {

struct SentRequest {
  telemetry::SnapshotReason reason = telemetry::SnapshotReason::kGap;
  uint64_t at_byte = 0;  // bytes received in this session when it was sent
  bool retry = false;
  std::string why;  // the model's reason for needing a snapshot
};

[[nodiscard]] const char* snapshot_reason_name(telemetry::SnapshotReason r);

// What changed, for a status line; take_notes() hands them out oldest first.
enum class SessionNote : uint8_t {
  kEpoch,    // a handshake started a new epoch (a new boot)
  kSync,     // the current epoch's model changed sync state
  kRefused,  // the kernel speaks another protocol version (version_error())
};

class Session {
 public:
  static constexpr uint64_t kRetryMs = SnapshotRetry::kRetryMs;

  Session();

  // A new connection (or the first): fresh decoder and host seq; HELLO queued.
  void connect(uint64_t now_ms);
  // Bytes from the kernel.
  void receive(const uint8_t* p, size_t n, uint64_t now_ms);
  // Time passing without bytes: the retry of an unanswered snapshot request.
  void tick(uint64_t now_ms);
  // The kernel's end closed the stream: an unfinished last frame is reported as a gap and its
  // bytes released for recording. The epochs stay; connect() starts the next connection.
  void end_of_stream();

  // Commands to the kernel, queued as frames. false (error set) only if a frame cannot be built.
  [[nodiscard]] bool ping(uint64_t token, std::string& error);
  [[nodiscard]] bool walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error);
  [[nodiscard]] bool demo_control(telemetry::MsgType t, std::string& error);  // pause/step/resume
  // DETACH: the kernel stops streaming until the next HELLO; nothing more is asked, but bytes
  // still received (the frame in flight) are applied and recorded.
  [[nodiscard]] bool detach(std::string& error);

  [[nodiscard]] std::vector<uint8_t> take_outgoing();
  [[nodiscard]] std::vector<uint8_t> take_record();
  [[nodiscard]] std::vector<SessionNote> take_notes();

  [[nodiscard]] bool connected() const { return decoder_ != nullptr; }
  [[nodiscard]] bool detached() const { return detached_; }
  // No received byte is waiting for its frame's end (the record is whole frames so far).
  [[nodiscard]] bool on_frame_boundary() const { return pending_record_.empty(); }
  [[nodiscard]] const EpochList& epochs() const { return epochs_; }
  // The epoch events go to now (the latest); an empty model before anything arrived.
  [[nodiscard]] const StateModel& model() const;
  [[nodiscard]] const std::optional<std::string>& version_error() const { return version_error_; }
  [[nodiscard]] const std::vector<SentRequest>& requests() const { return requests_; }
  [[nodiscard]] uint64_t snapshot_retries() const { return snapshot_retries_; }
  [[nodiscard]] uint64_t bytes_received() const { return bytes_received_; }
  [[nodiscard]] uint64_t connections() const { return connections_; }
  // Answers counted as they are applied, so a caller can wait for "one more than before".
  [[nodiscard]] uint64_t demo_states() const { return demo_states_; }
  [[nodiscard]] uint64_t walk_results() const { return walk_results_; }
  // Decoder statistics of the current connection (none before connect()).
  [[nodiscard]] const StreamDecoder* decoder() const { return decoder_.get(); }

 private:
  void apply(std::vector<StreamItem>& items);
  [[nodiscard]] bool send(const HostFramer::Encode& encode, std::string& error);
  void request(telemetry::SnapshotReason why, bool retry, uint64_t now_ms);
  void release_record(bool all);

  std::unique_ptr<StreamDecoder> decoder_;
  HostFramer framer_;
  EpochList epochs_;
  StateModel empty_;
  SnapshotRetry retry_;
  std::optional<std::string> version_error_;
  std::optional<Sync> last_sync_;
  bool detached_ = false;
  std::vector<uint8_t> outgoing_;
  std::vector<uint8_t> record_, pending_record_;
  std::vector<SessionNote> notes_;
  std::vector<SentRequest> requests_;
  std::vector<StreamItem> items_;  // reused per receive()
  uint64_t snapshot_retries_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t connections_ = 0;
  uint64_t demo_states_ = 0;
  uint64_t walk_results_ = 0;
};

}  // namespace glass::inspector
