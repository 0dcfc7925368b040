// Session: see session.h. Why the record is released only up to a frame delimiter: an adapter
// appends it to a file as it goes, and a recorder killed between two appends must leave a trace
// that ends on a whole frame, not in the middle of one.
#include "inspector/trace/session.h"

#include <algorithm>

#include "protocol/encoder.h"

namespace glass::inspector {

using telemetry::MsgType;
using telemetry::SnapshotReason;

const char* snapshot_reason_name(SnapshotReason r) {
  switch (r) {
    case SnapshotReason::kAttach:
      return "attach";
    case SnapshotReason::kGap:
      return "gap";
    case SnapshotReason::kDigestMismatch:
      return "digest-mismatch";
    case SnapshotReason::kModelError:
      return "model-error";
    case SnapshotReason::kUser:
      return "user";
  }
  return "unknown";
}

Session::Session() = default;

const StateModel& Session::model() const {
  const Epoch* e = epochs_.latest();
  return e != nullptr ? e->model : empty_;
}

bool Session::send(const HostFramer::Encode& encode, std::string& error) {
  return framer_.frame(encode, outgoing_, error);
}

void Session::connect(uint64_t now_ms) {
  decoder_ = std::make_unique<StreamDecoder>();
  framer_ = HostFramer();  // host seq from 0 per connection
  version_error_.reset();
  detached_ = false;
  ++connections_;
  std::string ignored;  // HELLO always fits a frame
  (void)send([](telemetry::ByteWriter& w) { return telemetry::encode::hello(w); }, ignored);
  // The HELLO asks for the snapshot a fresh connection needs: do not ask twice.
  (void)epochs_.current().model.take_snapshot_request();
  retry_.sent(SnapshotReason::kAttach, now_ms);
}

void Session::request(SnapshotReason why, bool retry, uint64_t now_ms) {
  std::string error;
  if (!send([&](telemetry::ByteWriter& w) { return telemetry::encode::request_snapshot(w, why); },
            error))
    return;  // cannot happen (one byte of payload); the retry would ask again
  requests_.push_back(SentRequest{why, bytes_received_, retry, model().sync_reason()});
  if (retry) ++snapshot_retries_;
  retry_.sent(why, now_ms);
}

void Session::release_record(bool all) {
  if (all) {
    record_.insert(record_.end(), pending_record_.begin(), pending_record_.end());
    pending_record_.clear();
    return;
  }
  const auto last = std::find(pending_record_.rbegin(), pending_record_.rend(), uint8_t{0});
  if (last == pending_record_.rend()) return;
  const auto upto = last.base();  // one past the delimiter
  record_.insert(record_.end(), pending_record_.begin(), upto);
  pending_record_.erase(pending_record_.begin(), upto);
}

void Session::apply(std::vector<StreamItem>& items) {
  for (const auto& it : items) {
    if (it.kind == StreamItem::Kind::kEvent && it.event.ev.type == MsgType::kHandshake) {
      const uint32_t before = epochs_.latest() != nullptr ? epochs_.latest()->number : 0;
      if (epochs_.on_boot(it.event.ev.handshake.boot_id).number != before)
        notes_.push_back(SessionNote::kEpoch);
    }
    Epoch& e = epochs_.current();
    e.model.apply(it);
    if (it.kind != StreamItem::Kind::kEvent) continue;
    ++e.events;
    if (it.event.ev.type == MsgType::kDemoState) ++demo_states_;
    if (it.event.ev.type == MsgType::kWalkResult) ++walk_results_;
  }
  const Sync now = model().sync();
  if (now != last_sync_) {
    last_sync_ = now;
    notes_.push_back(SessionNote::kSync);
  }
}

void Session::receive(const uint8_t* p, size_t n, uint64_t now_ms) {
  if (n == 0) return;
  if (!decoder_) connect(now_ms);  // bytes without a connect(): treat them as one
  bytes_received_ += n;
  epochs_.current().bytes += n;
  pending_record_.insert(pending_record_.end(), p, p + n);
  release_record(false);
  items_.clear();
  decoder_->feed(p, n, items_);
  apply(items_);
  if (decoder_->version_error() && !version_error_) {
    version_error_ = decoder_->version_error();
    notes_.push_back(SessionNote::kRefused);
  }
  if (version_error_ || detached_) return;  // another protocol, or leaving: ask nothing
  if (auto why = epochs_.current().model.take_snapshot_request()) {
    request(*why, false, now_ms);
    return;
  }
  tick(now_ms);
}

void Session::tick(uint64_t now_ms) {
  if (!decoder_ || detached_ || version_error_) return;
  if (const auto why = retry_.due(model(), false, now_ms)) request(*why, true, now_ms);
}

void Session::end_of_stream() {
  if (decoder_) {
    items_.clear();
    decoder_->finish(items_);
    apply(items_);
  }
  release_record(true);
  decoder_.reset();
}

bool Session::ping(uint64_t token, std::string& error) {
  epochs_.current().model.note_ping_sent(token);
  return send([&](telemetry::ByteWriter& w) { return telemetry::encode::ping(w, token); }, error);
}

bool Session::walk(uint64_t token, uint32_t asid, uint64_t va, std::string& error) {
  return send([&](telemetry::ByteWriter& w) { return telemetry::encode::walk(w, token, asid, va); },
              error);
}

bool Session::demo_control(MsgType t, std::string& error) {
  return send([&](telemetry::ByteWriter& w) { return telemetry::encode::demo_control(w, t); },
              error);
}

bool Session::detach(std::string& error) {
  if (!send([](telemetry::ByteWriter& w) { return telemetry::encode::detach(w); }, error))
    return false;
  detached_ = true;
  return true;
}

std::vector<uint8_t> Session::take_outgoing() {
  std::vector<uint8_t> out;
  out.swap(outgoing_);
  return out;
}

std::vector<uint8_t> Session::take_record() {
  std::vector<uint8_t> out;
  out.swap(record_);
  return out;
}

std::vector<SessionNote> Session::take_notes() {
  std::vector<SessionNote> out;
  out.swap(notes_);
  return out;
}

}  // namespace glass::inspector
