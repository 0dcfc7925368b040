// The Glass version, printed in the banner and (later) sent in the telemetry handshake.
#pragma once

namespace glass {
inline constexpr char kVersion[] = "0.1.0";
}  // namespace glass
