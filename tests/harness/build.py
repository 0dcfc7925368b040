"""Runs SCons for the harness: quiet on success, the failing part of the log on failure."""
import os
import subprocess

from qemu import BUILD, ROOT, HarnessError


def scons(targets):
    # Set by the test harness for the ./glass commands it runs itself (after building), so two
    # SCons processes never share one build database.
    if os.environ.get('GLASS_SKIP_BUILD') == '1':
        return
    os.makedirs(os.path.join(BUILD, 'logs'), exist_ok=True)
    log = os.path.join(BUILD, 'logs', 'build.log')
    jobs = str(max(2, os.cpu_count() or 2))
    with open(log, 'w') as f:
        proc = subprocess.run(['scons', '-Q', '-j', jobs, f'build={os.path.relpath(BUILD, ROOT)}'] + targets, cwd=ROOT, stdout=f,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log) as f:
            lines = f.read().splitlines()
        errors = [ln for ln in lines if 'error' in ln.lower()] or lines[-30:]
        raise HarnessError('build failed (full log: build/logs/build.log):\n  ' +
                           '\n  '.join(errors[:40]))
