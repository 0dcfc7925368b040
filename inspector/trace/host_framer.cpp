// HostFramer: see host_framer.h.
#include "inspector/trace/host_framer.h"

#include "protocol/encoder.h"

namespace glass::inspector {

bool HostFramer::frame(const Encode& encode, std::vector<uint8_t>& out, std::string& error) {
  telemetry::FrameBuilder fb;
  if (encode(fb.writer()).is_error()) {
    error = "cannot encode the command";
    return false;
  }
  uint8_t wire[telemetry::kMaxWireFrame + 1];
  wire[0] = 0;  // resync marker
  auto n = fb.seal(seq_, wire + 1, sizeof wire - 1);
  if (n.is_error()) {
    error = "cannot frame the command";
    return false;
  }
  ++seq_;
  out.insert(out.end(), wire, wire + n.value() + 1);
  return true;
}

}  // namespace glass::inspector
