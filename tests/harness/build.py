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
        # Drop the echoed commands; what is left is what the compiler, linker or SCons said.
        said = [ln for ln in lines if not ln.startswith(('g++ ', 'ld ', 'python3 ', 'Building '))]
        raise HarnessError(f'build failed (full log: {os.path.relpath(log, ROOT)}):\n  ' +
                           '\n  '.join(said[-40:]))
