// glass-trace: record, dump, check and export Glass telemetry traces (.glt).
//
// Invariants: an unknown subcommand, flag or a missing/extra argument prints usage and exits 2;
// an unreadable or damaged file gets a sentence and a non-zero exit, never a crash; a trace that
// ends mid-frame is used up to its last complete frame and the tool says so. Exit codes: 0 ok,
// 1 the trace is damaged or does not verify, 2 usage.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "inspector/model/event_text.h"
#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/chrome_export.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/live_commands.h"
#include "inspector/trace/recorder.h"
#include "inspector/trace/trace_file.h"
#include "inspector/trace/unix_socket.h"
#include "protocol/encoder.h"

namespace gi = glass::inspector;
namespace gt = glass::telemetry;

namespace {

constexpr char kUsage[] =
    "usage: glass-trace <command> [options]\n"
    "  record SOCKET OUT.glt [--duration SEC] [--max-bytes N]\n"
    "                         attach to a kernel's telemetry socket (./glass run serves\n"
    "                         build/run/telemetry.sock), send HELLO, save the raw stream;\n"
    "                         a gap or a digest mismatch meanwhile asks the kernel for a new\n"
    "                         snapshot (REQUEST_SNAPSHOT); leaving early sends DETACH\n"
    "  dump TRACE.glt [--limit N]   events and gaps as text, one per line\n"
    "  stats TRACE.glt        event counts, bytes per event, frames, gaps\n"
    "  verify TRACE.glt       replay into the model and check every digest\n"
    "  export --chrome TRACE.glt OUT.json   cursor lock holds/waits for Perfetto\n"
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
    "  pause|step|resume SOCKET [--mappings] [--until-user] [--max N]\n"
    "                         control demo=mm: block it between steps, run one step, let it go;\n"
    "                         --mappings prints the model's user-half leaves of CR3's space,\n"
    "                         step --until-user steps until CR3 holds a space with some\n"
    "  (live commands take --timeout SEC, default 60, and --save OUT.glt: the stream they saw)\n";

int usage(const std::string& why) {
  std::fprintf(stderr, "glass-trace: %s\n%s", why.c_str(), kUsage);
  return 2;
}

volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

// Positional arguments and --flag VALUE options, validated against what a command accepts.
struct Args {
  std::vector<std::string> pos;
  std::vector<std::pair<std::string, std::string>> opts;
  std::string error;
  const std::string* opt(const std::string& k) const {
    for (const auto& [n, v] : opts)
      if (n == k) return &v;
    return nullptr;
  }
};

Args parse(int argc, char** argv, const std::vector<std::string>& valued,
           const std::vector<std::string>& bare) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) != 0) {
      a.pos.push_back(s);
      continue;
    }
    bool is_valued = std::find(valued.begin(), valued.end(), s) != valued.end();
    bool is_bare = std::find(bare.begin(), bare.end(), s) != bare.end();
    if (!is_valued && !is_bare) {
      a.error = "unknown option " + s;
      return a;
    }
    if (is_valued) {
      if (i + 1 >= argc) {
        a.error = s + " needs a value";
        return a;
      }
      a.opts.push_back({s, argv[++i]});
    } else {
      a.opts.push_back({s, ""});
    }
  }
  return a;
}

bool number(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::strtoull(s.c_str(), nullptr, 10);
  return true;
}

struct Loaded {
  std::vector<gi::StreamItem> items;
  gi::StreamStats stats;
  std::optional<std::string> version_error;
  uint64_t truncated_bytes = 0;
};

bool load(const std::string& path, Loaded& l) {
  gi::TraceFile f;
  std::string err;
  if (!gi::read_trace(path, f, err)) {
    std::fprintf(stderr, "glass-trace: %s\n", err.c_str());
    return false;
  }
  gi::StreamDecoder d;
  d.feed(f.stream.data(), f.stream.size(), l.items);
  d.finish(l.items);
  l.stats = d.stats();
  l.version_error = d.version_error();
  for (const auto& it : l.items)
    if (it.kind == gi::StreamItem::Kind::kGap && it.gap.kind == gi::GapKind::kTruncated) {
      l.truncated_bytes = it.gap.bytes;
      std::fprintf(stderr, "glass-trace: %s: truncated: %s\n", path.c_str(), it.gap.detail.c_str());
    }
  if (l.version_error) std::fprintf(stderr, "glass-trace: %s\n", l.version_error->c_str());
  return true;
}

int cmd_dump(const Args& a) {
  if (a.pos.size() != 1) return usage("dump takes one trace file");
  uint64_t limit = UINT64_MAX;
  if (const auto* v = a.opt("--limit"); v && !number(*v, limit))
    return usage("--limit wants a number, got '" + *v + "'");
  Loaded l;
  if (!load(a.pos[0], l)) return 1;
  uint64_t n = 0;
  for (const auto& it : l.items) {
    if (n++ >= limit) break;
    std::printf("%s\n", gi::dump_line(it).c_str());
  }
  return l.stats.gaps || l.version_error ? 1 : 0;
}

