// LiveSource: see live_source.h.
#include "inspector/app/live_source.h"

#include <cinttypes>
#include <cstdio>

#include "protocol/encoder.h"

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

std::string LiveSource::summary() const {
  const Epoch* e = epochs_.latest();
  if (e == nullptr) return "epoch=0 epochs=0";
  uint64_t used = 0;
  for (const auto& f : e->model.frames()) used += f.kind != 0 ? 1 : 0;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "epoch=%u epochs=%zu boot_id=0x%" PRIx64 " sync=%s frames=%zu used_frames=%" PRIu64
                " nodes=%zu spaces=%zu events=%" PRIu64,
                e->number, epochs_.size(), e->boot_id.value_or(0), sync_name(e->model.sync()),
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

bool LiveSource::send(const HostFramer::Encode& encode, std::string& error) {
  if (!sock_ || state_ != LinkState::kAttached) {
    error = "not attached to a kernel";
    return false;
  }
  std::vector<uint8_t> frame;
  if (!framer_->frame(encode, frame, error)) return false;
  return sock_->write_all(frame.data(), frame.size(), error);
}

bool LiveSource::send_walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error) {
  return send([&](telemetry::ByteWriter& w) { return telemetry::encode::walk(w, token, asid, va); },
              error);
}

bool LiveSource::start_recording(const std::string& path, std::string& error) {
  return recorder_.open(path, error);
}

void LiveSource::try_connect(Clock::time_point now) {
  std::string error;
  sock_.emplace();
  if (!sock_->connect(path_, error)) {
    sock_.reset();
    next_try_ = now + std::chrono::milliseconds(kRetryMs);
    return;  // the status already says we are waiting (or disconnected); no line per retry
  }
  ++connections_;
  decoder_ = std::make_unique<StreamDecoder>();
  framer_ = std::make_unique<HostFramer>();  // host seq from 0 per connection
  state_ = LinkState::kAttached;             // send() needs it; set_state below records the change
  if (!send([](telemetry::ByteWriter& w) { return telemetry::encode::hello(w); }, error)) {
    lost("HELLO could not be sent: " + error, now);
    return;
  }
  // The HELLO asks for the snapshot the fresh connection needs: do not ask twice.
  (void)epochs_.current().model.take_snapshot_request();
  retry_.sent(telemetry::SnapshotReason::kAttach, ms_of(now));
  state_ = LinkState::kWaiting;
  set_state(LinkState::kAttached, "attached to " + path_ + ", waiting for the snapshot");
}

void LiveSource::lost(const std::string& why, Clock::time_point now) {
  sock_.reset();
  decoder_.reset();
  next_try_ = now + std::chrono::milliseconds(kRetryMs);
  if (epochs_.latest() == nullptr) {
    set_state(LinkState::kWaiting, "waiting for the kernel at " + path_ + " (" + why + ")");
    return;
  }
  set_state(
      LinkState::kDisconnected,
      "disconnected (" + why + "); showing the last state; waiting for the kernel at " + path_);
}

void LiveSource::request_snapshot(telemetry::SnapshotReason why, Clock::time_point now) {
  std::string error;
  if (!send([&](telemetry::ByteWriter& w) { return telemetry::encode::request_snapshot(w, why); },
            error)) {
    note("request_snapshot_failed");
    return;
  }
  retry_.sent(why, ms_of(now));
}

void LiveSource::retry_snapshot(Clock::time_point now) {
  if (!sock_ || state_ != LinkState::kAttached || !decoder_) return;
  const auto why =
      retry_.due(epochs_.current().model, decoder_->version_error().has_value(), ms_of(now));
  if (!why) return;
  ++snapshot_retries_;
  request_snapshot(*why, now);
}

void LiveSource::apply(std::vector<StreamItem>& items, Clock::time_point now) {
  for (const auto& it : items) {
    if (it.kind == StreamItem::Kind::kEvent && it.event.ev.type == MsgType::kHandshake) {
      const uint32_t before = epochs_.latest() != nullptr ? epochs_.latest()->number : 0;
      Epoch& e = epochs_.on_boot(it.event.ev.handshake.boot_id);
      if (e.number != before) note("epoch");
    }
    Epoch& e = epochs_.current();
    e.model.apply(it);
    if (it.kind == StreamItem::Kind::kEvent) ++e.events;
  }
  Epoch& e = epochs_.current();
  if (e.model.sync() != last_sync_) {
    last_sync_ = e.model.sync();
    if (state_ == LinkState::kAttached) {
      const bool synced = *last_sync_ == Sync::kSynced;
      set_state(LinkState::kAttached, synced
                                          ? "attached to " + path_ + ", synced"
                                          : "attached to " + path_ + ", " + sync_name(*last_sync_) +
                                                ": " + e.model.sync_reason());
    }
  }
  if (auto why = e.model.take_snapshot_request()) request_snapshot(*why, now);
}

void LiveSource::read_available(Clock::time_point now) {
  buf_.resize(64 * 1024);
  auto& buf = buf_;
  std::vector<StreamItem> items;
  size_t taken = 0;
  while (sock_ && taken < kMaxBytesPerPoll) {
    std::string error;
    long r = sock_->read_some(buf.data(), buf.size(), 0, error);
    if (r == 0) break;
    if (r < 0) {
      std::vector<StreamItem> tail;
      if (decoder_) decoder_->finish(tail);
      apply(tail, now);
      lost(r == -1 ? "the kernel closed the stream" : error, now);
      return;
    }
    taken += static_cast<size_t>(r);
    recorder_.append(buf.data(), static_cast<size_t>(r));
    epochs_.current().bytes += static_cast<uint64_t>(r);
    items.clear();
    decoder_->feed(buf.data(), static_cast<size_t>(r), items);
    apply(items, now);
    if (decoder_->version_error()) {
      std::string why = *decoder_->version_error();
      sock_.reset();
      decoder_.reset();
      next_try_ = now + std::chrono::milliseconds(kRefusedRetryMs);
      set_state(LinkState::kRefused, why + " (retrying in case the kernel is rebuilt)");
      return;
    }
  }
  recorder_.flush();
}

void LiveSource::poll(Clock::time_point now) {
  if (!sock_ && now >= next_try_) try_connect(now);
  if (sock_) read_available(now);
  retry_snapshot(now);
}

}  // namespace glass::inspector::app
