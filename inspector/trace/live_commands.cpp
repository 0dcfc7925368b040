// glass-trace ping / walk / pause / step / resume: see live_commands.h.
//
// Output (one line each, fields as in event text):
//   pong token=N
//   walk asid=A va=0x.. status=leaf            then one "  L4[table=.. index=.. entry=..]" per
//   model asid=A va=0x.. status=leaf            level, for the kernel and then the model, then
//   WALK MATCHES MODEL | WALK DIFFERS FROM MODEL
//   demo state=paused step=N cr3_asid=A label="..."
//   map va=0x.. level=L pte=0x..                (--mappings: the model's user-half leaves)
//   memcheck spaces=S nodes=N entries=E cr3=0x.. asid=A cr3_nodes=H mismatches=M
//   mismatch: <sentence>                        (at most TableCheck::kMaxFindings)
//   MEMORY MATCHES MODEL | MEMORY DIFFERS FROM MODEL
#include "inspector/trace/live_commands.h"

#include <chrono>
#include <cstdio>

#include "inspector/model/event_text.h"
#include "inspector/trace/live_session.h"
#include "inspector/trace/memory_crosscheck.h"
#include "inspector/trace/qemu_monitor.h"

namespace glass::inspector {

using telemetry::MsgType;

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "glass-trace: %s\n", why.c_str());
  return 1;
}

// --save: the session appends what it receives as it goes, whatever the outcome (a failed
// session is worth a look); a write error there makes the command fail.
int saved(const LiveSession& s, const LiveOptions&, int status) {
  if (const auto e = s.save_error()) return fail(*e);
  return status;
}

// A session that saves to --save if asked (the file opened before attaching).
bool open_session(LiveSession& s, const LiveOptions& o, std::string& err) {
  return o.save.empty() || s.save_to(o.save, err);
}

uint64_t token_now() {
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) &
         0xffffffffffffull;
}

void print_walk(const char* who, const WalkAnswer& a) {
  std::printf("%s asid=%u va=%s status=%s\n", who, a.asid, hex(a.va).c_str(),
              walk_status_name(a.status));
  for (const auto& l : a.levels) std::printf("  %s\n", describe(l).c_str());
}

void print_demo(const StateModel& m, bool mappings) {
  const DemoSeen& d = *m.demo();
  std::printf("demo state=%s step=%llu cr3_asid=%u label=\"%s\"\n", demo_run_name(d.state),
              static_cast<unsigned long long>(d.step), d.cr3_asid, d.label.c_str());
  if (!mappings) return;
  for (const auto& v : m.leaf_mappings(d.cr3_asid, true))
    std::printf("map va=%s level=%u pte=%s\n", hex(v.va).c_str(), v.level, hex(v.pte).c_str());
}

}  // namespace

int live_ping(const std::string& socket, const LiveOptions& o) {
  LiveSession s(o.timeout_ms);
  std::string err;
  if (!open_session(s, o, err)) return fail(err);
  if (!s.attach(socket, err)) return saved(s, o, fail(err));
  const uint64_t token = token_now();
  if (!s.send_ping(token, err)) return saved(s, o, fail(err));
  if (!s.wait_for([&] { return !s.model().pending_ping(); }, "PONG", err))
    return saved(s, o, fail(err));
  std::printf("pong token=%llu\n", static_cast<unsigned long long>(token));
  return saved(s, o, 0);
}

int live_walk(const std::string& socket, uint32_t asid, uint64_t va, const LiveOptions& o) {
  LiveSession s(o.timeout_ms);
  std::string err;
  if (!open_session(s, o, err)) return fail(err);
  if (!s.attach(socket, err)) return saved(s, o, fail(err));
  const uint64_t token = token_now();
  if (!s.send_walk(token, asid, va, err)) return saved(s, o, fail(err));
  if (!s.wait_for([&] { return s.model().last_walk() && s.model().last_walk()->token == token; },
                  "walk_result", err))
    return saved(s, o, fail(err));
  // The model has applied every event the kernel sent before its answer: same moment, same state.
  const WalkAnswer kernel = *s.model().last_walk();
  const WalkAnswer model = s.model().walk_address(asid, va);
  print_walk("walk", kernel);
  print_walk("model", model);
  const bool same = same_walk(kernel, model);
  std::printf("%s\n", same ? "WALK MATCHES MODEL" : "WALK DIFFERS FROM MODEL");
  if (!telemetry::walk_carries_levels(kernel.status))
    return saved(
        s, o, fail(std::string("the kernel refused the walk: ") + walk_status_name(kernel.status)));
  return saved(s, o, same ? 0 : 1);
}

