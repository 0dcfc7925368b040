"""./glass format and the format layer of ./glass test: .clang-format decides, for every project
C++ file (every tracked or new, not ignored, C++ file in the checkout)."""
import os
import subprocess

from qemu import ROOT, HarnessError, require_tool

EXTS = ('.h', '.hpp', '.cpp', '.cc')


def project_files():
    out = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'],
                         cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True).stdout
    return sorted(os.path.join(ROOT, p) for p in out.splitlines()
                  if p.endswith(EXTS) and os.path.isfile(os.path.join(ROOT, p)))


def unformatted():
    """Project files clang-format would change (one clang-format run for all of them)."""
    require_tool('clang-format', 'clang-format')
    files = project_files()
    if not files:
        return []
    proc = subprocess.run(['clang-format', '--dry-run', '-Werror'] + files,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode == 0:
        return []
    bad = set()
    for line in proc.stderr.splitlines():
        if ': error: code should be clang-formatted' in line:
            bad.add(os.path.relpath(line.split(':', 1)[0], ROOT))
    if not bad:
        raise HarnessError('clang-format failed: ' + proc.stderr.strip()[:500])
    return sorted(bad)


def run(check=False):
    if check:
        bad = unformatted()
        for p in bad:
            print(f'needs formatting: {p}')
        return 1 if bad else 0
    require_tool('clang-format', 'clang-format')
    files = project_files()
    subprocess.run(['clang-format', '-i'] + files, check=True)
    print(f'glass: formatted {len(files)} files')
    return 0
