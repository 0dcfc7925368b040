"""./glass inject: the long allocation-failure sweep (kernel/lib/fail_inject.h).

Host: the FailInject* GoogleTests under ASan run the mm workload and the demo=mm workload with
the Nth allocation failing for every N until a run completes. Kernel: ktest fail_inject with
failinject_stride=1 (every N; ./glass test samples every 17th). Each prints a FAILINJECT line;
this command collects them into one table and exits non-zero on any failure or leak.
"""
import os
import re
import subprocess

import build
import qemu
from qemu import BUILD

LINE_RE = re.compile(r'FAILINJECT (\S+) points=(\d+) runs=(\d+)(?: stride=\d+)? leaks=(\d+)(.*)')


def run(a):
    build.scons(['host', 'kernel'])
    rows, problems = [], []
    env = dict(os.environ, ASAN_OPTIONS='detect_leaks=1')
    p = subprocess.run([os.path.join(BUILD, 'host', 'glass_host_tests'),
                        '--gtest_filter=FailInject*'], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, env=env)
    for m in LINE_RE.finditer(p.stdout):
        rows.append(('host', *m.groups()))
    if p.returncode != 0:
        problems.append('host sweep failed:\n' + p.stdout[-3000:])
    accel = qemu.choose_accel(a.accel)
    r = qemu.boot(qemu.iso_for('ktest=fail_inject failinject_stride=1'), mem=a.mem, accel=accel,
                  timeout=a.timeout)
    for line in r.lines:
        m = LINE_RE.search(line)
        if m:
            rows.append(('kernel', *m.groups()))
    if r.kernel_exit != 'success':
        problems.append(f'kernel sweep ended with {r.kernel_exit}:\n' + '\n'.join(r.tail(30)))
    print(f"{'where':8} {'workload':16} {'points':>7} {'runs':>6} {'leaks':>6}  sites")
    for where, name, points, runs, leaks, sites in rows:
        print(f'{where:8} {name:16} {points:>7} {runs:>6} {leaks:>6} {sites}')
    total_points = sum(int(r[2]) for r in rows)
    total_runs = sum(int(r[3]) for r in rows)
    total_leaks = sum(int(r[4]) for r in rows)
    print(f'inject: {total_points} injection points exercised, {total_runs} runs, '
          f'{total_leaks} leaks found')
    if len(rows) < 3:
        problems.append(f'expected 3 FAILINJECT lines (2 host, 1 kernel), got {len(rows)}')
    for msg in problems:
        print(f'glass: {msg}')
    return 1 if problems or total_leaks else 0
