// glass-inspect's command line, parsed without touching a window or a socket so the host tests
// can check every refusal.
//
// Invariants: parse_options() either fills a complete, consistent Options or returns false with
// one sentence naming the offending argument (the caller prints it and the usage, then exits 2).
// Nothing here reads files or opens sockets: "does the trace exist" is the source's question.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

namespace glass::inspector::app {

enum class ViewId : uint8_t { kTree, kFrames, kLocks, kWalk, kTimeline, kLog, kInvariants, kBlock };
inline constexpr int kViewCount = 8;

[[nodiscard]] const char* view_flag_name(ViewId v);  // "tree", "frames", ...
[[nodiscard]] std::optional<ViewId> view_from_flag(const std::string& s);

struct Options {
  std::string socket_path = "build/run/telemetry.sock";
  std::optional<std::string> replay_path;  // --replay T.glt: a trace instead of the socket
  std::optional<std::string> record_path;  // --record OUT.glt: save what the socket sends
  std::optional<uint64_t> at_event;        // --at-event N (replay only)
  ViewId view = ViewId::kTree;
  bool view_given = false;
  std::optional<std::string> screenshot_path;  // render one frame, write a PNG, exit
  // --views V,V,...: one screenshot per view in one process (the window's start-up is paid once);
  // screenshot_path then holds "{view}", replaced by each view's name.
  std::vector<ViewId> shot_views;
  uint32_t width = 1280, height = 800;
  std::optional<float> scale;  // --scale S: overrides the monitor's content scale
  std::optional<uint64_t> walk_va;
  uint32_t walk_asid = 0;
  bool walk_asid_given = false;
  std::optional<std::string> status_file;  // state transitions, one line each (tests, scripts)
  std::optional<double> exit_after_s;      // leave after this many seconds (tests)
  // Live screenshot without --exit-after: the longest wait for the model to sync (and, for a walk,
  // for the kernel's WALK answer) before giving up with exit 1.
  double sync_timeout_s = 60;
  bool sync_timeout_given = false;
  std::optional<uint32_t> bench_frames;  // --bench-frames N: time N frames, print, exit
};

extern const char kUsage[];

// args excludes argv[0].
[[nodiscard]] bool parse_options(const std::vector<std::string>& args, Options& out,
                                 std::string& error);

}  // namespace glass::inspector::app
