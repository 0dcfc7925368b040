"""End-to-end checks that the telemetry channel drops no reply (issue 11, item 2): every answer the
kernel owes is sent, in the order of the commands, whatever else arrives in the same poll; after
a flood of garbage the kernel is back in step at the next 0x00 and answers the next command.

One boot of the idle kernel (its idle loop polls the channel), one raw host connection: each case
is sent, then a sentinel PING in a frame of its own; then rounds of random bytes, each followed by
a 0x00 and HELLO+PING in one frame. Everything the kernel sent is saved as a trace and read back
with `glass-trace dump`; a case's answers are the events between the previous sentinel's PONG and
its own. QEMU is told to quit through its monitor at the end.

The default e2e layer runs GARBAGE_ROUNDS small rounds; `python3
tests/harness/e2e_telemetry_replies.py [--rounds 100] [--bytes 102400]` runs the issue's 100
rounds of 100 KB in one boot and ends with `ANSWERED n/N` (exit 0 only if every round was
answered and no host byte was lost). Each check returns (ok, detail) like those in e2e.py.
"""
import os
import re
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import qemu  # noqa: E402
from e2e_telemetry import (Monitor, _uncobs, _crc32c, _host_frame, _protocol_version, _trace,  # noqa: E402
                           _wait_for_socket)

IDLE = 'quiet'  # no demo, no exit: the idle loop polls the channel until QEMU is told to quit
ISO_CMDLINES = (IDLE,)
# The default e2e layer: a few rounds of 16 KB (four times the kernel's receive queue); the
# 100-round, 100 KB version is `python3 tests/harness/e2e_telemetry_replies.py`.
GARBAGE_ROUNDS = 3
GARBAGE_BYTES = 16 * 1024
SENTINEL = 0x5E000000  # + case number: PING tokens the cases never use
GARBAGE_TOKEN = 0x6A000000  # + round number


def _leb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _hello(version=None):
    v = _protocol_version() if version is None else version
    return bytes([0x60]) + b'GLTM' + _leb(v)


def _ping(token):
    return bytes([0x63]) + _leb(token)




class _Reader:
    """Keeps everything the kernel sends on `s` and the checked payloads of its frames, so a host
    can wait for an answer (a PONG's bytes in a payload) without decoding every event type."""

    def __init__(self, s):
        self.s, self.raw, self.payloads = s, bytearray(), []
        self.cond = threading.Condition()
        self._tail = b''
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                chunk = self.s.recv(65536)
            except OSError:
                chunk = b''
            with self.cond:
                if not chunk:
                    self.payloads.append(None)  # closed
                    self.cond.notify_all()
                    return
                self.raw += chunk
                *frames, self._tail = (self._tail + chunk).split(b'\x00')
                for f in frames:
                    plain = _uncobs(f) if f else None
                    if plain and len(plain) >= 8 and \
                            _crc32c(plain[:-4]) == int.from_bytes(plain[-4:], 'little'):
                        self.payloads.append(plain[4:-4])
                self.cond.notify_all()

    def wait_pong(self, token, timeout):
        want = bytes([0x06]) + _leb(token)
        end = time.monotonic() + timeout
        with self.cond:
            seen = 0
            while True:
                for p in self.payloads[seen:]:
                    if p is None:
                        return False
                    if want in p:
                        return True
                seen = len(self.payloads)
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)


def _dump(raw, d):
    """glass-trace dump of the bytes a raw connection got (a .glt header in front)."""
    path = os.path.join(d, 'replies.glt')
    with open(path, 'wb') as f:
        f.write(b'GLASSTRC' + (1).to_bytes(4, 'little') +
                _protocol_version().to_bytes(4, 'little') + bytes(16) + bytes(raw))
    return _trace('dump', path).stdout


def _segments(dump, tokens):
    """{token: the dump lines after the previous token's PONG up to this one's}."""
    out, cur = {}, []
    for ln in dump.splitlines():
        m = re.search(r' pong token=(\d+)$', ln)
        if m and int(m.group(1)) in tokens:
            out[int(m.group(1))] = cur
            cur = []
        else:
            cur.append(ln)
    return out


def _in_order(lines, patterns):
    """None if each pattern matches a line, in this order; else what is missing."""
    i = 0
    for p in patterns:
        while i < len(lines) and not re.search(p, lines[i]):
            i += 1
        if i == len(lines):
            return p
        i += 1
    return None


