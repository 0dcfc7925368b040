// LiveSession: a host attached to a running kernel's telemetry socket that sends commands and
// waits for their answers, keeping a StateModel current meanwhile. glass-trace's ping, walk,
// pause, step and resume commands are built on it.
//
// Invariants:
//  - attach() sends HELLO and returns only once the model is synced (a snapshot whose digest
//    matched), or fails with a sentence; every wait has a deadline and ends in an error message,
//    never a hang. Waits are event-driven: they return as soon as the awaited answer is applied.
//  - Host frames carry their own seq from 0 per session; every command is one whole frame.
//  - The model forwards its snapshot requests (a gap, a mismatch) as REQUEST_SNAPSHOT.
#pragma once

#include <stdint.h>

#include <functional>
#include <string>
#include <vector>

#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/host_framer.h"
#include "inspector/trace/unix_socket.h"

namespace glass::inspector {

class LiveSession {
 public:
  explicit LiveSession(int timeout_ms) : timeout_ms_(timeout_ms) {}

  [[nodiscard]] bool attach(const std::string& socket_path, std::string& error);
  // One command per frame. kPing/kWalk take their fields from the arguments.
  [[nodiscard]] bool send_ping(uint64_t token, std::string& error);
  [[nodiscard]] bool send_walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error);
  [[nodiscard]] bool send_control(telemetry::MsgType t, std::string& error);
  // Reads and applies the stream until done() is true (checked after every batch of events), the
  // deadline passes (error says what was awaited) or the stream ends.
  [[nodiscard]] bool wait_for(const std::function<bool()>& done, const std::string& what,
                              std::string& error);

  [[nodiscard]] const StateModel& model() const { return model_; }
  [[nodiscard]] uint64_t demo_states() const { return demo_states_; }
  [[nodiscard]] uint64_t walk_results() const { return walk_results_; }
  // Every byte received so far, as a .glt would hold it.
  [[nodiscard]] const std::vector<uint8_t>& received() const { return received_; }

 private:
  [[nodiscard]] bool send_frame(const HostFramer::Encode& f, std::string& error);

  int timeout_ms_;
  UnixSocket sock_;
  StreamDecoder decoder_;
  StateModel model_;
  HostFramer framer_;
  uint64_t demo_states_ = 0;
  uint64_t walk_results_ = 0;
  std::vector<uint8_t> received_;
};

}  // namespace glass::inspector
