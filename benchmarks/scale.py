"""Scale: a police.uk archive of many forces, imported, counted and selected (issues 13, 23).

Builds, in a temporary folder, a synthetic archive in police.uk layout
(``YYYY-MM/YYYY-MM-<force>-street.csv`` plus a few ``-outcomes.csv`` and
``-stop-and-search.csv`` files): every street file is a bundled real BCP month resampled
to the wanted size, with fresh Crime IDs; for every force but the first (``dorset``,
left in place) the police.uk snap points are jittered by up to 50 m, moved away from BCP
(within England and Wales) and the rows relabelled (``Falls within``) as another force. Then, each step
in a fresh process (peak memory is that process's ``ru_maxrss``):

- the reference: DuckDB ``read_csv`` of every street file -> one zstd Parquet file
  (``COPY ... TO``), no validation, no wards: what reading and writing the same rows costs;
- import (``Store.ingest(keep="all")``): rows per second (wall and per CPU second), peak
  memory, store bytes per row, store size;
- ``summary --by month`` (one DuckDB aggregate) ;
- the records of one month of BCP (``Store.records(months, bbox)`` + the BCP flag);
- ``detect`` (KDE) for one month of BCP (the ``hotspots detect`` command);

and the same steps with the code of ``--baseline-ref`` (default ``main``: the import as it
was before this branch; its ``src`` extracted with ``git archive``) while the row count
is at most ``--baseline-max-rows``. Ratios are printed against both, from the same run:
on a shared machine absolute times drift with the load, ratios much less; CPU seconds
(user + system) drift less than wall seconds.

    .venv/bin/python benchmarks/scale.py [--rows 2000000] [--forces 20] [--months 24]
        [--baseline-max-rows 3000000] [--baseline-ref main] [--keep DIR] [--quick]

``--quick`` (CI): 100,000 rows, 4 forces x 6 months, no baseline.

Goals (issue 23, 2 cores): import >= 300k rows/s per core, >= 3x the baseline and within
1.5x of the DuckDB reference; <= 30 store bytes/row; peak <= 1 GB whatever the input.
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
import shutil
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PU = ROOT / "geodata" / "police_uk"
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _crime_ids(rng, n: int) -> np.ndarray:
    digits = HEX[rng.integers(0, 16, size=(n, 64), dtype=np.uint8)]
    return digits.view("S64").ravel().astype(str)


def make_archive(out: Path, rows: int, forces: int, months: int, seed: int = 13) -> dict:
    """Write the archive folder; returns what it holds."""
    rng = np.random.default_rng(seed)
    sources = [
        pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted(PU.glob("*-dorset-street.csv"))
    ]
    # police.uk snaps every record to one of a fixed set of points: jitter the points
    # (each force its own), not the rows, so a month holds as many distinct points as a real one
    both = pd.concat(sources, ignore_index=True)
    points = both[["Longitude", "Latitude"]].drop_duplicates().reset_index(drop=True)
    code = {(lo, la): i for i, (lo, la) in enumerate(zip(*points.to_numpy().T, strict=True))}
    for df in sources:
        df["_pt"] = [code[p] for p in zip(df["Longitude"], df["Latitude"], strict=True)]
    plon = pd.to_numeric(points["Longitude"], errors="coerce").to_numpy()
    plat = pd.to_numeric(points["Latitude"], errors="coerce").to_numpy()
    per_file = max(1, rows // (forces * months))
    names = ["dorset"] + [f"force{k:02d}" for k in range(1, forces)]
    shifted = {}
    for k in range(forces):
        # other forces: moved north by 0.6-3 degrees and east/west within England and Wales
        dx = ((k - 1) % 4 - 1.5) * 0.8 if k else 0.0
        dy = ((k - 1) // 4 % 5 + 1) * 0.6 if k else 0.0
        lon = plon + rng.uniform(-7e-4, 7e-4, len(plon)) * (k > 0) + dx
        lat = plat + rng.uniform(-4.5e-4, 4.5e-4, len(plat)) * (k > 0) + dy
        ok = ~np.isnan(lon) & ~np.isnan(lat)
        lon_t = np.where(ok, np.char.mod("%.6f", np.nan_to_num(lon)), "")
        lat_t = np.where(ok, np.char.mod("%.6f", np.nan_to_num(lat)), "")
        shifted[k] = (lon_t, lat_t)
    month_list = [str(p) for p in pd.period_range("2021-01", periods=months, freq="M")]
    n_rows = 0
    bytes_ = 0
    for i, m in enumerate(month_list):
        (out / m).mkdir(parents=True, exist_ok=True)
        for k, force in enumerate(names):
            src = sources[(i + k) % len(sources)]
            df = src.iloc[rng.integers(0, len(src), per_file)].reset_index(drop=True)
            df["Month"] = m
            has_id = df["Crime ID"] != ""
            df.loc[has_id, "Crime ID"] = _crime_ids(rng, int(has_id.sum()))
            pt = df.pop("_pt").to_numpy()
            df["Longitude"], df["Latitude"] = shifted[k][0][pt], shifted[k][1][pt]
            if k:
                df["Reported by"] = df["Falls within"] = f"{force.title()} Police"
            f = out / m / f"{m}-{force}-street.csv"
            df.to_csv(f, index=False)
            n_rows += len(df)
            bytes_ += f.stat().st_size
        if i % 6 == 0:  # a few outcomes and stop-and-search files, as the archive has
            (out / m / f"{m}-dorset-outcomes.csv").write_text(
                "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                "LSOA code,LSOA name,Outcome type\n",
                encoding="utf-8",
            )
            (out / m / f"{m}-dorset-stop-and-search.csv").write_text(
                "Type,Date,Part of a policing operation\n",
                encoding="utf-8",
            )
    return {"rows": n_rows, "csv_bytes": bytes_, "files": forces * months, "months": month_list}


# --- steps, each run in a fresh process ----------------------------------------------------

STEPS = {
    "import": """