# Each case: (name, host events in one frame, the answers owed in order, as dump-line patterns).
CASES = [
    ('HELLO+PING in one frame: the snapshot, then the PING\'s rx log line and its PONG',
     lambda: _hello() + _ping(0x4100),
     [r' snapshot_end ', r' log level=0 t=\d+ text="telemetry: com2 rx ', r' pong token=16640$']),
    ('[HELLO, frame_run]: the snapshot, then "not a host command"',
     lambda: _hello() + bytes([0x10, 0x01, 0x01, 0x00, 0x00]),
     [r' snapshot_end ', r' log level=3 t=\d+ text="telemetry: not a host command"']),
    ('[HELLO v3, HELLO v2]: the snapshot, then "HELLO refused"',
     lambda: _hello() + _hello(2),
     [r' snapshot_end ',
      r' log level=3 t=\d+ text="telemetry: kernel speaks v\d+, inspector v2: HELLO refused"']),
]


def _session(accel, name, host_side, timeout=180.0):
    """Boots the kernel idle (no demo: its idle loop polls the channel between hlts) with COM2 on
    a socket; host_side(sock, dir) -> (problems, detail) runs on one raw connection after a first
    PING was answered; then QEMU is told to quit through its monitor."""
    sock = os.path.join(qemu.BUILD, 'run', f'e2e-{name}.sock')
    mon_path = os.path.join(qemu.BUILD, 'run', f'e2e-{name}.mon')
    box = {}
    with tempfile.TemporaryDirectory() as d:
        def host():
            try:
                if not _wait_for_socket(sock) or not _wait_for_socket(mon_path):
                    box['result'] = (['the telemetry or monitor socket never appeared'], '')
                    return
                try:
                    box['result'] = host_side(sock, d)
                finally:
                    mon = Monitor(mon_path)
                    try:
                        mon.quit()
                    finally:
                        mon.close()
            except Exception as e:  # reported, never a hang
                box['result'] = ([f'{type(e).__name__}: {e}'], '')

        t = threading.Thread(target=host)
        t.start()
        r = qemu.boot(qemu.iso_for(IDLE), accel=accel, timeout=timeout, telemetry_socket=sock,
                      monitor_socket=mon_path)
        t.join(timeout=120)
    problems, detail = box.get('result', (['the host side did not finish'], ''))
    if not any(ln.startswith('GLASS READY') for ln in r.lines):
        problems = problems + [f'the kernel did not boot: {r.kernel_exit}']
    return problems, detail + '\n' + '\n'.join(r.tail(6))


class _Host:
    """One raw connection: frames out (each led by a 0x00, as glass-trace sends them), and
    everything the kernel sent kept for the dump."""

    def __init__(self, sock):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sock)
        self.rd = _Reader(self.s)
        self.seq = 0

    def send(self, events):
        self.s.sendall(_host_frame(events, seq=self.seq))
        self.seq += 1

    def close(self):
        self.s.close()
        self.rd.thread.join(timeout=5)


def _run_cases(h, problems):
    """Each case, then a sentinel PING in a frame of its own; returns the sentinel tokens."""
    tokens = []
    for i, (name, events, _) in enumerate(CASES):
        h.send(events())
        h.send(_ping(SENTINEL + i))
        tokens.append(SENTINEL + i)
        if not h.rd.wait_pong(SENTINEL + i, 30):
            problems.append(f'{name}: no PONG for the ping after it')
            break
    return tokens


def _check_cases(dump, tokens, problems):
    seg = _segments(dump, set(tokens))
    for i, (name, _, owed) in enumerate(CASES):
        if SENTINEL + i in seg:
            missing = _in_order(seg[SENTINEL + i], owed)
            if missing:
                problems.append(f'{name}: lost (or out of order) {missing!r}')


def _run_garbage(h, rounds, size, problems, timeout=60.0, progress=False):
    """`rounds` x (`size` random bytes, then HELLO+PING in one frame); returns (answered, times)."""
    answered, times = 0, []
    for i in range(rounds):
        if progress and i and i % 10 == 0:
            print(f'round {i}: {answered} answered so far, {sum(times):.1f} s', flush=True)
        r0 = time.monotonic()
        h.s.sendall(os.urandom(size))
        h.send(_hello() + _ping(GARBAGE_TOKEN + i))
        if h.rd.wait_pong(GARBAGE_TOKEN + i, timeout):
            answered += 1
        else:
            problems.append(f'garbage round {i}: no PONG within {timeout:.0f} s')
        times.append(time.monotonic() - r0)
    return answered, times


