"""./glass test: every layer, one tally, one closing line "N passed, M failed".

Layers (in order): format (clang-format clean), lint (every #include against the layer table
of docs/architecture.md; clang -Wthread-safety over the portable code, plus negative tests that
must be rejected: lint_threads.py), host (GoogleTest under ASan+UBSan), tsan
(multi-threaded stress under ThreadSanitizer), fuzz (a short libFuzzer run per parser of outside
input), kernel (ktests booted in QEMU at each memory size),
e2e (whole-product checks: boot to ready, bad input, the harness catching failures and panics,
gdb in batch mode). Each GoogleTest case and each ktest counts as one test; each e2e check too.
The exit status is non-zero if anything failed or could not run.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import build
import e2e
import fuzzing
import ktap
import qemu
from qemu import BUILD, ROOT, HarnessError

# Memory sizes the kernel suites boot at: the small and large ends exercise the frame allocator's
# table placement and the PCI hole below 4 GiB; 512M is the default everyone runs. Each boot also
# has its own CPU count, so 1, 2 and 4 CPUs are covered without more boots (docs/smp.md).
KERNEL_MEMORY_SIZES = ['512M', '64M', '4G']
KERNEL_CPUS = {'512M': 1, '64M': 2, '4G': 4}  # a --mem size not listed here boots 1 CPU
KTEST_TIMEOUT = 120.0


class Tally:
    def __init__(self, verbose):
        self.passed = 0
        self.failed = []
        self.verbose = verbose
        self.by_layer = {}  # layer name (without @size) -> [passed, failed]

    def record(self, layer, name, ok, detail='', skip_reason=None):
        counts = self.by_layer.setdefault(layer.split('@')[0], [0, 0])
        counts[0 if ok else 1] += 1
        if ok and skip_reason:
            # Counted as passed (it did not fail) but always shown: a skip is never silent.
            self.passed += 1
            print(f'  skipped {layer}: {name}: {skip_reason}')
            return
        if ok:
            self.passed += 1
            if self.verbose:
                print(f'  ok      {layer}: {name}')
        else:
            self.failed.append(f'{layer}: {name}')
            print(f'  FAILED  {layer}: {name}')
            for line in detail.splitlines()[:60]:
                print(f'          {line}')


class Layer:
    """Prints a layer's start and, at the end, its own count and time, so a log (a CI's, a
    student's terminal) shows where the time goes whether or not stdout is a terminal."""

    def __init__(self, t, name, what):
        self.t, self.name, self.what = t, name, what

    def __enter__(self):
        self.start = time.monotonic()
        print(f'layer {self.name}: {self.what}', flush=True)
        return self

    def __exit__(self, *exc):
        passed, failed = self.t.by_layer.get(self.name, [0, 0])
        print(f'layer {self.name}: {passed} passed, {failed} failed '
              f'({time.monotonic() - self.start:.1f} s)', flush=True)
        return False


def layer_lint(t):
    import lint_layers
    ok, detail = lint_layers.check()
    t.record('lint', 'includes follow the layer table (docs/architecture.md)', ok, detail)
    import lint_threads
    lint_threads.check(t)


def layer_format(t):
    import formatting
    bad = formatting.unformatted()
    t.record('format', 'clang-format clean', not bad,
             'run ./glass format; files: ' + ', '.join(bad) if bad else '')


