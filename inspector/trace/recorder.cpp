// Recorder and run_recording: see recorder.h.
#include "inspector/trace/recorder.h"

#include <chrono>

#include "protocol/encoder.h"

namespace glass::inspector {

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

bool Recorder::start(uint64_t now_ms, std::vector<uint8_t>& to_kernel, std::string& error) {
  if (!framer_.frame([](telemetry::ByteWriter& w) { return telemetry::encode::hello(w); },
                     to_kernel, error))
    return false;
  (void)model_.take_snapshot_request();  // "attach": the HELLO asks for it
  retry_.sent(SnapshotReason::kAttach, now_ms);
  return true;
}

bool Recorder::request(SnapshotReason why, bool retry, uint64_t now_ms,
                       std::vector<uint8_t>& to_kernel, std::string& error) {
  if (!framer_.frame(
          [&](telemetry::ByteWriter& w) { return telemetry::encode::request_snapshot(w, why); },
          to_kernel, error))
    return false;
  requests_.push_back(SentRequest{why, stream_.size(), retry, model_.sync_reason()});
  retry_.sent(why, now_ms);
  return true;
}

void Recorder::absorb(const uint8_t* p, size_t n) {
  stream_.insert(stream_.end(), p, p + n);
  items_.clear();
  decoder_.feed(p, n, items_);
  for (const auto& it : items_) model_.apply(it);
}

bool Recorder::ends_on_frame_boundary() const {
  return stream_.empty() || stream_.back() == 0;
}

bool Recorder::on_bytes(const uint8_t* p, size_t n, uint64_t now_ms,
                        std::vector<uint8_t>& to_kernel, std::string& error) {
  absorb(p, n);
  if (decoder_.version_error()) return true;  // another protocol: save the bytes, ask nothing
  if (auto why = model_.take_snapshot_request())
    return request(*why, false, now_ms, to_kernel, error);
  return on_tick(now_ms, to_kernel, error);
}

bool Recorder::on_tick(uint64_t now_ms, std::vector<uint8_t>& to_kernel, std::string& error) {
  const auto why = retry_.due(model_, decoder_.version_error().has_value(), now_ms);
  if (!why) return true;
  return request(*why, true, now_ms, to_kernel, error);
}

bool Recorder::stop(std::vector<uint8_t>& to_kernel, std::string& error) {
  return framer_.frame([](telemetry::ByteWriter& w) { return telemetry::encode::detach(w); },
                       to_kernel, error);
}

bool run_recording(UnixSocket& sock, Recorder& rec, const RecordLimits& limits,
                   const volatile sig_atomic_t* stop, std::string& why, std::string& error) {
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count());
  };
  std::vector<uint8_t> out;
  if (!rec.start(elapsed_ms(), out, error)) return false;
  if (!sock.write_all(out.data(), out.size(), error)) {
    error = "sending HELLO: " + error;
    return false;
  }
  why = "the kernel closed the stream";
  bool streaming = true;  // the kernel may still be sending: leave with DETACH
  std::vector<uint8_t> buf(65536);
  for (;;) {
    if (stop && *stop) {
      why = "interrupted";
      break;
    }
    if (limits.duration_ms && elapsed_ms() >= limits.duration_ms) {
      why = "duration reached";
      break;
    }
    std::string err;
    const long r = sock.read_some(buf.data(), buf.size(), 100, err);
    if (r == -1 || r == -2) {
      if (r == -2) why = "read error: " + err + " (saving what arrived)";
      streaming = false;
      break;
    }
    out.clear();
    const bool ok = r > 0 ? rec.on_bytes(buf.data(), static_cast<size_t>(r), elapsed_ms(), out, err)
                          : rec.on_tick(elapsed_ms(), out, err);
    if (!ok) {
      why = "cannot ask for a snapshot: " + err;
      break;
    }
    if (!out.empty() && !sock.write_all(out.data(), out.size(), err)) {
      why = "write error: " + err + " (saving what arrived)";
      streaming = false;
      break;
    }
    if (limits.max_bytes && rec.stream().size() >= limits.max_bytes) {
      why = "--max-bytes reached";
      break;
    }
  }
  if (!streaming) return true;
  std::string ignored;  // best effort from here: the recording is complete either way
  out.clear();
  if (rec.stop(out, ignored)) (void)sock.write_all(out.data(), out.size(), ignored);
  // Finish the frame in flight, so that the file does not end inside one (a cut frame is a gap
  // to verify). DETACH stops new frames; the one on the wire is at most ~1 KB.
  const uint64_t until = elapsed_ms() + kFinishFrameMs;
  while (!rec.ends_on_frame_boundary() && elapsed_ms() < until) {
    const long r = sock.read_some(buf.data(), buf.size(), 50, ignored);
    if (r < 0) break;
    if (r > 0) rec.finish_bytes(buf.data(), static_cast<size_t>(r));
  }
  return true;
}

}  // namespace glass::inspector
