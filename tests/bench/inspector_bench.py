"""./glass bench inspector: glass-inspect replaying a synthetic trace of 100,000 mapped 4 KiB
pages and 1,048,576 frames (written by build/bench/inspector_bench --write-trace) under Xvfb
(Mesa llvmpipe), with the frame map and the tree on screen while the trace plays: median and p99
frame time, events applied per second, peak memory. The baseline is an empty ImGui frame timed
by the same process in the same run. The GUI-free parts (decode + apply, one whole frame-map
render) are timed by the Google Benchmark cases of the same binary.

The 16 GiB case: the same replay with a 16 GiB machine's frame table (4,194,304 frames) and
400,000 mapped pages (inspector_bench --write-trace OUT 4194304 400000), frame map and tree on
screen: its median frame against 16 ms and its peak memory against 600 MB, each a RATIO line.

Idle cost: the CPU time (user + sys) of a visible, interactive glass-inspect over IDLE_S seconds
of wall time, once showing that replay and once attached to a socket where no kernel answers
(inspector_bench --idle-cpu starts it and reads /proc/PID/stat), divided by IDLE_S: the share of
one core an idle inspector takes from QEMU. The worse of the two is the ratio.
"""
import os
import re
import subprocess
import sys

import build
import qemu
from qemu import HarnessError

FRAMES = 300
IDLE_S = 10
BIG = (4194304, 400000)  # frames, mapped pages: a 16 GiB machine
SIZE = '1600x1000'


def run(a, ratios):
    build.scons(['bench', 'inspector'])
    bench = os.path.join(qemu.BUILD, 'bench', 'inspector_bench')
    app = os.path.join(qemu.BUILD, 'app', 'glass-inspect')
    trace = os.path.join(qemu.BUILD, 'bench', 'inspector_100k.glt')
    p = subprocess.run([bench, '--write-trace', trace], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise HarnessError(f'inspector_bench --write-trace failed: {p.stdout[-400:]}')
    print(p.stdout.strip())
    p = subprocess.run([bench], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout.rstrip())
    sys.path.insert(0, os.path.join(qemu.ROOT, 'tests', 'harness'))
    from e2e_inspector import Xvfb
    with Xvfb(size=SIZE + 'x24') as x:
        p = subprocess.run([app, '--replay', trace, '--bench-frames', str(FRAMES), '--size', SIZE,
                            '--view', 'frames'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=x.env(), timeout=900)
    if p.returncode != 0:
        raise HarnessError(f'glass-inspect --bench-frames exited {p.returncode}: {p.stdout[-600:]}')
    out = p.stdout
    big_trace = os.path.join(qemu.BUILD, 'bench', 'inspector_16g.glt')
    q = subprocess.run([bench, '--write-trace', big_trace, str(BIG[0]), str(BIG[1])],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if q.returncode != 0:
        raise HarnessError(f'inspector_bench --write-trace (16 GiB) failed: {q.stdout[-400:]}')
    print(q.stdout.strip())
    with Xvfb(size=SIZE + 'x24') as x:
        q = subprocess.run([app, '--replay', big_trace, '--bench-frames', str(FRAMES), '--size',
                            SIZE, '--view', 'frames'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=x.env(), timeout=1800)
    if q.returncode != 0:
        raise HarnessError(f'glass-inspect --bench-frames (16 GiB) exited {q.returncode}: '
                           f'{q.stdout[-600:]}')
    big_out = q.stdout
    idle = {}
    for what, args, ready in (
            ('showing a replay', ['--replay', trace], 'glass-inspect: replay '),
            ('waiting for a kernel', ['--socket', os.path.join(qemu.BUILD, 'bench', 'nobody.sock')],
             'waiting for the kernel')):
        with Xvfb(size=SIZE + 'x24') as x:
            q = subprocess.run([bench, '--idle-cpu', str(IDLE_S), ready, '--', app] + args +
                               ['--size', SIZE, '--view', 'frames'], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=x.env(), timeout=900)
        m = re.search(r'BENCH idle_cpu_s (\S+) wall_s (\S+)', q.stdout)
        if q.returncode != 0 or not m:
            raise HarnessError(f'inspector_bench --idle-cpu ({what}) exited {q.returncode}: '
                               f'{q.stdout[-600:]}')
        idle[what] = float(m.group(1)) / float(m.group(2))

    def grab(pattern, text=None):
        text = out if text is None else text
        m = re.search(pattern, text)
        if not m:
            raise HarnessError(f'glass-inspect bench output lacks {pattern!r}:\n{text[-600:]}')
        return [float(v) for v in m.groups()]

    events, apply_s, eps, load_s = grab(r'BENCH events (\d+) apply_s (\S+) events_per_s (\S+) '
                                        r'timeline_load_s (\S+)')
    e_med, e_p99, _ = grab(r'BENCH empty_frame_ms median (\S+) p99 (\S+) max (\S+)')
    f_med, f_p99, f_max = grab(r'BENCH frame_ms median (\S+) p99 (\S+) max (\S+)')
    (rss,) = grab(r'BENCH peak_rss_mb (\S+)')
    b_med, b_p99, b_max = grab(r'BENCH frame_ms median (\S+) p99 (\S+) max (\S+)', big_out)
    (b_rss,) = grab(r'BENCH peak_rss_mb (\S+)', big_out)
    print(f'inspector: glass-inspect at {SIZE}, frame map + tree, replaying {int(events)} events '
          f'over {FRAMES} frames (Xvfb, Mesa)')
    print(f"  {'':<28} {'median':>9} {'p99':>9} {'max':>9}")
    print(f"  {'empty ImGui frame (ms)':<28} {e_med:9.3f} {e_p99:9.3f}")
    print(f"  {'inspector frame (ms)':<28} {f_med:9.3f} {f_p99:9.3f} {f_max:9.3f}")
    print(f'  events applied: {eps:,.0f}/s ({int(events)} in {apply_s * 1000:.1f} ms); '
          f'timeline load with keyframes {load_s * 1000:.1f} ms')
    print(f'  peak RSS: {rss:.1f} MB')
    print(f'  16 GiB machine ({BIG[0]} frames, {BIG[1]} mapped pages): frame median '
          f'{b_med:.3f} ms, p99 {b_p99:.3f} ms, max {b_max:.3f} ms; peak RSS {b_rss:.1f} MB')
    for what, share in idle.items():
        print(f'  idle, {what}: {share * 100:.1f} % of one core over {IDLE_S} s')
    ratios.append(('inspector_frame_median_vs_16ms', f_med / 16.0, '<=1.0'))
    ratios.append(('inspector_frame_p99_vs_33ms', f_p99 / 33.0, '<=1.0'))
    ratios.append(('inspector_events_per_s_vs_2M', eps / 2e6, '>=1.0'))
    ratios.append(('inspector_peak_rss_vs_300MB', rss / 300.0, '<=1.0'))
    ratios.append(('inspector_idle_cpu_vs_1core', max(idle.values()), '<=0.05'))
    ratios.append(('inspector_frame_median_4M_frames_vs_16ms', b_med / 16.0, '<=1.0'))
    ratios.append(('inspector_peak_rss_4M_frames_vs_600MB', b_rss / 600.0, '<=1.0'))
    # No fixed goal for this one: the ratio at which a frame would take 16 ms is the ceiling.
    ratios.append(('inspector_frame_vs_empty_frame', f_med / max(e_med, 1e-6),
                   f'<={16.0 / max(e_med, 1e-6):.1f}'))