def _check_garbage(dump, rounds, answered, problems):
    """The PONGs seen live must be in the dump too, and no host byte may have been lost."""
    pongs = set(int(t) for t in re.findall(r' pong token=(\d+)$', dump, re.M))
    in_dump = sum(1 for i in range(rounds) if GARBAGE_TOKEN + i in pongs)
    if in_dump != answered:
        problems.append(f'{answered} PONGs seen live, {in_dump} in the dump')
    lines = dump.splitlines()
    if any(' rx_lost ' in ln for ln in lines):
        problems.append('the kernel reports host bytes lost (rx_lost)')
    if any(re.search(r'com2 rx .* overflows=[1-9]', ln) for ln in lines):
        problems.append('the receive queue overflowed')
    return min(answered, in_dump)


def _session_host(cases, rounds, size, box, progress=False):
    def host_side(sock, d):
        problems, tokens = [], []
        h = _Host(sock)
        try:
            # The kernel is up once it answers (QEMU holds the bytes until the UART takes them).
            h.send(_ping(1))
            if not h.rd.wait_pong(1, 90):
                return ['the kernel never answered a first PING'], ''
            if cases:
                tokens = _run_cases(h, problems)
            t0 = time.monotonic()
            box['answered'], times = _run_garbage(h, rounds, size, problems, progress=progress)
            box['seconds'] = time.monotonic() - t0
            times.sort()
            box['times'] = (times[0], times[len(times) // 2], times[-1]) if times else ()
        finally:
            h.close()
        dump = _dump(h.rd.raw, d)
        _check_cases(dump, tokens, problems)
        box['answered'] = _check_garbage(dump, rounds, box['answered'], problems)
        keep = [ln for ln in dump.splitlines()
                if re.search(r' (log|pong|snapshot_end|handshake|rx_lost) ', ln)]
        return problems, '\n'.join(keep[-40:])
    return host_side


def _garbage_summary(box, rounds, size):
    return (f'garbage then HELLO+PING: {box.get("answered", 0)}/{rounds} answered ({size} bytes '
            f'of garbage per round, {box.get("seconds", 0):.1f} s for all rounds; per round '
            f'min/median/max {"/".join(f"{t:.2f}" for t in box.get("times", ()))} s)')


def check_no_reply_is_lost(accel):
    """The three cases where a snapshot in the same poll used to swallow what the receive step
    had just answered (each answer must arrive, after the snapshot, in the order of the
    commands), then GARBAGE_ROUNDS rounds of garbage followed by HELLO+PING (each PONG must
    come, and no host byte may be lost on the way in)."""
    box = {}
    problems, detail = _session(accel, 'replies',
                                _session_host(True, GARBAGE_ROUNDS, GARBAGE_BYTES, box))
    if box.get('answered') != GARBAGE_ROUNDS:
        problems.append(_garbage_summary(box, GARBAGE_ROUNDS, GARBAGE_BYTES))
    return not problems, '' if not problems else '\n'.join(problems) + '\n' + detail


CHECKS = [
    (f'telemetry: no reply lost beside a snapshot (3 cases); {GARBAGE_ROUNDS} x (garbage, then '
     'HELLO+PING) answered', check_no_reply_is_lost),
]


def main():
    import argparse
    ap = argparse.ArgumentParser(
        description='100 KB of random bytes, then HELLO+PING, N times in one boot: every PONG '
                    'must come (issue 11)')
    ap.add_argument('--rounds', type=int, default=100)
    ap.add_argument('--bytes', type=int, default=100 * 1024, help='garbage per round')
    ap.add_argument('--accel', choices=['auto', 'tcg', 'kvm'], default='auto')
    a = ap.parse_args()
    if a.rounds < 1 or a.bytes < 0:
        ap.error('--rounds must be at least 1 and --bytes not negative')
    try:
        qemu.iso_for(IDLE)
        box = {}
        problems, detail = _session(qemu.choose_accel(a.accel), 'garbage-rounds',
                                    _session_host(False, a.rounds, a.bytes, box, progress=True),
                                    timeout=180.0 + 60.0 * a.rounds)
    except qemu.HarnessError as e:
        print(f'glass: {e}')
        return 1
    print(detail)
    for p in problems[:20]:
        print('problem:', p)
    print(_garbage_summary(box, a.rounds, a.bytes))
    print(f'ANSWERED {box.get("answered", 0)}/{a.rounds}')
    return 0 if box.get('answered') == a.rounds and not problems else 1


if __name__ == '__main__':
    sys.exit(main())