from hotspots.data.store import Store
st = Store(STORE)
kw = {"keep": "all"} if NEW else {}
START()
rep = st.ingest([ARCHIVE], **kw).report
out = {"rows": rep.rows_read, "accepted": rep.rows_accepted, "reconciles": rep.reconciles}
""",
    "summary": """
from hotspots.cli import main
import io, contextlib
import hotspots.commands.summary, hotspots.data.coverage, hotspots.data.select
buf = io.StringIO()
START()
with contextlib.redirect_stdout(buf):
    main(["summary", "--store", STORE, "--by", "month", "--format", "csv"])
out = {"lines": buf.getvalue().count("\\n")}
""",
    "select": """
from hotspots.data.store import Store
from hotspots.data.select import filter_records
from hotspots.data.boundaries import load_boundaries
st = Store(STORE)
load_boundaries()
START()
if NEW:
    recs = st.records(months=(MONTH, MONTH), bbox=load_boundaries().outline.bounds)
else:
    recs = st.records(months=(MONTH, MONTH))
recs = filter_records(recs)
out = {"rows": len(recs)}
""",
    "detect": """
from hotspots.cli import main
import io, contextlib
import hotspots.commands.detect
buf = io.StringIO()
START()
with contextlib.redirect_stdout(buf):
    main(["detect", "--store", STORE, "--method", "kde", "--from", MONTH, "--to", MONTH,
          "--format", "json"])
