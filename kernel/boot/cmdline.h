// The kernel command line: `ktest=all|<suite>[,<suite>...]`, `demo=<name>`, `quiet`,
// `panic=halt|exit`, `exit_after_ready`, `exit_after_demo`, `telemetry=on|off|polled`,
// `failinject=N` (the demo's Nth allocation fails), `failinject_stride=K` (the fail_inject
// ktest tries every Kth N) and `demo_pace=P` (a demo pauses P % of its usual time between steps,
// 1..1000: scripts and tests that need the demo's work, not its pacing), `ramdisk=KIB` (a boot
// ramdisk of that many KiB, block/boot_ramdisk.h, which checks the size) and `ramdisk.fail=N`
// (it fails every Nth request). Anything else produces a warning and is ignored.
//
// Invariants: parsing never fails and never allocates; values are copied into fixed buffers, and
// a value too long for its buffer is rejected with a warning (not truncated, which would silently
// run a different test selection). Warnings are kept verbatim for the boot log.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace glass {

struct Cmdline {
  static constexpr size_t kValueMax = 128;
  static constexpr size_t kMaxWarnings = 8;
  static constexpr size_t kWarningMax = 96;

  char ktest[kValueMax] = {};  // empty: no tests
  char demo[kValueMax] = {};   // empty: no demo
  bool quiet = false;
  bool panic_exit = false;  // panic=exit
  bool exit_after_ready = false;
  bool exit_after_demo = false;    // leave QEMU when the demo returns (scripts, e2e)
  bool telemetry = true;           // telemetry=off: no rings, no COM2 stream, hooks stay off
  bool telemetry_polled = false;   // telemetry=polled: COM2 is read by polling, not its interrupt
  uint64_t failinject = 0;         // failinject=N: the demo's Nth allocation fails (0: off)
  uint64_t failinject_stride = 0;  // failinject_stride=K: ktest fail_inject samples every Kth N
  uint64_t demo_pace = 100;        // demo_pace=P: percent of a demo's pauses between steps
  uint64_t ramdisk_kib = 0;        // ramdisk=KIB: a boot ramdisk of KIB KiB (0: none)
  uint64_t ramdisk_fail = 0;       // ramdisk.fail=N: it fails every Nth request (0: never)
  char warnings[kMaxWarnings][kWarningMax] = {};
  size_t warning_count = 0;
  size_t dropped_warnings = 0;
};

// text may be null (no command line tag).
[[nodiscard]] Cmdline parse_cmdline(const char* text);

}  // namespace glass
