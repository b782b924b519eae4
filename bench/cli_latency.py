"""Wall time of the command line, as a user sees it: each command a fresh process, measured in the same run as
``python -c pass`` (the interpreter's own start) so a loaded machine shows as a ratio too.

    python bench/cli_latency.py [--runs 20] [--cold-runs 3] [--no-first-run] [--tree PATH]

Warm: after one priming run of each command (the catalog database and the knowledge snapshot exist, bytecode is
cached), the commands run in turns, ``--runs`` times each. Cold: the knowledge snapshot and the stamp manifests are
removed before every run (the database is kept: the path every run took before the snapshot existed, plus writing
it). First run: nothing cached at all (the database is built from the catalog files too).

The children use a private cache folder (``XDG_CACHE_HOME``), never the user's, and write bytecode to a private
``PYTHONPYCACHEPREFIX`` so a ``PYTHONDONTWRITEBYTECODE`` environment does not make every run compile the sources
(an installed package has its bytecode). CPU is the child's user + system time. ``--tree`` measures another
checkout of the code with the same interpreter (``python -m runlocalai`` from that folder), e.g. the commit
before a change: ``git archive <commit> | tar -x -C /tmp/before``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS: list[tuple[str, list[str]]] = [
    ('ask "what is gqa"', ["ask", "what is gqa"]),
    ('ask "will llama 3.1 8b run on a 3060 12gb"', ["ask", "will llama 3.1 8b run on a 3060 12gb"]),
    ("estimate --model llama-3.1-8b --hardware rtx-4090", ["estimate", "--model", "llama-3.1-8b", "--hardware", "rtx-4090"]),
]
BASELINE = "python -c pass"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cli() -> list[str]:
    script = Path(sys.executable).parent / "runlocalai"
    return [str(script)] if script.exists() else [sys.executable, "-m", "runlocalai"]


def run(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """(wall, cpu) seconds of one child process; fails loudly on a non-zero exit or an empty answer."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or (argv[-1] != "pass" and not done.stdout.strip()):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def clear_snapshot(cache: Path) -> None:
    for pattern in ("*.knowledge.pickle", "stamp-*.json"):
        for path in cache.glob(pattern):
            path.unlink()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} CPUs"


def core_speed() -> float:
    """Seconds for a 10M-iteration pure-Python loop here: compares machines (the work measured is all on one core)."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="warm runs of each command")
    parser.add_argument("--cold-runs", type=int, default=3, help="runs of each command with the snapshot removed")
    parser.add_argument("--no-first-run", action="store_true", help="skip the run with nothing cached (builds the database)")
    parser.add_argument("--tree", type=Path, help="measure the code in this folder instead (python -m runlocalai there)")
    args = parser.parse_args()
    tree = args.tree.resolve() if args.tree else ROOT

    work = Path(tempfile.mkdtemp(prefix="cli-latency-"))
    env = {k: v for k, v in os.environ.items() if k not in {"RUNLOCALAI_DB", "PYTHONDONTWRITEBYTECODE"}}
    env.update(XDG_CACHE_HOME=str(work / "xdg"), PYTHONPYCACHEPREFIX=str(work / "pyc"))
    if args.tree:
        env["PYTHONPATH"] = str(tree)
    cache = work / "xdg" / "runlocalai"
    base = [sys.executable, "-m", "runlocalai"] if args.tree else cli()
    commands = [(label, base + argv) for label, argv in COMMANDS]
    baseline = [sys.executable, "-c", "pass"]
    print(f"{' '.join(base)} in {tree} ({sys.version.split()[0]}); {load()}")
    try:
        first: tuple[float, float] | None = None
        if not args.no_first_run:
            first = run(commands[0][1], env, tree)  # nothing cached: database, snapshot and bytecode all written
        for _, argv in commands:  # priming: the snapshot exists and bytecode is cached from here on
            run(argv, env, tree)
        run(baseline, env, tree)

        warm: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in [*commands, (BASELINE, baseline)]}
        for _ in range(args.runs):
            for label, argv in [*commands, (BASELINE, baseline)]:
                warm[label].append(run(argv, env, tree))
        cold: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in commands}
        for _ in range(args.cold_runs):
            for label, argv in commands:
                clear_snapshot(cache)
                cold[label].append(run(argv, env, tree))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base_p50 = pct([w for w, _ in warm[BASELINE]], 0.5)
    print(f"\nwarm, {args.runs} runs each (p50 / p95 wall; p50 CPU; p50 against {BASELINE} and against cold):")
    for label in warm:
        walls, cpus = [w for w, _ in warm[label]], [c for _, c in warm[label]]
        p50 = pct(walls, 0.5)
        p95, cpu = pct(walls, 0.95), statistics.median(cpus)
        line = f"  {label:52s} p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  cpu {cpu * 1000:6.0f} ms"
        if label != BASELINE:
            line += f"  {p50 / base_p50:5.1f}x pass"
            if cold.get(label):
                line += f"  {p50 / pct([w for w, _ in cold[label]], 0.5):5.2f}x cold"
        print(line)
    if args.cold_runs:
        print(f"\ncold (snapshot and stamps removed, database kept), {args.cold_runs} runs each:")
        for label, values in cold.items():
            walls = [w for w, _ in values]
            print(f"  {label:52s} p50 {pct(walls, 0.5) * 1000:6.0f} ms  max {max(walls) * 1000:6.0f} ms")
    if first is not None:
        print(f"\nfirst run, nothing cached (database built too): {commands[0][0]} {first[0] * 1000:.0f} ms")
    print(f"\n{load()}; a 10M-iteration Python loop takes {core_speed():.2f} s")


if __name__ == "__main__":
    main()
