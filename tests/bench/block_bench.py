"""./glass bench block: the block layer's figures, from demo=blockbench (kernel/core/
demo_blockbench.cpp) in QEMU, one boot with telemetry=off and one with a host attached:
- block_ramdisk_4k_randread_vs_guest_memcpy (>= 0.5): a 4 KiB random read from a ramdisk through
  block::Disk (tag, dispatch, refcounts, end) against copying 4 KiB in the guest, as rates;
- block_virtio_qd32_vs_qd1 (>= 3.0): virtio-blk random 4 KiB read IOPS with 32 requests in flight
  against one at a time;
- block_telemetry_on_vs_off (<= 1.15): the ramdisk read with a host recording against
  telemetry=off.
Invariant: measurements only, never a test; a failed boot is an error with its console tail.
"""
import os
import re
import subprocess
import threading
import time

import build
import qemu
from qemu import HarnessError

LINE = re.compile(r'BLOCKBENCH memcpy_4k_ns=(\d+) ramdisk_4k_ns=(\d+) virtio_qd1_iops=(\d+) '
                  r'virtio_qd32_iops=(\d+) telemetry=(\w+)')
RUNS = 3


def _figures(r):
    for line in r.lines:
        m = LINE.match(line)
        if m and r.kernel_exit == 'success':
            return [int(x) for x in m.groups()[:4]] + [m.group(5)]
    raise HarnessError(f'demo=blockbench ended with {r.kernel_exit}\n' + '\n'.join(r.tail()))


def _boot(accel, attached):
    cmdline = 'demo=blockbench exit_after_demo' + ('' if attached else ' telemetry=off')
    disk = qemu.scratch_disk('bench-block')
    if not attached:
        return qemu.boot(qemu.iso_for(cmdline), accel=accel, timeout=120, disk=disk)
    sock = os.path.join(qemu.RUN_DIR, 'bench-block.sock')
    if os.path.exists(sock):
        os.unlink(sock)  # a stale socket would send the recorder to a QEMU that is gone
    tool = os.path.join(qemu.BUILD, 'host', 'glass-trace')
    trace = os.path.join(qemu.RUN_DIR, 'bench-block.glt')

    def record():  # until one recording succeeds (the socket may appear before QEMU listens)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if os.path.exists(sock):
                p = subprocess.run([tool, 'record', sock, trace, '--duration', '90'],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if p.returncode == 0:
                    return
            time.sleep(0.05)
    t = threading.Thread(target=record)
    t.start()
    r = qemu.boot(qemu.iso_for(cmdline), accel=accel, timeout=120,
                  telemetry_socket=sock, disk=disk)
    t.join(timeout=60)
    return r


def run(a, ratios):
    build.scons(['kernel', 'host'])
    accel = qemu.choose_accel(a.accel)
    off, on = [], []
    for _ in range(RUNS):
        off.append(_figures(_boot(accel, False)))
        on.append(_figures(_boot(accel, True)))
    if any(f[4] != 'attached' for f in on):
        raise HarnessError('glass-trace never attached to demo=blockbench')

    def median(rows, i):
        xs = sorted(r[i] for r in rows)
        return xs[len(xs) // 2]
    copy, ram, qd1, qd32 = (median(off, i) for i in range(4))
    ram_on = median(on, 1)
    print(f'block: demo=blockbench, {RUNS} boots each ({accel}), medians')
    print(f'  memcpy 4 KiB (guest)                 {copy:10d} ns')
    print(f'  ramdisk 4 KiB random read            {ram:10d} ns  (host attached: {ram_on} ns)')
    print(f'  virtio-blk 4 KiB random reads, qd 1  {qd1:10d} IOPS')
    print(f'  virtio-blk 4 KiB random reads, qd 32 {qd32:10d} IOPS')
    ratios.append(('block_ramdisk_4k_randread_vs_guest_memcpy', copy / ram, '>=0.5'))
    ratios.append(('block_virtio_qd32_vs_qd1', qd32 / qd1 if qd1 else 0.0, '>=3.0'))
    ratios.append(('block_telemetry_on_vs_off', ram_on / ram, '<=1.15'))
