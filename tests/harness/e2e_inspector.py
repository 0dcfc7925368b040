"""End-to-end checks of glass-inspect, the inspector's desktop app, as a user meets it: each view
rendered headless under Xvfb from a trace made at test time (glass-trace synth), checked for what
can be checked robustly (the PNG has the requested size, the frame map shows every frame kind the
state holds in its legend colour, the walk view colours four levels, there is text), and the PNGs
kept under <build>/artifacts/inspector/ to look at; bad input; no kernel at the socket; and a
real QEMU boot killed and booted again under a running inspector (disconnected with the last
state kept, then a second epoch, synced); a cursor waiting for another's node drawn (synthetic
contention); and a live page walk of a paused demo=mm kernel, answered by the kernel itself.

Each check returns (ok, detail) like those in e2e.py, which lists them all.
"""
import array
import collections
import ctypes
import ctypes.util
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import qemu

DEMO_MM_LIVE = 'demo=mm'
ISO_CMDLINES = (DEMO_MM_LIVE,)
VIEWS = ('tree', 'frames', 'locks', 'walk', 'timeline', 'log', 'invariants', 'block')
SIZE = (1024, 640)
# The page walk's index colours (inspector/app/ui_state.h kIndexRgba, as 0xRRGGBB).
WALK_INDEX_RGB = (0xFFA84F, 0x6BDA5A, 0x4AB0E8, 0xE87CD2)
# A folded free run's two stripe colours (inspector/view/frame_fold.h kFoldRgba, kFoldStripeRgba).
FOLD_RGB = (0x465A6E, 0x1C242E)


def _app():
    return os.path.join(qemu.BUILD, 'app', 'glass-inspect')


def _glass_trace():
    return os.path.join(qemu.BUILD, 'host', 'glass-trace')


def artifacts_dir():
    d = os.path.join(qemu.BUILD, 'artifacts', 'inspector')
    os.makedirs(d, exist_ok=True)
    return d


