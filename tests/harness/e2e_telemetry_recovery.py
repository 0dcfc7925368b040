"""End-to-end checks that telemetry recovers while live: a recording through a proxy that damages
the stream repairs itself (gap -> REQUEST_SNAPSHOT -> snapshot); detach mid-frame and attach twice
each end at a matching digest; and every page-table entry the model holds equals guest memory
read through QEMU's monitor (xp), starting from the CPU's own CR3.

Each check returns (ok, detail) like those in e2e.py, which lists them all.
"""
import os
import re
import socket
import threading

import qemu
from e2e_telemetry import (DEMO_MM, DEMO_MM_PACED, _uncobs, _boot_demo_mm, _crc32c, _host_frame, _protocol_version,
                           _record, _trace, _wait_for_socket, _wait_until_timer_runs)


# ------------------------------------- recovery while live: damage, detach, attach twice (v3)


def _host_commands(raw):
    """(type, first field byte) of every well-formed host -> kernel frame in raw."""
    out = []
    for chunk in raw.split(b'\x00'):
        plain = _uncobs(chunk) if chunk else None
        if not plain or len(plain) < 9:
            continue
        body, crc = plain[:-4], int.from_bytes(plain[-4:], 'little')
        if _crc32c(body) == crc:
            out.append((body[4], body[5] if len(body) > 5 else None))
    return out


