"""End-to-end checks of the whole product, as its users meet it.

Each check boots the real ISO in QEMU (or runs ./glass itself) and looks only at what a person
would see: console lines, exit status. The selftest_* kernel suites fail or crash on purpose; the
checks here prove the harness reports them (named, with the decode) instead of passing or hanging.
"""
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import ktap
import qemu
from qemu import ROOT

GLASS = os.path.join(ROOT, 'glass')
NESTED_ENV = dict(os.environ, GLASS_SKIP_BUILD='1')


def boot_with(cmdline, accel, mem='512M', timeout=60.0):
    return qemu.boot(qemu.iso_for(cmdline), mem=mem, accel=accel, timeout=timeout)


def check_boot_to_ready(accel):
    r = boot_with('exit_after_ready', accel)
    text = '\n'.join(r.lines)
    problems = []
    if not any(ln.startswith('Glass ') for ln in r.lines):
        problems.append('no banner')
    if 'memory map' not in text:
        problems.append('no memory map in the boot summary')
    if 'boot loader' not in text:
        problems.append('boot loader name missing from the summary')
    ready = r.ready_line()
    if ready is None or not re.search(r'init_us=\d+', ready):
        problems.append('no machine-readable ready line')
    if r.kernel_exit != 'success':
        problems.append(f'ended with {r.kernel_exit}')
    return not problems, '\n'.join(problems + r.tail(15)) if problems else ''


def check_unknown_option_warns(accel):
    r = boot_with('exit_after_ready bogus_option=1 quiet', accel)
    warned = any("unknown option 'bogus_option=1'" in ln for ln in r.lines)
    ok = warned and r.ready_line() is not None and r.kernel_exit == 'success'
    return ok, '' if ok else '\n'.join(['expected a warning and a normal boot:'] + r.tail(15))


def check_failure_is_reported(accel):
    r = boot_with('ktest=selftest_fail', accel)
    report = ktap.parse(r.lines)
    got = [(t.name, t.ok) for t in report.tests]
    # Source order, and each outcome exactly: a value mismatch, a declared fault that never came,
    # the wrong fault, then a passing test proving the run went on after all of them.
    want = [('deliberate_failure', False), ('declared_fault_never_happens', False),
            ('wrong_fault_happens', False), ('passing_test_after_failures', True)]
    diags = '\n'.join(d for t in report.tests for d in t.diagnostics)
    ok = (r.kernel_exit == 'tests failed' and got == want and 'got 0x2 (2) vs 0x3 (3)' in diags
          and 'but the test returned normally' in diags and 'got #UD invalid opcode' in diags)
    return ok, '' if ok else f'exit {r.kernel_exit}, tests {got}\n{diags}\n' + '\n'.join(r.tail())


def check_hang_times_out(accel):
    from layers import ktest_findings
    r = qemu.boot(qemu.iso_for('ktest=selftest_hang'), accel=accel, timeout=6.0)
    findings = ktest_findings(r)
    run = [f for f in findings if f[0] == 'run completed']
    ok = (r.kernel_exit == 'timeout' and len(run) == 1 and not run[0][1] and
          'ended with: timeout' in run[0][2] and '# Subtest: selftest_hang' in run[0][2])
    return ok, '' if ok else f'exit {r.kernel_exit}, findings {findings}'


def check_panic_is_decoded(accel):
    r = boot_with('ktest=selftest_panic', accel)
    report = ktap.parse(r.lines)
    text = '\n'.join(report.panic)
    frames = [ln for ln in report.panic if re.match(r'\s+#\d+\s', ln)]
    unnamed = [ln for ln in frames if ln.rstrip().endswith('?')]
    ok = (r.kernel_exit == 'panic' and report.crashed_in == 'selftest_panic.deliberate_panic' and
          'PANIC: selftest' in text and 'backtrace:' in text and 'ktest_fn_selftest_panic' in text
          and bool(frames) and 'panic_stop' in frames[0] and not unnamed)
    return ok, '' if ok else f'exit {r.kernel_exit}, crashed_in {report.crashed_in}\n' + text


