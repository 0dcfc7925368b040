"""The include rule of docs/architecture.md, checked: arrows only point down.

The layer table in docs/architecture.md (between the `layers:begin` and `layers:end` markers) gives
every folder of C++ code a rank. A file may include files of its own folder and of folders with a
lower rank; anything else is a violation, named by file and line:
  - an upward include (the target's rank is higher),
  - a sideways include (another folder of the same rank: two folders that may include each other
    are how cycles start, so the table gives such folders different ranks),
  - a file in a folder the table does not list (a new folder must be placed in the table first).
Tests are exempt, wherever they live: tests/** and the in-kernel tests beside the code they test
(`*_ktest.cpp`) sit above everything and may include anything.
"""
import os
import re
import subprocess

from qemu import ROOT

TABLE = os.path.join(ROOT, 'docs', 'architecture.md')
CXX = ('.h', '.hpp', '.cpp', '.cc', '.S')
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
ROW = re.compile(r'^\|\s*(\d+)\s*\|\s*`([^`]+)`\s*\|')


def read_table(path=TABLE):
    """{folder: rank} from the table's rows `| rank | `folder` | ... |`."""
    ranks = {}
    inside = False
    with open(path) as f:
        for line in f:
            if 'layers:begin' in line:
                inside = True
            elif 'layers:end' in line:
                inside = False
            elif inside:
                m = ROW.match(line)
                if m:
                    ranks[m.group(2).rstrip('/')] = int(m.group(1))
    if not ranks:
        raise ValueError(f'{path}: no layer table between layers:begin and layers:end')
    return ranks


def project_files(root=ROOT):
    """Tracked and untracked-but-not-ignored C++ files, relative to root."""
    out = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'],
                         cwd=root, stdout=subprocess.PIPE, text=True, check=True).stdout
    return sorted(p for p in out.splitlines() if p.endswith(CXX) and os.path.isfile(os.path.join(root, p)))


def is_test(path):
    return path.startswith('tests/') or path.endswith('_ktest.cpp')


def violations(ranks, files, root=ROOT):
    found = []
    for path in files:
        if is_test(path):
            continue
        folder = os.path.dirname(path)
        if folder not in ranks:
            found.append(f'{path}: folder {folder}/ is not in the layer table of docs/architecture.md')
            continue
        with open(os.path.join(root, path), errors='replace') as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(1)
                if not os.path.isfile(os.path.join(root, target)):
                    continue  # not one of ours (or resolved by the compiler elsewhere)
                to = os.path.dirname(target)
                if to == folder:
                    continue
                if to not in ranks:
                    found.append(f'{path}:{number}: includes {target}, whose folder is not in the layer table')
                elif ranks[to] > ranks[folder]:
                    found.append(f'{path}:{number}: upward include of {target} '
                                 f'({to}/ is layer {ranks[to]}, {folder}/ is layer {ranks[folder]})')
                elif ranks[to] == ranks[folder]:
                    found.append(f'{path}:{number}: sideways include of {target} ({to}/ and {folder}/ '
                                 f'are both layer {ranks[folder]}; give them different ranks)')
    return found


def check():
    """(ok, detail) for the test layer."""
    try:
        ranks = read_table()
    except (OSError, ValueError) as e:
        return False, str(e)
    found = violations(ranks, project_files())
    return not found, '\n'.join(found)


if __name__ == '__main__':
    import sys
    ok, detail = check()
    print(detail or 'no layer violations')
    sys.exit(0 if ok else 1)
