// Options: see options.h. Parsed by CLI11 (inspector/trace/command_line.h): numbers are checked
// strictly by its validators (the whole argument, no sign, no overflow) because a typo in
// --at-event must be a refusal, not event 0.
#include "inspector/app/options.h"

#include "inspector/trace/command_line.h"

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
    "  --views V,V,...      with --replay and --screenshot 'DIR/{view}.png': one PNG per\n"
    "                       view from one process ('all': every view)\n"
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

// A value that must not be empty ("--socket wants a path").
CLI::Validator nonempty(const std::string& sentence) {
  return CLI::Validator([sentence](std::string& v) { return v.empty() ? sentence : std::string(); },
                        "");
}

// A comma-separated list of views, or "all".
std::optional<std::vector<ViewId>> views_from_list(const std::string& list) {
  std::vector<ViewId> out;
  if (list == "all") {
    for (int i = 0; i < kViewCount; ++i) out.push_back(static_cast<ViewId>(i));
    return out;
  }
  size_t at = 0;
  for (;;) {
    const size_t comma = list.find(',', at);
    const auto v = view_from_flag(list.substr(at, comma == std::string::npos ? comma : comma - at));
    if (!v) return std::nullopt;
    out.push_back(*v);
    if (comma == std::string::npos) return out;
    at = comma + 1;
  }
}

// WxH, each 1..16384: both halves checked by the same CLI11 validator as every other number.
CLI::Validator size_validator() {
  return CLI::Validator(
      [](std::string& v) {
        const std::string why = "wants WxH, each 1 to 16384 (e.g. 1280x800), not '" + v + "'";
        const auto x = v.find('x');
        if (x == std::string::npos) return why;
        const auto side = cli::whole<uint32_t>("side", 1, 16384);
        std::string w = v.substr(0, x), h = v.substr(x + 1);
        if (w.empty() || h.empty() || !side(w).empty() || !side(h).empty()) return why;
        return std::string();
      },
      "WxH");
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
  CLI::App app{"glass-inspect"};
  cli::defaults(app);
  std::string socket, replay, record, view, views, shot, size, status;
  uint64_t at_event = 0, walk_va = 0, walk_asid = 0, bench = 0;
  double scale = 0, exit_after = 0, sync_timeout = 0;
  auto* o_socket = app.add_option("--socket", socket)->check(nonempty("wants a path"));
  auto* o_replay = app.add_option("--replay", replay)->check(nonempty("wants a trace file"));
  auto* o_record = app.add_option("--record", record)->check(nonempty("wants an output file"));
  auto* o_at = app.add_option("--at-event", at_event)
                   ->check(cli::whole<uint64_t>("--at-event wants an event number", 0, 1e15));
  auto* o_view =
      app.add_option("--view", view)
          ->check(CLI::Validator(
              [](std::string& v) {
                return view_from_flag(v)
                           ? std::string()
                           : "unknown view '" + v +
                                 "' (tree, frames, locks, walk, timeline, log, invariants, "
                                 "block)";
              },
              "VIEW"));
  auto* o_views = app.add_option("--views", views)
                      ->check(CLI::Validator(
                          [](std::string& v) {
                            return views_from_list(v) ? std::string()
                                                      : "wants views separated by commas (tree, "
                                                        "frames, locks, walk, timeline, log, "
                                                        "invariants, block) or 'all', not '" +
                                                            v + "'";
                          },
                          "V,V,..."));
  auto* o_shot = app.add_option("--screenshot", shot)->check(nonempty("wants an output file"));
  auto* o_size = app.add_option("--size", size)->check(size_validator());
  auto* o_scale = app.add_option("--scale", scale)
                      ->check(cli::real("--scale wants a number from 0.5 to 4", 0.5, 4.0));
  auto* o_va = app.add_option("--walk-va", walk_va)
                   ->check(cli::whole<uint64_t>("--walk-va wants an address (0x... or decimal)", 0,
                                                18446744073709551615.0));
  auto* o_asid =
      app.add_option("--walk-asid", walk_asid)
          ->check(cli::whole<uint64_t>("--walk-asid wants an address-space id", 0, 4294967295.0));
  auto* o_status = app.add_option("--status-file", status)->check(nonempty("wants a path"));
  auto* o_exit = app.add_option("--exit-after", exit_after)
                     ->check(cli::real("--exit-after wants seconds (0 to 86400)", 0, 86400));
  auto* o_sync = app.add_option("--sync-timeout", sync_timeout)
                     ->check(cli::real("--sync-timeout wants seconds (more than 0, up to 86400)",
                                       1e-6, 86400));
  auto* o_bench = app.add_option("--bench-frames", bench)
                      ->check(cli::whole<uint64_t>(
                          "--bench-frames wants a frame count from 10 to 100000", 10, 100000));
  // CLI11 reads argv back to front.
  std::vector<std::string> rev(args.rbegin(), args.rend());
  try {
    app.parse(rev);
  } catch (const CLI::ParseError& e) {
    error = cli::one_line(e);
    return false;
  }
  if (*o_socket) o.socket_path = socket;
  if (*o_replay) o.replay_path = replay;
  if (*o_record) o.record_path = record;
  if (*o_at) o.at_event = at_event;
  if (*o_view) {
    o.view = *view_from_flag(view);
    o.view_given = true;
  }
  if (*o_shot) o.screenshot_path = shot;
  if (*o_views) o.shot_views = *views_from_list(views);
  if (*o_size) {
    const auto x = size.find('x');
    (void)CLI::detail::lexical_cast(size.substr(0, x), o.width);
    (void)CLI::detail::lexical_cast(size.substr(x + 1), o.height);
  }
  if (*o_scale) o.scale = static_cast<float>(scale);
  if (*o_va) o.walk_va = walk_va;
  if (*o_asid) {
    o.walk_asid = static_cast<uint32_t>(walk_asid);
    o.walk_asid_given = true;
  }
  if (*o_status) o.status_file = status;
  if (*o_exit) o.exit_after_s = exit_after;
  if (*o_sync) {
    o.sync_timeout_s = sync_timeout;
    o.sync_timeout_given = true;
  }
  if (*o_bench) o.bench_frames = static_cast<uint32_t>(bench);

  if (o.replay_path && *o_socket) return error = "--socket and --replay exclude each other", false;
  if (o.replay_path && o.record_path)
    return error = "--record saves a live stream; it does not go with --replay", false;
  if (o.at_event && !o.replay_path) return error = "--at-event needs --replay", false;
  if (*o_views && (!o.replay_path || !o.screenshot_path ||
                   o.screenshot_path->find("{view}") == std::string::npos || *o_view))
    return error =
               "--views needs --replay and a --screenshot path with {view} in it (and no --view)",
           false;
  if (o.bench_frames && !o.replay_path) return error = "--bench-frames needs --replay", false;
  if (o.sync_timeout_given && (o.replay_path || !o.screenshot_path || o.exit_after_s))
    return error =
               "--sync-timeout is for a live --screenshot (with --socket, without --exit-after)",
           false;
  return true;
}

}  // namespace glass::inspector::app
