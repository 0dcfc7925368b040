#!/usr/bin/env python3
"""The harness behind ./glass: run, test, debug, bench, format (see ./glass help).

Every option is parsed by argparse, so an unknown flag prints usage and exits 2. Problems the user
can fix (a missing tool, a bad kernel command line) are printed as one 'glass: ...' line with a
non-zero exit, never a traceback.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import build  # noqa: E402
import qemu  # noqa: E402
from qemu import HarnessError  # noqa: E402


def add_boot_options(p, default_cmdline=''):
    p.add_argument('--mem', default='512M', help='guest RAM, as QEMU -m takes it (default 512M)')
    p.add_argument('--cmdline', default=default_cmdline,
                   help='kernel command line, e.g. "ktest=all" or "demo=list quiet"')
    p.add_argument('--accel', choices=['auto', 'tcg', 'kvm'], default='auto',
                   help='QEMU accelerator; auto = KVM only if a probe shows it works')
    p.add_argument('--smp', default=qemu.DEFAULT_RUN_CPUS, type=smp_arg, metavar='N',
                   help=f'CPUs (1..{qemu.MAX_CPUS}; default {qemu.DEFAULT_RUN_CPUS})')


def smp_arg(value):
    """--smp, checked while parsing: a bad value is refused at once, before any setup or build."""
    try:
        return qemu.parse_smp(value)
    except HarnessError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def parser():
    ap = argparse.ArgumentParser(prog='./glass', description='Glass: build, boot, test, debug.')
    sub = ap.add_subparsers(dest='command', required=True)

    run = sub.add_parser('run', help='build and boot Glass; console on this terminal')
    add_boot_options(run)
    run.add_argument('--no-gui', action='store_true',
                     help='do not open the inspector (it needs a display)')
    run.add_argument('--scale', metavar='S',
                     help='the inspector\'s UI scale, 0.5 to 4 (2 for a projector)')
    run.add_argument('--record', metavar='FILE',
                     help='the inspector saves the telemetry stream to FILE (.glt)')
    run.add_argument('--exit-after-ready', action='store_true',
                     help='stop as soon as the kernel prints its ready line (scripts, CI)')
    run.add_argument('--disk', metavar='PATH',
                     help='raw disk image attached as virtio-blk (default: build/disk.img, '
                          'made on first use)')
    run.add_argument('--no-disk', action='store_true', help='attach no disk')
    run.add_argument('--timeout', type=float, default=60.0,
                     help='with --exit-after-ready: give up after this many seconds')

    test = sub.add_parser('test', help='run every test layer')
    test.add_argument('--layer', action='append',
                      choices=['format', 'lint', 'host', 'tsan', 'fuzz', 'kernel', 'e2e'],
                      help='run only this layer (repeatable); default: all')
    test.add_argument('--ktest', default='all', help='kernel suites for the kernel layer')
    test.add_argument('--mem', action='append', metavar='SIZE',
                      help='boot the kernel layer only at this guest RAM size (repeatable); '
                           'default: 512M, 64M and 4G')
    test.add_argument('--accel', choices=['auto', 'tcg', 'kvm'], default='auto')
    test.add_argument('-v', '--verbose', action='store_true', help='show every test, not only failures')

    dbg = sub.add_parser('debug', help='QEMU paused with a gdb stub, and gdb with kernel symbols')
    add_boot_options(dbg)
    dbg.add_argument('--batch', action='store_true',
                     help='run gdb in batch mode (no terminal needed) with the -ex commands given')
    dbg.add_argument('-ex', dest='gdb_commands', action='append', default=[],
                     metavar='CMD', help='a gdb command (repeatable), as gdb -ex takes it')

    bench = sub.add_parser('bench', help='benchmarks; ends with RATIO lines')
    bench.add_argument('names', nargs='*', help='which benchmarks (default: all): boot, and one per tests/bench/<name>_bench.cpp')
    bench.add_argument('--runs', type=int, default=5, help='boots per kernel for "boot" (>= 5)')
    bench.add_argument('--accel', choices=['auto', 'tcg', 'kvm'], default='auto')

    fz = sub.add_parser('fuzz', help='run the libFuzzer targets for longer than ./glass test does')
    fz.add_argument('names', nargs='*', help='which targets (default: all in tests/fuzz)')
    fz.add_argument('--seconds', type=int, default=60, help='per target (default 60)')

    inj = sub.add_parser('inject', help='the full allocation-failure sweep (host every N, kernel every N)')
    inj.add_argument('--mem', default='512M', help='guest RAM for the kernel sweep')
    inj.add_argument('--timeout', type=float, default=600.0, help='kernel sweep timeout (s)')
    inj.add_argument('--accel', choices=['auto', 'tcg', 'kvm'], default='auto')

    cal = sub.add_parser('calib', help='boot N times under host load; spread of TSC/LAPIC calibration')
    cal.add_argument('--boots', type=int, default=100)
    cal.add_argument('--no-load', action='store_true', help='no busy loop on the host')
    cal.add_argument('--accel', choices=['auto', 'tcg', 'kvm'], default='auto')

    fmt = sub.add_parser('format', help='apply .clang-format to all project C++ files')
    fmt.add_argument('--check', action='store_true', help='only report files that need it')
    return ap


def inspector_args(a):
    """run's --scale and --record, checked here (the inspector runs in the background, where a
    refusal would only reach its log) and passed on to glass-inspect."""
    extra = []
    if a.scale is not None:
        try:
            scale = float(a.scale)
        except ValueError:
            scale = None
        if scale is None or not 0.5 <= scale <= 4:
            raise HarnessError(f'--scale wants a number from 0.5 to 4, not {a.scale!r}')
        extra += ['--scale', a.scale]
    if a.record is not None:
        parent = os.path.dirname(os.path.abspath(a.record))
        if os.path.isdir(a.record) or not os.path.isdir(parent):
            raise HarnessError(f'--record {a.record}: not a file in an existing directory')
        extra += ['--record', os.path.abspath(a.record)]
    return extra


def start_inspector(sock, extra=()):
    """With a display: glass-inspect attached to the telemetry socket, in its own session (it
    outlives QEMU on purpose: it shows "disconnected" and re-attaches on the next boot). Without
    one: how to attach from elsewhere."""
    app = os.path.join(qemu.BUILD, 'app', 'glass-inspect')
    rel_app, rel_sock = os.path.relpath(app), os.path.relpath(sock)
    shown = ' '.join([rel_app, '--socket', rel_sock] + list(extra))
    if not (os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')):
        print(f'glass: no display (DISPLAY / WAYLAND_DISPLAY unset), so no inspector window; from '
              f'a desktop session run: {shown}')
        return
    log = os.path.join(qemu.RUN_DIR, 'inspector.log')
    os.makedirs(qemu.RUN_DIR, exist_ok=True)
    with open(log, 'w') as f:
        subprocess.Popen([app, '--socket', sock] + list(extra), stdin=subprocess.DEVNULL, stdout=f,
                         stderr=subprocess.STDOUT, start_new_session=True)
    print(f'glass: inspector started ({shown}; log {os.path.relpath(log)})')


def run_forwarding_stderr(args):
    """Runs QEMU on this terminal; its stderr is shown as it comes and also kept (to tell a QEMU
    that could not start from a kernel that exited with success: both are status 1)."""
    import threading
    proc = subprocess.Popen(args, stderr=subprocess.PIPE)
    kept = []

    def pump():
        for chunk in iter(lambda: proc.stderr.read1(4096), b''):
            kept.append(chunk)
            sys.stderr.buffer.write(chunk)
            sys.stderr.flush()
    t = threading.Thread(target=pump, daemon=True)
    t.start()
    rc = proc.wait()
    t.join(timeout=2)
    return rc, b''.join(kept).decode('utf-8', 'replace')


def cmd_run(a):
    # tools: glass-trace, for a second terminal; inspector: glass-inspect, unless --no-gui
    gui = not a.no_gui and not a.exit_after_ready
    from make_iso import CMDLINE_RE  # refused before minutes of building, not after
    if not CMDLINE_RE.match(a.cmdline):
        raise HarnessError(f"kernel command line {a.cmdline!r} has characters other than "
                           "letters, digits, spaces and _=,.:/+-")
    if a.disk and a.no_disk:
        raise HarnessError('--disk and --no-disk contradict each other')
    if a.disk:
        qemu.check_disk(a.disk)  # refused before building, not after
    extra = inspector_args(a)  # refused before building, not after
    build.scons(['kernel', 'baseline', 'tools'] + (['inspector'] if gui else []))
    disk = None if a.no_disk else (a.disk or qemu.default_disk())
    cmdline = a.cmdline
    if a.exit_after_ready:
        cmdline = (cmdline + ' exit_after_ready').strip()
    iso = qemu.iso_for(cmdline)
    accel = qemu.choose_accel(a.accel)
    sock = os.path.join(qemu.RUN_DIR, 'telemetry.sock')
    if a.exit_after_ready:
        result = qemu.boot(iso, mem=a.mem, accel=accel, timeout=a.timeout, echo=True,
                           telemetry_socket=sock, disk=disk, smp=a.smp)
        if result.qemu_error or result.grub_error:
            print(f'glass: {result.kernel_exit}', file=sys.stderr)
            return 1
        if result.ready_line() is None:
            print(f'glass: no ready line ({result.kernel_exit}); last console lines above',
                  file=sys.stderr)
            if result.stderr.strip():
                print(result.stderr.strip(), file=sys.stderr)
            return 1
        return 0 if result.kernel_exit == 'success' else 1
    if gui:
        start_inspector(sock, extra)
    print(f'glass: booting ({accel}, {a.mem}, {a.smp} CPUs); telemetry socket {os.path.relpath(sock)}; '
          'quit QEMU with Ctrl-A X')
    args = qemu.qemu_args(iso, mem=a.mem, accel=accel, telemetry_socket=sock, interactive=True,
                          disk=disk, smp=a.smp)
    rc, err = run_forwarding_stderr(args)
    # QEMU's "could not start" status is 1, the kernel's success code: its message decides.
    start_error = qemu.qemu_start_error(rc, err, [], require_message=True)
    if start_error:
        print(f'glass: QEMU did not start: {start_error}', file=sys.stderr)
        return 1
    # The kernel leaves through isa-debug-exit (QEMU exits (code << 1) | 1): say what it meant and
    # exit 0 only for success, so `./glass run --cmdline "demo=mm exit_after_demo"` scripts well.
    # Quitting QEMU by hand (Ctrl-A X) exits 0 as well.
    if rc in qemu.EXIT_NAMES:
        print(f'glass: kernel exit: {qemu.EXIT_NAMES[rc]}')
        return 0 if qemu.EXIT_NAMES[rc] == 'success' else 1
    return rc


def main(argv):
    # Progress lines must reach a CI log as they happen, not when a block buffer fills.
    sys.stdout.reconfigure(line_buffering=True)
    a = parser().parse_args(argv)
    try:
        if a.command == 'run':
            return cmd_run(a)
        if a.command == 'test':
            import layers
            return layers.run_all(a)
        if a.command == 'debug':
            import debug
            return debug.run(a)
        if a.command == 'bench':
            import bench
            return bench.run(a)
        if a.command == 'fuzz':
            import fuzzing
            return fuzzing.run(a)
        if a.command == 'inject':
            import inject
            return inject.run(a)
        if a.command == 'calib':
            import calib
            return calib.run(a)
        if a.command == 'format':
            import formatting
            return formatting.run(check=a.check)
    except HarnessError as e:
        print(f'glass: {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
