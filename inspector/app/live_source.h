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
//  - Everything about the conversation (HELLO, decoding, epochs, snapshot requests and their
//    retries, what to record) is the Session's (inspector/trace/session.h), shared with
//    glass-trace: this class is its socket adapter and turns the Session's notes into status.
//  - Every state change appends one line to transitions() (status-file lines for tests).
//  - --record appends whole frames as they arrive (TraceWriter); the file is closed as
//    kKernelClosed if the last connection was ended by the kernel's side, else kHostLeft.
#pragma once

#include <stdint.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inspector/app/epoch_list.h"
#include "inspector/trace/session.h"
#include "inspector/trace/trace_writer.h"
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
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;
  ~LiveSource();

  void poll(Clock::time_point now);

  [[nodiscard]] LinkState state() const { return state_; }
  // One sentence for the status bar: "waiting for the kernel at PATH", "disconnected ...".
  [[nodiscard]] const std::string& status() const { return status_; }
  [[nodiscard]] const std::string& socket_path() const { return path_; }
  [[nodiscard]] const EpochList& epochs() const { return session_.epochs(); }
  [[nodiscard]] uint64_t connections() const { return session_.connections(); }
  // REQUEST_SNAPSHOT frames sent again because the kernel had not answered in time.
  [[nodiscard]] uint64_t snapshot_retries() const { return session_.snapshot_retries(); }
  [[nodiscard]] const Session& session() const { return session_; }

  // Commands to the kernel (false + error when not attached or the write failed).
  [[nodiscard]] bool send_walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error);

  // Record every byte from now on (--record).
  [[nodiscard]] bool start_recording(const std::string& path, std::string& error);
  [[nodiscard]] const TraceWriter& recorder() const { return recorder_; }

  // Changes whenever something happened that may change the picture: the link state or status,
  // a connection, an epoch, bytes received or recorded (an idle window redraws on it).
  [[nodiscard]] uint64_t change_key() const;

  // Lines describing each state change since the last call, oldest first.
  [[nodiscard]] std::vector<std::string> take_transitions();

 private:
  void try_connect(Clock::time_point now);
  void read_available(Clock::time_point now);
  // Sends what the session queued, records what it released, turns its notes into status.
  void pump(Clock::time_point now);
  void lost(const std::string& why, Clock::time_point now);
  void set_state(LinkState s, std::string status);
  void note(const std::string& what);
  [[nodiscard]] std::string summary() const;

  std::string path_;
  LinkState state_ = LinkState::kWaiting;
  std::string status_;
  std::optional<UnixSocket> sock_;
  Session session_;
  TraceWriter recorder_;
  TraceEnd record_end_ = TraceEnd::kHostLeft;
  Clock::time_point next_try_{};
  std::vector<std::string> transitions_;
  std::vector<uint8_t> buf_;  // read buffer, reused every poll
};

}  // namespace glass::inspector::app
