"""./glass calib: boots N times, with a busy loop on the other core, and prints the spread of the
TSC and LAPIC timer frequencies the kernel measured (tsc_khz= and lapic_khz= on its ready line)
and how many boots fell more than 2 % from the median. Not part of ./glass test (minutes)."""
import re
import statistics
import subprocess
import sys

import build
import qemu

READY_RE = re.compile(r'tsc_khz=(\d+) lapic_khz=(\d+)')


def spread(name, values, unit):
    med = statistics.median(values)
    out = [v for v in values if abs(v - med) > 0.02 * med]
    print(f'{name}: median {med / 1000:.3f} {unit}, min {min(values) / 1000:.3f}, '
          f'max {max(values) / 1000:.3f} (spread {100 * (max(values) - min(values)) / med:.2f} %), '
          f'{len(out)} of {len(values)} boots beyond 2 %'
          + (f": {', '.join(f'{v / 1000:.3f}' for v in out)}" if out else ''))
    return len(out)


def run(a):
    build.scons(['kernel'])
    accel = qemu.choose_accel(a.accel)
    iso = qemu.iso_for('exit_after_ready quiet telemetry=off')
    load = None if a.no_load else subprocess.Popen(
        [sys.executable, '-c', 'while True: pass'], stdin=subprocess.DEVNULL)
    tsc, lapic, failed = [], [], 0
    try:
        for i in range(a.boots):
            r = qemu.boot(iso, mem='64M', accel=accel, timeout=60.0, stop_at_ready=True)
            m = READY_RE.search(r.ready_line() or '')
            if not m:
                failed += 1
                print(f'boot {i + 1}: no ready line ({r.kernel_exit})')
                continue
            tsc.append(int(m.group(1)))
            lapic.append(int(m.group(2)))
            if (i + 1) % 10 == 0:
                print(f'{i + 1} boots', flush=True)
    finally:
        if load is not None:
            load.kill()
            load.wait()
    if not tsc:
        print('glass: no boot reached its ready line')
        return 1
    print(f"calib: {len(tsc)} boots ({'with' if load else 'without'} a busy loop on the host)")
    outliers = spread('TSC', tsc, 'MHz') + spread('LAPIC timer', lapic, 'MHz')
    return 1 if outliers or failed else 0
