"""Ingest benchmark: 1M simulated police.uk rows, validation and ward join included.

Prints rows/s and the ratio against the straightforward approach: projecting every
raw point and spatially joining it to the wards with geopandas (``gpd.sjoin``),
which is what a first implementation does. Ours projects and joins each distinct
snap point once. Medians of several runs; timings here are noisy.

    .venv/bin/python benchmarks/ingest.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/hotspots.py (the hotspot benchmark) would shadow the hotspots package
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.data import schema as S
from hotspots.data.boundaries import load_boundaries
from hotspots.data.ingest import complete_records, read_police_uk


def make_csv(n_rows: int, out: Path, seed: int = 0, min_scale: float = 1.0) -> Path:
    """police.uk-format CSV of ``n_rows``: simulated records (or resampled real rows).

    ``min_scale``: the simulation's smallest volume multiplier (rows are resampled from it).
    """
    try:
        from hotspots.data.simulate import simulate

        months_needed = max(1, int(np.ceil(n_rows / 3500)))
        scale = max(min_scale, n_rows / (3500 * 48))
        sim = simulate(seed=seed, scale=scale)
        frame = sim.police_uk_frame()
        kind = f"simulator (seed {seed}, scale {scale:.2f})"
        del months_needed
    except ImportError:
        real = pd.concat(
            pd.read_csv(f, dtype=str, keep_default_na=False)
            for f in sorted(Path("geodata/police_uk").glob("*.csv"))
        )
        frame = real
        kind = "resampled real rows (simulator not available)"
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(frame), n_rows)
    frame = frame.iloc[idx].reset_index(drop=True)
    has_id = frame["Crime ID"] != ""
    frame.loc[has_id, "Crime ID"] = [f"{i:064x}" for i in np.flatnonzero(has_id.to_numpy())]
    path = out / "2030-01-dorset-street.csv"
    frame.to_csv(path, index=False)
    print(f"input: {n_rows:,} rows from {kind}, {path.stat().st_size / 1e6:.0f} MB")
    return path


def naive_join(records: pd.DataFrame) -> float:
    """Project every record and sjoin every record to the wards: the straightforward way."""
    b = load_boundaries()
    t = time.perf_counter()
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(records[S.LON], records[S.LAT]),
        crs=S.CRS_DISPLAY,
    ).to_crs(S.CRS_METRES)
    joined = gpd.sjoin(pts, b.wards[[S.WARD_CODE, "geometry"]], how="left", predicate="within")
    assert len(joined) >= len(records)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="20k rows resampled from a quarter-scale simulation, one run (what CI runs)",
    )
    args = ap.parse_args()
    if args.quick:
        args.rows, args.repeat = 20_000, 1
    load_boundaries()  # loaded once per process in real use too
    with tempfile.TemporaryDirectory() as d:
        path = make_csv(args.rows, Path(d), min_scale=0.25 if args.quick else 1.0)
        totals, joins = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            res = read_police_uk([path])
            totals.append(time.perf_counter() - t)
            rep = res.report
            assert rep.reconciles
            part = res.records[[S.LON, S.LAT, S.SOURCE_ROW]].copy()
            t = time.perf_counter()
            complete_records(part)
            joins.append(time.perf_counter() - t)
        naive = [naive_join(res.records) for _ in range(max(1, args.repeat - 1))]
    tot, jn, nv = statistics.median(totals), statistics.median(joins), statistics.median(naive)
    print(
        f"rows read {rep.rows_read:,}: accepted {rep.rows_accepted:,}, rejected {rep.rows_rejected:,}, "
        f"duplicate {rep.rows_duplicate:,}, in BCP {rep.rows_in_bcp:,}",
    )
    print(
        f"full ingest (read, validate, project, ward join): {tot:.2f} s median of {len(totals)} "
        f"= {rep.rows_read / tot:,.0f} rows/s   (goal < 3 s)",
    )
    print(f"projection + ward join on unique locations:    {jn * 1000:.0f} ms")
    print(f"naive: project + gpd.sjoin every raw point:     {nv * 1000:.0f} ms")
    print(f"ratio naive / ours (join step):                 {nv / jn:.1f}x")
    print(f"ratio naive join alone / our whole ingest:      {nv / tot:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
