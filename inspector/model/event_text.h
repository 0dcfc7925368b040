// Text renderings of decoded events and gaps: one line each, stable (golden traces compare them),
// field names as in docs/telemetry.md.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "inspector/model/stream_decoder.h"

namespace glass::inspector {

[[nodiscard]] std::string hex(uint64_t v);

// One shown field of an event: its name and its value as the text form prints it. kNumber: the
// value is a decimal number; kText: free text (the text form quotes and escapes it); kBare: the
// text form prints the value without "name=" (a walk's levels).
struct FieldText {
  enum Form : uint8_t { kPlain, kNumber, kText, kBare };
  std::string name, value;
  Form form = kPlain;
};
// The event's shown fields in wire order, derived from its declaration (message_table.h): what
// `describe` prints and what the Perfetto export puts in an event's args.
[[nodiscard]] std::vector<FieldText> fields(const DecodedEvent& e);
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
