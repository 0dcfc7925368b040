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
# demo=mm waits up to 10 s for its first host; the kernel then stays up (idle, polling COM2) until
# the check has pinged twice and stops QEMU, however slowly a busy machine runs the second ping.
# The second boots COM2's receive side by polling instead of its interrupt.
DEMO_IRQ = 'demo=mm demo_pace=20'
DEMO_POLLED = 'demo=mm exit_after_demo telemetry=polled demo_pace=20'
ISO_CMDLINES = (KTEST_FAIL, KTEST_PANIC, DEMO_IRQ, DEMO_POLLED)


def _glass_trace():
    return os.path.join(qemu.BUILD, 'host', 'glass-trace')


def _stall(proc, stall_s, box):
    """Stops the recorder (SIGSTOP) for stall_s, as a busy machine does to a host: QEMU's socket
    fills after a few hundred bytes (QEMU sends one byte at a time) and the kernel's UART takes
    nothing more until the host reads again."""
    import signal
    import time
    try:
        os.kill(proc.pid, signal.SIGSTOP)
        time.sleep(stall_s)
        os.kill(proc.pid, signal.SIGCONT)
        box['stalled'] = True
    except ProcessLookupError:
        pass


def _record_during_boot(accel, cmdline, name, seconds=60, stall_s=0.0):
    """Boots `cmdline` with COM2 on a socket while `glass-trace record` attaches as soon as the
    socket exists (before the kernel runs). stall_s > 0: the recorder stops reading for that long
    from the kernel's clock line on (before the kernel has read the HELLO). Returns (boot result, record result, error, dump text)."""
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
                p = subprocess.Popen(
                    [_glass_trace(), 'record', sock, out, '--duration', str(seconds)],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                    errors='replace')
                box['proc'] = p
                try:
                    stdout, _ = p.communicate(timeout=seconds + 30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    stdout, _ = p.communicate()
                box['record'] = subprocess.CompletedProcess(p.args, p.returncode, stdout)
            except Exception as e:  # reported, never a hang
                box['error'] = f'{type(e).__name__}: {e}'

        def on_line(line):
            # The kernel has not polled COM2 yet (its HELLO waits in QEMU): the host stops
            # reading from before the kernel's answer until after the panic.
            if stall_s > 0 and line.startswith('time: ') and 'proc' in box:
                threading.Thread(target=_stall, args=(box['proc'], stall_s, box)).start()

        t = threading.Thread(target=host)
        t.start()
        r = qemu.boot(qemu.iso_for(cmdline), accel=accel, timeout=90, telemetry_socket=sock,
                      on_line=on_line)
        t.join(timeout=seconds + 60)
        dump = ''
        if os.path.exists(out):
            dump = subprocess.run([_glass_trace(), 'dump', out], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors='replace',
                                  timeout=60).stdout
        if stall_s > 0 and not box.get('stalled') and 'error' not in box:
            box['error'] = 'the recorder was never stalled (not started when the kernel set its clock)'
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
    lines, the panic's decode as error lines and a panic event naming it, although the host stops
    reading for half a second once the first bytes reach it (a busy machine: the kernel must not
    take that for a host that is gone)."""
    r, rec, err, dump = _record_during_boot(accel, KTEST_PANIC, 'kernel-events-panic',
                                            stall_s=0.5)
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


def _pings_during_boot(accel, cmdline, name, count=2):
    """Boots `cmdline` with COM2 on a socket; a host runs `glass-trace ping --save` `count` times
    in a row. Returns (boot result, [(ping result, dump text)], error)."""
    import time
    sock = os.path.join(qemu.BUILD, 'run', f'e2e-{name}.sock')
    if os.path.exists(sock):
        os.unlink(sock)
    box = {'pings': []}
    done = threading.Event()
    stays_up = 'exit_after_demo' not in cmdline
    with tempfile.TemporaryDirectory() as d:
        def host():
            try:
                end = time.monotonic() + 30
                while not os.path.exists(sock) and time.monotonic() < end:
                    time.sleep(0.005)
                for i in range(count):
                    out = os.path.join(d, f'{name}-{i}.glt')
                    p = subprocess.run([_glass_trace(), 'ping', sock, '--timeout', '30', '--save',
                                        out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True, errors='replace', timeout=60)
                    dump = ''
                    if os.path.exists(out):
                        dump = subprocess.run([_glass_trace(), 'dump', out],
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                              text=True, errors='replace', timeout=60).stdout
                    box['pings'].append((p, dump))
            except Exception as e:  # reported, never a hang
                box['error'] = f'{type(e).__name__}: {e}'
            finally:
                done.set()

        t = threading.Thread(target=host)
        t.start()
        r = qemu.boot(qemu.iso_for(cmdline), accel=accel, timeout=90, telemetry_socket=sock,
                      stop=done if stays_up else None)
        t.join(timeout=150)
        return r, box['pings'], box.get('error')


RX_IRQ_LOG = re.compile(r'^seq=\d+ log level=0 t=\d+ text="telemetry: com2 rx irq=3 vector=(\d+) '
                        r'interrupts=(\d+) irq_bytes=(\d+) catch_up_bytes=(\d+) overflows=(\d+)',
                        re.M)
RX_POLLED_LOG = re.compile(r'^seq=\d+ log level=0 t=\d+ text="telemetry: com2 rx polled '
                           r'\(([^)]*)\) bytes=(\d+)"', re.M)


def _ping_problems(pings, want):
    problems = []
    if len(pings) != want:
        problems.append(f'{len(pings)} of {want} pings ran')
    for i, (p, _) in enumerate(pings):
        if p.returncode != 0 or 'pong' not in p.stdout.lower():
            problems.append(f'ping {i}: exit {p.returncode}, no PONG: {p.stdout[-300:]}')
    return problems


def check_com2_receive_interrupt_answers_a_host(accel):
    """demo=mm with a host that pings twice: the kernel says at boot that COM2 receives by IOAPIC
    IRQ 3, answers both pings, and the interrupt count it reports with each PONG is non-zero and
    grows with the second host's bytes (the bytes arrive by interrupt, nothing overflows)."""
    r, pings, err = _pings_during_boot(accel, DEMO_IRQ, 'com2-irq')
    problems = [err] if err else []
    boot_line = next((ln for ln in r.lines if ln.startswith('telemetry: ') and 'COM2' in ln), '')
    m = re.match(r'telemetry: COM2 receive by IOAPIC irq 3 -> vector (\d+)', boot_line)
    if not m:
        problems.append(f'boot does not route COM2 through the IOAPIC: {boot_line!r}')
    problems += _ping_problems(pings, 2)
    counts = []
    for i, (_, dump) in enumerate(pings):
        found = RX_IRQ_LOG.findall(dump)
        if not found:
            problems.append(f'ping {i}: no "com2 rx irq" log event before the PONG')
            continue
        vector, irqs, irq_bytes, _, overflows = (int(x) for x in found[-1])
        if m and vector != int(m.group(1)):
            problems.append(f'ping {i}: vector {vector}, boot said {m.group(1)}')
        if irqs == 0 or irq_bytes == 0:
            problems.append(f'ping {i}: interrupts={irqs} irq_bytes={irq_bytes}: bytes not '
                            'received by interrupt')
        if overflows != 0:
            problems.append(f'ping {i}: {overflows} bytes overflowed the receive queue')
        counts.append((irqs, irq_bytes))
    if len(counts) == 2 and not (counts[1][0] > counts[0][0] and counts[1][1] > counts[0][1]):
        problems.append(f'the second host did not raise the counts: {counts}')
    if r.kernel_exit != 'stopped by the harness':
        problems.append(f'the kernel ended with {r.kernel_exit} before the check stopped it')
    detail = '\n'.join(problems + [boot_line] + [d[-400:] for _, d in pings] + r.tail(8))
    return not problems, '' if not problems else detail


def check_com2_polled_receive_still_answers(accel):
    """telemetry=polled: the kernel says COM2 is polled, takes no receive interrupt and still
    answers a ping (the fallback path when the ACPI tables or the IOAPIC are unusable)."""
    r, pings, err = _pings_during_boot(accel, DEMO_POLLED, 'com2-polled', count=1)
    problems = [err] if err else []
    if not any(ln == 'telemetry: COM2 receive polled (telemetry=polled)' for ln in r.lines):
        problems.append('no "COM2 receive polled (telemetry=polled)" line at boot')
    problems += _ping_problems(pings, 1)
    for i, (_, dump) in enumerate(pings):
        found = RX_POLLED_LOG.findall(dump)
        if not found or int(found[-1][1]) == 0:
            problems.append(f'ping {i}: no "com2 rx polled" log event counting the host bytes')
        if RX_IRQ_LOG.search(dump):
            problems.append(f'ping {i}: the polled kernel reports receive interrupts')
    if r.kernel_exit != 'success':
        problems.append(f'the kernel ended with {r.kernel_exit}')
    detail = '\n'.join(problems + [d[-400:] for _, d in pings] + r.tail(8))
    return not problems, '' if not problems else detail


CHECKS = [
    ('log lines and KTAP results reach a host on COM2',
     check_log_lines_and_ktap_results_reach_the_host),
    ('a panic reaches a host on COM2 before QEMU exits', check_panic_reaches_the_host),
    ('COM2 receive interrupt (IOAPIC IRQ 3) counts and answers a host\'s bytes',
     check_com2_receive_interrupt_answers_a_host),
    ('COM2 polled receive (telemetry=polled) still answers a host',
     check_com2_polled_receive_still_answers),
]