def check_fault_is_decoded(accel):
    r = boot_with('ktest=selftest_fault', accel)
    report = ktap.parse(r.lines)
    text = '\n'.join(report.panic)
    ok = (r.kernel_exit == 'panic' and report.crashed_in == 'selftest_fault.unexpected_page_fault'
          and '#PF page fault' in text and 'cr2' in text and 'not present, write' in text)
    return ok, '' if ok else f'exit {r.kernel_exit}, crashed_in {report.crashed_in}\n' + text


def check_glass_test_fails_on_a_failing_ktest(_accel):
    p = subprocess.run([GLASS, 'test', '--layer', 'kernel', '--ktest', 'selftest_fail',
                        '--mem', '512M'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, stdin=subprocess.DEVNULL, timeout=120, env=NESTED_ENV)
    last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ''
    ok = (p.returncode == 1 and 'FAILED  kernel@512M: selftest_fail.deliberate_failure' in p.stdout
          and last == '1 passed, 3 failed')
    return ok, '' if ok else f'exit {p.returncode}\n' + p.stdout[-2000:]


def check_cli_bad_input(_accel):
    problems = []
    for args in (['bogus'], ['run', '--bogus'], ['test', '--layer', 'nope'], ['bench', '--runs', 'x']):
        p = subprocess.run([GLASS] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, stdin=subprocess.DEVNULL, env=NESTED_ENV)
        if p.returncode != 2 or 'usage' not in p.stdout.lower():
            problems.append(f"./glass {' '.join(args)}: exit {p.returncode}, output {p.stdout[:200]!r}")
    p = subprocess.run([GLASS, 'run', '--exit-after-ready', '--cmdline', 'ktest=$(reboot)'],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=NESTED_ENV)
    if p.returncode == 0 or 'characters other than' not in p.stdout:
        problems.append(f'unsafe --cmdline accepted: exit {p.returncode} {p.stdout[-200:]!r}')
    return not problems, '\n'.join(problems)


def check_missing_tools_are_named(_accel):
    """With QEMU and GRUB off the PATH, ./glass names what is missing in one line, no traceback."""
    import secrets
    import tempfile
    problems = []
    with tempfile.TemporaryDirectory() as fakebin:
        os.symlink('/usr/bin/python3', os.path.join(fakebin, 'python3'))
        env = dict(NESTED_ENV, PATH=fakebin)
        harness = [os.path.join(fakebin, 'python3'), os.path.join(ROOT, 'tests', 'harness', 'glass.py')]
        cases = [
            # The ISO for this command line is cached by the boot check, so QEMU is what is missing.
            (['run', '--exit-after-ready'], "'qemu-system-x86_64' not found"),
            # A command line never built before needs grub-mkrescue first.
            (['run', '--exit-after-ready', '--cmdline', f'unbuilt_{secrets.token_hex(4)}'],
             'grub-mkrescue not found'),
        ]
        for args, want in cases:
            p = subprocess.run(harness + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
            if p.returncode != 1 or want not in p.stdout or 'Traceback' in p.stdout:
                problems.append(f"{' '.join(args)}: exit {p.returncode}: {p.stdout[-400:]}")
    return not problems, '\n'.join(problems)


def check_glass_trace_cli(_accel):
    """glass-trace as a user meets it: a good trace verifies; a flipped byte is a gap that a
    snapshot repairs or a failure that is reported, never a crash; a truncated file says so; bad
    arguments and non-trace files get a message and a non-zero status."""
    import tempfile
    tool = os.path.join(qemu.BUILD, 'host', 'glass-trace')
    problems = []

    def run(*args):
        p = subprocess.run([tool] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors='replace', timeout=60)
        if p.returncode < 0 or 'terminate called' in p.stdout:
            problems.append(f"glass-trace {' '.join(args)} crashed: {p.stdout[-300:]}")
        return p

    with tempfile.TemporaryDirectory() as d:
        good, flipped, cut, junk = (os.path.join(d, n) for n in ('g.glt', 'f.glt', 'c.glt', 'j.glt'))
        for ops in ('40', '2000'):
            p = run('synth', good, '--seed', '3', '--ops', ops)
            if p.returncode != 0:
                problems.append(f'synth --ops {ops}: exit {p.returncode} {p.stdout[-200:]}')
        p = run('verify', good)
        if p.returncode != 0 or 'VERIFY OK' not in p.stdout:
            problems.append(f'verify of a good trace: exit {p.returncode} {p.stdout[-300:]}')
        data = bytearray(open(good, 'rb').read()) if os.path.exists(good) else bytearray(64)
        data[len(data) // 2] ^= 0x5A
        open(flipped, 'wb').write(data)
        p = run('stats', flipped)
        if p.returncode not in (0, 1) or 'gaps 0 ' in p.stdout:
            problems.append(f'a flipped byte went unnoticed: {p.stdout[:300]}')
        open(cut, 'wb').write(data[:len(data) - 37])
        p = run('dump', cut)
        if 'truncated' not in p.stdout:
            problems.append(f'truncation not reported: {p.stdout[-300:]}')
        open(junk, 'wb').write(os.urandom(100))
        p = run('dump', junk)
        if p.returncode == 0 or 'not a Glass trace' not in p.stdout:
            problems.append(f'a non-trace file: exit {p.returncode} {p.stdout[-200:]}')
        for args in (['bogus'], ['dump'], ['synth', good, '--ops', 'many']):
            p = run(*args)
            if p.returncode != 2 or 'usage' not in p.stdout:
                problems.append(f"glass-trace {' '.join(args)}: exit {p.returncode}")
    return not problems, '\n'.join(problems)


def check_debug_batch(_accel):
    p = subprocess.run([GLASS, 'debug', '--batch', '-ex', 'hbreak kernel_start', '-ex', 'continue',
                        '-ex', 'bt'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       stdin=subprocess.DEVNULL, timeout=120, env=NESTED_ENV)
    ok = p.returncode == 0 and re.search(r'#0 .*kernel_start', p.stdout) is not None
    return ok, '' if ok else f'exit {p.returncode}\n' + p.stdout[-2000:]


# ---------------------------------------------------------------- telemetry (demo=mm on COM2)
DEMO_MM = 'demo=mm exit_after_demo'


def _glass_trace():
    return os.path.join(qemu.BUILD, 'host', 'glass-trace')


def _wait_for_socket(path, timeout=30.0):
    """True once QEMU listens on path (the file can exist a moment before it accepts)."""
    import socket
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return True
            except OSError:
                pass
            finally:
                s.close()
        time.sleep(0.05)
    return False


def _record(sock, out, duration):
    return subprocess.run([_glass_trace(), 'record', sock, out, '--duration', str(duration)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors='replace', timeout=duration + 30)


def _trace(*args):
    return subprocess.run([_glass_trace()] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors='replace', timeout=60)


def _boot_demo_mm(accel, name, host_side):
    """Boots demo=mm with COM2 on a socket; host_side(sock) runs alongside and returns
    (problems, detail). The demo waits up to 10 s for a host, then runs its rounds and exits."""
    import tempfile
    import threading
    sock = os.path.join(qemu.BUILD, 'run', f'e2e-{name}.sock')
    if os.path.exists(sock):
        os.unlink(sock)  # a stale socket from an earlier run would refuse the connection
    box = {}

    def host():
        try:
            if not _wait_for_socket(sock):
                box['result'] = (['the telemetry socket never appeared'], '')
                return
            box['result'] = host_side(sock)
        except Exception as e:  # reported, never a hang
            box['result'] = ([f'{type(e).__name__}: {e}'], '')

    with tempfile.TemporaryDirectory() as d:
        box['dir'] = d
        t = threading.Thread(target=host)
        host_side.dir = d
        t.start()
        r = qemu.boot(qemu.iso_for(DEMO_MM), accel=accel, timeout=90, telemetry_socket=sock)
        t.join(timeout=120)
        problems, detail = box.get('result', (['the host side did not finish'], ''))
    done = next((ln for ln in r.lines if ln.startswith('DEMO MM DONE')), None)
    if r.kernel_exit != 'success' or done is None:
        problems = problems + [f'demo=mm ended with {r.kernel_exit}, no DEMO MM DONE line']
    if done and ' dropped=0 ' not in done:
        problems.append(f'the kernel dropped events: {done}')
    if done and ' leaked=0 ' not in done:
        problems.append(f'demo=mm did not give back every frame it took: {done}')
    return problems, done, detail + '\n' + '\n'.join(r.tail(12))


def check_telemetry_trace_verifies(accel):
    """Attach while demo=mm runs: the recorded trace has no gaps and every digest matches."""
    def host_side(sock):
        out = os.path.join(host_side.dir, 'mm.glt')
        p = _record(sock, out, 60)
        v = _trace('verify', out)
        s = _trace('stats', out)
        problems = []
        if p.returncode != 0:
            problems.append(f'record: exit {p.returncode}')
        if v.returncode != 0 or 'VERIFY OK' not in v.stdout or ' 0 mismatched' not in v.stdout:
            problems.append('verify failed')
        if 'gaps 0 ' not in s.stdout:
            problems.append('the trace has gaps')
        if 'entries' not in s.stdout or 'cursor_begin' not in s.stdout:
            problems.append('no page-table or cursor events in the trace')
        return problems, p.stdout + v.stdout[-600:] + s.stdout[:300]

    problems, _, detail = _boot_demo_mm(accel, 'mm-verify', host_side)
    return not problems, '' if not problems else '\n'.join(problems) + '\n' + detail


def check_telemetry_reattach_and_bad_commands(accel):
    """Garbage and a non-command frame get error replies and are counted; a recorder that
    leaves mid-stream and a second one that attaches later still verifies after its snapshot."""
    import socket
    import time

    def host_side(sock):
        problems = []
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock)
        # Garbage, then a well-framed frame_run event, which is no host command.
        s.sendall(bytes([0]) + b'not a frame at all' + bytes([0]))
        synth = os.path.join(host_side.dir, 'synth.glt')
        _trace('synth', synth, '--ops', '1')
        wire = open(synth, 'rb').read()[32:]
        frames = [f for f in wire.split(bytes([0])) if f]
        s.sendall(frames[0] + bytes([0]))
        # The kernel may still be booting (QEMU holds the bytes until the UART takes them): wait
        # for the reply as long as a boot may take, not a fixed moment.
        reply = b''
        s.settimeout(30.0)
        try:
            reply = s.recv(4096)
        except socket.timeout:
            pass
        s.close()
        first = os.path.join(host_side.dir, 'first.glt')
        second = os.path.join(host_side.dir, 'second.glt')
        p1 = _record(sock, first, 1)  # leaves mid-stream without DETACH
        p2 = _record(sock, second, 60)
        v = _trace('verify', second)
        if not reply:
            problems.append('no error reply to bad commands')
        if p1.returncode != 0 or p2.returncode != 0:
            problems.append(f'record: exits {p1.returncode}, {p2.returncode}')
        if v.returncode != 0 or 'VERIFY OK' not in v.stdout:
            problems.append('the second recording does not verify')
        return problems, p1.stdout + p2.stdout + v.stdout[-600:]

    problems, done, detail = _boot_demo_mm(accel, 'mm-reattach', host_side)
    if done and ' bad_commands=0 ' in done:
        problems.append('bad commands were not counted')
    if done and ' snapshots=1 ' in done:
        problems.append('the second HELLO got no new snapshot')
    return not problems, '' if not problems else '\n'.join(problems) + '\n' + detail


CHECKS = [
    ('boot prints banner, summary and ready line, exits 0', check_boot_to_ready),
    ('unknown kernel option warns and boot continues', check_unknown_option_warns),
    ('a failing ktest fails the run and is named', check_failure_is_reported),
    ('a panic in a ktest is reported with its decode', check_panic_is_decoded),
    ('a hung ktest run times out with the last console lines', check_hang_times_out),
    ('an unexpected #PF in a ktest is decoded (cr2, error bits)', check_fault_is_decoded),
    ('./glass test exits 1 and names a failing ktest', check_glass_test_fails_on_a_failing_ktest),
    ('./glass rejects unknown commands, flags and unsafe cmdlines', check_cli_bad_input),
    ('./glass debug --batch stops at kernel_start with a backtrace', check_debug_batch),
    ('missing QEMU or GRUB is named in one line, no traceback', check_missing_tools_are_named),
    ('glass-trace verifies, reports damage and bad input, never crashes', check_glass_trace_cli),
    ('demo=mm telemetry: a live recording verifies, no gaps', check_telemetry_trace_verifies),
    ('telemetry: bad commands answered, re-attach verifies', check_telemetry_reattach_and_bad_commands),
]


def run(tally, accel):
    # Build every ISO first (grub-mkrescue is not thread-safe with itself on one output dir).
    for cmdline in ('exit_after_ready', 'exit_after_ready bogus_option=1 quiet',
                    'ktest=selftest_fail', 'ktest=selftest_panic', 'ktest=selftest_fault',
                    'ktest=selftest_hang', DEMO_MM):
        qemu.iso_for(cmdline)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [(name, pool.submit(fn, accel)) for name, fn in CHECKS]
        for name, fut in futures:
            try:
                ok, detail = fut.result()
            except Exception as e:  # a check that breaks is a failed check, not a crash
                ok, detail = False, f'{type(e).__name__}: {e}'
            tally.record('e2e', name, ok, detail)


# ------------------------------------------- telemetry commands against QEMU's own view (v2)
TLB_LINE = re.compile(r'^([0-9a-f]{16}): ([0-9a-f]{16}) ([-X][-G][-P][-D][-A][-C][-T][-U][-W])$')
USER_END = 0x0000800000000000


class Monitor:
    """QEMU's human monitor on a unix socket: one command at a time, reply up to the prompt."""

    def __init__(self, path, timeout=30.0):
        import socket
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self._until_prompt()  # the banner

    def _until_prompt(self):
        buf = b''
        while not buf.endswith(b'(qemu) '):
            chunk = self.s.recv(65536)
            if not chunk:
                raise OSError('the monitor closed the connection')
            buf += chunk
        return buf.decode('utf-8', 'replace').replace('\r', '')

    def command(self, cmd):
        self.s.sendall(cmd.encode() + b'\n')
        return self._until_prompt()

    def close(self):
        self.s.close()


def _tlb_user_half(text):
    """QEMU's `info tlb` for the current CR3: {va: (phys, flags)} of present user-half leaves."""
    out = {}
    for ln in text.splitlines():
        m = TLB_LINE.match(ln.strip())
        if m and int(m.group(1), 16) < USER_END:
            out[int(m.group(1), 16)] = (int(m.group(2), 16), m.group(3))
    return out


def _expected_tlb(level, pte):
    """What `info tlb` prints for a leaf the model holds: the frame address and the flag letters
    (NX, G, PS, D, A, PCD, PWT, U, W). The MMU sets D and A without telling anyone: not compared."""
    size = 1 << (12 + 9 * (level - 1))
    phys = pte & 0x000ffffffffff000 & ~(size - 1)
    bits = [(63, 'X'), (8, 'G'), (7, 'P'), (6, 'D'), (5, 'A'), (4, 'C'), (3, 'T'), (2, 'U'), (1, 'W')]
    flags = ''.join(c if pte >> b & 1 else '-' for b, c in bits)
    if level == 1:
        flags = flags[:2] + '-' + flags[3:]  # bit 7 of a 4 KiB entry is PAT, which QEMU masks
    return phys, flags


def _without_dirty_accessed(flags):
    return flags[:3] + '..' + flags[5:]


def _crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def _cobs(data):
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0 or len(block) == 254:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
            if b == 0:
                continue
        block.append(b)
    out += bytes([len(block) + 1]) + block
    return bytes(out)


def _host_frame(events, seq=0):
    """A host -> kernel wire frame: COBS(seq | events | crc32c) 0x00 (docs/telemetry.md)."""
    plain = seq.to_bytes(4, 'little') + events
    return b'\x00' + _cobs(plain + _crc32c(plain).to_bytes(4, 'little')) + b'\x00'


def _await_reply(s, needle, timeout=30.0):
    """Reads until `needle` appears in the raw stream (log text survives COBS: no zero bytes in
    it and frames this short have no block boundary inside it)."""
    import time
    got = b''
    end = time.monotonic() + timeout
    while needle not in got and time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        got += chunk
    return needle in got


def _wait_until_timer_runs(mon_path, timeout=60.0):
    """True once the guest's LAPIC timer counts (QEMU's `info lapic`), i.e. the kernel is past
    its COM2 set-up. Why wait: host bytes that reach COM2 during the UART's loopback probe make
    it read back the host's byte instead of its own and call COM2 absent (telemetry off)."""
    import time
    mon = Monitor(mon_path)
    try:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(r'initial_count\s*=\s*(\d+)', mon.command('info lapic'))
            if m and int(m.group(1)) > 0:
                return True
            time.sleep(0.05)  # poll interval, not a deadline
    finally:
        mon.close()
    return False


def check_telemetry_commands_match_qemu(accel):
    """PAUSE demo=mm where a user address space with mappings is in CR3; every user-half leaf
    the model holds must be what QEMU's `info tlb` lists for that CR3 (address, frame, rights),
    and nothing QEMU lists there may be missing from the model. The kernel's WALK of one address
    equals the model's walk; PING, bad WALKs and RESUME are answered; the demo then finishes."""
    import tempfile
    import threading
    sock = os.path.join(qemu.BUILD, 'run', 'e2e-mm-commands.sock')
    mon_path = os.path.join(qemu.BUILD, 'run', 'e2e-mm-commands.mon')
    for p in (sock, mon_path):
        if os.path.exists(p):
            os.unlink(p)
    box = {}
    live = ['--timeout', '60']

    def host():
        problems, detail = [], []
        box['result'] = (problems, detail)
        if not _wait_for_socket(sock) or not _wait_for_socket(mon_path):
            problems.append('the telemetry or monitor socket never appeared')
            return
        if not _wait_until_timer_runs(mon_path):
            problems.append('the kernel never started its timer (QEMU info lapic)')
            return
        # An old inspector's HELLO is refused by name; a WALK cut short is an error reply (and
        # counted), never acted on. Raw frames: the tools only speak the current version.
        import socket
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        raw.connect(sock)
        try:
            raw.sendall(_host_frame(bytes([0x60]) + b'GLTM' + bytes([1])))
            if not _await_reply(raw, b'kernel speaks v2, inspector v1'):
                problems.append('HELLO v1 got no "kernel speaks v2, inspector v1" reply')
            raw.sendall(_host_frame(bytes([0x64, 1, 1, 0, 0]), seq=1))  # va needs 8 bytes
            if not _await_reply(raw, b'undecodable command'):
                problems.append('a malformed WALK got no error reply')
        finally:
            raw.close()
        st = _trace('step', sock, '--until-user', '--mappings', *live)
        detail.append(st.stdout[-1500:])
        m = re.search(r'^demo state=paused step=(\d+) cr3_asid=(\d+) label="([^"]*)"$',
                      st.stdout, re.M)
        if st.returncode != 0 or not m:
            problems.append(f'step --until-user: exit {st.returncode}')
            return
        asid = int(m.group(2))
        model = {}
        for mm_ in re.finditer(r'^map va=0x([0-9a-f]+) level=(\d) pte=0x([0-9a-f]+)$', st.stdout,
                               re.M):
            model[int(mm_.group(1), 16)] = (int(mm_.group(2)), int(mm_.group(3), 16))
        if not model:
            problems.append('the model lists no user mappings while paused')
        mon = Monitor(mon_path)
        try:
            tlb = _tlb_user_half(mon.command('info tlb'))
        finally:
            mon.close()
        for va, (level, pte) in sorted(model.items()):
            want_phys, want_flags = _expected_tlb(level, pte)
            got = tlb.get(va)
            if got is None:
                problems.append(f'model maps {va:#x} (level {level}, pte {pte:#x}); QEMU does not')
            elif (got[0] != want_phys or
                  _without_dirty_accessed(got[1]) != _without_dirty_accessed(want_flags)):
                problems.append(f'{va:#x}: model {want_phys:#x} {want_flags}, '
                                f'QEMU {got[0]:#x} {got[1]}')
        for va in sorted(set(tlb) - set(model)):
            problems.append(f'QEMU maps {va:#x} -> {tlb[va][0]:#x}; the model does not')
        detail.append(f'compared {len(model)} model leaves with {len(tlb)} QEMU user-half leaves')
        # The kernel's WALK of one mapped 4 KiB page (or any leaf) against the model's walk.
        leaf = next((va for va, (lv, _) in sorted(model.items()) if lv == 1), min(model, default=0))
        w = _trace('walk', sock, str(asid), hex(leaf + 0x123), *live)
        detail.append(w.stdout[-800:])
        if w.returncode != 0 or 'WALK MATCHES MODEL' not in w.stdout or 'status=leaf' not in w.stdout:
            problems.append(f'walk of {leaf + 0x123:#x}: exit {w.returncode}')
        bad = _trace('walk', sock, str(asid), '0x0000800000000000', *live)
        if bad.returncode != 1 or 'status=non-canonical' not in bad.stdout:
            problems.append(f'a non-canonical walk: exit {bad.returncode} {bad.stdout[-200:]}')
        unknown = _trace('walk', sock, '4000000000', '0x1000', *live)
        if unknown.returncode != 1 or 'status=unknown-asid' not in unknown.stdout:
            problems.append(f'an unknown asid: exit {unknown.returncode} {unknown.stdout[-200:]}')
        p = _trace('ping', sock, *live)
        if p.returncode != 0 or not p.stdout.startswith('pong token='):
            problems.append(f'ping: exit {p.returncode} {p.stdout[-200:]}')
        r = _trace('resume', sock, *live)
        if r.returncode != 0 or 'demo state=running' not in r.stdout:
            problems.append(f'resume: exit {r.returncode} {r.stdout[-200:]}')
        for args in (['walk', sock], ['walk', sock, 'one', '0x1000'], ['walk', sock, '1', '0xzz'],
                     ['step', sock, '--max', 'lots'], ['pause', sock, '--until-user'],
                     ['ping', sock, '--timeout', '0']):
            p = _trace(*args)
            if p.returncode != 2 or 'usage' not in p.stdout:
                problems.append(f"glass-trace {' '.join(args[:1] + args[2:])}: exit {p.returncode}")

    def guarded():
        try:
            host()
        except Exception as e:  # reported, never a hang
            box.setdefault('result', ([], []))[0].append(f'{type(e).__name__}: {e}')

    with tempfile.TemporaryDirectory():
        t = threading.Thread(target=guarded)
        t.start()
        r = qemu.boot(qemu.iso_for(DEMO_MM), accel=accel, timeout=150, telemetry_socket=sock,
                      monitor_socket=mon_path)
        t.join(timeout=120)
    problems, detail = box.get('result', (['the host side did not finish'], []))
    done = next((ln for ln in r.lines if ln.startswith('DEMO MM DONE')), None)
    if r.kernel_exit != 'success' or done is None:
        problems.append(f'demo=mm ended with {r.kernel_exit}, no DEMO MM DONE line')
    if done and (' leaked=0 ' not in done or ' dropped=0 ' not in done):
        problems.append(f'demo=mm after the pause: {done}')
    if done and re.search(r' bad_commands=([2-9]|\d\d+) ', done) is None:
        problems.append(f'the refused HELLO and the malformed WALK were not both counted: {done}')
    return not problems, '' if not problems else '\n'.join(
        problems[:40] + detail + r.tail(12))


CHECKS.append(('telemetry: PAUSE, WALK and the model agree with QEMU info tlb',
               check_telemetry_commands_match_qemu))
