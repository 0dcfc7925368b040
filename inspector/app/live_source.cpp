// LiveSource: see live_source.h.
#include "inspector/app/live_source.h"

#include <cinttypes>
#include <cstdio>
#include <functional>

namespace glass::inspector::app {

using telemetry::MsgType;

namespace {
uint64_t ms_of(LiveSource::Clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}
}  // namespace

const char* link_state_name(LinkState s) {
  switch (s) {
    case LinkState::kWaiting:
      return "waiting";
    case LinkState::kAttached:
      return "attached";
    case LinkState::kDisconnected:
      return "disconnected";
    case LinkState::kRefused:
      return "refused";
  }
  return "?";
}

LiveSource::LiveSource(std::string socket_path) : path_(std::move(socket_path)) {
  set_state(LinkState::kWaiting, "waiting for the kernel at " + path_);
}

LiveSource::~LiveSource() {
  recorder_.close(record_end_);
}

std::string LiveSource::summary() const {
  const Epoch* e = epochs().latest();
  if (e == nullptr) return "epoch=0 epochs=0";
  uint64_t used = 0;
  for (const auto& f : e->model.frames()) used += f.kind != 0 ? 1 : 0;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "epoch=%u epochs=%zu boot_id=0x%" PRIx64 " sync=%s frames=%zu used_frames=%" PRIu64
                " nodes=%zu spaces=%zu events=%" PRIu64,
                e->number, epochs().size(), e->boot_id.value_or(0), sync_name(e->model.sync()),
                e->model.frames().size(), used, e->model.node_count(),
                e->model.address_spaces().size(), e->events);
  return buf;
}

void LiveSource::note(const std::string& what) {
  transitions_.push_back(what + " " + summary() + " | " + status_);
}

void LiveSource::set_state(LinkState s, std::string status) {
  const bool changed = s != state_ || status != status_ || transitions_.empty();
  state_ = s;
  status_ = std::move(status);
  if (changed) note(link_state_name(s));
}

std::vector<std::string> LiveSource::take_transitions() {
  std::vector<std::string> out;
  out.swap(transitions_);
  return out;
}

bool LiveSource::send_walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error) {
  if (!sock_ || state_ != LinkState::kAttached) {
    error = "not attached to a kernel";
    return false;
  }
  if (!session_.walk(token, asid, va, error)) return false;
  const auto out = session_.take_outgoing();
  return sock_->write_all(out.data(), out.size(), error);
}

bool LiveSource::start_recording(const std::string& path, std::string& error) {
  return recorder_.open(path, error);
}

void LiveSource::pump(Clock::time_point now) {
  const auto rec = session_.take_record();
  recorder_.append(rec.data(), rec.size());
  const auto out = session_.take_outgoing();
  if (sock_ && !out.empty()) {
    std::string error;
    if (!sock_->write_all(out.data(), out.size(), error)) {
      lost("write error: " + error, now);
      return;
    }
  }
  for (const SessionNote n : session_.take_notes()) {
    switch (n) {
      case SessionNote::kEpoch:
        note("epoch");
        break;
      case SessionNote::kSync: {
        if (state_ != LinkState::kAttached) break;
        const StateModel& m = session_.model();
        set_state(LinkState::kAttached, m.sync() == Sync::kSynced
                                            ? "attached to " + path_ + ", synced"
                                            : "attached to " + path_ + ", " + sync_name(m.sync()) +
                                                  ": " + m.sync_reason());
        break;
      }
      case SessionNote::kRefused:
        break;  // read_available() drops the connection
    }
  }
}

void LiveSource::try_connect(Clock::time_point now) {
  std::string error;
  sock_.emplace();
  if (!sock_->connect(path_, error)) {
    sock_.reset();
    next_try_ = now + std::chrono::milliseconds(kRetryMs);
    return;  // the status already says we are waiting (or disconnected); no line per retry
  }
  session_.connect(ms_of(now));
  record_end_ = TraceEnd::kHostLeft;
  set_state(LinkState::kAttached, "attached to " + path_ + ", waiting for the snapshot");
  const auto out = session_.take_outgoing();
  if (!sock_->write_all(out.data(), out.size(), error))
    lost("HELLO could not be sent: " + error, now);
}

void LiveSource::lost(const std::string& why, Clock::time_point now) {
  sock_.reset();
  if (session_.connected()) session_.end_of_stream();
  const auto rec = session_.take_record();
  recorder_.append(rec.data(), rec.size());
  (void)session_.take_outgoing();  // nobody to send it to
  record_end_ = TraceEnd::kKernelClosed;
  next_try_ = now + std::chrono::milliseconds(kRetryMs);
  if (epochs().latest() == nullptr) {
    set_state(LinkState::kWaiting, "waiting for the kernel at " + path_ + " (" + why + ")");
    return;
  }
  set_state(
      LinkState::kDisconnected,
      "disconnected (" + why + "); showing the last state; waiting for the kernel at " + path_);
}

void LiveSource::read_available(Clock::time_point now) {
  buf_.resize(64 * 1024);
  size_t taken = 0;
  while (sock_ && taken < kMaxBytesPerPoll) {
    std::string error;
    const long r = sock_->read_some(buf_.data(), buf_.size(), 0, error);
    if (r == 0) break;
    if (r < 0) {
      lost(r == -1 ? "the kernel closed the stream" : error, now);
      return;
    }
    taken += static_cast<size_t>(r);
    session_.receive(buf_.data(), static_cast<size_t>(r), ms_of(now));
    pump(now);
    if (session_.version_error()) {
      const std::string why = *session_.version_error();
      sock_.reset();
      session_.end_of_stream();
      const auto rec = session_.take_record();
      recorder_.append(rec.data(), rec.size());
      next_try_ = now + std::chrono::milliseconds(kRefusedRetryMs);
      set_state(LinkState::kRefused, why + " (retrying in case the kernel is rebuilt)");
      return;
    }
  }
}

void LiveSource::poll(Clock::time_point now) {
  if (!sock_ && now >= next_try_) try_connect(now);
  if (sock_) read_available(now);
  if (sock_) {
    session_.tick(ms_of(now));
    pump(now);
  }
}

uint64_t LiveSource::change_key() const {
  uint64_t key = static_cast<uint64_t>(state_) ^ (connections() << 8);
  for (const auto& e : epochs().all())
    key = key * 1000003u ^ (uint64_t{e->number} << 40) ^ e->bytes ^ (e->events << 20);
  if (recorder_.recording()) key ^= recorder_.bytes() << 3;
  return key ^ std::hash<std::string>{}(status_);
}

}  // namespace glass::inspector::app