class _DamagingProxy:
    """Sits between QEMU's telemetry socket and one client: relays both ways, and on the way to
    the client flips a byte once `flip_at` bytes have passed and swallows `drop_len` bytes from
    `drop_at`; toward the kernel it injects junk once, after `junk_at` bytes came back. Keeps
    what the client sent, so a test can see the commands on the wire."""

    def __init__(self, listen_path, kernel_path, flip_at, drop_at, drop_len, junk_at):
        self.kernel_path = kernel_path
        self.flip_at, self.drop_at, self.drop_len, self.junk_at = flip_at, drop_at, drop_len, junk_at
        self.to_client = 0       # bytes of the kernel's stream seen (before damage)
        self.from_client = b''   # everything the client sent
        self.flipped = self.dropped = self.injected = 0
        if os.path.exists(listen_path):
            os.unlink(listen_path)
        self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.lsock.bind(listen_path)
        self.lsock.listen(1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _damage(self, data):
        out = bytearray()
        for b in data:
            pos = self.to_client
            self.to_client += 1
            if self.drop_at <= pos < self.drop_at + self.drop_len:
                self.dropped += 1
                continue
            if pos == self.flip_at:
                b ^= 0x5A
                self.flipped += 1
            out.append(b)
        return bytes(out)

    def _serve(self):
        import selectors
        self.lsock.settimeout(60)
        try:
            client, _ = self.lsock.accept()
        except OSError:
            return
        kernel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        kernel.connect(self.kernel_path)
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, kernel)
        sel.register(kernel, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _ in sel.select(timeout=120):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    if key.fileobj is kernel:
                        client.sendall(self._damage(data))
                        if not self.injected and self.to_client >= self.junk_at:
                            kernel.sendall(b'\x00\x07junk that is no frame\xff\x00')
                            self.injected = 1
                    else:
                        self.from_client += data
                        kernel.sendall(data)
        except OSError:
            return
        finally:
            client.close()
            kernel.close()
            self.lsock.close()


def check_telemetry_record_repairs_damage(accel):
    """A recording through a proxy that corrupts a byte and drops a run of bytes of the live
    stream (and throws junk at the kernel): glass-trace record sees each gap, asks for a snapshot
    (REQUEST_SNAPSHOT, reason gap, seen on the wire), the kernel sends one, and verify ends
    synced with digests after the repair matching."""
    def host_side(sock):
        proxy_path = sock + '.proxy'
        proxy = _DamagingProxy(proxy_path, sock, flip_at=8000, drop_at=18000, drop_len=700,
                               junk_at=12000)
        out = os.path.join(host_side.dir, 'damaged.glt')
        p = _record(proxy_path, out, 60)
        proxy.thread.join(timeout=10)
        v = _trace('verify', out)
        problems = []
        if p.returncode != 0:
            problems.append(f'record: exit {p.returncode}')
        if proxy.flipped != 1 or proxy.dropped != 700 or not proxy.injected:
            problems.append(f'the stream was too short to damage: {proxy.to_client} bytes, '
                            f'flipped {proxy.flipped}, dropped {proxy.dropped}')
        m = re.search(r'snapshot requests sent: (\d+)', p.stdout)
        if not m or int(m.group(1)) < 1 or 'reason=gap' not in p.stdout:
            problems.append('record sent no snapshot request for the damage')
        gap_requests = [c for c in _host_commands(proxy.from_client) if c == (0x61, 1)]
        if not gap_requests:
            problems.append('no REQUEST_SNAPSHOT (reason gap) reached the kernel')
        if v.stdout.count('gap: ') < 2:
            problems.append('verify does not show both gaps')
        syncs = re.search(r'syncs: (\d+); digests matched after the last sync: (\d+)', v.stdout)
        if not syncs or int(syncs.group(1)) < 2:
            problems.append('no new snapshot after the damage')
        elif int(syncs.group(2)) < 1:
            problems.append('no digest matched after the repair')
        if (v.returncode != 0 or 'VERIFY OK' not in v.stdout or ' 0 mismatched' not in v.stdout
                or 'final state: synced' not in v.stdout):
            problems.append('verify did not end synced with every digest matching')
        detail = (p.stdout[-800:] + v.stdout[-900:] +
                  f'\nproxy: {proxy.to_client} bytes, {len(gap_requests)} gap requests on the wire')
        return problems, detail

    problems, done, detail = _boot_demo_mm(accel, 'mm-damage', host_side)
    if done and ' bad_commands=0 ' in done:
        problems.append('the junk sent to the kernel was not counted')
    ok = not problems
    return ok, detail if ok else '\n'.join(problems) + '\n' + detail


def check_telemetry_detach_and_attach_twice(accel):
    """Attach, leave mid-frame with DETACH; attach with a recorder that leaves early (it says
    DETACH); attach again until the end. Both recordings verify: each attach ends with the model
    at a matching digest."""

    def host_side(sock):
        problems = []
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        raw.connect(sock)
        raw.sendall(_host_frame(bytes([0x60]) + b'GLTM' + bytes([_protocol_version()])))
        raw.settimeout(30)
        got = b''
        try:
            while len(got) < 300:  # part of the snapshot: leave in the middle of a frame
                chunk = raw.recv(300 - len(got))
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
        raw.sendall(_host_frame(bytes([0x62]), seq=1))  # DETACH
        raw.close()
        if len(got) < 300:
            problems.append(f'the first attach got {len(got)} bytes')
        first = os.path.join(host_side.dir, 'first.glt')
        second = os.path.join(host_side.dir, 'second.glt')
        p1 = _record(sock, first, 3)  # leaves early: DETACH
        p2 = _record(sock, second, 60)
        v1, v2 = _trace('verify', first), _trace('verify', second)
        for name, p, v in (('first', p1, v1), ('second', p2, v2)):
            if p.returncode != 0:
                problems.append(f'{name} record: exit {p.returncode}')
            if v.returncode != 0 or 'VERIFY OK' not in v.stdout or 'final state: synced' not in v.stdout:
                problems.append(f'the {name} recording does not end at a matching digest')
        if 'duration reached' not in p1.stdout:
            problems.append('the first recorder did not leave early')
        return problems, p1.stdout + v1.stdout[-300:] + p2.stdout + v2.stdout[-300:]

    problems, done, detail = _boot_demo_mm(accel, 'mm-detach', host_side, DEMO_MM_PACED)
    m = re.search(r' snapshots=(\d+) ', done or '')
    if done and (not m or int(m.group(1)) < 3):
        problems.append(f'three attaches should make three snapshots: {done}')
    return not problems, '' if not problems else '\n'.join(problems) + '\n' + detail


def check_telemetry_page_tables_match_guest_memory(accel):
    """At a paused demo=mm step with a user space in CR3, every page-table node of every address
    space the model holds is read from guest-physical memory through QEMU's monitor (xp) and all
    512 entries compared (Accessed/Dirty aside); CR3 from `info registers` is walked through
    memory alone. Zero mismatches, and the numbers are reported."""
    sock = os.path.join(qemu.BUILD, 'run', 'e2e-mm-memcheck.sock')
    mon_path = os.path.join(qemu.BUILD, 'run', 'e2e-mm-memcheck.mon')
    box = {'result': ([], [])}
    live = ['--timeout', '60']

    def host():
        problems, detail = box['result']
        if not _wait_for_socket(sock) or not _wait_for_socket(mon_path):
            problems.append('the telemetry or monitor socket never appeared')
            return
        if not _wait_until_timer_runs(mon_path):
            problems.append('the kernel never started its timer (QEMU info lapic)')
            return
        st = _trace('step', sock, '--until-user', *live)
        if st.returncode != 0:
            problems.append(f'step --until-user: exit {st.returncode} {st.stdout[-300:]}')
            return
        mc = _trace('memcheck', sock, mon_path, *live)
        detail.append(mc.stdout[-2500:])
        m = re.search(r'^memcheck spaces=(\d+) nodes=(\d+) entries=(\d+) cr3=0x[0-9a-f]+ '
                      r'asid=\d+ cr3_nodes=(\d+) mismatches=(\d+)$', mc.stdout, re.M)
        if not m:
            problems.append(f'memcheck: exit {mc.returncode}, no summary line')
        else:
            spaces, nodes, entries, cr3_nodes, mism = map(int, m.groups())
            if spaces < 2 or nodes < 5 or entries != 512 * nodes or cr3_nodes < 4:
                problems.append(f'memcheck compared too little: {m.group(0)}')
            if mism != 0 or mc.returncode != 0 or 'MEMORY MATCHES MODEL' not in mc.stdout:
                problems.append(f'memcheck found {mism} mismatches (exit {mc.returncode})')
        r = _trace('resume', sock, *live)
        if r.returncode != 0 or 'demo state=running' not in r.stdout:
            problems.append(f'resume: exit {r.returncode} {r.stdout[-200:]}')
        for args in (['memcheck', sock], ['memcheck', sock, mon_path, '--timeout', 'x']):
            p = _trace(*args)
            if p.returncode != 2 or 'usage' not in p.stdout:
                problems.append(f"glass-trace {' '.join(args[:1] + args[2:])}: exit {p.returncode}")
        p = _trace('memcheck', sock, mon_path + '.absent', '--timeout', '20')
        if p.returncode != 1 or 'cannot connect' not in p.stdout:
            problems.append(f'memcheck without a monitor: exit {p.returncode} {p.stdout[-200:]}')

    def guarded():
        try:
            host()
        except Exception as e:  # reported, never a hang
            box['result'][0].append(f'{type(e).__name__}: {e}')

    t = threading.Thread(target=guarded)
    t.start()
    r = qemu.boot(qemu.iso_for(DEMO_MM), accel=accel, timeout=150, telemetry_socket=sock,
                  monitor_socket=mon_path)
    t.join(timeout=120)
    problems, detail = box['result']
    done = next((ln for ln in r.lines if ln.startswith('DEMO MM DONE')), None)
    if r.kernel_exit != 'success' or done is None:
        problems.append(f'demo=mm ended with {r.kernel_exit}, no DEMO MM DONE line')
    if done and (' leaked=0 ' not in done or ' dropped=0 ' not in done):
        problems.append(f'demo=mm after the memory check: {done}')
    ok = not problems
    return ok, '\n'.join(problems + detail + ([] if ok else r.tail(12)))


CHECKS = [
    ('telemetry: damage on the live stream is a gap, a request, a snapshot; verify ends synced',
     check_telemetry_record_repairs_damage),
    ('telemetry: detach mid-frame, attach twice: each recording ends at a matching digest',
     check_telemetry_detach_and_attach_twice),
    ('telemetry: every page-table entry of the model equals guest memory (QEMU xp, CR3)',
     check_telemetry_page_tables_match_guest_memory),
]
