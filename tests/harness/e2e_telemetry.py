"""End-to-end checks of telemetry, as a user of glass-trace and the inspector meets it: boot
demo=mm with COM2 on a unix socket, attach, record, verify; bad commands; re-attach; the model
cross-checked against QEMU's own view of the page tables (its monitor's info tlb). Recovery while
live and the entry-by-entry check against guest memory are in e2e_telemetry_recovery.py.

Each check returns (ok, detail) like those in e2e.py, which lists them all.
"""
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

import qemu

# ---------------------------------------------------------------- telemetry (demo=mm on COM2)
# demo_pace=10: the checks need the demo's work and its stream, not the pauses students watch.
DEMO_MM = 'demo=mm exit_after_demo demo_pace=10'
# At its usual pace, for checks that act while the demo is still running (detach, re-attach).
DEMO_MM_PACED = 'demo=mm exit_after_demo'
DEMO_BLOCK = 'demo=block exit_after_demo demo_pace=5'
ISO_CMDLINES = (DEMO_MM, DEMO_MM_PACED, DEMO_BLOCK)


def _glass_trace():
    return os.path.join(qemu.BUILD, 'host', 'glass-trace')


def _wait_for_socket(path, timeout=30.0):
    """True once QEMU listens on path (the file can exist a moment before it accepts)."""
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


def _boot_demo_mm(accel, name, host_side, cmdline=DEMO_MM):
    """Boots demo=mm with COM2 on a socket; host_side(sock) runs alongside and returns
    (problems, detail). The demo waits up to 10 s for a host, then runs its rounds and exits."""
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
        r = qemu.boot(qemu.iso_for(cmdline), accel=accel, timeout=90, telemetry_socket=sock)
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

    problems, done, detail = _boot_demo_mm(accel, 'mm-reattach', host_side, DEMO_MM_PACED)
    if done and ' bad_commands=0 ' in done:
        problems.append('bad commands were not counted')
    if done and ' snapshots=1 ' in done:
        problems.append('the second HELLO got no new snapshot')
    return not problems, '' if not problems else '\n'.join(problems) + '\n' + detail



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

    def quit(self, timeout=10.0):
        """Tells QEMU to quit and waits for it to close the monitor: closing at once can lose
        the command (QEMU may see the hang-up before it has read the line; then the VM runs
        on until its timeout)."""
        self.s.sendall(b'quit\n')
        self.s.settimeout(timeout)
        try:
            while self.s.recv(4096):
                pass
        except OSError:
            pass  # reset or timed out: QEMU's own exit is what the caller waits for

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


def _uncobs(data):
    """One COBS-encoded frame (without its 0x00 delimiter) decoded; None if it holds a 0x00."""
    out, i = bytearray(), 0
    while i < len(data):
        code = data[i]
        if code == 0:
            return None
        out += data[i + 1:i + code]
        i += code
        if code < 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def _host_frame(events, seq=0):
    """A host -> kernel wire frame: COBS(seq | events | crc32c) 0x00 (docs/telemetry.md)."""
    plain = seq.to_bytes(4, 'little') + events
    return b'\x00' + _cobs(plain + _crc32c(plain).to_bytes(4, 'little')) + b'\x00'


def _await_reply(s, needle, timeout=30.0):
    """Reads until `needle` appears in the raw stream (log text survives COBS: no zero bytes in
    it and frames this short have no block boundary inside it)."""
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
            refusal = f'kernel speaks v{_protocol_version()}, inspector v1'
            if not _await_reply(raw, refusal.encode()):
                problems.append(f'HELLO v1 got no "{refusal}" reply')
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


def _protocol_version():
    with open(os.path.join(qemu.ROOT, 'protocol', 'wire.h')) as f:
        return int(re.search(r'kProtocolVersion = (\d+);', f.read()).group(1))


def check_telemetry_with_a_host_talking_during_boot(accel):
    """A host that connects at once and keeps sending (resync zeros and HELLOs) while GRUB and
    the kernel start must still get an answer: the kernel may not mistake host bytes for a
    missing UART, nor lose the HELLO that arrived before it was ready."""
    hello = _host_frame(bytes([0x60]) + b'GLTM' + bytes([_protocol_version()]))

    def host_side(sock):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock)
        s.setblocking(False)
        got = b''
        end = time.monotonic() + 30
        while time.monotonic() < end and not got.strip(b'\x00'):
            try:
                s.send(b'\x00' * 32 + hello)
            except BlockingIOError:
                pass  # QEMU reads only as fast as the guest's FIFO drains
            try:
                chunk = s.recv(4096)
                if not chunk:
                    break  # QEMU went away
                got += chunk
            except BlockingIOError:
                pass
            time.sleep(0.001)  # pacing for the flood, not a deadline
        s.close()
        if not got.strip(b'\x00'):
            return ['the kernel never answered a host that talked during boot'], ''
        return [], ''

    problems, _, detail = _boot_demo_mm(accel, 'early-host', host_side)
    return not problems, '' if not problems else '\n'.join(problems) + '\n' + detail


def check_demo_block_recording_shows_refcounts(accel):
    """demo=block with a recorder: the trace verifies and shows the lesson in the block events:
    a reference count of 3 (a lookup beside the driver and the in-flight count), requests ended,
    and one timeout."""
    sock = os.path.join(qemu.BUILD, 'run', 'e2e-demo-block.sock')
    if os.path.exists(sock):
        os.unlink(sock)
    box = {}
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'block.glt')

        def host():
            if _wait_for_socket(sock):
                box['rec'] = _record(sock, out, 60)
        t = threading.Thread(target=host)
        t.start()
        r = qemu.boot(qemu.iso_for(DEMO_BLOCK), accel=accel, timeout=90, telemetry_socket=sock)
        t.join(timeout=90)
        problems = []
        done = next((ln for ln in r.lines if ln.startswith('DEMO BLOCK DONE')), '')
        if r.kernel_exit != 'success' or 'DEMO BLOCK DONE ok idle=1' not in done:
            problems.append(f'demo=block ended with {r.kernel_exit}: {done!r}')
        dump = _trace('dump', out).stdout if os.path.exists(out) else ''
        refs = [int(x) for x in re.findall(r'block_ref .*?refcount=(\d+)', dump)]
        if 3 not in refs:
            problems.append(f'no block_ref with refcount=3 in the recording (refs seen: {refs[:20]})')
        if 'block_timeout' not in dump:
            problems.append('no block_timeout in the recording')
        if dump.count('block_end') < 4:
            problems.append(f"{dump.count('block_end')} block_end events, want 4 requests ended")
        v = _trace('verify', out) if os.path.exists(out) else None
        if v is None or v.returncode != 0:
            problems.append('the recording does not verify: ' + (v.stdout[-300:] if v else 'none'))
    return not problems, '\n'.join(problems + r.tail(10) + [dump[-1500:]])


CHECKS = [
    ('demo=mm telemetry: a live recording verifies, no gaps', check_telemetry_trace_verifies),
    ('telemetry: bad commands answered, re-attach verifies', check_telemetry_reattach_and_bad_commands),
    ('telemetry: PAUSE, WALK and the model agree with QEMU info tlb',
     check_telemetry_commands_match_qemu),
    ('telemetry: a host talking from the first moment still gets answers',
     check_telemetry_with_a_host_talking_during_boot),
    ('demo=block: a recording shows refcount 3 refused, the ends and a timeout',
     check_demo_block_recording_shows_refcounts),
]
