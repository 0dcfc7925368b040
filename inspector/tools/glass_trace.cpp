// glass-trace: record, dump, check and export Glass telemetry traces (.glt).
//
// Invariants: the command line is parsed by CLI11 (inspector/trace/command_line.h); an unknown
// subcommand, flag or a missing/extra argument prints one line and the usage and exits 2; an
// unreadable, foreign or damaged file gets one sentence and exit 1 without more than its header
// being read (a directory, a device, an empty or non-trace file), never a crash; a trace that
// ends mid-frame is used up to its last complete frame and the tool says so, and one that ends
// without a goodbye is reported cut, with where. Exit codes: 0 ok, 1 the trace is damaged or
// does not verify, 2 usage.
#include <signal.h>

#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "inspector/model/event_text.h"
#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/chrome_export.h"
#include "inspector/trace/command_line.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/live_commands.h"
#include "inspector/trace/recorder.h"
#include "inspector/trace/trace_end.h"
#include "inspector/trace/trace_file.h"
#include "inspector/trace/unix_socket.h"

namespace gi = glass::inspector;
namespace gt = glass::telemetry;
namespace cli = glass::inspector::cli;

namespace {

constexpr char kUsage[] =
    "usage: glass-trace <command> [options]\n"
    "  record SOCKET OUT.glt [--duration SEC] [--max-bytes N]\n"
    "                         attach to a kernel's telemetry socket (./glass run serves\n"
    "                         build/run/telemetry.sock), send HELLO, append the raw stream to\n"
    "                         OUT.glt as it arrives; a gap or a digest mismatch meanwhile asks\n"
    "                         the kernel for a new snapshot (REQUEST_SNAPSHOT); --duration\n"
    "                         (more than 0; omit it to record until the kernel closes the\n"
    "                         stream) and --max-bytes leave early with DETACH\n"
    "  dump TRACE.glt [--limit N]   events and gaps as text, one per line\n"
    "  stats TRACE.glt        event counts, bytes per event, frames, gaps\n"
    "  verify TRACE.glt       replay into the model and check every digest; say where a\n"
    "                         recording without a goodbye was cut\n"
    "  export --perfetto TRACE.glt OUT.json   Chrome trace-event JSON for ui.perfetto.dev: a\n"
    "                         track per cursor (life, lock holds, waits), per CPU, frame counts\n"
    "                         by kind, every other event as an instant (--chrome: the same)\n"
    "  synth OUT.glt [--seed N] [--ops N] [--contend]   write a synthetic trace (no kernel\n"
    "                                       needed); --contend: two cursors, one waits\n"
    "  ping SOCKET            attach, send PING, wait for PONG\n"
    "  walk SOCKET ASID VADDR attach, ask the kernel to walk VADDR in address space ASID, print\n"
    "                         each level and compare with the model's own walk\n"
    "  memcheck SOCKET MONITOR  pause demo=mm, stop the VM and compare every page-table node the\n"
    "                         model holds, all 512 entries, with guest-physical memory read\n"
    "                         through QEMU's monitor socket (xp), and walk CR3's tree (info\n"
    "                         registers); Accessed/Dirty ignored; exit 0 only if all match;\n"
    "                         the demo stays paused (resume lets it go)\n"
    "  pause SOCKET [--mappings]    block demo=mm at its next step boundary\n"
    "  step SOCKET [--mappings] [--until-user] [--max N]   run one step and block again;\n"
    "                         --until-user steps (at most --max, default 64) until CR3 holds\n"
    "                         a space with user-half mappings\n"
    "  resume SOCKET [--mappings]   let the demo run on\n"
    "                         --mappings prints the model's user-half leaves of CR3's space\n"
    "  (live commands take --timeout SEC, 1..3600, default 60, and --save OUT.glt: the stream\n"
    "   they saw)\n";

int usage(const std::string& why) {
  std::fprintf(stderr, "glass-trace: %s\n%s", why.c_str(), kUsage);
  return 2;
}

int fail(const std::string& why) {
  std::fprintf(stderr, "glass-trace: %s\n", why.c_str());
  return 1;
}

volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

struct Loaded {
  gi::TraceFile file;
  std::vector<gi::StreamItem> items;
  gi::StreamStats stats;
  std::optional<std::string> version_error;
  std::optional<gi::TraceCut> cut;
};

bool load(const std::string& path, Loaded& l) {
  std::string err;
  if (!gi::read_trace(path, l.file, err, "glass-trace")) return fail(err), false;
  gi::StreamDecoder d;
  d.feed(l.file.stream.data(), l.file.stream.size(), l.items);
  d.finish(l.items);
  l.stats = d.stats();
  l.version_error = d.version_error();
  uint64_t truncated = 0;
  for (const auto& it : l.items)
    if (it.kind == gi::StreamItem::Kind::kGap && it.gap.kind == gi::GapKind::kTruncated) {
      truncated = it.gap.bytes;
      std::fprintf(stderr, "glass-trace: %s: truncated: %s\n", path.c_str(), it.gap.detail.c_str());
    }
  l.cut = gi::trace_cut(l.file, l.stats.frames, d.last_seq(), truncated);
  if (l.version_error) std::fprintf(stderr, "glass-trace: %s\n", l.version_error->c_str());
  return true;
}

void note_cut(const std::string& path, const Loaded& l) {
  if (l.cut) std::fprintf(stderr, "glass-trace: %s: %s\n", path.c_str(), l.cut->sentence().c_str());
}

int cmd_dump(const std::string& path, uint64_t limit) {
  Loaded l;
  if (!load(path, l)) return 1;
  uint64_t n = 0;
  for (const auto& it : l.items) {
    if (n++ >= limit) break;
    std::printf("%s\n", gi::dump_line(it).c_str());
  }
  note_cut(path, l);
  return l.stats.gaps || l.version_error ? 1 : 0;
}

int cmd_stats(const std::string& path) {
  Loaded l;
  if (!load(path, l)) return 1;
  const auto& s = l.stats;
  std::printf(
      "bytes %llu, frames %llu, events %llu, gaps %llu (frames lost %llu, bytes "
      "dropped %llu)\n",
      (unsigned long long)s.bytes, (unsigned long long)s.frames, (unsigned long long)s.events,
      (unsigned long long)s.gaps, (unsigned long long)s.lost_frames,
      (unsigned long long)s.dropped_bytes);
  std::printf("%-16s %10s %12s %10s\n", "event", "count", "bytes", "bytes/ev");
  uint64_t payload = 0;
  for (size_t t = 0; t < gt::kMsgTypeSlots; ++t) {
    if (!s.count[t]) continue;
    payload += s.event_bytes[t];
    std::printf("%-16s %10llu %12llu %10.2f\n", gt::msg_name(static_cast<gt::MsgType>(t)),
                (unsigned long long)s.count[t], (unsigned long long)s.event_bytes[t],
                double(s.event_bytes[t]) / double(s.count[t]));
  }
  // State changes: frames in runs + entries in batches, the figure the 4-byte goal is about.
  uint64_t changes = 0;
  for (const auto& it : l.items) {
    if (it.kind != gi::StreamItem::Kind::kEvent) continue;
    if (it.event.ev.type == gt::MsgType::kFrameRun) changes += it.event.ev.frame_run.count;
    if (it.event.ev.type == gt::MsgType::kEntries) changes += it.event.ev.entries.count;
  }
  std::printf(
      "framing overhead %llu bytes (%.1f%% of frames)\n",
      (unsigned long long)(s.frame_bytes - payload),
      s.frame_bytes ? 100.0 * double(s.frame_bytes - payload) / double(s.frame_bytes) : 0.0);
  if (changes)
    std::printf("state changes %llu, wire bytes per state change %.2f\n",
                (unsigned long long)changes, double(s.bytes) / double(changes));
  for (const auto& it : l.items)
    if (it.kind == gi::StreamItem::Kind::kGap) std::printf("%s\n", gi::describe(it.gap).c_str());
  note_cut(path, l);
  return 0;
}

int cmd_verify(const std::string& path) {
  Loaded l;
  if (!load(path, l)) return 1;
  if (l.version_error) return 1;
  gi::StateModel m;
  uint64_t syncs = 0, matched_before_last_sync = 0;
  for (const auto& it : l.items) {
    gi::Sync before = m.sync();
    m.apply(it);
    if (it.kind == gi::StreamItem::Kind::kGap)
      std::printf("gap: %s\n", gi::describe(it.gap).c_str());
    if (before != m.sync() && m.sync() == gi::Sync::kNeedSnapshot)
      std::printf("needs snapshot: %s\n", m.sync_reason().c_str());
    if (before != gi::Sync::kSynced && m.sync() == gi::Sync::kSynced) {
      std::printf("synced at frame %u\n", it.event.seq);
      ++syncs;
      matched_before_last_sync = m.counters().digests_matched;
    }
  }
  const auto& c = m.counters();
  std::printf(
      "digests: %llu matched, %llu mismatched, %llu unchecked; snapshots: %llu "
      "completed, %llu failed; problems: %llu; final state: %s\n",
      (unsigned long long)c.digests_matched, (unsigned long long)c.digests_mismatched,
      (unsigned long long)c.digests_unchecked, (unsigned long long)c.snapshots_completed,
      (unsigned long long)c.snapshots_failed, (unsigned long long)c.problems,
      gi::sync_name(m.sync()));
  for (const auto& p : m.problems())
    std::printf("problem at frame %u: %s\n", p.seq, p.what.c_str());
  // A recording that repaired itself: how often it synced, and whether digests after the last
  // snapshot (not only the snapshot's own) matched.
  std::printf("syncs: %llu; digests matched after the last sync: %llu\n", (unsigned long long)syncs,
              (unsigned long long)(c.digests_matched - matched_before_last_sync));
  // Where the recording stops, when nobody said goodbye: what was verified is everything up to
  // there, and nothing after it.
  if (l.cut)
    std::printf("end: %s\n", l.cut->sentence().c_str());
  else
    std::printf("end: complete (%s)\n", gi::trace_end_name(l.file.end));
  bool ok = c.digests_mismatched == 0 && c.digests_matched > 0 && m.sync() == gi::Sync::kSynced;
  std::printf("%s\n", ok ? "VERIFY OK" : "VERIFY FAILED");
  return ok ? 0 : 1;
}

int cmd_export(const std::string& path, const std::string& out) {
  Loaded l;
  if (!load(path, l)) return 1;
  gi::ChromeExportStats st;
  std::string json = gi::chrome_trace_json(l.items, st);
  std::ofstream f(out, std::ios::trunc);
  if (!f || !(f << json) || !f.flush()) return fail("cannot write " + out);
  std::printf(
      "wrote %s: %llu cursors, %llu lock holds, %llu waits, %llu unfinished, %llu "
      "unmatched; %llu CPU tracks, %llu frame-count points, %llu instants\n",
      out.c_str(), (unsigned long long)st.cursors, (unsigned long long)st.holds,
      (unsigned long long)st.waits, (unsigned long long)st.unfinished,
      (unsigned long long)st.unmatched, (unsigned long long)st.cpus,
      (unsigned long long)st.counter_points, (unsigned long long)st.instants);
  return 0;
}

int cmd_synth(const std::string& out, uint64_t seed, uint64_t ops, bool contend) {
  // Each operation touches at most a handful of frames; size the synthetic RAM so that any
  // accepted --ops fits (100000 ops -> ~1.6M frames, ~26 MB of model).
  gi::HostKernel k(2048 + ops * 16, seed);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 16, 0);
  k.snapshot();
  k.random_activity(static_cast<int>(ops));
  if (contend) k.contend(as, 0x40000000, 8);  // beyond random_activity's range
  k.send_digest();
  std::string err;
  if (!gi::write_trace(out, k.take_bytes(), err)) return fail(err);
  return 0;
}

