"""End-to-end checks that the telemetry channel drops no reply (issue 11, item 2): every answer the
kernel owes is sent, in the order of the commands, whatever else arrives in the same poll; after
a flood of garbage the kernel is back in step at the next 0x00 and answers the next command.

One boot of demo=mm, paused by `glass-trace pause` so the kernel sits at a step boundary polling;
one raw host connection then sends each case and, after it, a sentinel PING in a frame of its own.
Everything the kernel sent is saved as a trace and read back with `glass-trace dump`; the answers
to each case are the events between the previous sentinel's PONG and its own.

`python3 tests/harness/e2e_telemetry_replies.py --rounds 100` runs the garbage rounds on their own
(the default e2e layer runs GARBAGE_ROUNDS of them, to keep `./glass test` short).
Each check returns (ok, detail) like those in e2e.py, which lists them all.
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
from e2e_telemetry import (DEMO_MM, _crc32c, _host_frame, _protocol_version, _trace,  # noqa: E402
                           _wait_for_socket)

ISO_CMDLINES = (DEMO_MM,)
GARBAGE_ROUNDS = 5
GARBAGE_BYTES = 100 * 1024
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


def _uncobs(data):
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


def _session(accel, name, host_side):
    """Boots demo=mm with COM2 on a socket, pauses the demo with glass-trace, runs
    host_side(sock, dir) -> (problems, detail), resumes the demo and checks its end."""
    sock = os.path.join(qemu.BUILD, 'run', f'e2e-{name}.sock')
    box = {}
    with tempfile.TemporaryDirectory() as d:
        def host():
            try:
                if not _wait_for_socket(sock):
                    box['result'] = (['the telemetry socket never appeared'], '')
                    return
                p = _trace('pause', sock, '--timeout', '60')
                if p.returncode != 0 or 'state=paused' not in p.stdout:
                    box['result'] = ([f'pause: exit {p.returncode} {p.stdout[-300:]}'], '')
                    return
                try:
                    box['result'] = host_side(sock, d)
                finally:
                    _trace('resume', sock, '--timeout', '60')
            except Exception as e:  # reported, never a hang
                box['result'] = ([f'{type(e).__name__}: {e}'], '')

        t = threading.Thread(target=host)
        t.start()
        r = qemu.boot(qemu.iso_for(DEMO_MM), accel=accel, timeout=240, telemetry_socket=sock)
        t.join(timeout=300)
    problems, detail = box.get('result', (['the host side did not finish'], ''))
    done = next((ln for ln in r.lines if ln.startswith('DEMO MM DONE')), None)
    if r.kernel_exit != 'success' or done is None:
        problems = problems + [f'demo=mm ended with {r.kernel_exit}, no DEMO MM DONE line']
    return problems, done, detail + '\n' + '\n'.join(r.tail(8))


def _send(s, events, seq):
    s.sendall(_host_frame(events, seq=seq))


def _cases_host(sock, d):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    rd = _Reader(s)
    problems, tokens = [], []
    try:
        for i, (name, events, _) in enumerate(CASES):
            _send(s, events(), 2 * i)
            tokens.append(SENTINEL + i)
            _send(s, _ping(SENTINEL + i), 2 * i + 1)
            if not rd.wait_pong(SENTINEL + i, 30):
                problems.append(f'{name}: no PONG for the ping after it')
                break
    finally:
        s.close()
        rd.thread.join(timeout=5)
    dump = _dump(rd.raw, d)
    seg = _segments(dump, set(tokens))
    for i, (name, _, owed) in enumerate(CASES):
        if SENTINEL + i not in seg:
            continue
        missing = _in_order(seg[SENTINEL + i], owed)
        if missing:
            problems.append(f'{name}: lost (or out of order) {missing!r}')
    detail = '\n'.join(ln for ln in dump.splitlines()
                       if re.search(r' (log|pong|snapshot_end|handshake|rx_lost) ', ln))
    return problems, detail[-3000:]


def check_no_reply_is_lost_beside_a_snapshot(accel):
    """The three cases where a snapshot in the same poll used to swallow what the receive step
    had just answered: each answer arrives, after the snapshot, in the order of the commands."""
    problems, done, detail = _session(accel, 'replies', _cases_host)
    if done and ' bad_commands=2 ' not in done:
        problems.append(f'the kernel should count exactly two bad commands: {done}')
    return not problems, '' if not problems else '\n'.join(problems) + '\n' + detail


def garbage_rounds(accel, rounds, timeout=20.0):
    """`rounds` times: GARBAGE_BYTES random bytes, then a 0x00 and HELLO+PING in one frame; each
    PONG must come. Returns (answered, problems, detail, done line)."""
    box = {'answered': 0}

    def host_side(sock, d):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock)
        rd = _Reader(s)
        problems, t0 = [], time.monotonic()
        try:
            for i in range(rounds):
                s.sendall(os.urandom(GARBAGE_BYTES))
                _send(s, _hello() + _ping(GARBAGE_TOKEN + i), i)
                if rd.wait_pong(GARBAGE_TOKEN + i, timeout):
                    box['answered'] += 1
                else:
                    problems.append(f'round {i}: no PONG within {timeout:.0f} s')
        finally:
            s.close()
            rd.thread.join(timeout=5)
        box['seconds'] = time.monotonic() - t0
        dump = _dump(rd.raw, d)
        pongs = set(int(t) for t in re.findall(r' pong token=(\d+)$', dump, re.M))
        in_dump = sum(1 for i in range(rounds) if GARBAGE_TOKEN + i in pongs)
        if in_dump != box['answered']:
            problems.append(f'{box["answered"]} PONGs seen live, {in_dump} in the dump')
        box['answered'] = min(box['answered'], in_dump)
        box['rx_lost'] = [ln for ln in dump.splitlines() if ' rx_lost ' in ln]
        return problems, '\n'.join(box['rx_lost'][-5:])

    problems, done, detail = _session(accel, 'garbage', host_side)
    if done and ' bad_commands=0 ' in done:
        problems.append(f'the garbage was not counted as bad input: {done}')
    summary = (f'garbage then HELLO+PING: {box["answered"]}/{rounds} answered '
               f'({GARBAGE_BYTES} bytes of garbage per round, '
               f'{box.get("seconds", 0):.1f} s for all rounds)')
    return box['answered'], problems, summary + '\n' + detail, done


def check_garbage_then_command(accel):
    """GARBAGE_ROUNDS rounds of 100 KB of random bytes, then HELLO+PING: every PONG comes."""
    answered, problems, detail, _ = garbage_rounds(accel, GARBAGE_ROUNDS)
    if answered != GARBAGE_ROUNDS:
        problems.append(f'{answered}/{GARBAGE_ROUNDS} rounds answered')
    return not problems, '' if not problems else '\n'.join(problems) + '\n' + detail


CHECKS = [
    ('telemetry: no reply lost beside a snapshot in the same poll (3 cases)',
     check_no_reply_is_lost_beside_a_snapshot),
    (f'telemetry: {GARBAGE_ROUNDS} x (100 KB of garbage, then HELLO+PING) are all answered',
     check_garbage_then_command),
]


def main():
    import argparse
    ap = argparse.ArgumentParser(description='garbage then HELLO+PING, N times, in one boot')
    ap.add_argument('--rounds', type=int, default=100)
    ap.add_argument('--accel', choices=['auto', 'tcg', 'kvm'], default='auto')
    a = ap.parse_args()
    if a.rounds < 1:
        ap.error('--rounds must be at least 1')
    qemu.iso_for(DEMO_MM)
    answered, problems, detail, done = garbage_rounds(qemu.choose_accel(a.accel), a.rounds)
    print(detail)
    print(done or 'no DEMO MM DONE line')
    for p in problems[:20]:
        print('problem:', p)
    print(f'ANSWERED {answered}/{a.rounds}')
    return 0 if answered == a.rounds and not problems else 1


if __name__ == '__main__':
    sys.exit(main())