out = {"bytes": len(buf.getvalue())}
""",
}

STEPS["duckdb"] = """
import duckdb, glob, os
files = sorted(glob.glob(os.path.join(ARCHIVE, "*", "*-street.csv")))
out_file = os.path.join(STORE, "reference.parquet")
os.makedirs(STORE, exist_ok=True)
con = duckdb.connect()
START()
con.execute(
    "COPY (SELECT * FROM read_csv(?, all_varchar = true, header = true)) TO '"
    + out_file.replace("'", "''") + "' (FORMAT parquet, COMPRESSION zstd)",
    [files],
)
n = con.execute("SELECT count(*) FROM read_parquet(?)", [out_file]).fetchall()[0][0]
out = {"rows": n, "accepted": n, "reconciles": True, "bytes": os.path.getsize(out_file)}
"""

# Times start at START(): after the imports and what any session has loaded already
# (a Python start and the geospatial imports take seconds on a loaded machine); peak
# memory is the whole process's. cpu_seconds (user + system) is less sensitive to other
# load on the machine than seconds (wall clock).
RUNNER = """
import json, resource, sys, time
STORE, ARCHIVE, MONTH, NEW = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
T = {{}}
def START():
    T["wall"], T["cpu"] = time.perf_counter(), _cpu()
{body}
out["seconds"] = time.perf_counter() - T["wall"]
out["cpu_seconds"] = _cpu() - T["cpu"]
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(out))
"""


def run_step(step: str, src: Path, store: Path, archive: Path, month: str, new: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "HOTSPOTS_GEODATA": str(ROOT / "geodata")}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            RUNNER.format(body=STEPS[step]),
            str(store),
            str(archive),
            month,
            "1" if new else "0",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(ROOT),
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{step} failed:\n{proc.stderr[-3000:]}")


def store_bytes(store: Path) -> int:
    """Bytes of the store's Parquet: month files and (format 4) the points table."""
    return sum(
        f.stat().st_size for sub in ("records", "points") for f in (store / sub).rglob("*.parquet")
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--forces", type=int, default=20)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--baseline-max-rows", type=int, default=3_000_000)
    ap.add_argument("--baseline-ref", default="main", help="git ref of the code to compare with")
    ap.add_argument("--keep", metavar="DIR", help="work here and keep it (default: a temp dir)")
    ap.add_argument("--quick", action="store_true", help="100k rows, 4 forces x 6 months")
    args = ap.parse_args(argv)
    if args.quick:
        args.rows, args.forces, args.months, args.baseline_max_rows = 100_000, 4, 6, 0

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hotspots-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        archive = work / "archive"
        t0 = time.perf_counter()
        done = work / "archive.json"
        if not done.exists():
            shutil.rmtree(archive, ignore_errors=True)
            done.write_text(json.dumps(make_archive(archive, args.rows, args.forces, args.months)))
        info = json.loads(done.read_text())
        print(
            f"archive: {info['rows']:,} street rows, {info['files']:,} street files "
            f"({info['csv_bytes'] / 1024**2:,.0f} MiB of CSV), {args.forces} forces x "
            f"{args.months} months, built in {time.perf_counter() - t0:.0f} s",
        )
        month = info["months"][-1]
        ref = work / "reference"
        shutil.rmtree(ref, ignore_errors=True)
        reference = run_step("duckdb", ROOT / "src", ref, archive, month, True)
        shutil.rmtree(ref, ignore_errors=True)
        print(f"duckdb reference: done ({json.dumps(reference)})", file=sys.stderr)
        impls = [("new", ROOT / "src")]
        if info["rows"] <= args.baseline_max_rows:
            base_src = work / "baseline"
            if not base_src.exists():
                base_src.mkdir()
                tar = subprocess.run(
                    ["git", "archive", args.baseline_ref, "src"],
                    cwd=ROOT,
                    capture_output=True,
                    check=True,
                ).stdout
                subprocess.run(["tar", "-x", "-C", str(base_src)], input=tar, check=True)
            impls.append((args.baseline_ref, base_src / "src"))
        results: dict[str, dict] = {}
        for name, src in impls:
            store = work / f"store-{name}"
            shutil.rmtree(store, ignore_errors=True)
            r = {"import": run_step("import", src, store, archive, month, True)}
            r["store_bytes"] = store_bytes(store)
            r["bytes_per_row"] = r["store_bytes"] / max(r["import"]["accepted"], 1)
            for step in ("summary", "select", "detect"):
                r[step] = run_step(step, src, store, archive, month, True)
            results[name] = r
            print(f"{name}: done ({json.dumps(r)})", file=sys.stderr)
            shutil.rmtree(store, ignore_errors=True)
        _print_table(results, reference, info, month, args.baseline_ref)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _rate(step: dict) -> str:
    wall = step["rows"] / max(step["seconds"], 1e-9)
    cpu = step["rows"] / max(step["cpu_seconds"], 1e-9)
    return f"{wall:,.0f} rows/s ({cpu:,.0f} per CPU s)"


