// LiveSession: see live_session.h.
#include "inspector/trace/live_session.h"

#include <chrono>

#include "inspector/model/event_text.h"
#include "protocol/encoder.h"

namespace glass::inspector {

using telemetry::MsgType;

bool LiveSession::send_frame(const HostFramer::Encode& f, std::string& error) {
  std::vector<uint8_t> out;
  if (!framer_.frame(f, out, error)) return false;
  return sock_.write_all(out.data(), out.size(), error);
}

bool LiveSession::attach(const std::string& socket_path, std::string& error) {
  if (!sock_.connect(socket_path, error)) return false;
  if (!send_frame([](telemetry::ByteWriter& w) { return telemetry::encode::hello(w); }, error))
    return false;
  (void)model_.take_snapshot_request();  // "attach": the HELLO just sent asks for it
  return wait_for([&] { return model_.sync() == Sync::kSynced; }, "a snapshot after HELLO", error);
}

bool LiveSession::send_ping(uint64_t token, std::string& error) {
  model_.note_ping_sent(token);
  return send_frame([&](telemetry::ByteWriter& w) { return telemetry::encode::ping(w, token); },
                    error);
}

bool LiveSession::send_walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error) {
  return send_frame(
      [&](telemetry::ByteWriter& w) { return telemetry::encode::walk(w, token, asid, va); }, error);
}

bool LiveSession::send_control(MsgType t, std::string& error) {
  return send_frame([&](telemetry::ByteWriter& w) { return telemetry::encode::demo_control(w, t); },
                    error);
}

bool LiveSession::wait_for(const std::function<bool()>& done, const std::string& what,
                           std::string& error) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  std::vector<StreamItem> items;
  uint8_t buf[65536];
  while (!done()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      error = "no " + what + " within " + std::to_string(timeout_ms_ / 1000) + " s (model " +
              sync_name(model_.sync()) + ")";
      return false;
    }
    long r = sock_.read_some(buf, sizeof buf, static_cast<int>(left < 200 ? left : 200), error);
    if (r == -1) {
      error = "the kernel closed the stream while waiting for " + what;
      return false;
    }
    if (r == -2) return false;
    if (r == 0) continue;
    received_.insert(received_.end(), buf, buf + r);
    items.clear();
    decoder_.feed(buf, static_cast<size_t>(r), items);
    if (decoder_.version_error()) {
      error = *decoder_.version_error();
      return false;
    }
    for (const auto& it : items) {
      model_.apply(it);
      if (it.kind != StreamItem::Kind::kEvent) continue;
      if (it.event.ev.type == MsgType::kDemoState) ++demo_states_;
      if (it.event.ev.type == MsgType::kWalkResult) ++walk_results_;
    }
    if (auto why = model_.take_snapshot_request()) {
      if (!send_frame(
              [&](telemetry::ByteWriter& w) {
                return telemetry::encode::request_snapshot(w, *why);
              },
              error))
        return false;
    }
  }
  return true;
}

}  // namespace glass::inspector
