"""Peak memory of importing a large police.uk archive (issue 10: memory bounded by design).

Builds a zip of real police.uk rows (the bundled months, each written again as another
month, so every member is a distinct month of Dorset Police) that is about 40 MB on disk
and expands to about 600 MiB, then imports it with ``hotspots ingest`` in a fresh
process and prints that process's peak resident memory (``ru_maxrss`` of the child), the
rows per second, and the peak of the same import with batching switched off
(``HOTSPOTS_BATCH_MB`` larger than the archive: the whole archive read at once, as
before), as the baseline.

    .venv/bin/python benchmarks/ingest_memory.py [--mib 600] [--keep DIR]
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
import subprocess
import tempfile
import time
import zipfile

ROOT = Path(__file__).resolve().parents[1]
PU = ROOT / "geodata" / "police_uk"
QUICK_MIB = 8.0  # --quick: the archive's size, and its batches (the default is 64 MiB)
QUICK_BATCH_MB = 2


def make_zip(out: Path, target_mib: float, blank_ids: bool = False) -> tuple[int, int, int]:
    """Write the archive; returns (members, uncompressed bytes, zip bytes).

    ``blank_ids``: Crime IDs (64 random hex digits, most of a file's entropy) are left
    empty, so the archive compresses ~15x like the 40 MB -> 600 MiB one of issue 10.
    """
    import re

    sources = sorted(PU.glob("*-dorset-street.csv"))
    texts = [(p.name[:7], p.read_text(encoding="utf-8")) for p in sources]
    if blank_ids:
        texts = [(m, re.sub(r"(?m)^[0-9a-f]{64},", ",", t)) for m, t in texts]
    total = 0
    n = 0
    year, month = 1990, 1
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        while total < target_mib * 1024**2:
            src_month, text = texts[n % len(texts)]
            m = f"{year}-{month:02d}"
            body = text.replace(f",{src_month},", f",{m},")
            zf.writestr(f"{m}/{m}-dorset-street.csv", body)
            total += len(body.encode("utf-8"))
            n += 1
            month += 1
            if month > 12:
                year, month = year + 1, 1
    return n, total, out.stat().st_size


def run_import(zip_path: Path, store: Path, batch_mb: int | None) -> dict:
    env = {**os.environ}
    if batch_mb is not None:
        env["HOTSPOTS_BATCH_MB"] = str(batch_mb)
    code = (
        "import resource, sys, json, time\n"
        "from hotspots.cli import main\n"
        "t = time.perf_counter()\n"
        "rc = main(['ingest', sys.argv[1], '--store', sys.argv[2], '--json'])\n"
        "print(json.dumps({'rc': rc, 's': time.perf_counter() - t, "
        "'peak_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(zip_path), str(store)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    stats = json.loads(proc.stderr.strip().splitlines()[-1])
    rep = json.loads(proc.stdout)
    stats.update(rows=rep["rows_read"], reconciles=rep["reconciles"])
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mib", type=float, default=600.0, help="uncompressed size of the archive")
    ap.add_argument("--budget-mib", type=float, default=1024.0, help="the memory budget")
    ap.add_argument("--baseline", action="store_true", help="also run with batching off")
    ap.add_argument("--keep", metavar="DIR", help="write the archive here (default: a temp dir)")
    ap.add_argument("--blank-ids", action="store_true", help="empty Crime IDs (a ~40 MB zip)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help=(
            f"a {QUICK_MIB:g} MiB archive read in {QUICK_BATCH_MB} MiB batches (several, as a "
            "large archive is), with the baseline (what CI runs)"
        ),
    )
    args = ap.parse_args()
    if args.quick:
        args.mib, args.baseline = QUICK_MIB, True
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        z = work / "big.zip"
        t0 = time.perf_counter()
        n, raw, size = make_zip(z, args.mib, args.blank_ids)
        print(
            f"archive: {n} members, {raw / 1024**2:.0f} MiB of CSV in a {size / 1e6:.1f} MB zip "
            f"(built in {time.perf_counter() - t0:.0f} s)",
        )
        # --quick: batches small enough that the small archive is read in several
        runs = [("batched (default)", None)]
        if args.quick:
            runs = [(f"batched ({QUICK_BATCH_MB} MiB batches)", QUICK_BATCH_MB)]
        if args.baseline:
            runs.append(("one batch (baseline)", 100_000))
        peaks = []
        for label, batch in runs:
            st = run_import(z, work / f"store-{batch}", batch)
            peaks.append(st["peak_mib"])
            verdict = "within" if st["peak_mib"] <= args.budget_mib else "OVER"
            print(
                f"{label}: peak RSS {st['peak_mib']:.0f} MiB ({verdict} the "
                f"{args.budget_mib:.0f} MiB budget); {st['rows']:,} rows in {st['s']:.0f} s "
                f"({st['rows'] / st['s']:,.0f} rows/s); reconciles={st['reconciles']}; exit {st['rc']}",
            )
        if len(peaks) == 2:
            print(f"ratio one batch / batched peak: {peaks[1] / peaks[0]:.2f}x")


if __name__ == "__main__":
    main()