int cmd_record(const std::string& socket, const std::string& out, uint64_t duration_s,
               uint64_t max_bytes) {
  gi::UnixSocket s;
  std::string err;
  if (!s.connect(socket, err)) return fail(err);
  gi::TraceWriter file;
  if (!file.open(out, err)) return fail(err);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  gi::Session session;
  gi::RecordOutcome how;
  if (!gi::run_recording(s, session, file, gi::RecordLimits{duration_s * 1000, max_bytes}, &g_stop,
                         how, err))
    return fail(err);
  if (file.error()) return fail(*file.error());
  // What the model made of the stream while recording: every snapshot it had to ask for.
  for (const auto& r : session.requests())
    std::printf("snapshot request sent: reason=%s at byte %llu%s (%s)\n",
                gi::snapshot_reason_name(r.reason), (unsigned long long)r.at_byte,
                r.retry ? ", a retry" : "", r.why.c_str());
  const auto& m = session.model();
  const auto& c = m.counters();
  std::printf(
      "recorded %llu bytes to %s (%s); snapshot requests sent: %zu; model %s, digests %llu "
      "matched, %llu mismatched; epochs: %zu\n",
      (unsigned long long)session.bytes_received(), out.c_str(), how.why.c_str(),
      session.requests().size(), gi::sync_name(m.sync()), (unsigned long long)c.digests_matched,
      (unsigned long long)c.digests_mismatched, session.epochs().size());
  if (session.version_error())
    std::fprintf(stderr, "glass-trace: %s\n", session.version_error()->c_str());
  return 0;
}

