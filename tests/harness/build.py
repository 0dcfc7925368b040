"""Runs SCons for the harness: progress while it works (whether or not stdout is a terminal), the
failing part of the log on failure, the whole log in build/logs/build.log."""
import os
import subprocess
import time

from qemu import BUILD, ROOT, HarnessError

# Lines SCons echoes for a command it runs (one per file compiled, linked or generated).
COMMANDS = ('g++ ', 'clang++ ', 'ld ', 'python3 ', 'ar ', 'ranlib ')
PROGRESS_EVERY_S = 5.0


def _scons_args(targets, dry_run=False):
    jobs = str(max(2, os.cpu_count() or 2))
    return (['scons', '-Q', '-j', jobs, f'build={os.path.relpath(BUILD, ROOT)}'] +
            (['-n'] if dry_run else []) + targets)


def _planned(targets):
    """How many commands the build will run, from a dry run: worth its seconds only on a cold
    build (no SCons database yet), where the real build takes minutes."""
    if os.path.exists(os.path.join(BUILD, '.sconsign.dblite')):
        return None
    proc = subprocess.run(_scons_args(targets, dry_run=True), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
    n = sum(1 for ln in proc.stdout.splitlines() if ln.startswith(COMMANDS))
    return n or None


def _what(line):
    """The file a command line works on, for the progress line."""
    words = line.split()
    return os.path.relpath(words[-1], ROOT) if words else ''


def scons(targets):
    # Set by the test harness for the ./glass commands it runs itself (after building), so two
    # SCons processes never share one build database.
    if os.environ.get('GLASS_SKIP_BUILD') == '1':
        return
    os.makedirs(os.path.join(BUILD, 'logs'), exist_ok=True)
    log = os.path.join(BUILD, 'logs', 'build.log')
    total = _planned(targets)
    start = last = time.monotonic()
    done = 0
    if total:
        print(f'build: {total} files to build ({", ".join(targets)}); cold builds take minutes '
              'on 2 cores', flush=True)
    with open(log, 'w') as f:
        proc = subprocess.Popen(_scons_args(targets), cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            f.write(line)
            if not line.startswith(COMMANDS):
                continue
            done += 1
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S:
                last = now
                count = f'{done}/{total}' if total else f'{done}'
                print(f'build: {count} files done, {now - start:.0f} s ({_what(line)})', flush=True)
        rc = proc.wait()
    if done:
        print(f'build: {done} files built in {time.monotonic() - start:.1f} s', flush=True)
    if rc != 0:
        with open(log) as f:
            lines = f.read().splitlines()
        # Drop the echoed commands; what is left is what the compiler, linker or SCons said.
        said = [ln for ln in lines if not ln.startswith(COMMANDS + ('Building ',))]
        raise HarnessError(f'build failed (full log: {os.path.relpath(log, ROOT)}):\n  ' +
                           '\n  '.join(said[-40:]))
