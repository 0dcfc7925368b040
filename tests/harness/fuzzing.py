"""Fuzzing: every tests/fuzz/<name>_fuzz.cpp is a libFuzzer target (clang, ASan+UBSan).

`./glass test` gives each target a short run (FUZZ_TEST_SECONDS) as its "fuzz" layer; `./glass fuzz`
runs them for as long as asked. Seeds come from tests/fuzz/corpus/<name>/ (checked in, never
written) plus EXTRA_SEEDS; what libFuzzer discovers goes to build/fuzz/corpus/<name>/, and a
crashing input to build/fuzz/artifacts/, named in the failure so it can be replayed with
`build/fuzz/<name>_fuzz <file>`.
"""
import os
import subprocess

from qemu import BUILD, ROOT

FUZZ_DIR = os.path.join(ROOT, 'tests', 'fuzz')
FUZZ_TEST_SECONDS = 1  # a smoke run per target (it finds regressions in the corpus); ./glass fuzz runs them for longer
# Inputs that already exist elsewhere in the tree and make good seeds.
EXTRA_SEEDS = {
    'multiboot2': [os.path.join(ROOT, 'tests', 'host', 'data', 'mb2')],
    'telemetry_decoder': [os.path.join(ROOT, 'tests', 'host', 'data', 'telemetry', 'corpus')],
}


def targets():
    if not os.path.isdir(FUZZ_DIR):
        return []
    return sorted(f[:-len('_fuzz.cpp')] for f in os.listdir(FUZZ_DIR) if f.endswith('_fuzz.cpp'))


def run_target(name, seconds):
    """Returns (ok, detail)."""
    binary = os.path.join(BUILD, 'fuzz', f'{name}_fuzz')
    work = os.path.join(BUILD, 'fuzz', 'corpus', name)
    artifacts = os.path.join(BUILD, 'fuzz', 'artifacts')
    os.makedirs(work, exist_ok=True)
    os.makedirs(artifacts, exist_ok=True)
    seeds = [d for d in [os.path.join(FUZZ_DIR, 'corpus', name)] + EXTRA_SEEDS.get(name, [])
             if os.path.isdir(d)]
    args = [binary, f'-max_total_time={seconds}', '-print_final_stats=1',
            f'-artifact_prefix={artifacts}/{name}-', work] + seeds
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors='replace', timeout=seconds + 120)
    lines = p.stdout.splitlines()
    runs = next((ln.split(':', 1)[1].strip() for ln in lines if ln.startswith('stat::number_of_executed_units')), '?')
    if p.returncode == 0:
        return True, f'{runs} inputs in {seconds} s'
    crash = [ln for ln in lines if 'Test unit written to' in ln or 'ERROR' in ln or 'SUMMARY' in ln]
    return False, '\n'.join(crash + lines[-25:])


def run(a):
    import build
    names = a.names or targets()
    unknown = [n for n in names if n not in targets()]
    if unknown:
        print(f"glass fuzz: unknown target {', '.join(unknown)}; available: {', '.join(targets())}")
        return 2
    build.scons(['fuzz'])
    failed = 0
    for n in names:
        ok, detail = run_target(n, a.seconds)
        print(f"fuzz {n}: {'ok' if ok else 'FAILED'}: {detail}")
        failed += not ok
    return 1 if failed else 0
