"""Booting Glass in QEMU: the command line, the KVM probe, per-command-line ISOs, captured boots.

Invariants kept here:
- TCG unless a probe (a real boot of the baseline kernel under KVM, with a timeout) shows KVM
  works; the verdict is cached per host boot (/proc/sys/kernel/random/boot_id).
- COM1 is the console (KTAP, panics); COM2 is the telemetry channel on a unix socket under
  build/run/ that QEMU serves without waiting for a client.
- A captured boot never outlives its deadline: the whole QEMU process group is killed.
- The kernel leaves QEMU through isa-debug-exit: QEMU's status is (code << 1) | 1, decoded here.
  Status 1 is also what QEMU exits with when it cannot start: that case is told apart by QEMU's
  own "qemu-system-x86_64: ..." message on stderr and the absence of any console output, and is
  reported with that message.
- A boot that stops in GRUB (an "error: ..." line on the console before the kernel's banner, e.g.
  "out of memory" when the guest is too small to load the kernel) ends at once, named as such,
  instead of waiting for the timeout.
- Guest memory below MIN_MEMORY is refused before QEMU starts (parse_mem_bytes).
"""
import hashlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# GLASS_BUILD_DIR (relative to the top) lets two checkouts' worth of builds share one tree.
BUILD = os.path.join(ROOT, os.environ.get('GLASS_BUILD_DIR', 'build'))
RUN_DIR = os.path.join(BUILD, 'run')
KERNEL_ELF = os.path.join(BUILD, 'kernel', 'glass.elf')
KERNEL_SYM = os.path.join(BUILD, 'kernel', 'glass.sym')
KERNEL_ISO = os.path.join(BUILD, 'kernel', 'glass.iso')
BASELINE_ISO = os.path.join(BUILD, 'baseline', 'baseline.iso')
GRUB_CFG = os.path.join(ROOT, 'kernel', 'boot', 'grub.cfg')
READY_PREFIX = 'GLASS READY'

# The smallest guest memory Glass supports: the kernel boots, and every ktest passes or skips with
# a reason (README "Requirements"). Below it GRUB itself may fail to load the kernel (about 3.3 MiB).
MIN_MEMORY = '6M'

# CPUs: the kernel drives at most arch::kMaxCpus (kernel/arch/x86_64/percpu.h), each with its
# stacks in the kernel image; the q35 machine model would take up to 288. `run` boots 4.
MAX_CPUS = 8
DEFAULT_RUN_CPUS = 4

# Kernel exit codes (kernel/base/shutdown.h) as QEMU reports them.
EXIT_NAMES = {1: 'success', 3: 'tests failed', 5: 'panic'}


class HarnessError(Exception):
    """A problem the user must fix (missing tool, bad option); printed without a traceback."""


