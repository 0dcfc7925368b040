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
// One line of `glass-trace dump`: "seq=N <event>" or "GAP ..." (the golden traces' format).
[[nodiscard]] std::string dump_line(const StreamItem& it);
// "L4[table=0x1000 index=0 entry=0x2003]": one level of a walk.
[[nodiscard]] std::string describe(const telemetry::WalkLevel& l);
[[nodiscard]] const char* walk_status_name(telemetry::WalkStatus s);
[[nodiscard]] const char* demo_run_name(telemetry::DemoRun r);

}  // namespace glass::inspector
