"""Parses the KTAP the kernel's ktest runner prints on COM1 (kernel/ktest/runner.cpp).

Shape (KUnit's): a top-level plan of suites; per suite an indented "# Subtest:", a plan and one
"ok N name" / "not ok N name" line per test (a skipped test: "ok N name # SKIP reason"), preceded by its "        # file:line: ..."
diagnostics. A panic or unexpected exception ends the stream early: the report then names the
test that was running (the kernel prints "ktest: panic in suite.name") and keeps the decode.
"""
import re
from dataclasses import dataclass, field

RESULT_RE = re.compile(r'^    (ok|not ok) (\d+) (\S+)(?: # SKIP (.*))?')
SUBTEST_RE = re.compile(r'^    # Subtest: (\S+)')
DIAG_RE = re.compile(r'^        # (.*)')
CRASH_RE = re.compile(r'^ktest: (?:panic|crashed) in (\S+)')
PLAN_RE = re.compile(r'^1\.\.(\d+)$')
UNKNOWN_RE = re.compile(r"^# ktest: no suite named '([^']*)'")


@dataclass
class TestResult:
    suite: str
    name: str
    ok: bool
    diagnostics: list = field(default_factory=list)
    skip_reason: str = None  # "ok N name # SKIP reason": the test could not run here

    @property
    def full_name(self):
        return f'{self.suite}.{self.name}'


@dataclass
class KtapReport:
    started: bool = False
    planned_suites: int = None
    tests: list = field(default_factory=list)
    unknown_suites: list = field(default_factory=list)
    panic: list = field(default_factory=list)   # the decode, from the PANIC line on
    crashed_in: str = None                      # "suite.name" if a test panicked

    @property
    def passed(self):
        return [t for t in self.tests if t.ok]

    @property
    def failed(self):
        return [t for t in self.tests if not t.ok]


def parse(lines):
    report = KtapReport()
    suite = None
    diags = []
    in_panic = False
    for line in lines:
        if in_panic:
            report.panic.append(line)
            m = CRASH_RE.match(line)
            if m:
                report.crashed_in = m.group(1)
            continue
        if line.startswith('PANIC'):
            in_panic = True
            report.panic.append(line)
            continue
        if line == 'KTAP version 1' and not report.started:
            report.started = True
            continue
        if not report.started:
            continue
        m = PLAN_RE.match(line)
        if m and report.planned_suites is None:
            report.planned_suites = int(m.group(1))
            continue
        m = UNKNOWN_RE.match(line)
        if m:
            report.unknown_suites.append(m.group(1))
            continue
        m = SUBTEST_RE.match(line)
        if m:
            suite = m.group(1)
            diags = []
            continue
        m = DIAG_RE.match(line)
        if m:
            diags.append(m.group(1))
            continue
        m = RESULT_RE.match(line)
        if m and suite is not None:
            report.tests.append(TestResult(suite, m.group(3), m.group(1) == 'ok', diags,
                                           m.group(4)))
            diags = []
    if report.panic and report.crashed_in:
        suite_name, _, test_name = report.crashed_in.partition('.')
        report.tests.append(TestResult(suite_name, test_name, False,
                                       ['crashed: ' + report.panic[0].strip()]))
    return report
