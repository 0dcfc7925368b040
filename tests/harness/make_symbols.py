#!/usr/bin/env python3
"""Writes the kernel's function symbols as "<hex addr> <hex size> <name>" lines, sorted by address.

This text file is loaded by GRUB as the module named "symbols" and read by the kernel's panic
backtrace (kernel/boot/symbol_table.h). Names are demangled so a student reads C++ names.
"""
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        print('usage: make_symbols.py KERNEL_ELF OUT', file=sys.stderr)
        return 2
    out = subprocess.run(['nm', '-n', '-S', '-C', '--defined-only', sys.argv[1]],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    lines = []
    for line in out.splitlines():
        parts = line.split(' ', 3)
        if len(parts) == 4 and parts[2] in ('T', 't', 'W', 'w'):
            addr, size, _, name = parts
            lines.append(f'{int(addr, 16):x} {int(size, 16):x} {name}\n')
        elif len(parts) == 3 and parts[1] in ('T', 't'):
            # Assembly labels have no size; give them a small one so addresses inside resolve.
            addr, _, name = parts
            lines.append(f'{int(addr, 16):x} 40 {name}\n')
    with open(sys.argv[2], 'w') as f:
        f.writelines(sorted(lines, key=lambda s: int(s.split(' ', 1)[0], 16)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
