"""./glass bench smp: SMP figures from demo=smpbench (kernel/core/demo_smpbench.cpp) in QEMU:
- smp_disjoint_cursors_2cpu_vs_1cpu (>= 1.7): map/unmap throughput on disjoint ranges with two
  CPUs working at once against one (booted with -smp 2; CPU 1 spins while CPU 0 works alone; every
  unmap pays its shootdown to the other CPU). QEMU's TCG runs one host thread per vCPU, and the host has 2 cores: nothing beyond
  2 can scale, and other load on the host shows here;
- smp_shootdown_vs_local_flush and smp_shootdown3_vs_local_flush ("goal none": a figure to read,
  no goal yet): a one-page shootdown to 1 and to 3 other
  CPUs (booted with -smp 4, the targets idle) against one local invlpg.
Invariant: measurements only, never a test; a failed boot is an error with its console tail.
"""
import re
import statistics

import build
import qemu
from qemu import HarnessError

LINE = re.compile(r'SMPBENCH cpus=(\d+) rounds=\d+ pages=\d+ disjoint_1cpu_ns=(\d+) '
                  r'disjoint_2cpu_ns=(\d+) local_flush_ns=(\d+) shootdown1_ns=(\d+) '
                  r'shootdown3_ns=(\d+) ok=1')
RUNS = 3


def _figures(accel, smp):
    r = qemu.boot(qemu.iso_for('demo=smpbench exit_after_demo telemetry=off quiet'), accel=accel,
                  timeout=180, smp=smp)
    for line in r.lines:
        m = LINE.match(line)
        if m and r.kernel_exit == 'success':
            return [int(x) for x in m.groups()]
    raise HarnessError(f'demo=smpbench (-smp {smp}) ended with {r.kernel_exit}\n' +
                       '\n'.join(r.tail()))


def run(a, ratios):
    build.scons(['kernel'])
    accel = qemu.choose_accel(a.accel)
    two = [_figures(accel, 2) for _ in range(RUNS)]
    four = [_figures(accel, 4) for _ in range(RUNS)]
    speedups = [2 * f[1] / f[2] for f in two if f[2]]
    local = statistics.median(f[3] for f in four)
    s1 = statistics.median(f[4] for f in four)
    s3 = statistics.median(f[5] for f in four)
    print(f'smp: demo=smpbench, {RUNS} boots at -smp 2 and {RUNS} at -smp 4 ({accel}), medians')
    print(f"  map+unmap rounds, 1 CPU            {statistics.median(f[1] for f in two):12d} ns")
    print(f"  the same on each of 2 CPUs at once {statistics.median(f[2] for f in two):12d} ns")
    print(f'  local invlpg                       {local:12.0f} ns')
    print(f'  shootdown to 1 CPU                 {s1:12.0f} ns')
    print(f'  shootdown to 3 CPUs                {s3:12.0f} ns')
    ratios.append(('smp_disjoint_cursors_2cpu_vs_1cpu', statistics.median(speedups), '>=1.7'))
    ratios.append(('smp_shootdown_vs_local_flush', s1 / max(local, 1), 'none'))
    ratios.append(('smp_shootdown3_vs_local_flush', s3 / max(local, 1), 'none'))
