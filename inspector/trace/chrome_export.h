// Chrome trace-event JSON (loadable in Perfetto's UI and chrome://tracing) of cursor activity:
// each cursor's lifetime, each node lock hold, and each contended wait, as complete ("X") events.
//
// Invariants: pid = address space, tid = CPU; ts/dur in microseconds (fractional, from ns);
// a hold still open at the end of the stream is closed at the last timestamp seen and marked
// "unfinished"; a release or end without its start is counted in `unmatched`, never invented.
// The output is always valid JSON (strings are escaped).
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "inspector/model/stream_decoder.h"

namespace glass::inspector {

struct ChromeExportStats {
  uint64_t cursors = 0, holds = 0, waits = 0, unmatched = 0, unfinished = 0;
};

[[nodiscard]] std::string chrome_trace_json(const std::vector<StreamItem>& items,
                                            ChromeExportStats& stats);

}  // namespace glass::inspector
