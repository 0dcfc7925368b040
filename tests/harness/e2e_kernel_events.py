"""End-to-end checks of the kernel's own events on the telemetry channel: its log lines, its KTAP
results and its panic reach a host attached to COM2 (glass-trace record, then dump), and the
kernel reads what the host sends through the COM2 receive interrupt.

Each check returns (ok, detail) like those in e2e.py, which lists them all.
"""
import os
import re
import subprocess
import tempfile
import threading

import qemu

# A failing suite (ok and not-ok results; the host may attach at any moment before its end: the
# lines queued since boot follow the first snapshot), and a deliberate panic after a test that
# waits (bounded) until a host has attached, so the check never races the host's HELLO.
KTEST_FAIL = 'ktest=selftest_fail'
KTEST_PANIC = 'ktest=selftest_panic_attached panic=exit'
ISO_CMDLINES = (KTEST_FAIL, KTEST_PANIC)


def _glass_trace():
    return os.path.join(qemu.BUILD, 'host', 'glass-trace')


def _record_during_boot(accel, cmdline, name, seconds=60):
    """Boots `cmdline` with COM2 on a socket while `glass-trace record` attaches as soon as the
    socket exists (before the kernel runs). Returns (boot result, record result, dump text)."""
    sock = os.path.join(qemu.BUILD, 'run', f'e2e-{name}.sock')
    if os.path.exists(sock):
        os.unlink(sock)
    box = {}
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, f'{name}.glt')

        def host():
            try:
                import time
                end = time.monotonic() + 30
                while not os.path.exists(sock) and time.monotonic() < end:
                    time.sleep(0.005)
                box['record'] = subprocess.run(
                    [_glass_trace(), 'record', sock, out, '--duration', str(seconds)],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                    errors='replace', timeout=seconds + 30)
            except Exception as e:  # reported, never a hang
                box['error'] = f'{type(e).__name__}: {e}'

        t = threading.Thread(target=host)
        t.start()
        r = qemu.boot(qemu.iso_for(cmdline), accel=accel, timeout=90, telemetry_socket=sock)
        t.join(timeout=seconds + 60)
        dump = ''
        if os.path.exists(out):
            dump = subprocess.run([_glass_trace(), 'dump', out], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors='replace',
                                  timeout=60).stdout
        return r, box.get('record'), box.get('error'), dump


def _detail(problems, r, rec, dump):
    lines = [ln for ln in dump.splitlines()
             if ' log ' in ln or ' ktap ' in ln or ' panic ' in ln or ln.startswith('GAP')]
    return '\n'.join(problems + [rec.stdout[-600:] if rec else ''] + lines[-30:] + r.tail(8))


def check_log_lines_and_ktap_results_reach_the_host(accel):
    """ktest=selftest_fail with a host on COM2: the decoded stream holds the boot's log lines and
    every KTAP result line (ok, not ok, the suite's own) as ktap events."""
    r, rec, err, dump = _record_during_boot(accel, KTEST_FAIL, 'kernel-events-ktap')
    problems = [err] if err else []
    if r.kernel_exit != 'tests failed':
        problems.append(f'the kernel ended with {r.kernel_exit}, not "tests failed"')
    if not re.search(r'^seq=\d+ log level=1 t=\d+ text="GLASS READY init_us=', dump, re.M):
        problems.append('no log event for the ready line')
    if not re.search(r'^seq=\d+ log level=1 t=\d+ text="    not ok 1 deliberate_failure"', dump,
                     re.M):
        problems.append('no log event for a KTAP line')
    if not re.search(r'^seq=\d+ ktap status=ok number=4 name="selftest_fail\.passing_test_after'
                     r'_failures"', dump, re.M):
        problems.append('no ktap ok event for selftest_fail.passing_test_after_failures')
    if not re.search(r'^seq=\d+ ktap status=not-ok number=1 name="selftest_fail\.deliberate_'
                     r'failure"', dump, re.M):
        problems.append('no ktap not-ok event for selftest_fail.deliberate_failure')
    if not re.search(r'^seq=\d+ ktap status=not-ok number=1 name="selftest_fail"', dump, re.M):
        problems.append("no ktap event for the suite's own result line")
    if re.search(r'^GAP ', dump, re.M):
        problems.append('the stream has gaps')
    return not problems, '' if not problems else _detail(problems, r, rec, dump)


def check_panic_reaches_the_host(accel):
    """ktest=selftest_panic_attached with a host on COM2: before QEMU exits, the kernel flushes its queued
    lines, the panic's decode as error lines and a panic event naming it."""
    r, rec, err, dump = _record_during_boot(accel, KTEST_PANIC, 'kernel-events-panic')
    problems = [err] if err else []
    if r.kernel_exit != 'panic':
        problems.append(f'the kernel ended with {r.kernel_exit}, not the deliberate panic')
    if not re.search(r'^seq=\d+ panic cpu=0 t=\d+ text="PANIC: selftest: deliberate panic in '
                     r'selftest_panic_attached\.deliberate_panic"', dump, re.M):
        problems.append('no panic event naming the deliberate panic')
    if not re.search(r'^seq=\d+ log level=3 t=\d+ text="backtrace:', dump, re.M):
        problems.append("the panic's decode (backtrace) is not in the stream as error lines")
    if not re.search(r'^seq=\d+ log level=1 t=\d+ text="    # Subtest: selftest_panic_attached"',
                     dump,
                     re.M):
        problems.append('the lines before the panic are not in the stream')
    if re.search(r'^GAP ', dump, re.M):
        problems.append('the stream has gaps')
    return not problems, '' if not problems else _detail(problems, r, rec, dump)


CHECKS = [
    ('log lines and KTAP results reach a host on COM2',
     check_log_lines_and_ktap_results_reach_the_host),
    ('a panic reaches a host on COM2 before QEMU exits', check_panic_reaches_the_host),
]
