#!/usr/bin/env python3
"""Builds a bootable GRUB (multiboot2) ISO around a kernel ELF.

The kernel command line is baked into grub.cfg (the template's @CMDLINE@), so each distinct
command line is its own ISO; glass_iso.py caches them under build/iso/. Only characters that
GRUB's script parser passes through unquoted are accepted, so what the kernel receives is exactly
what was asked for.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

CMDLINE_RE = re.compile(r'^[A-Za-z0-9_=,.:/+ -]*$')


def build_iso(out, kernel, cfg_template, module=None, cmdline=''):
    if not CMDLINE_RE.match(cmdline):
        raise ValueError(f"kernel command line {cmdline!r} has characters other than "
                         "letters, digits, spaces and _=,.:/+-")
    if shutil.which('grub-mkrescue') is None:
        raise FileNotFoundError('grub-mkrescue not found (Debian packages grub-pc-bin, grub-common)')
    with open(cfg_template) as f:
        cfg = f.read().replace('@CMDLINE@', cmdline)
    with tempfile.TemporaryDirectory(prefix='glass-iso-') as root:
        os.makedirs(os.path.join(root, 'boot', 'grub'))
        # The ISO gets a copy without DWARF: GRUB reads less from the (slow, emulated) CD, and the
        # debugger uses the full ELF under build/ anyway. Section layout and symbols are unchanged.
        boot_kernel = os.path.join(root, 'boot', os.path.basename(kernel))
        if shutil.which('objcopy'):
            subprocess.run(['objcopy', '--strip-debug', kernel, boot_kernel], check=True)
        else:
            shutil.copy(kernel, boot_kernel)
        if module:
            shutil.copy(module, os.path.join(root, 'boot', os.path.basename(module)))
        with open(os.path.join(root, 'boot', 'grub', 'grub.cfg'), 'w') as f:
            f.write(cfg)
        tmp_out = out + '.tmp'
        # Only the BIOS platform is installed (grub-pc-bin); restrict modules to keep the ISO small.
        proc = subprocess.run(
            ['grub-mkrescue', '-o', tmp_out, '--install-modules=multiboot2 normal serial terminal '
             'iso9660 biosdisk part_msdos echo test', '--locales=', '--fonts=', '--themes=', root],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout)
            raise RuntimeError(f'grub-mkrescue failed with status {proc.returncode}')
        os.replace(tmp_out, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', required=True)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--cfg', required=True)
    ap.add_argument('--module')
    ap.add_argument('--cmdline', default='')
    a = ap.parse_args()
    try:
        build_iso(a.out, a.kernel, a.cfg, a.module, a.cmdline)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        print(f'make_iso: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
