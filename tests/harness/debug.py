"""./glass debug: QEMU paused at the first instruction with its gdb stub, and gdb attached with the
kernel's symbols. Interactive by default; --batch runs the given -ex commands without a terminal.

The console (COM1) goes to build/run/debug-console.log so it does not fight gdb for the terminal.
TCG is used even where KVM works: breakpoints and single-stepping behave the same everywhere.
"""
import os
import socket
import subprocess

import build
import qemu
from qemu import RUN_DIR, HarnessError, require_tool


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(a):
    require_tool('gdb', 'gdb')
    if not a.batch and a.gdb_commands and not os.isatty(0):
        raise HarnessError('no terminal for interactive gdb; add --batch')
    build.scons(['kernel'])
    iso = qemu.iso_for(a.cmdline)
    port = free_port()
    args = qemu.qemu_args(iso, mem=a.mem, accel='tcg', gdb_port=port, smp=a.smp)
    os.makedirs(RUN_DIR, exist_ok=True)
    console_log = os.path.join(RUN_DIR, 'debug-console.log')
    with open(console_log, 'w') as console:
        vm = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=console,
                              stderr=subprocess.STDOUT, start_new_session=True)
    gdb = ['gdb', '-q', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off',
           '-ex', f'file {qemu.KERNEL_ELF}', '-ex', f'target remote 127.0.0.1:{port}']
    for cmd in a.gdb_commands:
        gdb += ['-ex', cmd]
    if a.batch:
        gdb.insert(1, '-batch')
    else:
        print(f'glass: QEMU is paused at reset; console output goes to {os.path.relpath(console_log)}')
        print("glass: try 'hbreak kernel_start', 'continue', 'bt'; quit gdb to stop QEMU")
    try:
        return subprocess.run(gdb).returncode
    finally:
        vm.kill()
        vm.wait()