_MEM_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$', re.IGNORECASE)
_MEM_UNIT = {'': 1 << 20, 'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}


def _mem_bytes(mem):
    m = _MEM_RE.match(str(mem))
    return int(float(m.group(1)) * _MEM_UNIT[m.group(2).upper()]) if m else None


def parse_mem_bytes(mem):
    """Bytes of guest RAM for a QEMU -m value ('512M', '4G', '6144K', '64' = MiB), or HarnessError
    with a one-line reason: not a size, or below MIN_MEMORY."""
    n = _mem_bytes(mem)
    if n is None:
        raise HarnessError(f"--mem {mem!r}: not a memory size (use e.g. 512M, 4G or 6144K)")
    if n < _mem_bytes(MIN_MEMORY):
        raise HarnessError(f'--mem {mem}: Glass needs at least {MIN_MEMORY} of guest RAM '
                           f'(README "Requirements")')
    return n


def parse_smp(value):
    """The CPU count for QEMU -smp from a --smp value, or HarnessError with a one-line reason:
    not a whole number, zero, or more than Glass drives."""
    text = str(value).strip()
    if not text.isdigit():
        raise HarnessError(f'--smp {value!r}: not a number of CPUs (use e.g. --smp 2)')
    n = int(text)
    if n < 1:
        raise HarnessError(f'--smp {value}: at least one CPU is needed')
    if n > MAX_CPUS:
        raise HarnessError(f'--smp {value}: Glass drives at most {MAX_CPUS} CPUs '
                           '(arch::kMaxCpus in kernel/arch/x86_64/percpu.h)')
    return n


def require_tool(name, package):
    if shutil.which(name) is None:
        raise HarnessError(f"'{name}' not found (Debian package {package}); "
                           "'./glass run' or './glass test' installs it")


def _probe_cache():
    try:
        with open('/proc/sys/kernel/random/boot_id') as f:
            boot_id = f.read().strip()
    except OSError:
        boot_id = 'unknown'
    return os.path.join(RUN_DIR, 'kvm-probe'), boot_id


def kvm_works(verbose=False):
    """True if a baseline boot under KVM reaches its ready line within 4 s."""
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        return False
    path, boot_id = _probe_cache()
    try:
        with open(path) as f:
            cached_id, verdict = f.read().split()
        if cached_id == boot_id:
            return verdict == 'yes'
    except (OSError, ValueError):
        pass
    if not os.path.exists(BASELINE_ISO):
        return False
    result = boot(BASELINE_ISO, accel='kvm', timeout=4.0, stop_at_ready=True)
    ok = result.ready_at is not None
    os.makedirs(RUN_DIR, exist_ok=True)
    with open(path, 'w') as f:
        f.write(f"{boot_id} {'yes' if ok else 'no'}\n")
    if verbose:
        print(f"glass: KVM probe: {'works' if ok else 'does not work here; using TCG'}")
    return ok


def choose_accel(requested):
    """requested: 'auto', 'tcg' or 'kvm'."""
    if requested == 'tcg':
        return 'tcg'
    if requested == 'kvm':
        if not kvm_works():
            raise HarnessError('--accel kvm: the KVM probe failed (no /dev/kvm, or it hangs)')
        return 'kvm'
    return 'kvm' if kvm_works() else 'tcg'


def iso_for(cmdline):
    """The ISO whose grub.cfg passes exactly `cmdline` to the kernel (built once, then cached)."""
    from make_iso import build_iso  # same folder
    key = hashlib.sha1(cmdline.encode()).hexdigest()[:12]
    out = os.path.join(BUILD, 'iso', f'glass-{key}.iso')
    inputs = [KERNEL_ELF, KERNEL_SYM, GRUB_CFG]
    for p in inputs:
        if not os.path.exists(p):
            raise HarnessError(f'{os.path.relpath(p, ROOT)} is missing: build first (scons kernel)')
    if os.path.exists(out) and os.path.getmtime(out) >= max(os.path.getmtime(p) for p in inputs):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    try:
        build_iso(out, KERNEL_ELF, GRUB_CFG, module=KERNEL_SYM, cmdline=cmdline)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        raise HarnessError(str(e)) from None
    with open(out + '.cmdline', 'w') as f:
        f.write(cmdline + '\n')
    return out


DEFAULT_DISK = os.path.join(BUILD, 'disk.img')
DEFAULT_DISK_BYTES = 16 << 20
SECTOR = 512


def check_disk(path):
    """A disk image QEMU can attach as virtio-blk: an existing regular file, a whole number of
    512-byte sectors, not empty. Refused here, in one line, before QEMU starts."""
    if not os.path.exists(path):
        raise HarnessError(f'disk image {path}: no such file')
    if not os.path.isfile(path):
        raise HarnessError(f'disk image {path}: not a regular file')
    size = os.path.getsize(path)
    if size == 0 or size % SECTOR:
        raise HarnessError(f'disk image {path}: {size} bytes is not a whole number of '
                           f'{SECTOR}-byte sectors (a short or damaged image?)')
    return path


def default_disk():
    """build/disk.img, made (zeroed, 16 MiB) on first use so ./glass run needs no setup."""
    if not os.path.exists(DEFAULT_DISK):
        os.makedirs(BUILD, exist_ok=True)
        with open(DEFAULT_DISK, 'wb') as f:
            f.truncate(DEFAULT_DISK_BYTES)
        print(f'glass: made a {DEFAULT_DISK_BYTES >> 20} MiB disk image {os.path.relpath(DEFAULT_DISK)}')
    return DEFAULT_DISK


def scratch_disk(name, size=DEFAULT_DISK_BYTES):
    """A zeroed image of its own under build/run (QEMU locks an image: parallel boots each need
    one)."""
    os.makedirs(RUN_DIR, exist_ok=True)
    path = os.path.join(RUN_DIR, f'{name}.img')
    with open(path, 'wb') as f:
        f.truncate(size)
    return path


def disk_args(path):
    """virtio-blk over the modern PCI transport only (1AF4:1042)."""
    check_disk(path)
    drive = os.path.abspath(path).replace(',', ',,')  # QEMU's option syntax escapes commas
    return ['-drive', f'file={drive},if=none,id=disk0,format=raw',
            '-device', 'virtio-blk-pci,drive=disk0,disable-legacy=on']


def qemu_args(iso, mem='512M', accel='tcg', telemetry_socket=None, interactive=False,
              gdb_port=None, monitor_socket=None, check_mem=True, disk=None, smp=1):
    smp = parse_smp(smp)
    if check_mem:  # off only for the e2e check that boots below the minimum on purpose
        parse_mem_bytes(mem)
    require_tool('qemu-system-x86_64', 'qemu-system-x86')
    if not os.path.exists(iso):
        raise HarnessError(f'ISO {os.path.relpath(iso, ROOT)} is missing: build first')
    args = ['qemu-system-x86_64', '-machine', 'q35', '-accel', accel,
            '-cpu', 'host' if accel == 'kvm' else 'max',
            '-m', mem, '-smp', str(smp), '-no-reboot', '-display', 'none', '-vga', 'none',
            '-nodefaults', '-drive', f'file={iso},media=cdrom,if=ide,format=raw,readonly=on',
            '-boot', 'd', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']
    if disk:
        args += disk_args(disk)
    args += ['-serial', 'mon:stdio' if interactive else 'stdio']
    if telemetry_socket:
        os.makedirs(os.path.dirname(telemetry_socket), exist_ok=True)
        if os.path.exists(telemetry_socket):
            os.unlink(telemetry_socket)
        args += ['-serial', f'unix:{telemetry_socket},server=on,wait=off']
    else:
        args += ['-serial', 'null']
    if gdb_port is not None:
        args += ['-gdb', f'tcp:127.0.0.1:{gdb_port}', '-S']
    if monitor_socket:
        # The human monitor on a unix socket QEMU serves without waiting: a test can ask QEMU
        # for its own view of the guest (info tlb, xp) while the kernel runs.
        os.makedirs(os.path.dirname(monitor_socket), exist_ok=True)
        if os.path.exists(monitor_socket):
            os.unlink(monitor_socket)
        args += ['-monitor', f'unix:{monitor_socket},server=on,wait=off']
    return args


@dataclass
class BootResult:
    lines: list = field(default_factory=list)  # console lines, '\r' stripped
    status: int = None           # QEMU exit status (None if killed)
    timed_out: bool = False
    elapsed: float = 0.0         # wall seconds from QEMU start to exit (or kill)
    ready_at: float = None       # wall seconds from QEMU start to the ready line
    stderr: str = ''
    stderr_note: str = ''        # set when the harness itself had trouble with QEMU
    mem: str = ''                # the guest RAM it was booted with
    grub_error: str = None       # GRUB's "error: ..." line, when the boot stopped in GRUB
    stopped: bool = False        # the caller's `stop` event ended it (QEMU killed on purpose)

    @property
    def qemu_error(self):
        """QEMU's own message when it could not start (status 1, no console output), else None."""
        return qemu_start_error(self.status, self.stderr, self.lines)

    @property
    def kernel_exit(self):
        """'success', 'tests failed', 'panic', or a description of how QEMU ended."""
        if self.grub_error:
            if 'out of memory' in self.grub_error:
                return f'GRUB could not load the kernel in {self.mem} ({self.grub_error})'
            return f'GRUB stopped: {self.grub_error}'
        if self.qemu_error:
            return f'QEMU did not start: {self.qemu_error}'
        if self.timed_out:
            return 'timeout'
        if self.stopped:
            return 'stopped by the harness'
        return EXIT_NAMES.get(self.status, f'qemu status {self.status}')

    def ready_line(self):
        return next((ln for ln in self.lines if ln.startswith(READY_PREFIX)), None)

    def tail(self, n=25):
        return self.lines[-n:]


def qemu_start_error(status, stderr, lines, require_message=False):
    """QEMU's own error line if QEMU failed before the guest ran, else None. QEMU's exit status
    then is 1, the same as the kernel's "success": the console output and QEMU's message on stderr
    tell the two apart."""
    if status != 1 or any(ln.strip() for ln in lines):
        return None
    msgs = [ln.strip() for ln in stderr.splitlines()
            if ln.startswith('qemu-system-') and ': warning: ' not in ln]
    if msgs:
        return msgs[-1].split(': ', 1)[-1]
    if require_message:  # the console was not captured: without a message, assume the kernel
        return None
    return 'QEMU exited with status 1 before the guest printed anything'



GRUB_ERROR_RE = re.compile(r'error: ([^.\x1b]*)')


def boot(iso, mem='512M', accel='tcg', timeout=60.0, stop_at_ready=False, echo=False,
         telemetry_socket=None, monitor_socket=None, check_mem=True, disk=None, smp=1,
         on_line=None, stop=None):
    """Boots, captures COM1 until QEMU exits (or the ready line, with stop_at_ready).
    monitor_socket: also serve QEMU's monitor there (off by default); disk: a raw image attached
    as virtio-blk; smp: CPUs (parse_smp); on_line: called with each COM1 line as it arrives (a
    check that acts at a moment of the boot); stop: a threading.Event that ends the boot (QEMU
    killed) once set, for a kernel that stays up until its host is done."""
    args = qemu_args(iso, mem=mem, accel=accel, telemetry_socket=telemetry_socket,
                     monitor_socket=monitor_socket, check_mem=check_mem, disk=disk, smp=smp)
    start = time.monotonic()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    result = BootResult(mem=mem)
    banner_seen = False
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, 'out')
    sel.register(proc.stderr, selectors.EVENT_READ, 'err')
    partial = b''
    err = []
    open_streams = 2
    try:
        while open_streams:
            left = start + timeout - time.monotonic()
            if left <= 0:
                result.timed_out = True
                break
            for key, _ in sel.select(timeout=min(left, 0.5)):
                chunk = os.read(key.fileobj.fileno(), 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                if key.data == 'err':
                    err.append(chunk)
                    continue
                partial += chunk
                *complete, partial = partial.split(b'\n')
                for raw in complete:
                    line = raw.decode('utf-8', 'replace').replace('\r', '')
                    result.lines.append(line)
                    if on_line is not None:
                        on_line(line)
                    if echo:
                        print(line, flush=True)
                    if result.ready_at is None and line.startswith(READY_PREFIX):
                        result.ready_at = time.monotonic() - start
                    if line.startswith('Glass '):
                        banner_seen = True
                    elif not banner_seen and result.grub_error is None:
                        m = GRUB_ERROR_RE.search(line)
                        if m:
                            result.grub_error = m.group(1).strip()
            if stop_at_ready and result.ready_at is not None:
                break
            if stop is not None and stop.is_set():
                result.stopped = True
                break
            if result.grub_error is not None:
                time.sleep(0.2)  # let GRUB's next lines arrive for the tail; then stop
                break
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            # A QEMU stuck inside the host kernel (a hanging /dev/kvm) may not die at once;
            # never let it hang the harness.
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            result.stderr_note = f'QEMU (pid {proc.pid}) did not exit after SIGKILL'
        result.elapsed = time.monotonic() - start
        sel.close()
    if partial:
        result.lines.append(partial.decode('utf-8', 'replace').replace('\r', ''))
    if not result.timed_out and not result.stopped \
            and not (stop_at_ready and result.ready_at is not None) and result.grub_error is None:
        result.status = proc.returncode
    if result.stderr_note:
        err.append(result.stderr_note.encode())
    result.stderr = b''.join(err).decode('utf-8', 'replace')
    return result
