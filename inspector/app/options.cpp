// Options: see options.h. Numbers are parsed strictly (the whole argument, no sign, no overflow)
// because a typo in --at-event must be a refusal, not event 0.
#include "inspector/app/options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace glass::inspector::app {

const char kUsage[] =
    "usage: glass-inspect [--socket PATH | --replay T.glt] [options]\n"
    "  --socket PATH        attach to a kernel's telemetry socket (default\n"
    "                       build/run/telemetry.sock); waits and re-attaches across boots\n"
    "  --replay T.glt       open a recorded trace (timeline: play, pause, scrub)\n"
    "  --record OUT.glt     while attached, save the raw stream as a trace\n"
    "  --at-event N         with --replay: show the state after event N (0-based)\n"
    "  --view V             tree|frames|locks|walk|timeline|log|invariants|block\n"
    "  --screenshot OUT.png render one frame off-screen, write it as PNG, exit\n"
    "  --size WxH           window size in pixels (default 1280x800)\n"
    "  --scale S            UI scale, 0.5 to 4 (default: the monitor's content scale)\n"
    "  --walk-va ADDR       page walk of this virtual address (hex 0x... or decimal)\n"
    "  --walk-asid N        in this address space (default: the first one)\n"
    "  --status-file PATH   append one line per state change (waiting, attached, synced,\n"
    "                       disconnected...) for scripts and tests\n"
    "  --exit-after SEC     leave after SEC seconds (scripts and tests)\n"
    "  --sync-timeout SEC   with --socket --screenshot (no --exit-after): shoot as soon as the\n"
    "                       model is synced and, for --view walk, the kernel's WALK answer is\n"
    "                       in; give up after SEC seconds (default 60) with exit 1\n"
    "  --bench-frames N     with --replay: time N empty ImGui frames, then N frames playing\n"
    "                       the trace with the frame map and tree shown; print BENCH lines\n"
    "  --help               this text\n";

namespace {

constexpr const char* kViewNames[kViewCount] = {"tree",     "frames", "locks",      "walk",
                                                "timeline", "log",    "invariants", "block"};

bool parse_u64(const std::string& s, uint64_t& out) {
  if (s.empty() || s[0] == '-' || s[0] == '+' || s[0] == ' ') return false;
  errno = 0;
  char* end = nullptr;
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  unsigned long long v = std::strtoull(s.c_str(), &end, hex ? 16 : 10);
  if (errno != 0 || end == s.c_str() || *end != '\0') return false;
  out = v;
  return true;
}

bool parse_size(const std::string& s, uint32_t& w, uint32_t& h) {
  auto x = s.find('x');
  if (x == std::string::npos) return false;
  uint64_t a = 0, b = 0;
  if (!parse_u64(s.substr(0, x), a) || !parse_u64(s.substr(x + 1), b)) return false;
  if (a < 1 || b < 1 || a > 16384 || b > 16384) return false;
  w = static_cast<uint32_t>(a);
  h = static_cast<uint32_t>(b);
  return true;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end == s.c_str() || *end != '\0' || !std::isfinite(v)) return false;
  out = v;
  return true;
}

}  // namespace

const char* view_flag_name(ViewId v) {
  return kViewNames[static_cast<int>(v)];
}

std::optional<ViewId> view_from_flag(const std::string& s) {
  for (int i = 0; i < kViewCount; ++i)
    if (s == kViewNames[i]) return static_cast<ViewId>(i);
  return std::nullopt;
}