// The live commands' shared options.
void live_options(CLI::App& sub, gi::LiveOptions& o, uint64_t& timeout_s) {
  sub.add_option("--timeout", timeout_s)
      ->check(cli::whole<uint64_t>("--timeout wants seconds (1..3600)", 1, 3600));
  sub.add_option("--save", o.save)
      ->check(cli::wants(
          "--save wants a file",
          CLI::Validator(
              [](std::string& v) { return v.empty() ? std::string("empty") : std::string(); },
              "")));
}

}  // namespace

int run_command(int argc, char** argv) {
  if (argc < 2) return usage("no command");
  const std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::printf("%s", kUsage);
    return 0;
  }
  CLI::App app{"glass-trace"};
  cli::defaults(app);
  app.require_subcommand(1, 1);

  std::string trace, out, socket, monitor;
  uint64_t limit = UINT64_MAX, seed = 1, ops = 40, duration = 0, max_bytes = 0, asid = 0, va = 0;
  uint64_t timeout_s = 60, max_steps = 64;
  bool chrome = false, contend = false;
  gi::LiveOptions lo;

  auto* record = app.add_subcommand("record");
  record->add_option("SOCKET", socket)->required();
  record->add_option("OUT.glt", out)->required();
  record->add_option("--duration", duration)
      ->check(cli::whole<uint64_t>(
          "--duration wants seconds, more than 0 (omit it to record until the stream ends)", 1,
          1e8));
  record->add_option("--max-bytes", max_bytes)
      ->check(cli::whole<uint64_t>("--max-bytes wants a number of bytes, more than 0", 1, 1e15));
  auto* dump = app.add_subcommand("dump");
  dump->add_option("TRACE.glt", trace)->required();
  dump->add_option("--limit", limit)
      ->check(cli::whole<uint64_t>("--limit wants a number", 0, 1e15));
  auto* stats = app.add_subcommand("stats");
  stats->add_option("TRACE.glt", trace)->required();
  auto* verify = app.add_subcommand("verify");
  verify->add_option("TRACE.glt", trace)->required();
  auto* exp = app.add_subcommand("export");
  exp->add_flag("--perfetto,--chrome", chrome);
  exp->add_option("TRACE.glt", trace)->required();
  exp->add_option("OUT.json", out)->required();
  auto* synth = app.add_subcommand("synth");
  synth->add_option("OUT.glt", out)->required();
  synth->add_option("--seed", seed)->check(cli::whole<uint64_t>("--seed wants a number", 0, 1e15));
  synth->add_option("--ops", ops)
      ->check(cli::whole<uint64_t>("--ops wants a number up to 100000", 0, 100000));
  synth->add_flag("--contend", contend);
  auto* ping = app.add_subcommand("ping");
  ping->add_option("SOCKET", socket)->required();
  live_options(*ping, lo, timeout_s);
  auto* walk = app.add_subcommand("walk");
  walk->add_option("SOCKET", socket)->required();
  walk->add_option("ASID", asid)
      ->required()
      ->check(cli::whole<uint64_t>("ASID wants a number", 0, 4294967295.0));
  walk->add_option("VADDR", va)
      ->required()
      ->check(cli::whole<uint64_t>("VADDR wants 0x<hex> or decimal", 0, 18446744073709551615.0));
  live_options(*walk, lo, timeout_s);
  auto* memcheck = app.add_subcommand("memcheck");
  memcheck->add_option("SOCKET", socket)->required();
  memcheck->add_option("MONITOR", monitor)->required();
  live_options(*memcheck, lo, timeout_s);
  CLI::App* demo[3];
  const char* demo_names[3] = {"pause", "step", "resume"};
  for (int i = 0; i < 3; ++i) {
    demo[i] = app.add_subcommand(demo_names[i]);
    demo[i]->add_option("SOCKET", socket)->required();
    demo[i]->add_flag("--mappings", lo.mappings);
    live_options(*demo[i], lo, timeout_s);
  }
  demo[1]->add_flag("--until-user", lo.until_user);
  demo[1]
      ->add_option("--max", max_steps)
      ->check(cli::whole<uint64_t>("--max wants a number of steps (1..10000)", 1, 10000));

  bool known = false;
  for (const auto* s : app.get_subcommands([](CLI::App*) { return true; }))
    known = known || s->get_name() == cmd;
  if (!known) return usage("unknown command '" + cmd + "'");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return usage(cmd + ": " + cli::one_line(e));
  }
  lo.timeout_ms = static_cast<int>(timeout_s * 1000);
  lo.max_steps = max_steps;

  if (record->parsed()) return cmd_record(socket, out, duration, max_bytes);
  if (dump->parsed()) return cmd_dump(trace, limit);
  if (stats->parsed()) return cmd_stats(trace);
  if (verify->parsed()) return cmd_verify(trace);
  if (exp->parsed()) {
    if (!chrome) return usage("export needs a format: --perfetto");
    return cmd_export(trace, out);
  }
  if (synth->parsed()) return cmd_synth(out, seed, ops, contend);
  if (ping->parsed()) return gi::live_ping(socket, lo);
  if (walk->parsed()) return gi::live_walk(socket, static_cast<uint32_t>(asid), va, lo);
  if (memcheck->parsed()) return gi::live_memcheck(socket, monitor, lo);
  const gt::MsgType demo_msgs[3] = {gt::MsgType::kPause, gt::MsgType::kStep, gt::MsgType::kResume};
  for (int i = 0; i < 3; ++i)
    if (demo[i]->parsed()) return gi::live_demo(socket, demo_msgs[i], lo);
  return usage("no command");
}

int main(int argc, char** argv) {
  // Library code reports bad input through return values; an exception here is a bug in this
  // tool, and it still ends as a message and a status, not an abort.
  try {
    return run_command(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "glass-trace: internal error: %s\n", e.what());
    return 1;
  }
}
