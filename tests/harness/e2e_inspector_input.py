"""End-to-end check of glass-inspect driven by real input (issue 16, item 7): one visible
inspector window under a private Xvfb, replaying a trace made at test time, receives real key
presses and mouse clicks from xdotool, and each action is checked twice: by the line the window
writes to its --status-file (view, position, walk progress, what the tree found, help) and by the
pixels of a screenshot of the X screen (xwd, read here). One process is driven through every
action, so the check costs a few seconds.

Actions: keys step the replay (End, Home, Right x3, Left); a click on the Page walk tab; a click
in the address box, an address typed with Return, then N pressed until the physical address is
shown (the four index colours on screen); a click on the Frames tab (page-table cells in the
map on screen; the striped fold is noted when the trace has a long free run); a click on a folio frame in the map,
which shows the entry mapping it in the tree beside it ("show in tree"); F1 opens the help and Escape closes it.

The screenshots are kept as <build>/artifacts/inspector/input-*.png to look at.
"""
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import zlib

import qemu
from e2e_inspector import (FOLD_RGB, Xvfb, _app, _event_count, artifacts_dir, colour_counts,
                           make_trace, near, WALK_INDEX_RGB)

SCREEN = (1600, 1000)
WINDOW = (1280, 800)


def read_xwd(data):
    """(width, height, rows of RGBA bytes) of an xwd -root dump (ZPixmap, 24/32 bits, either byte
    order)."""
    hdr = struct.unpack('>25I', data[:100])
    header_size, version, fmt, depth, width, height = hdr[:6]
    byte_order, bits_per_pixel, bytes_per_line = hdr[7], hdr[11], hdr[12]
    red_mask, green_mask, blue_mask, ncolors = hdr[14], hdr[15], hdr[16], hdr[19]
    if version != 7 or fmt != 2 or bits_per_pixel not in (24, 32):
        raise ValueError(f'unsupported xwd (version {version}, format {fmt}, {bits_per_pixel} bpp)')
    pos = header_size + 12 * ncolors
    bpp = bits_per_pixel // 8
    order = '<' if byte_order == 0 else '>'

    def shift(mask):
        return (mask & -mask).bit_length() - 1
    rs, gs, bs = shift(red_mask), shift(green_mask), shift(blue_mask)
    # Where each channel's byte sits in a pixel, when its mask is one whole byte: then a row is
    # reordered by slices (a per-pixel Python loop costs seconds per screenshot).
    def byte_of(mask):
        if mask not in (0xff, 0xff00, 0xff0000, 0xff000000) or shift(mask) // 8 >= bpp:
            return None
        i = shift(mask) // 8
        return i if order == '<' else bpp - 1 - i
    where = [byte_of(m) for m in (red_mask, green_mask, blue_mask)]
    rows = []
    opaque = b'\xff' * width
    for y in range(height):
        line = data[pos + y * bytes_per_line:pos + y * bytes_per_line + width * bpp]
        out = bytearray(width * 4)
        if None not in where:
            for c, i in enumerate(where):
                out[c::4] = line[i::bpp]
            out[3::4] = opaque
            rows.append(bytes(out))
            continue
        if bpp == 4:
            vals = struct.unpack(f'{order}{width}I', line)
        else:
            vals = [int.from_bytes(line[i:i + 3], 'little' if order == '<' else 'big')
                    for i in range(0, len(line), 3)]
        for x, v in enumerate(vals):
            out[4 * x] = (v & red_mask) >> rs
            out[4 * x + 1] = (v & green_mask) >> gs
            out[4 * x + 2] = (v & blue_mask) >> bs
            out[4 * x + 3] = 255
        rows.append(bytes(out))
    return width, height, rows


def write_png(path, width, rows):
    raw = b''.join(b'\x00' + r for r in rows)

    def chunk(kind, body):
        return (struct.pack('>I', len(body)) + kind + body +
                struct.pack('>I', zlib.crc32(kind + body) & 0xffffffff))
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, len(rows),
                                                                    8, 6, 0, 0, 0)) +
                chunk(b'IDAT', zlib.compress(raw, 1)) + chunk(b'IEND', b''))