class Xvfb:
    """A private X server on a free display (-displayfd: the server picks it, no races)."""

    def __init__(self, size='1600x1000x24'):
        self.size = size
        self.proc = None
        self.display = None

    def __enter__(self):
        if shutil.which('Xvfb') is None:
            raise RuntimeError("'Xvfb' not found (Debian package xvfb); ./glass installs it")
        r, w = os.pipe()
        self.proc = subprocess.Popen(['Xvfb', '-displayfd', str(w), '-screen', '0', self.size,
                                      '-nolisten', 'tcp'], pass_fds=(w,),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        os.close(w)
        buf = b''
        end = time.monotonic() + 20
        while not buf.endswith(b'\n') and time.monotonic() < end:
            chunk = os.read(r, 16)
            if not chunk:
                break
            buf += chunk
        os.close(r)
        if not buf.strip():
            self.__exit__(None, None, None)
            raise RuntimeError('Xvfb did not start')
        self.display = ':' + buf.decode().strip()
        return self

    def env(self):
        env = dict(os.environ, DISPLAY=self.display)
        env.pop('WAYLAND_DISPLAY', None)
        return env

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class _PngImage(ctypes.Structure):
    """libpng's png_image (png.h, libpng 1.6's simplified API)."""
    _fields_ = [('opaque', ctypes.c_void_p), ('version', ctypes.c_uint32),
                ('width', ctypes.c_uint32), ('height', ctypes.c_uint32),
                ('format', ctypes.c_uint32), ('flags', ctypes.c_uint32),
                ('colormap_entries', ctypes.c_uint32), ('warning_or_error', ctypes.c_uint32),
                ('message', ctypes.c_char * 64)]


_LIBPNG = []


def _libpng():
    if not _LIBPNG:
        name = ctypes.util.find_library('png16') or 'libpng16.so.16'
        lib = ctypes.CDLL(name)
        lib.png_image_begin_read_from_file.argtypes = [ctypes.POINTER(_PngImage), ctypes.c_char_p]
        lib.png_image_finish_read.argtypes = [ctypes.POINTER(_PngImage), ctypes.c_void_p,
                                              ctypes.c_void_p, ctypes.c_int32, ctypes.c_void_p]
        lib.png_image_free.argtypes = [ctypes.POINTER(_PngImage)]
        _LIBPNG.append(lib)
    return _LIBPNG[0]


def read_png(path):
    """(width, height, rows of RGBA bytes) of a PNG, decoded by libpng (the library the app
    writes with; a pure-Python unfilter took ~1 s per screenshot, most of this layer's time)."""
    lib = _libpng()
    img = _PngImage(version=1)  # PNG_IMAGE_VERSION
    if not lib.png_image_begin_read_from_file(ctypes.byref(img), os.fsencode(path)):
        msg = img.message.decode(errors='replace')
        lib.png_image_free(ctypes.byref(img))
        raise ValueError(f'{path} is not a readable PNG: {msg}')
    img.format = 3  # PNG_FORMAT_RGBA
    w, h = img.width, img.height
    buf = ctypes.create_string_buffer(w * h * 4)
    if not lib.png_image_finish_read(ctypes.byref(img), None, buf, 0, None):
        msg = img.message.decode(errors='replace')
        lib.png_image_free(ctypes.byref(img))
        raise ValueError(f'{path}: libpng could not decode it: {msg}')
    raw = buf.raw
    stride = w * 4
    return w, h, [raw[y * stride:(y + 1) * stride] for y in range(h)]


def colour_counts(rows, box=None):
    """{0xRRGGBB: pixels} over the image or the box (x, y, w, h)."""
    x0, y0, bw, bh = box if box else (0, 0, len(rows[0]) // 4, len(rows))
    counted = collections.Counter()
    for y in range(max(0, y0), min(len(rows), y0 + bh)):
        row = rows[y]
        lo, hi = max(0, x0), min(len(row) // 4, x0 + bw)
        if hi > lo:
            # Each pixel as one little-endian word (R | G << 8 | B << 16 | A << 24), counted in C.
            counted.update(array.array('I', row[4 * lo:4 * hi]))
    counts = {}
    for v, n in counted.items():
        rgb = ((v & 0xFF) << 16) | (v & 0xFF00) | ((v >> 16) & 0xFF)
        counts[rgb] = counts.get(rgb, 0) + n
    return counts


def near(counts, rgb, tol=6):
    r, g, b = rgb >> 16, (rgb >> 8) & 255, rgb & 255
    return sum(n for c, n in counts.items()
               if abs((c >> 16) - r) <= tol and abs(((c >> 8) & 255) - g) <= tol and
               abs((c & 255) - b) <= tol)


def bright_text_pixels(counts):
    return sum(n for c, n in counts.items() if min(c >> 16, (c >> 8) & 255, c & 255) >= 200)


def _run(args, env, timeout=60):
    return subprocess.run([_app()] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors='replace', env=env, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _first_event(trace, what, after=None):
    """Index of the first event whose dump line contains `what` (after the first one containing
    `after`, if given); glass-trace dump prints one line per item, as the timeline counts them."""
    p = subprocess.run([_glass_trace(), 'dump', trace], stdout=subprocess.PIPE, text=True,
                       errors='replace', timeout=60)
    events = [ln for ln in p.stdout.splitlines() if re.match(r'^(seq=|gap )', ln)]
    start = 0
    if after is not None:
        start = next((i for i, ln in enumerate(events) if after in ln), len(events))
    for i in range(start, len(events)):
        if what in events[i]:
            return i
    return None


def _event_count(trace):
    """How many items the timeline of `trace` holds (events and gaps, as _first_event counts)."""
    p = subprocess.run([_glass_trace(), 'dump', trace], stdout=subprocess.PIPE, text=True,
                       errors='replace', timeout=60)
    return sum(1 for ln in p.stdout.splitlines() if re.match(r'^(seq=|gap )', ln))


def make_trace(path, ops=400, contend=False):
    p = subprocess.run([_glass_trace(), 'synth', path, '--seed', '3', '--ops', str(ops)] +
                       (['--contend'] if contend else []),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f'glass-trace synth failed: {p.stdout[-300:]}')


def check_views_render_headless(_accel):
    problems, notes = [], []
    out = artifacts_dir()
    with tempfile.TemporaryDirectory() as d, Xvfb() as x:
        trace = os.path.join(d, 't.glt')
        make_trace(trace)
        # A replay opens at its first event: every view is shot at the last one (the whole
        # state), except the locks, only visible while a cursor holds one: just after the first
        # acquisition.
        lock_at = _first_event(trace, 'lock_acquired', after='snapshot_end')
        last = _event_count(trace) - 1
        for view in VIEWS:
            png = os.path.join(out, f'{view}.png')
            if os.path.exists(png):
                os.unlink(png)
        # Two processes (--views: one window start-up for several shots, the same frames each).
        at_last = [v for v in VIEWS if v != 'locks' or lock_at is None]
        runs = [(at_last, last)] + ([(['locks'], lock_at)] if lock_at is not None else [])
        outputs = {}
        for views, at in runs:
            p = _run(['--replay', trace, '--views', ','.join(views), '--screenshot',
                      os.path.join(out, '{view}.png'), '--size', f'{SIZE[0]}x{SIZE[1]}',
                      '--at-event', str(at)], x.env())
            for view in views:
                outputs[view] = p
        for view in VIEWS:
            png = os.path.join(out, f'{view}.png')
            p = outputs[view]
            line = next((ln for ln in p.stdout.splitlines() if f' screenshot {png} ' in ln), '')
            if p.returncode != 0 or not os.path.exists(png) or not line:
                problems.append(f'{view}: exit {p.returncode}, no PNG: {p.stdout[-400:]}')
                continue
            w, h, rows = read_png(png)
            if (w, h) != SIZE:
                problems.append(f'{view}: PNG is {w}x{h}, asked for {SIZE[0]}x{SIZE[1]}')
            counts = colour_counts(rows)
            text = bright_text_pixels(counts)
            if len(counts) < 8 or text < 300:
                problems.append(f'{view}: looks empty ({len(counts)} colours, {text} text pixels)')
            if view == 'frames':
                m = re.search(r' map=(\d+),(\d+),(\d+),(\d+)', line)
                kinds = re.findall(r'([a-z-]+):([0-9a-f]{6}):(\d+)', line.split(' kinds=')[-1])
                if not m or not kinds:
                    problems.append(f'frames: the app did not report its map and kinds: {line}')
                    continue
                box = tuple(int(v) for v in m.groups())
                inside = colour_counts(rows, box)
                folds = re.search(r' folds=(\d+)', line)
                for name, rgb, n in kinds:
                    got = near(inside, int(rgb, 16), tol=2)
                    if name == 'free' and folds and int(folds.group(1)) > 0:
                        # Long free runs are folded into striped bands (frame_fold.h).
                        got += sum(near(inside, c, tol=2) for c in FOLD_RGB)
                    if got < 4:
                        problems.append(f'frames: kind {name} ({n} frames) has no #{rgb} cell '
                                        f'in the map at {box}')
                notes.append(f"frame map kinds seen: {', '.join(k[0] for k in kinds)}")
            if view == 'walk':
                if 'walk_levels=4' not in line:
                    problems.append(f'walk: the app did not walk four levels: {line}')
                for i, rgb in enumerate(WALK_INDEX_RGB):
                    if near(counts, rgb, tol=10) < 20:
                        problems.append(f'walk: level {4 - i} colour #{rgb:06x} is missing')
            if view == 'locks':
                cur = re.findall(r'(\d+):([0-9a-f]{6}),', line.split(' cursors=')[-1])
                if not cur:
                    problems.append(f'locks: no live cursor at event {lock_at}: {line}')
                for cid, rgb in cur:
                    if near(counts, int(rgb, 16), tol=10) < 20:
                        problems.append(f'locks: cursor {cid} colour #{rgb} not drawn')
    return not problems, '\n'.join(problems + notes + [f'artefacts in {out}'])


def check_inspect_bad_input(_accel):
    """Bad arguments: one line + usage, exit 2. A missing trace, an event past the end: a
    sentence, exit 1. A truncated trace opens and says where it was cut. Never a crash."""
    problems = []
    with tempfile.TemporaryDirectory() as d, Xvfb() as x:
        env = x.env()
        trace = os.path.join(d, 't.glt')
        make_trace(trace, ops=40)
        for args, code, want in (
                (['--bogus'], 2, "unknown argument '--bogus'"),
                (['--view', 'nope'], 2, "unknown view 'nope'"),
                (['--at-event', '3'], 2, '--at-event needs --replay'),
                (['--size', '-3x5'], 2, '--size wants WxH'),
                (['--replay', os.path.join(d, 'missing.glt')], 1, 'cannot open'),
                (['--replay', trace, '--at-event', '999999', '--screenshot',
                  os.path.join(d, 'x.png')], 1, 'events (0..'),
        ):
            p = _run(args, env)
            if p.returncode != code or want not in p.stdout or (code == 2 and 'usage' not in p.stdout):
                problems.append(f"glass-inspect {' '.join(args)}: exit {p.returncode}: {p.stdout[-300:]}")
        data = open(trace, 'rb').read()
        cut = os.path.join(d, 'cut.glt')
        open(cut, 'wb').write(data[:len(data) - 9])
        png = os.path.join(d, 'cut.png')
        p = _run(['--replay', cut, '--view', 'timeline', '--screenshot', png, '--size', '320x200'],
                 env)
        if p.returncode != 0 or 'truncated after byte' not in p.stdout or not os.path.exists(png):
            problems.append(f'truncated trace: exit {p.returncode}: {p.stdout[-300:]}')
        # A window shrunk to almost nothing still renders every view.
        p = _run(['--replay', trace, '--views', 'all', '--screenshot',
                  os.path.join(d, 'tiny-{view}.png'), '--size', '24x16', '--scale', '2'], env)
        for view in VIEWS:
            if p.returncode != 0 or not os.path.exists(os.path.join(d, f'tiny-{view}.png')):
                problems.append(f'{view} at 24x16: exit {p.returncode}: {p.stdout[-300:]}')
    return not problems, '\n'.join(problems)


def check_no_kernel_waits(_accel):
    with tempfile.TemporaryDirectory() as d, Xvfb() as x:
        sock = os.path.join(d, 'nobody.sock')
        status = os.path.join(d, 'status')
        png = os.path.join(artifacts_dir(), 'waiting.png')
        p = _run(['--socket', sock, '--exit-after', '1.5', '--status-file', status,
                  '--screenshot', png, '--size', '800x300'], x.env())
        lines = open(status).read() if os.path.exists(status) else ''
        want = f'waiting for the kernel at {sock}'
        ok = (p.returncode == 0 and want in lines and want in p.stdout and
              sum(ln.startswith('waiting ') for ln in lines.splitlines()) == 1 and os.path.exists(png))
        return ok, '' if ok else f'exit {p.returncode}\nstatus:\n{lines}\nstdout:\n{p.stdout[-600:]}'


def _wait_status(path, pattern, timeout, after=0):
    """The first status line at or after line `after` matching pattern, and its index."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            lines = open(path).read().splitlines()
            for i in range(after, len(lines)):
                if re.search(pattern, lines[i]):
                    return lines[i], i
        time.sleep(0.1)
    return None, None


def _boot(sock, accel):
    args = qemu.qemu_args(qemu.iso_for(DEMO_MM_LIVE), accel=accel, telemetry_socket=sock)
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _kill(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def check_reconnect_across_boots(accel):
    """glass-inspect attached to a real kernel: kill QEMU -> "disconnected", last state kept;
    boot again -> a second epoch that syncs, the first still there."""
    problems = []
    sock = os.path.join(qemu.BUILD, 'run', 'e2e-inspect.sock')
    with tempfile.TemporaryDirectory() as d, Xvfb() as x:
        status = os.path.join(d, 'status')
        app = subprocess.Popen([_app(), '--socket', sock, '--status-file', status,
                                '--exit-after', '300', '--size', '900x600'],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=x.env(), stdin=subprocess.DEVNULL, start_new_session=True)
        vm = None
        try:
            vm = _boot(sock, accel)
            synced, i = _wait_status(status, r'^attached epoch=1 .*sync=synced', 90)
            if synced is None:
                return False, 'epoch 1 never synced:\n' + (open(status).read() if os.path.exists(status) else '')
            time.sleep(1.5)  # let the demo change some state
            _kill(vm)
            gone, j = _wait_status(status, r'^disconnected epoch=1 ', 30, after=i)
            if gone is None:
                problems.append('no "disconnected" after QEMU was killed')
            else:
                nodes = int(re.search(r' nodes=(\d+)', gone).group(1))
                if nodes == 0 or 'showing the last state' not in gone:
                    problems.append(f'the last state was not kept: {gone}')
            vm = _boot(sock, accel)
            second, k = _wait_status(status, r'^epoch epoch=2 epochs=2 ', 90, after=j or i)
            if second is None:
                problems.append('no second epoch after the second boot')
            elif _wait_status(status, r'^attached epoch=2 epochs=2 .*sync=synced', 90, after=k)[0] is None:
                problems.append('epoch 2 never synced')
        finally:
            if vm is not None:
                _kill(vm)
            if app.poll() is None:
                os.killpg(app.pid, signal.SIGTERM)
            try:
                out, _ = app.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(app.pid, signal.SIGKILL)
                out, _ = app.communicate()
        if app.returncode != 0 or 'exit on signal' not in out:
            problems.append(f'glass-inspect did not leave cleanly on SIGTERM: exit {app.returncode}')
        lines = open(status).read() if os.path.exists(status) else ''
    return not problems, '\n'.join(problems + ['status lines:'] + lines.splitlines()[-20:])


def check_waiting_cursor_drawn(_accel):
    """The locks view at the event where a second cursor starts waiting for a node the first one
    holds (glass-trace synth --contend: the one-CPU kernel never contends): the app reports one
    waiting cursor, and both cursors' colours are in the PNG (kept as locks-waiting.png)."""
    problems = []
    png = os.path.join(artifacts_dir(), 'locks-waiting.png')
    if os.path.exists(png):
        os.unlink(png)
    with tempfile.TemporaryDirectory() as d, Xvfb() as x:
        trace = os.path.join(d, 'contend.glt')
        make_trace(trace, ops=60, contend=True)
        at = _first_event(trace, 'lock_waiting', after='snapshot_end')
        if at is None:
            return False, 'glass-trace synth --contend wrote no lock_waiting event'
        p = _run(['--replay', trace, '--at-event', str(at), '--view', 'locks', '--screenshot', png,
                  '--size', f'{SIZE[0]}x{SIZE[1]}'], x.env())
        shot = next((ln for ln in p.stdout.splitlines() if ' screenshot ' in ln), '')
        locks = next((ln for ln in p.stdout.splitlines() if ' waiting cursors=' in ln), '')
        if p.returncode != 0 or not os.path.exists(png):
            return False, f'exit {p.returncode}, no PNG: {p.stdout[-400:]}'
        if 'waiting cursors=1' not in locks:
            problems.append(f'the app does not report one waiting cursor at event {at}: {locks!r}')
        cur = re.findall(r'(\d+):([0-9a-f]{6}),', shot.split(' cursors=')[-1])
        if len(cur) != 2:
            problems.append(f'want two live cursors at event {at}: {shot}')
        _, _, rows = read_png(png)
        counts = colour_counts(rows)
        for cid, rgb in cur:
            if near(counts, int(rgb, 16), tol=10) < 20:
                problems.append(f'cursor {cid} colour #{rgb} not drawn')
    return not problems, '\n'.join(problems + [locks, f'PNG: {png}'])


def _wait_for_path(path, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.1)
    return False


def check_live_walk_against_kernel(accel):
    """The walk view attached to a real kernel: demo=mm paused with a user space in CR3 (glass-trace
    step --until-user), one of its 4 KiB pages walked by glass-inspect --socket --view walk: the
    screenshot waits for the kernel's own WALK answer, which has four levels and equals the
    model's walk, and the PNG shows the four index colours (kept as walk-live.png)."""
    problems, detail = [], []
    sock = os.path.join(qemu.BUILD, 'run', 'e2e-inspect-walk.sock')
    if os.path.exists(sock):
        os.unlink(sock)  # a stale socket would refuse the connection
    png = os.path.join(artifacts_dir(), 'walk-live.png')
    if os.path.exists(png):
        os.unlink(png)
    vm = _boot(sock, accel)
    try:
        if not _wait_for_path(sock):
            return False, 'the telemetry socket never appeared'
        st = subprocess.run([_glass_trace(), 'step', sock, '--until-user', '--mappings',
                             '--timeout', '60'], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors='replace', timeout=120)
        m = re.search(r'^demo state=paused step=(\d+) cr3_asid=(\d+) ', st.stdout, re.M)
        leaves = [int(va, 16) for va in
                  re.findall(r'^map va=0x([0-9a-f]+) level=1 ', st.stdout, re.M)]
        if st.returncode != 0 or not m or not leaves:
            return False, f'step --until-user: exit {st.returncode}: {st.stdout[-600:]}'
        asid, va = int(m.group(2)), leaves[0] + 0x123
        detail.append(f'paused at step {m.group(1)}; walking {va:#x} in address space {asid}')
        with tempfile.TemporaryDirectory() as d, Xvfb() as x:
            status = os.path.join(d, 'status')
            p = _run(['--socket', sock, '--view', 'walk', '--walk-va', hex(va), '--walk-asid',
                      str(asid), '--screenshot', png, '--size', f'{SIZE[0]}x{SIZE[1]}',
                      '--status-file', status, '--sync-timeout', '90'], x.env(), timeout=150)
            walk = next((ln for ln in p.stdout.splitlines() if ' walk source=' in ln), '')
            detail.append(walk)
            if p.returncode != 0 or not os.path.exists(png):
                return False, '\n'.join(detail + [f'exit {p.returncode}: {p.stdout[-800:]}'])
            want = 'walk source=kernel status=leaf levels=4 matches_model=yes'
            if not walk.endswith(want):
                problems.append(f'want "{want}", got {walk!r}')
            if want not in (open(status).read() if os.path.exists(status) else ''):
                problems.append('the status file lacks the walk line')
            shot = next((ln for ln in p.stdout.splitlines() if ' screenshot ' in ln), '')
            if 'walk_levels=4' not in shot:
                problems.append(f'the walk view did not draw four levels: {shot}')
            _, _, rows = read_png(png)
            counts = colour_counts(rows)
            for i, rgb in enumerate(WALK_INDEX_RGB):
                if near(counts, rgb, tol=10) < 20:
                    problems.append(f'level {4 - i} colour #{rgb:06x} is missing')
    finally:
        _kill(vm)
    return not problems, '\n'.join(problems + detail + [f'PNG: {png}'])


CHECKS = [
    ('glass-inspect renders every view headless (sizes, kinds, walk levels)', check_views_render_headless),
    ('glass-inspect names bad input, opens a truncated trace, survives tiny windows', check_inspect_bad_input),
    ('glass-inspect without a kernel says it is waiting at the socket', check_no_kernel_waits),
    ('glass-inspect survives a kernel reboot: disconnected, then epoch 2', check_reconnect_across_boots),
    ('glass-inspect draws a cursor waiting for another cursor\'s node', check_waiting_cursor_drawn),
    ('glass-inspect walks a live kernel: its WALK answer, four levels, equal to the model',
     check_live_walk_against_kernel),
]
