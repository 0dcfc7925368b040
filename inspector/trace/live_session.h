// LiveSession: the live commands' socket adapter over Session (session.h): a host attached to a
// running kernel's telemetry socket that sends commands and waits for their answers, the model
// kept current meanwhile. glass-trace's ping, walk, memcheck, pause, step and resume use it.
//
// Invariants:
//  - attach() sends HELLO and returns only once the model is synced (a snapshot whose digest
//    matched), or fails with a sentence; every wait has a deadline and ends in an error message,
//    never a hang. Waits are event-driven: they return as soon as the awaited answer is applied.
//  - Everything the Session asks (snapshot requests, their retries) is sent as it asks.
//  - With save_to(), every byte received is appended to that .glt as it arrives (whole frames);
//    the file is closed as kHostLeft when the session ends (no DETACH: a paused demo stays paused).
#pragma once

#include <stdint.h>

#include <functional>
#include <optional>
#include <string>

#include "inspector/trace/session.h"
#include "inspector/trace/trace_writer.h"
#include "inspector/trace/unix_socket.h"

namespace glass::inspector {

class LiveSession {
 public:
  explicit LiveSession(int timeout_ms) : timeout_ms_(timeout_ms) {}

  // Before attach(): save the stream received to this .glt.
  [[nodiscard]] bool save_to(const std::string& path, std::string& error);
  [[nodiscard]] bool attach(const std::string& socket_path, std::string& error);
  [[nodiscard]] bool send_ping(uint64_t token, std::string& error);
  [[nodiscard]] bool send_walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error);
  [[nodiscard]] bool send_control(telemetry::MsgType t, std::string& error);
  // Reads and applies the stream until done() is true (checked after every batch of events), the
  // deadline passes (error says what was awaited) or the stream ends.
  [[nodiscard]] bool wait_for(const std::function<bool()>& done, const std::string& what,
                              std::string& error);

  [[nodiscard]] const StateModel& model() const { return session_.model(); }
  [[nodiscard]] uint64_t demo_states() const { return session_.demo_states(); }
  [[nodiscard]] uint64_t walk_results() const { return session_.walk_results(); }
  [[nodiscard]] const Session& session() const { return session_; }
  // The --save file's write error, if any.
  [[nodiscard]] std::optional<std::string> save_error() const;

 private:
  [[nodiscard]] bool pump(std::string& error);
  [[nodiscard]] uint64_t now_ms() const;

  int timeout_ms_;
  UnixSocket sock_;
  Session session_;
  std::optional<TraceWriter> save_;
};

}  // namespace glass::inspector
