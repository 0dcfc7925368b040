// A recording as Chrome trace-event JSON, the format Perfetto's UI (ui.perfetto.dev) and
// chrome://tracing load. What it shows, all derived from the message declarations
// (protocol/message_table.h) and the text form's field rules (inspector/model/event_text.h):
//  - process 1 "cursors": one track per cursor (its lifetime, each node lock it held, each
//    contended wait, as complete "X" slices);
//  - process 2 "CPUs", only when more than one CPU is seen: one track per CPU with the
//    lifetimes of the cursors that ran on it;
//  - process 3 "frames": a counter per frame kind ("C" events), the number of frames of that
//    kind, one point per time stamp at which some changed (a snapshot: one point, at its end);
//  - process 4 "events": every other message as an instant ("i"), one track per message type
//    named after it, its args every shown field of the message (maps and unmaps are `entries`,
//    snapshots are `snapshot_begin`/`snapshot_end`, ...). A message added to the table appears
//    here without an edit.
//
// Invariants: ts/dur in microseconds (fractional, from ns). A message without a time field is
// placed at the latest time seen before it (the stream's order is the kernel's). A hold or a
// cursor still open at the end of the stream is closed at the last time seen and counted in
// `unfinished`; a release or end without its start is counted in `unmatched`, never invented.
// A handshake (a reboot) starts the frame counts again. The output is always valid JSON.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "inspector/model/stream_decoder.h"

namespace glass::inspector {

struct ChromeExportStats {
  uint64_t cursors = 0, holds = 0, waits = 0, unmatched = 0, unfinished = 0;
  uint64_t instants = 0, counter_points = 0, cpus = 0;
};

// Track ids (pid) of the export, for readers and tests.
inline constexpr int kCursorsPid = 1, kCpusPid = 2, kFramesPid = 3, kEventsPid = 4;

[[nodiscard]] std::string chrome_trace_json(const std::vector<StreamItem>& items,
                                            ChromeExportStats& stats);

}  // namespace glass::inspector
