"""End-to-end checks of the host tools on files and processes as an adversarial user meets them,
without a kernel: every glass-trace subcommand and glass-inspect --replay refuse a directory, a
device, an empty and a random file in one line, quickly; and a `glass-trace record` killed with
SIGKILL leaves a trace that verify reads, marked cut with where."""
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import qemu


def _glass_trace():
    return os.path.join(qemu.BUILD, 'host', 'glass-trace')


def _app():
    return os.path.join(qemu.BUILD, 'app', 'glass-inspect')


def _run(args, timeout=10):
    t0 = time.monotonic()
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       errors='replace', timeout=timeout, stdin=subprocess.DEVNULL)
    return p, time.monotonic() - t0


def check_tools_refuse_unreadable_files(_accel):
    """Each subcommand on a directory, /dev/zero, an empty file and a random file: exit 1 (or 2
    for usage), one line on stderr, nothing on stdout, no crash, well under a second each."""
    problems = []
    with tempfile.TemporaryDirectory() as d:
        empty = os.path.join(d, 'empty.glt')
        open(empty, 'wb').close()
        rand = os.path.join(d, 'random.glt')
        with open(rand, 'wb') as f:
            f.write(os.urandom(4096))
        out = os.path.join(d, 'out')
        odd = {'a directory': d, '/dev/zero': '/dev/zero', 'an empty file': empty,
               'a random file': rand}
        jobs = []
        for what, path in odd.items():
            runs = [
                ['dump', path], ['stats', path], ['verify', path],
                ['export', '--perfetto', path, out + '.json'],
                ['record', path, out + '.glt', '--duration', '1'],
                ['ping', path, '--timeout', '1'], ['walk', path, '1', '0x1000', '--timeout', '1'],
                ['memcheck', path, path, '--timeout', '1'], ['pause', path, '--timeout', '1'],
                ['step', path, '--timeout', '1'], ['resume', path, '--timeout', '1'],
            ]
            cmds = [[_glass_trace()] + r for r in runs]
            if what == 'a directory':
                cmds.append([_glass_trace(), 'synth', path])  # cannot create a file there
            cmds.append([_app(), '--replay', path, '--screenshot', out + '.png'])
            jobs += [(what, args) for args in cmds]

        def one(job):
            what, args = job
            name = f"{os.path.basename(args[0])} {args[1]} on {what}"
            try:
                p, secs = _run(args)
            except subprocess.TimeoutExpired:
                return [f'{name}: still running after 10 s']
            found = []
            lines = p.stderr.strip().splitlines()
            if p.returncode not in (1, 2):
                found.append(f'{name}: exit {p.returncode}: {p.stderr[-300:]}')
            elif len(lines) != 1 or 'internal error' in p.stderr or p.stdout.strip():
                found.append(f'{name}: not one line: {p.stdout[-200:]!r} {p.stderr[-300:]!r}')
            # Reading /dev/zero to its "end" took minutes; refusing it from its type takes
            # the program's start-up time (ASan's included).
            if secs > 3.0:
                found.append(f'{name}: took {secs:.2f} s')
            return found

        # The sanitized binaries take ~0.2 s each to start: run several at once.
        with ThreadPoolExecutor(max_workers=4) as pool:
            for found in pool.map(one, jobs):
                problems += found
    return not problems, '\n'.join(problems)


def _serve_then_hang(path, data, sent, release):
    """A stand-in kernel: accept, read the HELLO, send `data`, then keep the connection open."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(10)
    try:
        conn, _ = srv.accept()
        conn.settimeout(10)
        conn.recv(4096)  # the HELLO
        for i in range(0, len(data), 700):  # reads that split frames
            conn.sendall(data[i:i + 700])
        sent.set()
        release.wait(20)
        conn.close()
    except OSError:
        sent.set()
    finally:
        srv.close()


def check_killed_recorder_keeps_its_frames(_accel):
    """glass-trace record receives a stream, is killed with SIGKILL while still attached: the file
    it leaves verifies up to its last whole frame, is not truncated, and verify and dump say it
    was cut (never closed) and where."""
    problems = []
    with tempfile.TemporaryDirectory() as d:
        synth = os.path.join(d, 'synth.glt')
        p, _ = _run([_glass_trace(), 'synth', synth, '--ops', '300'], timeout=60)
        if p.returncode != 0:
            return False, f'synth failed: {p.stderr}'
        data = open(synth, 'rb').read()[32:]
        sock = os.path.join(d, 'k.sock')
        out = os.path.join(d, 'killed.glt')
        sent, release = threading.Event(), threading.Event()
        t = threading.Thread(target=_serve_then_hang, args=(sock, data, sent, release))
        t.start()
        while not os.path.exists(sock):
            time.sleep(0.01)
        rec = subprocess.Popen([_glass_trace(), 'record', sock, out], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        sent.wait(20)
        # Give the recorder time to take what was sent (it appends as it reads).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(out) and os.path.getsize(out) >= 32 + len(data):
                break
            time.sleep(0.02)
        rec.send_signal(signal.SIGKILL)
        rec.wait(10)
        release.set()
        t.join(10)
        if not os.path.exists(out):
            return False, 'the killed recorder left no file'
        size = os.path.getsize(out)
        if size != 32 + len(data):
            problems.append(f'the file holds {size - 32} of {len(data)} bytes received')
        v, _ = _run([_glass_trace(), 'verify', out])
        if v.returncode != 0 or 'VERIFY OK' not in v.stdout:
            problems.append(f'verify of the killed recording: exit {v.returncode}\n{v.stdout[-600:]}')
        if 'end: cut at byte' not in v.stdout or 'never closed' not in v.stdout:
            problems.append(f'verify does not say where the recording was cut:\n{v.stdout[-400:]}')
        dump, _ = _run([_glass_trace(), 'dump', out])
        if 'truncated' in dump.stderr or 'cut at byte' not in dump.stderr:
            problems.append(f'dump: {dump.stderr[-300:]}')
    return not problems, '\n'.join(problems)


CHECKS = [
    ('glass-trace and glass-inspect refuse a directory, a device, an empty and a random file',
     check_tools_refuse_unreadable_files),
    ('a glass-trace record killed with SIGKILL leaves a trace that verifies, marked cut',
     check_killed_recorder_keeps_its_frames),
]
