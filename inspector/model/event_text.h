// Text renderings of decoded events and gaps: one line each, stable (golden traces compare them),
// field names as in docs/telemetry.md.
#pragma once

#include <stdint.h>

#include <string>

#include "inspector/model/stream_decoder.h"

namespace glass::inspector {

[[nodiscard]] std::string hex(uint64_t v);
// "frame_run first=0x100 count=16 kind=slab owner=0x100" (no seq/offset prefix).
[[nodiscard]] std::string describe(const DecodedEvent& e);
[[nodiscard]] std::string describe(const Gap& g);

}  // namespace glass::inspector
