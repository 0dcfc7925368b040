// In-kernel tests, declared next to the code they test and collected through a linker section.
//
//   KTEST(frames, alloc_and_free) { KEXPECT(x == 1); KEXPECT_EQ(a, b); KASSERT(p != nullptr); }
//   KTEST_EXPECT_FAULT(paging, unmapped_read, kVectorPageFault, 0xdead000) { *(int*)0xdead000; }
//   KTEST_HOOK(frames_leak_check, before_fn, after_fn);   // runs around every test
//
// Invariants: a test case is a constant record; a pointer to it sits in section "ktest_cases"
// (pointers, not the records, because GCC over-aligns objects of 32 bytes and more, which would
// put padding between records and break walking the section as an array); the runner
// (kernel/ktest/runner.cpp) walks them in link order, filtered by the kernel command line
// (ktest=all | suite[,suite...]), and reports KTAP on COM1. A test fails if any expectation fails,
// if an after-hook objects, or (for an expected-fault test) if the declared fault does not happen
// exactly. A test may skip itself with a reason (KSKIP) when the machine cannot run it. Hidden
// suites only run when named explicitly: "selftest_*" exist to prove the harness catches failures
// and panics, "manual_*" are steps of a check that spans boots (write a disk in one boot, verify
// it in the next), driven by the e2e layer.
#pragma once

#include <stdint.h>

#include "kernel/lib/format.h"

namespace glass::ktest {

class Context {
 public:
  // Records a failed expectation as a KTAP diagnostic line; returns cond so KASSERT can bail.
  bool check(bool cond, const char* expr, const char* file, int line);
  void fail(const char* file, int line, const char* fmt, ...) GLASS_PRINTF_FORMAT(4, 5);
  bool check_eq(uint64_t a, uint64_t b, const char* ea, const char* eb, const char* file, int line);
  [[nodiscard]] bool failed() const { return failures_ != 0; }
  [[nodiscard]] unsigned failures() const { return failures_; }
  // Marks the test skipped, with a reason (KTAP "ok N name # SKIP reason"); the test then returns.
  // Only for what this machine genuinely cannot run (too little memory), never to hide a failure.
  void skip(const char* fmt, ...) GLASS_PRINTF_FORMAT(2, 3);
  [[nodiscard]] const char* skip_reason() const { return skipped_ ? skip_reason_ : nullptr; }

 private:
  unsigned failures_ = 0;
  bool skipped_ = false;
  char skip_reason_[120] = {};
};

struct ExpectedFault {
  int vector = -1;  // -1: no fault expected
  bool check_address = false;
  uint64_t address = 0;  // for #PF: the CR2 the fault must report
};

struct Case {
  const char* suite;
  const char* name;
  void (*fn)(Context&);
  const char* file;
  int line;
  ExpectedFault fault;
};

struct Hook {
  const char* name;
  void (*before)();             // may be null
  void (*after)(Context& ctx);  // may be null; reports a problem through ctx.fail
};

inline constexpr int kVectorDivideError = 0;
inline constexpr int kVectorInvalidOpcode = 6;
inline constexpr int kVectorGeneralProtection = 13;
inline constexpr int kVectorPageFault = 14;

}  // namespace glass::ktest

#define GLASS_KTEST_CONCAT2(a, b) a##b
#define GLASS_KTEST_CONCAT(a, b) GLASS_KTEST_CONCAT2(a, b)

#define GLASS_KTEST_DEFINE(suite, name, fault_init)                                   \
  static void ktest_fn_##suite##_##name(::glass::ktest::Context& ktest_ctx);          \
  static const ::glass::ktest::Case ktest_case_##suite##_##name = {                   \
      #suite, #name, ktest_fn_##suite##_##name, __FILE__, __LINE__, fault_init};      \
  [[gnu::used, gnu::section("ktest_cases")]] static const ::glass::ktest::Case* const \
      ktest_case_ptr_##suite##_##name = &ktest_case_##suite##_##name;                 \
  static void ktest_fn_##suite##_##name([[maybe_unused]] ::glass::ktest::Context& ktest_ctx)

#define KTEST(suite, name) GLASS_KTEST_DEFINE(suite, name, (::glass::ktest::ExpectedFault{}))

// The test passes only if exactly this exception happens (and, when address is given for #PF,
// at exactly that address); the runner then resumes with the next test.
#define KTEST_EXPECT_FAULT(suite, name, vector, address) \
  GLASS_KTEST_DEFINE(suite, name, (::glass::ktest::ExpectedFault{(vector), true, (address)}))
#define KTEST_EXPECT_FAULT_ANY_ADDRESS(suite, name, vector) \
  GLASS_KTEST_DEFINE(suite, name, (::glass::ktest::ExpectedFault{(vector), false, 0}))

#define KTEST_HOOK(name, before, after)                                                            \
  static const ::glass::ktest::Hook ktest_hook_##name = {#name, (before), (after)};                \
  [[gnu::used,                                                                                     \
    gnu::section("ktest_hooks")]] static const ::glass::ktest::Hook* const ktest_hook_ptr_##name = \
      &ktest_hook_##name

#define KEXPECT(cond) ktest_ctx.check(static_cast<bool>(cond), #cond, __FILE__, __LINE__)
#define KEXPECT_EQ(a, b) \
  ktest_ctx.check_eq(static_cast<uint64_t>(a), static_cast<uint64_t>(b), #a, #b, __FILE__, __LINE__)
#define KASSERT(cond)           \
  do {                          \
    if (!KEXPECT(cond)) return; \
  } while (0)
#define KFAIL(...) ktest_ctx.fail(__FILE__, __LINE__, __VA_ARGS__)
#define KSKIP(...)               \
  do {                           \
    ktest_ctx.skip(__VA_ARGS__); \
    return;                      \
  } while (0)