class Driver:
    def __init__(self, env, status, shots):
        self.env, self.status, self.shots = env, status, shots
        self.origin = (0, 0)
        self.seen = 0  # status lines already consumed

    def xdo(self, *args):
        return subprocess.run(['xdotool'] + [str(a) for a in args], env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=20)

    def lines(self):
        return open(self.status).read().splitlines() if os.path.exists(self.status) else []

    def wait(self, pattern, timeout=15):
        """The first status line after those already seen that matches, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            lines = self.lines()
            for i in range(self.seen, len(lines)):
                if re.search(pattern, lines[i]):
                    self.seen = i + 1
                    return lines[i]
            time.sleep(0.05)
        return None

    def layout(self, key):
        for ln in reversed(self.lines()):
            if ln.startswith('layout '):
                m = re.search(rf' {re.escape(key)}=([-\d]+),([-\d]+)', ln)
                if m:
                    return int(m.group(1)), int(m.group(2))
        return None

    def key(self, *keys):
        self.xdo('key', '--delay', 60, *keys)

    def click(self, x, y):
        sx, sy = self.origin[0] + x, self.origin[1] + y
        self.xdo('mousemove', sx, sy)
        time.sleep(0.3)
        self.xdo('click', 1)

    def shoot(self, name):
        p = subprocess.run(['xwd', '-root', '-silent'], env=self.env, stdout=subprocess.PIPE,
                           timeout=20)
        w, h, rows = read_xwd(p.stdout)
        write_png(os.path.join(self.shots, f'input-{name}.png'), w, rows)
        ox, oy = self.origin
        return [r[4 * ox:4 * (ox + WINDOW[0])] for r in rows[oy:oy + WINDOW[1]]]


def _kind_rgb(kind):
    """A frame kind's colour, from mm's one table (mm/phys/frame_kind.h)."""
    src = open(os.path.join(qemu.ROOT, 'mm', 'phys', 'frame_kind.h')).read()
    m = re.search(rf'0x([0-9A-Fa-f]{{6}}),\s*// {kind}\b', src)
    return int(m.group(1), 16) if m else None


def check_inspector_driven_by_input(_accel):
    if shutil.which('xdotool') is None or shutil.which('xwd') is None:
        return False, "'xdotool' or 'xwd' not found (Debian packages xdotool, x11-apps); ./glass installs them"
    problems, notes = [], []
    shots = artifacts_dir()
    with tempfile.TemporaryDirectory() as d, Xvfb(size=f'{SCREEN[0]}x{SCREEN[1]}x24') as x:
        trace = os.path.join(d, 't.glt')
        make_trace(trace, ops=120)
        last = _event_count(trace) - 1
        status = os.path.join(d, 'status')
        app = subprocess.Popen([_app(), '--replay', trace, '--size', f'{WINDOW[0]}x{WINDOW[1]}',
                                '--status-file', status, '--exit-after', '120'],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=x.env(),
                               stdin=subprocess.DEVNULL, start_new_session=True)
        drv = Driver(x.env(), status, shots)
        try:
            if drv.wait(r'^view tree$', 30) is None:
                return False, 'the window never reported its first frame:\n' + '\n'.join(drv.lines())
            win = drv.xdo('search', '--sync', '--onlyvisible', '--name', 'glass-inspect').stdout.split()
            if win:
                geo = drv.xdo('getwindowgeometry', win[0]).stdout
                m = re.search(r'Position: (\d+),(\d+)', geo)
                if m:
                    drv.origin = (int(m.group(1)), int(m.group(2)))
                drv.xdo('windowfocus', '--sync', win[0])
            notes.append(f'window at {drv.origin}')

            # Keys step the replay, through the one navigation path.
            for keys, want in ((['End'], last), (['Home'], 0), (['Right', 'Right', 'Right'], 3),
                               (['Left'], 2)):
                drv.key(*keys)
                if drv.wait(rf'^at event {want}$') is None:
                    problems.append(f"keys {' '.join(keys)}: no 'at event {want}'")
            drv.key('End')
            drv.wait(rf'^at event {last}$')

            # The Page walk tab, an address typed, N to the result.
            tab = drv.layout('tab:walk')
            if tab is None:
                return False, 'no layout line with the walk tab:\n' + '\n'.join(drv.lines()[-10:])
            drv.click(*tab)
            if drv.wait(r'^view walk$') is None:
                problems.append('a click on the Page walk tab did not show it')
            box = drv.layout('walk:input')
            if box is None:
                problems.append('the walk view reported no address box')
            else:
                drv.click(*box)
                drv.key('ctrl+a')
                drv.xdo('type', '--delay', 40, '0x400123')
                drv.key('Return')
                if drv.wait(r'^walk va=0x400123 shown=0/6$') is None:
                    problems.append('typing 0x400123 and Return did not start its walk')
                drv.click(WINDOW[0] // 4, WINDOW[1] - 40)  # out of the box: N is no letter now
                for _ in range(6):
                    drv.key('n')
                got = drv.wait(r'^walk va=0x400123 shown=6/6 phys=0x[0-9a-f]+$')
                if got is None:
                    problems.append('N x6 did not reach the physical address: ' +
                                    ' | '.join(drv.lines()[-4:]))
                else:
                    notes.append(got)
                time.sleep(0.5)
                counts = colour_counts(drv.shoot('walk'))
                for i, rgb in enumerate(WALK_INDEX_RGB):
                    if near(counts, rgb, tol=10) < 20:
                        problems.append(f'walk: level {4 - i} colour #{rgb:06x} not on screen')

            # The Frames tab: the map with its kinds and the striped fold.
            drv.click(*drv.layout('tab:frames'))
            if drv.wait(r'^view frames$') is None:
                problems.append('a click on the Frames tab did not show it')
            time.sleep(0.5)
            m = None
            for ln in reversed(drv.lines()):
                m = re.search(r' map=(\d+),(\d+),(\d+),(\d+)', ln)
                if m:
                    break
            rows = drv.shoot('frames')
            if not m:
                problems.append('the frames view reported no map')
            else:
                box = tuple(int(v) for v in m.groups())
                inside = colour_counts(rows, box)
                pt = _kind_rgb('page-table')
                if pt is None or near(inside, pt, tol=2) < 1:
                    problems.append(f'no page-table cell (#{pt or 0:06x}) in the map at {box}')
                folio = _kind_rgb('folio')
                notes.append(f'fold pixels in the map: {sum(near(inside, c, tol=2) for c in FOLD_RGB)}')
                # "show in tree": click a folio cell (a mapped page); the tree beside the map
                # answers with the entry that maps it.
                target = None
                for y in range(box[1], box[1] + box[3]):
                    row = rows[y]
                    for xx in range(box[0], box[0] + box[2]):
                        rgb = (row[4 * xx] << 16) | (row[4 * xx + 1] << 8) | row[4 * xx + 2]
                        if rgb == folio:
                            target = (xx, y)
                            break
                    if target:
                        break
                if target is None:
                    problems.append(f'no folio cell (#{folio or 0:06x}) in the map to click')
                else:
                    drv.click(*target)
                    got = drv.wait(r'^tree va=0x[0-9a-f]+ found=yes$')
                    if got is None:
                        problems.append(f'a click on the folio cell at {target} showed '
                                        'nothing in the tree: ' + ' | '.join(drv.lines()[-4:]))
                    else:
                        notes.append(got)

            # F1 opens the help, Escape closes it.
            drv.key('F1')
            if drv.wait(r'^help open$') is None:
                problems.append('F1 did not open the help')
            time.sleep(0.3)
            drv.shoot('help')
            drv.key('Escape')
            if drv.wait(r'^help closed$') is None:
                problems.append('Escape did not close the help')
        finally:
            if app.poll() is None:
                os.killpg(app.pid, signal.SIGTERM)
            try:
                app.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(app.pid, signal.SIGKILL)
                app.wait()
    return not problems, '\n'.join(problems + notes + [f'screenshots in {shots}/input-*.png'])


CHECKS = [
    ('glass-inspect driven by real keys and clicks: steps, tabs, a typed walk, show in tree, help',
     check_inspector_driven_by_input),
]
