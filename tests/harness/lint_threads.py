"""The lint layer's locking check: clang's thread-safety analysis over the portable code, and the
proof that it can fail.

1. `scons threadsafety` compiles every portable .cpp and header with clang -Wthread-safety -Werror
   (SConstruct, "thread-safety lint"): one finding, naming the first diagnostics when it fails.
2. Every tests/lint/*_tsa.cpp is a file that breaks the locking rules on purpose. It is compiled
   with clang's -verify: each diagnostic it must raise is written next to the line that raises it
   (`// expected-warning {{...}}`), and clang fails if one is missing or another appears. So a
   check that stopped seeing a violation (an annotation lost, the macros expanding to nothing)
   fails here.
"""
import os
import subprocess

import build
from qemu import ROOT, HarnessError

LINT_DIR = os.path.join(ROOT, 'tests', 'lint')
FLAGS = ['-std=c++20', '-fsyntax-only', '-Wthread-safety', '-Wthread-safety-beta',
         '-DGLASS_HOST=1', '-I', ROOT]


def negative_tests():
    if not os.path.isdir(LINT_DIR):
        return []
    return sorted(os.path.join(LINT_DIR, f) for f in os.listdir(LINT_DIR) if f.endswith('_tsa.cpp'))


def run_negative(path):
    """(ok, detail): clang -verify saw exactly the diagnostics the file expects."""
    src = open(path).read()
    if 'expected-warning' not in src and 'expected-error' not in src:
        return False, 'expects no diagnostic: a negative test must break a rule'
    proc = subprocess.run(['clang++'] + FLAGS + ['-Xclang', '-verify', path], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.returncode == 0, proc.stdout[-4000:]


def check(t):
    try:
        build.scons(['threadsafety'])
        t.record('lint', 'clang -Wthread-safety: portable code', True)
    except HarnessError as e:
        t.record('lint', 'clang -Wthread-safety: portable code', False, str(e))
    tests = negative_tests()
    if not tests:
        t.record('lint', 'thread-safety negative tests exist', False, f'none in {LINT_DIR}')
    for path in tests:
        ok, detail = run_negative(path)
        t.record('lint', 'clang rejects ' + os.path.relpath(path, ROOT), ok, detail)
