"""./glass bench [boot] [mm] [pt] [telemetry] [inspector] [block] [smp]: benchmarks print human tables and, last, one line per ratio:
    RATIO <name> <value> goal <op><target>
where value = ours / a baseline measured in the same run. Benchmarks are never tests: nothing here
fails a build; the closing lines are read by people and by CI logs.
"""
import os
import re
import statistics
import subprocess
import sys

import build
import qemu
from qemu import BUILD, HarnessError

BENCH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'bench')


def available():
    """'boot' plus one name per tests/bench/<name>_bench.cpp (each a Google Benchmark binary)."""
    names = sorted(f[:-len('_bench.cpp')] for f in os.listdir(BENCH_DIR) if f.endswith('_bench.cpp'))
    return ['boot'] + names + ['telemetry', 'block', 'smp']  # 'inspector': inspector_bench.cpp


def bench_boot(a, ratios):
    if a.runs < 5:
        raise HarnessError('--runs must be at least 5 for a boot benchmark')
    build.scons(['kernel', 'baseline'])
    accel = qemu.choose_accel(a.accel)
    glass_iso = qemu.iso_for('exit_after_ready quiet')
    rows = {'baseline': [], 'glass': []}
    init_us = []
    # Interleave the two kernels so drift in machine load hits both alike.
    for _ in range(a.runs):
        for name, iso in (('baseline', qemu.BASELINE_ISO), ('glass', glass_iso)):
            r = qemu.boot(iso, accel=accel, timeout=30.0, stop_at_ready=True)
            if r.ready_at is None:
                raise HarnessError(f'{name} did not reach its ready line: {r.kernel_exit}\n' +
                                   '\n'.join(r.tail()))
            rows[name].append(r.ready_at)
            if name == 'glass':
                m = re.search(r'init_us=(\d+)', r.ready_line())
                init_us.append(int(m.group(1)))
    print(f'boot: QEMU start -> ready line, wall seconds over {a.runs} runs ({accel})')
    print(f"  {'kernel':<10} {'median':>8} {'min':>8} {'max':>8}")
    for name, xs in rows.items():
        print(f'  {name:<10} {statistics.median(xs):8.3f} {min(xs):8.3f} {max(xs):8.3f}')
    med_init = statistics.median(init_us) / 1000
    print(f'  glass guest-side entry -> ready: median {med_init:.1f} ms '
          f'(min {min(init_us) / 1000:.1f}, max {max(init_us) / 1000:.1f})')
    ratios.append(('boot_wall_vs_minimal_multiboot2',
                   statistics.median(rows['glass']) / statistics.median(rows['baseline']), '<=1.3'))
    ratios.append(('boot_guest_init_vs_50ms_budget', med_init / 50.0, '<1.0'))


def bench_binary(name, ratios):
    """Runs build/bench/<name>_bench: its table is shown, its RATIO lines collected for the end."""
    build.scons(['bench'])
    binary = os.path.join(BUILD, 'bench', f'{name}_bench')
    out = os.path.join(BUILD, 'bench', f'{name}.json')
    proc = subprocess.run([binary, f'--benchmark_out={out}', '--benchmark_out_format=json'],
                          stdout=subprocess.PIPE, text=True)
    for line in proc.stdout.splitlines():
        m = re.match(r'^RATIO (\S+) (\S+) goal (\S+)$', line)
        if m:
            ratios.append((m.group(1), float(m.group(2)), m.group(3)))
        else:
            print(line)
    if proc.returncode != 0:
        raise HarnessError(f'{name}_bench exited {proc.returncode}')


def bench_telemetry(a, ratios):
    """tests/bench/telemetry_bench.py: demo=mm in QEMU with and without a host attached."""
    sys.path.insert(0, BENCH_DIR)
    import telemetry_bench
    telemetry_bench.run(a, ratios)


def bench_block(a, ratios):
    """tests/bench/block_bench.py: demo=blockbench in QEMU with and without a host attached."""
    sys.path.insert(0, BENCH_DIR)
    import block_bench
    block_bench.run(a, ratios)


def bench_smp(a, ratios):
    """tests/bench/smp_bench.py: demo=smpbench in QEMU at -smp 2 and -smp 4."""
    sys.path.insert(0, BENCH_DIR)
    import smp_bench
    smp_bench.run(a, ratios)


def bench_inspector(a, ratios):
    """tests/bench/inspector_bench.py: glass-inspect replaying 100k pages / 1M frames under Xvfb."""
    sys.path.insert(0, BENCH_DIR)
    import inspector_bench
    inspector_bench.run(a, ratios)


def run(a):
    names = a.names or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"glass bench: unknown benchmark {', '.join(unknown)}; available: "
              f"{', '.join(available())}", file=sys.stderr)
        return 2
    ratios = []
    for n in names:
        if n == 'boot':
            bench_boot(a, ratios)
        elif n == 'telemetry':
            bench_telemetry(a, ratios)
        elif n == 'inspector':
            bench_inspector(a, ratios)
        elif n == 'block':
            bench_block(a, ratios)
        elif n == 'smp':
            bench_smp(a, ratios)
        else:
            bench_binary(n, ratios)
        print()
    for name, value, goal in ratios:
        print(f'RATIO {name} {value:.3f} goal {goal}')
    return 0
