// LiveSource: the inspector attached to a kernel's telemetry socket without ever blocking the UI.
// poll() is called once per UI frame; it connects when due, reads what is there (non-blocking,
// bounded per call), applies it to the current epoch's model and forwards the model's snapshot
// requests.
//
// States: kWaiting (no kernel at the path: "waiting for the kernel at PATH", retried every
// kRetryMs) -> kAttached (HELLO sent; the model syncs from the kernel's snapshot) ->
// kDisconnected (the stream ended: the last state is kept and shown, retried like kWaiting) ->
// kAttached ... A kernel of another protocol version is kRefused (the message says both
// versions), retried more slowly in case the kernel is rebuilt.
//
// Invariants:
//  - Never blocks: connect() on a unix socket either succeeds or fails at once; reads poll with a
//    zero timeout; at most kMaxBytesPerPoll are taken per call.
//  - A snapshot request (the HELLO's or a later one) that the kernel never answers is sent again
//    when SnapshotRetry (shared with glass-trace record) says it is due: a lost request must not
//    leave the picture unsynced for good.
//  - Every connection gets a fresh StreamDecoder and its own host seq from 0; a handshake picks
//    the epoch (EpochList) whose model the following events update.
//  - Every state change appends one line to transitions() (status-file lines for tests).
//  - UnixSocket, HostFramer, StreamDecoder, StateModel and the encoder belong to inspector/trace,
//    inspector/model and kernel/telemetry: this class only sequences them.
#pragma once

#include <stdint.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inspector/app/epoch_list.h"
#include "inspector/app/trace_recorder.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/host_framer.h"
#include "inspector/trace/snapshot_retry.h"
#include "inspector/trace/unix_socket.h"

namespace glass::inspector::app {

enum class LinkState : uint8_t { kWaiting, kAttached, kDisconnected, kRefused };
[[nodiscard]] const char* link_state_name(LinkState s);

class LiveSource {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kRetryMs = 250;
  static constexpr int kRefusedRetryMs = 3000;
  static constexpr size_t kMaxBytesPerPoll = 4u << 20;

  explicit LiveSource(std::string socket_path);

  void poll(Clock::time_point now);

  [[nodiscard]] LinkState state() const { return state_; }
  // One sentence for the status bar: "waiting for the kernel at PATH", "disconnected ...".
  [[nodiscard]] const std::string& status() const { return status_; }
  [[nodiscard]] const std::string& socket_path() const { return path_; }
  [[nodiscard]] const EpochList& epochs() const { return epochs_; }
  [[nodiscard]] uint64_t connections() const { return connections_; }
  // REQUEST_SNAPSHOT frames sent again because the kernel had not answered in time.
  [[nodiscard]] uint64_t snapshot_retries() const { return snapshot_retries_; }

  // Commands to the kernel (false + error when not attached or the write failed).
  [[nodiscard]] bool send_walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error);

  // Record every byte from now on (--record).
  [[nodiscard]] bool start_recording(const std::string& path, std::string& error);
  [[nodiscard]] const TraceRecorder& recorder() const { return recorder_; }

  // Lines describing each state change since the last call, oldest first.
  [[nodiscard]] std::vector<std::string> take_transitions();

 private:
  void try_connect(Clock::time_point now);
  void read_available(Clock::time_point now);
  void apply(std::vector<StreamItem>& items, Clock::time_point now);
  void request_snapshot(telemetry::SnapshotReason why, Clock::time_point now);
  void retry_snapshot(Clock::time_point now);
  void lost(const std::string& why, Clock::time_point now);
  void set_state(LinkState s, std::string status);
  void note(const std::string& what);
  [[nodiscard]] bool send(const HostFramer::Encode& encode, std::string& error);
  [[nodiscard]] std::string summary() const;

  std::string path_;
  LinkState state_ = LinkState::kWaiting;
  std::string status_;
  std::optional<UnixSocket> sock_;
  std::unique_ptr<StreamDecoder> decoder_;
  EpochList epochs_;
  TraceRecorder recorder_;
  std::unique_ptr<HostFramer> framer_;
  uint64_t connections_ = 0;
  uint64_t snapshot_retries_ = 0;
  SnapshotRetry retry_;
  Clock::time_point next_try_{};
  std::optional<Sync> last_sync_;
  std::vector<std::string> transitions_;
  std::vector<uint8_t> buf_;  // read buffer, reused every poll
};

}  // namespace glass::inspector::app
