// ktest runner; see runner.h for the recovery protocol and ktest.h for declaring tests.
// Invariant: g_current is non-null exactly while a test function (or its hooks) runs; the
// recovery point is armed only while a test that declared a fault runs. Every KTAP result line is
// also a telemetry `ktap` event, and the telemetry channel is polled only between tests.
#include "kernel/ktest/runner.h"

#include "kernel/base/exception_decode.h"
#include "kernel/base/kprintf.h"
#include "kernel/ktest/ktest.h"
#include "kernel/lib/format.h"
#include "kernel/lib/panic.h"
#include "kernel/telemetry/telemetry.h"

extern "C" const glass::ktest::Case* const __start_ktest_cases[];
extern "C" const glass::ktest::Case* const __stop_ktest_cases[];
extern "C" const glass::ktest::Hook* const __start_ktest_hooks[];
extern "C" const glass::ktest::Hook* const __stop_ktest_hooks[];

namespace glass::ktest {

struct RecoveryPoint {
  uint64_t regs[9];
};

}  // namespace glass::ktest

extern "C" int ktest_guarded_call(void (*fn)(void*), void* arg, glass::ktest::RecoveryPoint* rp);
extern "C" [[noreturn]] void ktest_recover(const glass::ktest::RecoveryPoint* rp);