def run_gtest(t, layer, binary, shards=1):
    """Runs a GoogleTest binary as `shards` processes at once (GoogleTest's own sharding: each
    runs every shards-th test), so a long single-threaded suite uses both cores."""
    path = os.path.join(BUILD, binary)
    os.makedirs(os.path.join(BUILD, 'test'), exist_ok=True)
    runs = []
    for i in range(shards):
        out = os.path.join(BUILD, 'test', f'{layer}.{i}.json' if shards > 1 else f'{layer}.json')
        if os.path.exists(out):
            os.unlink(out)
        env = dict(os.environ, ASAN_OPTIONS='detect_leaks=1', TSAN_OPTIONS='halt_on_error=1')
        if shards > 1:
            env.update(GTEST_TOTAL_SHARDS=str(shards), GTEST_SHARD_INDEX=str(i))
        # Output to a file, not a pipe: a pipe nobody reads while waiting on the other shard
        # would stop this one when it fills.
        log = tempfile.TemporaryFile(mode='w+', errors='replace')
        proc = subprocess.Popen([path, f'--gtest_output=json:{out}'], stdout=log,
                                stderr=subprocess.STDOUT, env=env)
        runs.append((proc, out, log))
    for i, (proc, out, log) in enumerate(runs):
        proc.wait()
        log.seek(0)
        stdout = log.read()
        log.close()
        name = os.path.basename(binary) + (f' (shard {i})' if shards > 1 else '')
        if not os.path.exists(out):
            t.record(layer, name, False,
                     f'exited {proc.returncode} without a report:\n' + stdout[-4000:])
            continue
        with open(out) as f:
            report = json.load(f)
        for suite in report.get('testsuites', []):
            for case in suite.get('testsuite', []):
                failures = case.get('failures', [])
                detail = '\n'.join(x.get('failure', '') for x in failures)
                t.record(layer, f"{suite['name']}.{case['name']}", not failures, detail)
        if proc.returncode != 0 and not any(s.get('failures')
                                            for s in report.get('testsuites', [])):
            t.record(layer, name, False, f'exited {proc.returncode}:\n' + stdout[-4000:])


def ktest_cmdline(selection):
    # A boot ramdisk with injected failures: ktest block.boot_ramdisk_* checks the command line's
    # ramdisk= and ramdisk.fail= end to end.
    return f'ktest={selection} ramdisk=64 ramdisk.fail=3'


def ktest_boot(selection, mem, accel, smp=1):
    iso = qemu.iso_for(ktest_cmdline(selection))
    # Every ktest boot has a disk of its own (the virtio-blk ktests use it; QEMU locks images).
    disk = qemu.scratch_disk(f'ktest-{mem}')
    return qemu.boot(iso, mem=mem, accel=accel, timeout=KTEST_TIMEOUT, disk=disk, smp=smp)


def ktest_findings(result):
    """(name, ok, detail) for every ktest in a boot's output, plus one for the run itself when it
    did not end cleanly (panic, timeout, QEMU failure): that finding carries the panic decode or,
    failing that, the last console lines."""
    report = ktap.parse(result.lines)
    findings = [(test.full_name, test.ok, '\n'.join(test.diagnostics), test.skip_reason)
                for test in report.tests]
    findings += [(f'suite {name}', False, 'no such suite', None) for name in report.unknown_suites]
    if report.started and not report.panic:
        # A broken registry or a truncated stream must not pass as "nothing failed".
        suites = len({t.suite for t in report.tests})
        if not report.tests and not report.unknown_suites:
            findings.append(('tests ran', False, 'the kernel reported no tests at all', None))
        elif report.planned_suites is not None and suites != report.planned_suites:
            findings.append(('every planned suite ran', False,
                             f'planned {report.planned_suites} suites, saw {suites}', None))
    clean_end = result.kernel_exit in ('success', 'tests failed') and report.started
    if not clean_end or report.panic:
        detail = [f'kernel run ended with: {result.kernel_exit}']
        if report.panic:
            detail += report.panic[:40]
        else:
            detail += ['last console lines:'] + result.tail()
        findings.append(('run completed', False, '\n'.join(detail), None))
    return findings


def record_ktests(t, mem, result):
    for name, ok, detail, skip in ktest_findings(result):
        t.record(f'kernel@{mem}', name, ok, detail, skip)


ALL_LAYERS = ['format', 'lint', 'host', 'tsan', 'fuzz', 'kernel', 'e2e']


