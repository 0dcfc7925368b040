// LiveSession: see live_session.h.
#include "inspector/trace/live_session.h"

#include <chrono>

#include "inspector/model/event_text.h"

namespace glass::inspector {

uint64_t LiveSession::now_ms() const {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

std::optional<std::string> LiveSession::save_error() const {
  if (save_ && save_->error()) return save_->error();
  return std::nullopt;
}

bool LiveSession::save_to(const std::string& path, std::string& error) {
  save_.emplace();
  return save_->open(path, error);
}

bool LiveSession::pump(std::string& error) {
  if (save_) {
    const auto rec = session_.take_record();
    save_->append(rec.data(), rec.size());
  }
  const auto out = session_.take_outgoing();
  return out.empty() || sock_.write_all(out.data(), out.size(), error);
}

bool LiveSession::attach(const std::string& socket_path, std::string& error) {
  if (!sock_.connect(socket_path, error)) return false;
  session_.connect(now_ms());
  if (!pump(error)) return false;
  return wait_for([&] { return model().sync() == Sync::kSynced; }, "snapshot after HELLO", error);
}

bool LiveSession::send_ping(uint64_t token, std::string& error) {
  return session_.ping(token, error) && pump(error);
}

bool LiveSession::send_walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error) {
  return session_.walk(token, asid, va, error) && pump(error);
}

bool LiveSession::send_control(telemetry::MsgType t, std::string& error) {
  return session_.demo_control(t, error) && pump(error);
}

bool LiveSession::wait_for(const std::function<bool()>& done, const std::string& what,
                           std::string& error) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  uint8_t buf[65536];
  while (!done()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      error = "no " + what + " within " + std::to_string(timeout_ms_ / 1000) + " s (model " +
              sync_name(model().sync()) + ")";
      return false;
    }
    const long r =
        sock_.read_some(buf, sizeof buf, static_cast<int>(left < 200 ? left : 200), error);
    if (r == -1 || r == -2) {
      session_.end_of_stream();
      std::string ignored;
      (void)pump(ignored);
      if (r == -1) error = "the kernel closed the stream while waiting for the " + what;
      return false;
    }
    if (r > 0)
      session_.receive(buf, static_cast<size_t>(r), now_ms());
    else
      session_.tick(now_ms());
    if (!pump(error)) return false;
    if (session_.version_error()) {
      error = *session_.version_error();
      return false;
    }
  }
  return true;
}

}  // namespace glass::inspector