int cmd_stats(const Args& a) {
  if (a.pos.size() != 1) return usage("stats takes one trace file");
  Loaded l;
  if (!load(a.pos[0], l)) return 1;
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
  return 0;
}

int cmd_verify(const Args& a) {
  if (a.pos.size() != 1) return usage("verify takes one trace file");
  Loaded l;
  if (!load(a.pos[0], l)) return 1;
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
  bool ok = c.digests_mismatched == 0 && c.digests_matched > 0 && m.sync() == gi::Sync::kSynced;
  std::printf("%s\n", ok ? "VERIFY OK" : "VERIFY FAILED");
  return ok ? 0 : 1;
}

int cmd_export(const Args& a) {
  if (!a.opt("--chrome")) return usage("export needs a format: --chrome");
  if (a.pos.size() != 2) return usage("export --chrome takes TRACE.glt OUT.json");
  Loaded l;
  if (!load(a.pos[0], l)) return 1;
  gi::ChromeExportStats st;
  std::string json = gi::chrome_trace_json(l.items, st);
  std::ofstream f(a.pos[1], std::ios::trunc);
  if (!f || !(f << json) || !f.flush()) {
    std::fprintf(stderr, "glass-trace: cannot write %s\n", a.pos[1].c_str());
    return 1;
  }
  std::printf(
      "wrote %s: %llu cursors, %llu lock holds, %llu waits, %llu unfinished, %llu "
      "unmatched\n",
      a.pos[1].c_str(), (unsigned long long)st.cursors, (unsigned long long)st.holds,
      (unsigned long long)st.waits, (unsigned long long)st.unfinished,
      (unsigned long long)st.unmatched);
  return 0;
}

int cmd_synth(const Args& a) {
  if (a.pos.size() != 1) return usage("synth takes one output file");
  uint64_t seed = 1, ops = 40;
  if (const auto* v = a.opt("--seed"); v && !number(*v, seed))
    return usage("--seed wants a number");
  if (const auto* v = a.opt("--ops"); v && (!number(*v, ops) || ops > 100000))
    return usage("--ops wants a number up to 100000");
  // The real mm on the host (HostKernel). Each operation touches at most a handful of frames;
  // size the simulated RAM so that any accepted --ops fits (100000 ops -> ~1.6M frames).
  gi::HostKernel k(2048 + ops * 16, seed);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 16, 0);
  k.snapshot();
  k.random_activity(static_cast<int>(ops));
  if (a.opt("--contend")) k.contend(as, 0x40000000, 8);  // beyond random_activity's range
  k.send_digest();
  std::string err;
  if (!gi::write_trace(a.pos[0], k.take_bytes(), err)) {
    std::fprintf(stderr, "glass-trace: %s\n", err.c_str());
    return 1;
  }
  return 0;
}

int cmd_record(const Args& a) {
  if (a.pos.size() != 2) return usage("record takes SOCKET OUT.glt");
  uint64_t duration = 0, max_bytes = 0;
  if (const auto* v = a.opt("--duration"); v && (!number(*v, duration) || duration > 100000000))
    return usage("--duration wants seconds");
  if (const auto* v = a.opt("--max-bytes"); v && !number(*v, max_bytes))
    return usage("--max-bytes wants a number");
  gi::UnixSocket s;
  std::string err;
  if (!s.connect(a.pos[0], err)) {
    std::fprintf(stderr, "glass-trace: %s\n", err.c_str());
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  gi::Recorder rec;
  std::string why;
  if (!gi::run_recording(s, rec, gi::RecordLimits{duration * 1000, max_bytes}, &g_stop, why, err)) {
    std::fprintf(stderr, "glass-trace: %s\n", err.c_str());
    return 1;
  }
  if (!gi::write_trace(a.pos[1], rec.stream(), err)) {
    std::fprintf(stderr, "glass-trace: %s\n", err.c_str());
    return 1;
  }
  // What the model made of the stream while recording: every snapshot it had to ask for.
  for (const auto& r : rec.requests())
    std::printf("snapshot request sent: reason=%s at byte %llu%s (%s)\n",
                gi::snapshot_reason_name(r.reason), (unsigned long long)r.at_byte,
                r.retry ? ", a retry" : "", r.why.c_str());
  const auto& c = rec.model().counters();
  std::printf(
      "recorded %zu bytes to %s (%s); snapshot requests sent: %zu; model %s, digests %llu "
      "matched, %llu mismatched\n",
      rec.stream().size(), a.pos[1].c_str(), why.c_str(), rec.requests().size(),
      gi::sync_name(rec.model().sync()), (unsigned long long)c.digests_matched,
      (unsigned long long)c.digests_mismatched);
  if (rec.version_error()) std::fprintf(stderr, "glass-trace: %s\n", rec.version_error()->c_str());
  return 0;
}

// Shared by the live commands: --timeout SEC.
bool live_options(const Args& a, gi::LiveOptions& o, std::string& why) {
  uint64_t v = 0;
  if (const auto* t = a.opt("--timeout")) {
    if (!number(*t, v) || v == 0 || v > 3600) {
      why = "--timeout wants seconds (1..3600)";
      return false;
    }
    o.timeout_ms = static_cast<int>(v * 1000);
  }
  if (const auto* m = a.opt("--max")) {
    if (!number(*m, v) || v == 0 || v > 10000) {
      why = "--max wants a number of steps (1..10000)";
      return false;
    }
    o.max_steps = v;
  }
  if (const auto* f = a.opt("--save")) o.save = *f;
  o.mappings = a.opt("--mappings") != nullptr;
  o.until_user = a.opt("--until-user") != nullptr;
  return true;
}

// "0x..." or decimal, the whole 64-bit range.
bool address(const std::string& s, uint64_t& out) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    if (s.size() > 18) return false;
    out = 0;
    for (size_t i = 2; i < s.size(); ++i) {
      char c = s[i];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return false;
      out = out << 4 | static_cast<uint64_t>(d);
    }
    return true;
  }
  return number(s, out);
}

