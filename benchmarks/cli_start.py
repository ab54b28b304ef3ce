"""Start-up time of the ``hotspots`` command (issue 23: ``hotspots --help`` in at most 0.3 s).

Runs, each in a fresh process and ``--runs`` times, the bare interpreter (``python -c pass``:
the reference), ``hotspots --help``, ``hotspots detect --help`` (one subcommand's imports) and
the old way of building the parser (every subcommand module imported), and
``hotspots detect --format json`` on the bundled store as a whole process (goal 1.5 s: imports,
store query, KDE, chance model, naming and the JSON; the first run, which may build the store
and the catchment cache, is not counted), and prints the median wall time, the median CPU
time of the child and the ratio to the bare interpreter, so a loaded machine can still be
compared. Exits 1 if ``hotspots --help`` imports pandas, scipy,
numpy, duckdb or the store.

    .venv/bin/python benchmarks/cli_start.py [--runs 9] [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/hotspots.py would shadow the hotspots package
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import json
import os
import resource
import statistics
import subprocess
import time

HEAVY = ("pandas", "numpy", "scipy", "duckdb", "pyarrow", "geopandas", "hotspots.data.store")

CASES = {
    "python -c pass (reference)": "pass",
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


def run_once(code: str) -> tuple[float, float]:
    """(wall s, child CPU s) of one fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--quick", action="store_true", help="3 runs each (what CI runs)")
    args = ap.parse_args()
    runs = 3 if args.quick else args.runs
    results = {}
    for name, code in CASES.items():
        run_once(code)  # warm the file cache and bytecode
        walls, cpus = zip(*(run_once(code) for _ in range(runs)), strict=True)
        results[name] = (statistics.median(walls), statistics.median(cpus))
    ref_wall, _ref_cpu = results["python -c pass (reference)"]
    print(f"{'case':<38}{'wall s':>9}{'CPU s':>9}{'wall/ref':>10}   (median of {runs})")
    for name, (wall, cpu) in results.items():
        print(f"{name:<38}{wall:>9.3f}{cpu:>9.3f}{wall / ref_wall:>10.1f}")
    heavy = heavy_modules_after_help()
    print(f"heavy modules after 'hotspots --help': {heavy or 'none'}")
    return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