int live_demo(const std::string& socket, MsgType cmd, const LiveOptions& o) {
  LiveSession s(o.timeout_ms);
  std::string err;
  if (!open_session(s, o, err)) return fail(err);
  if (!s.attach(socket, err)) return saved(s, o, fail(err));
  auto user_space_active = [&] {
    const auto& d = s.model().demo();
    return d && d->state == telemetry::DemoRun::kPaused &&
           !s.model().leaf_mappings(d->cr3_asid, true).empty();
  };
  for (uint64_t n = 0;; ++n) {
    const uint64_t before = s.demo_states();
    if (!s.send_control(cmd, err)) return saved(s, o, fail(err));
    if (!s.wait_for([&] { return s.demo_states() > before; }, "demo_state", err))
      return saved(s, o, fail(err));
    const auto state = s.model().demo()->state;
    if (cmd != MsgType::kStep || !o.until_user || state != telemetry::DemoRun::kPaused ||
        user_space_active())
      break;
    if (n + 1 >= o.max_steps) {
      print_demo(s.model(), false);
      return saved(s, o,
                   fail("no user address space with mappings in CR3 after " +
                        std::to_string(o.max_steps) + " steps"));
    }
  }
  print_demo(s.model(), o.mappings);
  const auto state = s.model().demo()->state;
  if (state == telemetry::DemoRun::kNone) return saved(s, o, fail("no demo is running"));
  return saved(s, o, 0);
}

int live_memcheck(const std::string& socket, const std::string& monitor, const LiveOptions& o) {
  // The monitor first: a wrong path must not leave the demo paused behind it.
  QemuMonitor mon(o.timeout_ms);
  std::string err;
  if (!mon.connect(monitor, err)) return fail(err);
  LiveSession s(o.timeout_ms);
  if (!open_session(s, o, err)) return fail(err);
  if (!s.attach(socket, err)) return saved(s, o, fail(err));
  // A quiet point: the demo blocked between steps, and a PONG proving the model has applied
  // every event sent before it.
  const uint64_t before = s.demo_states();
  if (!s.send_control(MsgType::kPause, err)) return saved(s, o, fail(err));
  if (!s.wait_for([&] { return s.demo_states() > before; }, "demo_state", err))
    return saved(s, o, fail(err));
  const uint64_t token = token_now();
  if (!s.send_ping(token, err)) return saved(s, o, fail(err));
  if (!s.wait_for([&] { return !s.model().pending_ping(); }, "PONG", err))
    return saved(s, o, fail(err));
  if (s.model().sync() != Sync::kSynced)
    return saved(s, o, fail(std::string("the model is not synced: ") + s.model().sync_reason()));
  std::optional<uint32_t> asid;
  if (s.model().demo() && s.model().demo()->state == telemetry::DemoRun::kPaused)
    asid = s.model().demo()->cr3_asid;
  else if (auto it = s.model().cr3().find(0); it != s.model().cr3().end())
    asid = it->second;
  if (!asid) return saved(s, o, fail("cannot tell which address space the CPU is on"));

  // Stopped, memory cannot change between the first read and the last.
  std::string reply;
  if (!mon.command("stop", reply, err)) return saved(s, o, fail(err));
  std::optional<uint64_t> cr3;
  TableCheck c;
  if (mon.command("info registers", reply, err)) cr3 = parse_cr3(reply);
  if (cr3) {
    c = check_tables_against_memory(
        s.model(),
        [&](uint64_t pfn, PageQuads& q, std::string& e) { return mon.read_page(pfn << 12, q, e); },
        CpuRoot{*cr3, *asid});
  }
  std::string cont_err;
  const bool resumed = mon.command("cont", reply, cont_err);
  if (!cr3) return saved(s, o, fail("no CR3 in QEMU's `info registers`: " + err));
  if (!resumed) return saved(s, o, fail("the VM stays stopped: " + cont_err));
  if (!c.error.empty()) return saved(s, o, fail(c.error));
  std::printf(
      "memcheck spaces=%llu nodes=%llu entries=%llu cr3=%s asid=%u cr3_nodes=%llu "
      "mismatches=%llu\n",
      (unsigned long long)c.spaces, (unsigned long long)c.nodes, (unsigned long long)c.entries,
      hex(*cr3).c_str(), *asid, (unsigned long long)c.cr3_nodes, (unsigned long long)c.mismatches);
  for (const auto& f : c.findings) std::printf("mismatch: %s\n", f.c_str());
  std::printf("%s\n", c.ok() ? "MEMORY MATCHES MODEL" : "MEMORY DIFFERS FROM MODEL");
  return saved(s, o, c.ok() ? 0 : 1);
}

}  // namespace glass::inspector
