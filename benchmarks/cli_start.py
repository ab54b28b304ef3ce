"""Start-up time of the ``hotspots`` command (issue 23: ``hotspots --help`` in at most 0.3 s,
``hotspots detect --format json`` on the bundled store in at most 1.5 s as a whole process).

Runs, each in a fresh process and ``--runs`` times, the bare interpreter (``python -c pass``)
and ``python -c "import numpy, pandas"`` (the references: a loaded machine slows them as much
as the command), ``hotspots --help``, ``hotspots detect --help`` (one subcommand's imports),
the old way of building the parser (every subcommand module imported), and
``hotspots detect --format json`` on the bundled store as a whole process:

- warm: the steady state a user gets (store built, catchment / map-point / boundary caches
  on disk; the first run, which builds them, is not counted);
- cold caches: the store built but its derived-geodata caches (``STORE/.cache``) removed
  before every run;
- first use: one run on an empty store folder (builds the bundled store).

It prints the median wall time, the median CPU time of the child and the ratios to both
references, the load average, and where the warm detect's import time goes
(``python -X importtime``, by top-level package). The stores live in a temporary folder.
Exits 1 if ``hotspots --help`` imports pandas, scipy, numpy, duckdb or the store, or if
``hotspots detect`` imports scipy, scikit-learn, statsmodels or the import machinery.

    .venv/bin/python benchmarks/cli_start.py [--runs 9] [--quick]

``--quick`` (CI's smoke run): every case, the import check and the module checks once each,
without the warm-up runs (each process still starts fresh; its figures are not a measure).
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/hotspots.py would shadow the hotspots package
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import collections
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time

HEAVY = ("pandas", "numpy", "scipy", "duckdb", "pyarrow", "geopandas", "hotspots.data.store")
# not on the detect path (their packages and any submodule)
NOT_FOR_DETECT = ("scipy", "sklearn", "statsmodels", "hotspots.data.ingest")
DETECT = "hotspots detect --format json (bundled)"

CASES = {
    "python -c pass (reference)": "pass",
    "import numpy, pandas (reference)": "import numpy, pandas",
    "hotspots --help": (
        "import sys, io, contextlib\n"
        "from hotspots.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
    ),
    "hotspots detect --help": (
        "import sys, io, contextlib\n"
        "from hotspots.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['detect', '--help'])\n"
        "    except SystemExit: pass\n"
    ),
    "hotspots detect --format json (bundled)": (
        "import sys, io, contextlib\n"
        "from hotspots.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['detect', '--format', 'json'])\n"
    ),
    "every subcommand imported (before)": (
        "import importlib\n"
        "from hotspots.commands import COMMANDS\n"
        "for n in COMMANDS: importlib.import_module('hotspots.commands.' + n)\n"
    ),
}


def run_once(code: str, env: dict | None = None) -> tuple[float, float]:
    """(wall s, child CPU s) of one fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env or os.environ.copy())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def heavy_modules_after_help() -> list[str]:
    code = CASES["hotspots --help"] + (
        f"print(__import__('json').dumps(sorted(m for m in sys.modules if m in {HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def detect_imports(env: dict) -> tuple[list[str], list[tuple[str, float]], float]:
    """Modules of NOT_FOR_DETECT that a warm detect loads, and its import time by package.

    Import time by package: the self time of each module (``-X importtime``), summed by
    top-level package, so the parts add up to the total.
    """
    code = CASES[DETECT] + (
        "print(__import__('json').dumps(sorted(m for m in sys.modules"
        f" if m.split('.')[0] in {NOT_FOR_DETECT!r} or m in {NOT_FOR_DETECT!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    by_package: dict[str, float] = collections.Counter()
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _cum_us, name = line[len("import time:") :].split("|")
        # each module's own time, summed by top-level package: the parts add up to the total
        by_package[name.strip().split(".")[0]] += int(self_us) / 1e6
    total = sum(by_package.values())
    return json.loads(out.stdout.strip().splitlines()[-1]), by_package.most_common(12), total


def timed(code: str, runs: int, env: dict | None = None, before=None) -> tuple[float, float]:
    """Median (wall, CPU) of ``runs`` fresh processes; ``before()`` runs before each."""
    walls, cpus = [], []
    for _ in range(runs):
        if before:
            before()
        w, c = run_once(code, env)
        walls.append(w)
        cpus.append(c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="every case once, no warm-up runs (what CI runs: a smoke run, not figures)",
    )
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs
    import hotspots

    print(f"hotspots from {Path(hotspots.__file__).parent}")
    load0 = os.getloadavg()
    root = Path(tempfile.mkdtemp(prefix="hotspots-cli-start-"))
    env = {**os.environ, "HOTSPOTS_STORE": str(root / "store")}
    results = {}
    try:
        # first use: an empty store folder (builds the bundled store and the caches)
        results[DETECT + ", first use"] = run_once(CASES[DETECT], env)
        for name, code in CASES.items():
            if not args.quick:
                run_once(code, env)  # warm the file cache and bytecode
            results[name] = timed(code, runs, env)
        if args.quick:  # the warm detect's imports while the caches are warm: no rebuild run
            stray, by_package, import_s = detect_imports(env)
        cache = root / "store" / ".cache"
        results[DETECT + ", cold caches"] = timed(
            CASES[DETECT],
            runs,
            env,
            before=lambda: shutil.rmtree(cache, ignore_errors=True),
        )
        if not args.quick:
            run_once(CASES[DETECT], env)  # the caches back
            stray, by_package, import_s = detect_imports(env)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    load1 = os.getloadavg()
    ref_wall = results["python -c pass (reference)"][0]
    np_wall, np_cpu = results["import numpy, pandas (reference)"]
    head = f"{'case':<52}{'wall s':>8}{'CPU s':>8}{'wall/ref':>10}{'/np+pd wall':>12}{'/np+pd CPU':>11}"
    how = "quick: 1 run each, no warm-up run" if args.quick else f"median of {runs}"
    print(head + f"   ({how}; first use: 1 run)")
    for name, (wall, cpu) in results.items():
        print(
            f"{name:<52}{wall:>8.3f}{cpu:>8.3f}{wall / ref_wall:>10.1f}"
            f"{wall / np_wall:>12.2f}{cpu / np_cpu:>11.2f}",
        )
    print(
        f"load average (1, 5, 15 min): before {load0[0]:.1f} {load0[1]:.1f} {load0[2]:.1f}, "
        f"after {load1[0]:.1f} {load1[1]:.1f} {load1[2]:.1f} on {os.cpu_count()} CPUs",
    )
    print(f"warm detect imports (-X importtime, own time by package, s; total {import_s:.3f}):")
    print("   " + ", ".join(f"{p} {s:.3f}" for p, s in by_package))
    heavy = heavy_modules_after_help()
    print(f"heavy modules after 'hotspots --help': {heavy or 'none'}")
    stray_top = sorted({m if m in NOT_FOR_DETECT else m.split(".")[0] for m in stray})
    print(f"modules 'hotspots detect' should not load: {stray_top or 'none'}")
    return 1 if heavy or stray else 0


if __name__ == "__main__":
    sys.exit(main())
