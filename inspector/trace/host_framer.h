// HostFramer: turns host -> kernel commands into wire frames, for every host that talks to a
// kernel (glass-trace record and the live commands).
//
// Invariants: one command per frame; every frame is preceded by a lone 0x00 (a resync marker) so
// the kernel's decoder starts clean whatever came before it (a half-sent frame, injected junk);
// seq counts this host's frames from 0 per session and only advances when a frame was produced.
#pragma once

#include <stdint.h>

#include <functional>
#include <string>
#include <vector>

#include "kernel/lib/result.h"
#include "protocol/bytes.h"

namespace glass::inspector {

class HostFramer {
 public:
  using Encode = std::function<Result<void>(telemetry::ByteWriter&)>;
  // Appends 0x00 and the sealed frame to out; on failure out is untouched and error says why.
  [[nodiscard]] bool frame(const Encode& encode, std::vector<uint8_t>& out, std::string& error);
  [[nodiscard]] uint32_t frames_sent() const { return seq_; }

 private:
  uint32_t seq_ = 0;
};

}  // namespace glass::inspector