def run_all(a):
    start = time.monotonic()
    layers = a.layer or ALL_LAYERS
    t = Tally(a.verbose)
    targets = []
    if 'host' in layers or 'e2e' in layers:  # e2e drives host tools (glass-trace)
        targets.append('host')
    if 'e2e' in layers:  # and the inspector app (glass-inspect under Xvfb)
        targets.append('inspector')
    if 'tsan' in layers:
        targets.append('tsan')
    if 'fuzz' in layers:
        targets.append('fuzz')
    if 'kernel' in layers or 'e2e' in layers:
        targets += ['kernel', 'baseline']
    print(f"glass test: layers {', '.join(layers)}", flush=True)
    # The build (on a warm tree, SCons's few seconds of checking) runs beside format and lint,
    # which read only sources.
    with ThreadPoolExecutor(max_workers=1) as builder:
        built = builder.submit(build.scons, targets) if targets else None
        if 'format' in layers:
            with Layer(t, 'format', 'clang-format on every C++ file'):
                layer_format(t)
        if 'lint' in layers:
            with Layer(t, 'lint', 'includes against the layer table'):
                layer_lint(t)
        try:
            if built is not None:
                built.result()
        except HarnessError as e:
            t.record('build', 'scons ' + ' '.join(targets), False, str(e))
            return finish(t, start)
    accel = qemu.choose_accel(a.accel) if ('kernel' in layers or 'e2e' in layers) else None
    if 'kernel' in layers:
        qemu.iso_for(ktest_cmdline(a.ktest))  # every ISO is built before the threads start
    if 'e2e' in layers:
        e2e.prepare()
    # Two workers (two cores) boot the kernel suites and run the fuzzers while this thread runs
    # the host binaries; then the e2e checks run three at a time (about half of a check's time
    # is waiting on QEMU, a socket or Xvfb, so three keep two cores busy). Running the e2e
    # checks beside the host layers was measured slower: four CPU-bound processes on two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        boots = {}
        if 'kernel' in layers:
            sizes = a.mem or KERNEL_MEMORY_SIZES
            cpus = {mem: KERNEL_CPUS.get(mem, 1) for mem in sizes}
            print(f"layer kernel: booting ktest={a.ktest} at "
                  f"{', '.join(f'{m} ({cpus[m]} CPU)' for m in sizes)} (in the "
                  'background, while the host layers run)', flush=True)
            kernel_start = time.monotonic()
            # The largest first: it takes longest (4G: ~10 s), so it must not start last.
            for mem in sorted(sizes, key=qemu.parse_mem_bytes, reverse=True):
                boots[mem] = pool.submit(ktest_boot, a.ktest, mem, accel, cpus[mem])
        fuzz_runs = {}
        if 'fuzz' in layers:
            for name in fuzzing.targets():
                fuzz_runs[name] = pool.submit(fuzzing.run_target, name, fuzzing.FUZZ_TEST_SECONDS)
        if 'host' in layers:
            with Layer(t, 'host', 'GoogleTest under ASan+UBSan'):
                run_gtest(t, 'host', 'host/glass_host_tests', shards=2)
        if 'tsan' in layers:
            with Layer(t, 'tsan', 'threaded stress under ThreadSanitizer'):
                run_gtest(t, 'tsan', 'tsan/glass_tsan_tests')
        if fuzz_runs:
            with Layer(t, 'fuzz', f'{len(fuzz_runs)} libFuzzer targets, '
                                  f'{fuzzing.FUZZ_TEST_SECONDS} s each'):
                for name, fut in fuzz_runs.items():
                    ok, detail = fut.result()
                    t.record('fuzz', name, ok, '' if ok else detail)
        if boots:
            for mem, fut in boots.items():
                record_ktests(t, mem, fut.result())
            passed, failed = t.by_layer.get('kernel', [0, 0])
            print(f'layer kernel: {passed} passed, {failed} failed '
                  f'({time.monotonic() - kernel_start:.1f} s)', flush=True)
    if 'e2e' in layers:
        with Layer(t, 'e2e', 'the product as a user meets it (QEMU, tools, the inspector)'):
            with ThreadPoolExecutor(max_workers=e2e.WORKERS) as pool:
                e2e.collect(t, e2e.submit(pool, accel))
    return finish(t, start)


def finish(t, start):
    print(f'glass test: {time.monotonic() - start:.1f} s')
    if t.failed:
        print('failed:')
        for name in t.failed:
            print(f'  {name}')
    print(f'{t.passed} passed, {len(t.failed)} failed')
    sys.stdout.flush()
    return 1 if t.failed else 0