int cmd_ping(const Args& a) {
  if (a.pos.size() != 1) return usage("ping takes SOCKET");
  gi::LiveOptions o;
  std::string why;
  if (!live_options(a, o, why)) return usage(why);
  return gi::live_ping(a.pos[0], o);
}

int cmd_walk(const Args& a) {
  if (a.pos.size() != 3) return usage("walk takes SOCKET ASID VADDR");
  gi::LiveOptions o;
  std::string why;
  if (!live_options(a, o, why)) return usage(why);
  uint64_t asid = 0, va = 0;
  if (!number(a.pos[1], asid) || asid > 0xffffffffu)
    return usage("ASID wants a number, got '" + a.pos[1] + "'");
  if (!address(a.pos[2], va))
    return usage("VADDR wants 0x<hex> or decimal, got '" + a.pos[2] + "'");
  return gi::live_walk(a.pos[0], static_cast<uint32_t>(asid), va, o);
}

int cmd_memcheck(const Args& a) {
  if (a.pos.size() != 2) return usage("memcheck takes SOCKET MONITOR");
  gi::LiveOptions o;
  std::string why;
  if (!live_options(a, o, why)) return usage(why);
  return gi::live_memcheck(a.pos[0], a.pos[1], o);
}

int demo_command(const Args& a, gt::MsgType t, const char* name) {
  if (a.pos.size() != 1) return usage(std::string(name) + " takes SOCKET");
  gi::LiveOptions o;
  std::string why;
  if (!live_options(a, o, why)) return usage(why);
  if (o.until_user && t != gt::MsgType::kStep) return usage("--until-user is for step");
  return gi::live_demo(a.pos[0], t, o);
}
int cmd_pause(const Args& a) {
  return demo_command(a, gt::MsgType::kPause, "pause");
}
int cmd_step(const Args& a) {
  return demo_command(a, gt::MsgType::kStep, "step");
}
int cmd_resume(const Args& a) {
  return demo_command(a, gt::MsgType::kResume, "resume");
}

}  // namespace

int run_command(int argc, char** argv) {
  if (argc < 2) return usage("no command");
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::printf("%s", kUsage);
    return 0;
  }
  struct Spec {
    const char* name;
    std::vector<std::string> valued, bare;
    int (*run)(const Args&);
  };
  const Spec specs[] = {
      {"record", {"--duration", "--max-bytes"}, {}, cmd_record},
      {"dump", {"--limit"}, {}, cmd_dump},
      {"stats", {}, {}, cmd_stats},
      {"verify", {}, {}, cmd_verify},
      {"export", {}, {"--chrome"}, cmd_export},
      {"synth", {"--seed", "--ops"}, {"--contend"}, cmd_synth},
      {"ping", {"--timeout", "--save"}, {}, cmd_ping},
      {"walk", {"--timeout", "--save"}, {}, cmd_walk},
      {"memcheck", {"--timeout", "--save"}, {}, cmd_memcheck},
      {"pause", {"--timeout", "--save"}, {"--mappings"}, cmd_pause},
      {"step", {"--timeout", "--max", "--save"}, {"--mappings", "--until-user"}, cmd_step},
      {"resume", {"--timeout", "--save"}, {"--mappings"}, cmd_resume},
  };
  for (const auto& s : specs) {
    if (cmd != s.name) continue;
    Args a = parse(argc, argv, s.valued, s.bare);
    if (!a.error.empty()) return usage(a.error);
    return s.run(a);
  }
  return usage("unknown command '" + cmd + "'");
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