bool parse_options(const std::vector<std::string>& args, Options& o, std::string& error) {
  bool socket_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& v) {
      if (i + 1 >= args.size()) {
        error = a + " needs a value";
        return false;
      }
      v = args[++i];
      return true;
    };
    std::string v;
    if (a == "--socket") {
      if (!value(v)) return false;
      if (v.empty()) return error = "--socket wants a path", false;
      o.socket_path = v;
      socket_given = true;
    } else if (a == "--replay") {
      if (!value(v)) return false;
      if (v.empty()) return error = "--replay wants a trace file", false;
      o.replay_path = v;
    } else if (a == "--record") {
      if (!value(v)) return false;
      if (v.empty()) return error = "--record wants an output file", false;
      o.record_path = v;
    } else if (a == "--at-event") {
      uint64_t n = 0;
      if (!value(v)) return false;
      if (!parse_u64(v, n))
        return error = "--at-event wants an event number, not '" + v + "'", false;
      o.at_event = n;
    } else if (a == "--view") {
      if (!value(v)) return false;
      auto id = view_from_flag(v);
      if (!id)
        return error = "--view: unknown view '" + v +
                       "' (tree, frames, locks, walk, timeline, log, invariants, block)",
               false;
      o.view = *id;
      o.view_given = true;
    } else if (a == "--screenshot") {
      if (!value(v)) return false;
      if (v.empty()) return error = "--screenshot wants an output file", false;
      o.screenshot_path = v;
    } else if (a == "--size") {
      if (!value(v)) return false;
      if (!parse_size(v, o.width, o.height))
        return error = "--size wants WxH, each 1 to 16384 (e.g. 1280x800), not '" + v + "'", false;
    } else if (a == "--scale") {
      double s = 0;
      if (!value(v)) return false;
      if (!parse_double(v, s) || s < 0.5 || s > 4.0)
        return error = "--scale wants a number from 0.5 to 4, not '" + v + "'", false;
      o.scale = static_cast<float>(s);
    } else if (a == "--walk-va") {
      uint64_t va = 0;
      if (!value(v)) return false;
      if (!parse_u64(v, va))
        return error = "--walk-va wants an address (0x... or decimal), not '" + v + "'", false;
      o.walk_va = va;
    } else if (a == "--walk-asid") {
      uint64_t n = 0;
      if (!value(v)) return false;
      if (!parse_u64(v, n) || n > UINT32_MAX)
        return error = "--walk-asid wants an address-space id, not '" + v + "'", false;
      o.walk_asid = static_cast<uint32_t>(n);
      o.walk_asid_given = true;
    } else if (a == "--status-file") {
      if (!value(v)) return false;
      if (v.empty()) return error = "--status-file wants a path", false;
      o.status_file = v;
    } else if (a == "--exit-after") {
      double s = 0;
      if (!value(v)) return false;
      if (!parse_double(v, s) || s < 0 || s > 86400)
        return error = "--exit-after wants seconds (0 to 86400), not '" + v + "'", false;
      o.exit_after_s = s;
    } else if (a == "--sync-timeout") {
      double s = 0;
      if (!value(v)) return false;
      if (!parse_double(v, s) || s <= 0 || s > 86400)
        return error = "--sync-timeout wants seconds (more than 0, up to 86400), not '" + v + "'",
               false;
      o.sync_timeout_s = s;
      o.sync_timeout_given = true;
    } else if (a == "--bench-frames") {
      uint64_t n = 0;
      if (!value(v)) return false;
      if (!parse_u64(v, n) || n < 10 || n > 100000)
        return error = "--bench-frames wants a frame count from 10 to 100000, not '" + v + "'",
               false;
      o.bench_frames = static_cast<uint32_t>(n);
    } else {
      error = "unknown argument '" + a + "'";
      return false;
    }
  }
  if (o.replay_path && socket_given)
    return error = "--socket and --replay exclude each other", false;
  if (o.replay_path && o.record_path)
    return error = "--record saves a live stream; it does not go with --replay", false;
  if (o.at_event && !o.replay_path) return error = "--at-event needs --replay", false;
  if (o.bench_frames && !o.replay_path) return error = "--bench-frames needs --replay", false;
  if (o.sync_timeout_given && (o.replay_path || !o.screenshot_path || o.exit_after_s))
    return error =
               "--sync-timeout is for a live --screenshot (with --socket, without --exit-after)",
           false;
  return true;
}

}  // namespace glass::inspector::app
