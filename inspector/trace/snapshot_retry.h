// SnapshotRetry: when to ask the kernel again for a snapshot nobody answered. Shared by the
// recorder (glass-trace record) and the inspector's live source, so both repair a lost
// REQUEST_SNAPSHOT (or HELLO) the same way.
//
// Invariants:
//  - Sans I/O and clock-free: the caller says when it sent a request (sent()) and asks with the
//    current time in milliseconds (due()); it sends the frame itself and then calls sent().
//  - A retry is due only while the model still needs a snapshot, the kernel's handshake has been
//    seen (before it, the HELLO stands: a kernel that has not spoken cannot have lost anything),
//    the stream is of our protocol version, and kRetryMs have passed since the last request.
//  - The retry repeats the last request's reason.
#pragma once

#include <stdint.h>

#include <optional>

#include "inspector/model/state_model.h"
#include "protocol/wire.h"

namespace glass::inspector {

class SnapshotRetry {
 public:
  static constexpr uint64_t kRetryMs = 5000;

  void sent(telemetry::SnapshotReason why, uint64_t now_ms) {
    last_reason_ = why;
    last_ms_ = now_ms;
  }

  [[nodiscard]] std::optional<telemetry::SnapshotReason> due(const StateModel& m,
                                                             bool version_error,
                                                             uint64_t now_ms) const {
    if (m.sync() != Sync::kNeedSnapshot || !m.handshake() || version_error ||
        now_ms - last_ms_ < kRetryMs)
      return std::nullopt;
    return last_reason_;
  }

 private:
  telemetry::SnapshotReason last_reason_ = telemetry::SnapshotReason::kAttach;
  uint64_t last_ms_ = 0;
};

}  // namespace glass::inspector