def _print_table(results: dict, reference: dict, info: dict, month: str, base_name: str) -> None:
    new = results["new"]
    base = results.get(base_name)

    def cell(r, step):
        if r is None:
            return "—"
        s = r[step]
        return f"{s['seconds']:.2f} s ({s['cpu_seconds']:.2f} s CPU), {s['peak_mb']:,.0f} MB"

    def ratio(step, key):
        if base is None:
            return "—"
        return f"{base[step][key] / max(new[step][key], 1e-9):.2f}x"

    imp = new["import"]
    print()
    print(
        f"| step ({info['rows']:,} street rows) | this code | {base_name} (before) | "
        "time ratio (wall / CPU) | memory ratio |",
    )
    print("|---|---|---|---|---|")
    b_rate = f", {_rate(base['import'])}" if base else ""
    t_ratio = f"{ratio('import', 'seconds')} / {ratio('import', 'cpu_seconds')}" if base else "—"
    print(
        f"| import | {cell(new, 'import')}, {_rate(imp)} | {cell(base, 'import')}{b_rate} | "
        f"{t_ratio} | {ratio('import', 'peak_mb')} |",
    )
    b_bpr = f"{base['bytes_per_row']:.1f}" if base else "—"
    br = f"{base['bytes_per_row'] / new['bytes_per_row']:.2f}x" if base else "—"
    print(f"| store bytes per row | {new['bytes_per_row']:.1f} | {b_bpr} | {br} (size) | |")
    b_size = f"{base['store_bytes'] / 1024**2:,.0f} MiB" if base else "—"
    print(f"| store size | {new['store_bytes'] / 1024**2:,.0f} MiB | {b_size} | | |")
    for step, label in (
        ("summary", "summary --by month"),
        ("select", f"records of one month of BCP ({new['select']['rows']:,})"),
        ("detect", f"detect --method kde, {month}"),
    ):
        print(
            f"| {label} | {cell(new, step)} | {cell(base, step)} | "
            f"{ratio(step, 'seconds')} / {ratio(step, 'cpu_seconds')} | {ratio(step, 'peak_mb')} |",
        )
    ref = reference
    ref_bpr = ref["bytes"] / max(ref["rows"], 1)
    print()
    print(
        f"reference, DuckDB read_csv -> zstd Parquet (no validation, no wards): {cell({'r': ref}, 'r')}, "
        f"{_rate(ref)}, {ref_bpr:.1f} bytes/row",
    )
    print(
        f"import / reference: {imp['seconds'] / max(ref['seconds'], 1e-9):.2f}x wall, "
        f"{imp['cpu_seconds'] / max(ref['cpu_seconds'], 1e-9):.2f}x CPU (goal <= 1.5x)",
    )
    if base:
        bi = base["import"]
        print(
            f"import rows/s against {base_name}: {bi['seconds'] / max(imp['seconds'], 1e-9):.2f}x "
            f"wall, {bi['cpu_seconds'] / max(imp['cpu_seconds'], 1e-9):.2f}x per CPU s (goal >= 3x)",
        )
    print(f"\nimport reconciles: {imp['reconciles']}; rows accepted {imp['accepted']:,}")


if __name__ == "__main__":
    main()