namespace glass::ktest {
namespace {

// A KTAP result line as a telemetry `ktap` event ("suite.test", or "suite" for a suite's line),
// then a poll: between tests nothing is half done, so the channel may drain and answer a host.
void report(bool ok, unsigned number, const char* suite, const char* test) {
  char name[telemetry::kMaxText];
  const size_t n = test ? format_to(name, sizeof name, "%s.%s", suite, test)
                        : format_to(name, sizeof name, "%s", suite);
  telemetry::ktap_result(ok ? telemetry::KtapStatus::kOk : telemetry::KtapStatus::kNotOk, number,
                         name, n < sizeof name ? n : sizeof name - 1);
  telemetry::poll();
}

struct Observed {
  bool happened;
  uint64_t vector, error_code, rip, cr2;
};

const Case* g_current = nullptr;
char g_current_name[128];
RecoveryPoint g_recovery;
bool g_recovery_armed = false;
Observed g_observed;

bool str_eq(const char* a, const char* b) {
  return __builtin_strcmp(a, b) == 0;
}

bool is_hidden(const char* suite) {
  return __builtin_strncmp(suite, "selftest_", 9) == 0 ||
         __builtin_strncmp(suite, "manual_", 7) == 0;
}

// Is `suite` named in a comma-separated selection? ("all" selects every visible suite.)
bool selected(const char* selection, const char* suite) {
  if (str_eq(selection, "all")) return !is_hidden(suite);
  const size_t n = __builtin_strlen(suite);
  for (const char* p = selection; *p != '\0';) {
    const char* end = p;
    while (*end != '\0' && *end != ',') ++end;
    if (static_cast<size_t>(end - p) == n && __builtin_strncmp(p, suite, n) == 0) return true;
    p = *end == ',' ? end + 1 : end;
  }
  return false;
}

using CaseIt = const Case* const*;
CaseIt cases_begin() {
  return __start_ktest_cases;
}
CaseIt cases_end() {
  return __stop_ktest_cases;
}

bool suite_seen_before(CaseIt c) {
  for (CaseIt k = cases_begin(); k != c; ++k) {
    if (str_eq((*k)->suite, (*c)->suite)) return true;
  }
  return false;
}

// Names in the selection that match no suite are errors: a typo must not pass as "0 tests".
unsigned report_unknown_suites(const char* selection) {
  if (str_eq(selection, "all")) return 0;
  unsigned unknown = 0;
  for (const char* p = selection; *p != '\0';) {
    const char* end = p;
    while (*end != '\0' && *end != ',') ++end;
    bool found = false;
    for (CaseIt c = cases_begin(); c != cases_end() && !found; ++c) {
      size_t n = __builtin_strlen((*c)->suite);
      found = static_cast<size_t>(end - p) == n && __builtin_strncmp(p, (*c)->suite, n) == 0;
    }
    if (!found) {
      kprintf("# ktest: no suite named '%.*s'; the suites are:", static_cast<int>(end - p), p);
      for (CaseIt c = cases_begin(); c != cases_end(); ++c) {
        if (!suite_seen_before(c) && !is_hidden((*c)->suite)) kprintf(" %s", (*c)->suite);
      }
      kprintf("\n");
      ++unknown;
    }
    p = *end == ',' ? end + 1 : end;
  }
  return unknown;
}

// The compiler emits a file's test records in no promised order (GCC: reversed), so each suite is
// put back into source order (file, then line): tests may rely on running after one another, as
// exceptions.recovery_restores_interrupts does.
constexpr unsigned kMaxCasesPerSuite = 128;

bool source_before(const Case* a, const Case* b) {
  const int by_file = __builtin_strcmp(a->file, b->file);
  return by_file != 0 ? by_file < 0 : a->line < b->line;
}

unsigned suite_in_source_order(CaseIt first, const Case** out) {
  unsigned n = 0;
  for (CaseIt c = first; c != cases_end(); ++c) {
    if (!str_eq((*c)->suite, (*first)->suite)) continue;
    if (n == kMaxCasesPerSuite) panic("ktest: suite %s has more than %u tests", (*first)->suite, n);
    unsigned i = n++;
    for (; i > 0 && source_before(*c, out[i - 1]); --i) out[i] = out[i - 1];
    out[i] = *c;
  }
  return n;
}

void call_test(void* arg) {
  auto* ctx = static_cast<Context*>(arg);
  g_current->fn(*ctx);
}

// Runs one test; returns true if it passed (or skipped itself). *skip: its skip reason, or null.
bool run_one(const Case& c, char (&skip)[128]) {
  format_to(g_current_name, sizeof g_current_name, "%s.%s", c.suite, c.name);
  g_current = &c;
  Context ctx;
  for (auto* const* h = __start_ktest_hooks; h != __stop_ktest_hooks; ++h) {
    if ((*h)->before) (*h)->before();
  }
  g_observed = Observed{};
  const bool expects_fault = c.fault.vector >= 0;
  g_recovery_armed = expects_fault;
  (void)ktest_guarded_call(call_test, &ctx, &g_recovery);
  g_recovery_armed = false;
  if (expects_fault) {
    const char* want = arch::vector_name(static_cast<uint64_t>(c.fault.vector));
    if (!g_observed.happened) {
      ctx.fail(c.file, c.line, "expected %s but the test returned normally", want);
    } else if (g_observed.vector != static_cast<uint64_t>(c.fault.vector)) {
      ctx.fail(c.file, c.line, "expected %s, got %s at rip %#lx", want,
               arch::vector_name(g_observed.vector), g_observed.rip);
    } else if (c.fault.check_address && g_observed.cr2 != c.fault.address) {
      ctx.fail(c.file, c.line, "expected %s at %#lx, got it at %#lx", want, c.fault.address,
               g_observed.cr2);
    }
  }
  for (auto* const* h = __start_ktest_hooks; h != __stop_ktest_hooks; ++h) {
    if ((*h)->after) (*h)->after(ctx);
  }
  g_current = nullptr;
  skip[0] = '\0';
  if (ctx.skip_reason() != nullptr) format_to(skip, sizeof skip, "%s", ctx.skip_reason());
  return !ctx.failed();
}

}  // namespace

bool Context::check(bool cond, const char* expr, const char* file, int line) {
  if (!cond) {
    ++failures_;
    kprintf("        # %s:%d: expectation failed: %s\n", file, line, expr);
  }
  return cond;
}

bool Context::check_eq(uint64_t a, uint64_t b, const char* ea, const char* eb, const char* file,
                       int line) {
  if (a != b) {
    ++failures_;
    kprintf("        # %s:%d: expected %s == %s, got %#lx (%lu) vs %#lx (%lu)\n", file, line, ea,
            eb, a, a, b, b);
  }
  return a == b;
}

void Context::skip(const char* fmt, ...) {
  skipped_ = true;
  va_list args;
  va_start(args, fmt);
  vformat_to(skip_reason_, sizeof skip_reason_, fmt, args);
  va_end(args);
}

void Context::fail(const char* file, int line, const char* fmt, ...) {
  ++failures_;
  char msg[200];
  va_list args;
  va_start(args, fmt);
  vformat_to(msg, sizeof msg, fmt, args);
  va_end(args);
  kprintf("        # %s:%d: %s\n", file, line, msg);
}

const char* running_test_name() {
  return g_current ? g_current_name : nullptr;
}

void offer_exception(const arch::InterruptFrame& frame, uint64_t cr2) {
  if (!g_recovery_armed || g_current == nullptr) return;
  g_observed = Observed{true, frame.vector, frame.error_code, frame.rip, cr2};
  g_recovery_armed = false;
  ktest_recover(&g_recovery);
}

ExitCode run(const char* selection) {
  telemetry::poll();  // a host that said HELLO while we booted is answered before the first test
  unsigned suites = 0;
  for (CaseIt c = cases_begin(); c != cases_end(); ++c) {
    if (!suite_seen_before(c) && selected(selection, (*c)->suite)) ++suites;
  }
  kprintf("KTAP version 1\n1..%u\n", suites);
  const unsigned report_unknown_suites_count = report_unknown_suites(selection);
  unsigned failed_total = report_unknown_suites_count;
  unsigned passed_total = 0, skipped_total = 0;
  unsigned suite_no = 0;
  for (CaseIt s = cases_begin(); s != cases_end(); ++s) {
    const char* suite = (*s)->suite;
    if (suite_seen_before(s) || !selected(selection, suite)) continue;
    const Case* order[kMaxCasesPerSuite];
    const unsigned count = suite_in_source_order(s, order);
    kprintf("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", suite, count);
    unsigned suite_failed = 0;
    for (unsigned i = 0; i < count; ++i) {
      char skip[128];
      const bool ok = run_one(*order[i], skip);
      if (ok && skip[0] != '\0') {
        kprintf("    ok %u %s # SKIP %s\n", i + 1, order[i]->name, skip);
        ++skipped_total;
      } else {
        kprintf("    %s %u %s\n", ok ? "ok" : "not ok", i + 1, order[i]->name);
      }
      report(ok, i + 1, suite, order[i]->name);
      if (ok) {
        ++passed_total;
      } else {
        ++suite_failed;
        ++failed_total;
      }
    }
    kprintf("%s %u %s\n", suite_failed == 0 ? "ok" : "not ok", ++suite_no, suite);
    report(suite_failed == 0, suite_no, suite, nullptr);
  }
  const unsigned unknown = report_unknown_suites_count;
  if (suites == 0 && unknown != 0) {
    // Nothing ran: say that, not "0 passed, 1 failed" as if a test had failed.
    kprintf("# ktest: no suite matched 'ktest=%s': no test ran (ktest=all runs every suite)\n",
            selection);
  } else if (skipped_total != 0) {
    kprintf("# ktest: %u passed (%u of them skipped), %u failed\n", passed_total, skipped_total,
            failed_total);
  } else {
    kprintf("# ktest: %u passed, %u failed\n", passed_total, failed_total);
  }
  telemetry::flush(2000);  // bounded: an attached host gets every result before the exit
  return failed_total == 0 ? ExitCode::kSuccess : ExitCode::kTestsFailed;
}

}  // namespace glass::ktest
