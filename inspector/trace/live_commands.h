// glass-trace's live commands: attach to a kernel's telemetry socket, send one command, wait for
// its answer, print it. Each returns the tool's exit status: 0 answered (and, for walk, the
// kernel's walk equals the model's), 1 refused / mismatched / no answer (with a sentence on
// stderr). Output lines are stable: tests/harness/e2e.py parses them.
#pragma once

#include <stdint.h>

#include <string>

#include "protocol/wire.h"

namespace glass::inspector {

struct LiveOptions {
  int timeout_ms = 60000;   // per awaited answer
  bool mappings = false;    // pause/step: also print the model's user-half leaves of CR3's space
  bool until_user = false;  // step: repeat until CR3 holds a space with user-half mappings
  uint64_t max_steps = 64;  // step --until-user gives up after this many steps
  std::string save;         // if set: write the stream received to this .glt when done
};

[[nodiscard]] int live_ping(const std::string& socket, const LiveOptions& o);
[[nodiscard]] int live_walk(const std::string& socket, uint32_t asid, uint64_t va,
                            const LiveOptions& o);
// Pauses the demo, then compares every page-table node the model holds with guest-physical memory
// read through QEMU's monitor at `monitor` (the VM stopped meanwhile), and walks CR3's tree.
[[nodiscard]] int live_memcheck(const std::string& socket, const std::string& monitor,
                                const LiveOptions& o);
// kPause, kStep or kResume.
[[nodiscard]] int live_demo(const std::string& socket, telemetry::MsgType cmd,
                            const LiveOptions& o);

}  // namespace glass::inspector
