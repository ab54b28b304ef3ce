"""Benchmark of the hotspot methods on 1M police.uk-like records (a script, not a test).

Run::

    .venv/bin/python benchmarks/hotspots.py            # full run, ~3-5 min on 2 cores
    .venv/bin/python benchmarks/hotspots.py --quick    # 20k records, one run of each step,
                                                       # no warm-up runs, 999 Gi* permutations,
                                                       # in one process (the CI smoke test)

Data: 1,000,000 records snapped to 8,000 locations, generated here with a fixed
seed from the real BCP snap points of ``geodata/police_uk`` (the 5k real points plus
jittered copies, drawn with probability following the real counts; categories and
"On or near" texts from the real points). Nothing real is written anywhere.

What is measured (medians of several runs; timings on shared 2-core machines are
noisy, so ratios are taken within one run):

* KDE refresh: :func:`hotspots.methods.kde.kernel_density` from cached distinct
  locations on the automatic BCP grid, quartic and Gaussian (goal <= 15 ms; the
  Gaussian's gridding is cached per record set, so its refresh is one FFT product; its
  time for a new record set, the exact scatter (direct path) and a plain
  ``scipy.signal.fftconvolve`` on the same grid are printed beside it as ratios, with
  the load average), and its
  ratio to scikit-learn ``KernelDensity.score_samples`` on the same grid (Gaussian,
  fitted on the 1M raw records; timed on a sample of cells and scaled to the grid;
  goal >= 1e5x). The sampled cells also cross-check the two densities. The Gaussian's
  ratio to the exact scatter on the same grid, and the hotspot shapes from the cell
  mask's components against one union of every selected square, are printed too.
* DBSCAN on 1M records (goal <= 0.2 s, <= 0.5 GiB) against scikit-learn DBSCAN on the
  raw records at 100k and 300k: time and peak memory. Each case runs in a fresh
  subprocess; memory is the peak resident set above its level before the call,
  sampled from /proc every 2 ms (``tracemalloc`` misses scikit-learn's C++
  neighbour lists).
* One-quarter DBSCAN detect (the bundled 2024-01..03 months, ~9.4k records, in
  process, map-point chance model, naming of what passes the importance floor;
  goal <= 1 s on a quiet machine) and its ratio to the clustering alone.
* Gi* on a 100 m grid over BCP with its default inference (exact binomial tails
  under the map-point chance model, no permutations) and with the permutation
  path it replaced (the automatic number of permutations, 99,999 for BCP; goal
  <= 1 s end to end), printed as a ratio; the same pair through ``detect`` on the
  real quarter (naming included); and the permutation p-values against a naive
  per-cell loop (esda's algorithm, one cell at a time: copy the other n - 1 values,
  gather the shared draws, sum, compare), timed on a sample of cells and scaled to
  the grid, same draws count.

It prints a Markdown table for the README's performance section.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This file is called hotspots.py: drop its folder from the import path so that
# ``import hotspots`` finds the package, not this script.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N_RECORDS = 1_000_000
N_LOCATIONS = 8_000
SEED = 20240101
QUICK_RECORDS = 20_000
QUICK_PERMUTATIONS = 999  # --quick: the permutation path at a smoke run's size
#: Untimed runs before each timed step; --quick sets 0 (one run per step: a smoke run)
WARMUP = 1


# ----------------------------------------------------------------------------- data


def make_records(
    n: int = N_RECORDS,
    n_locations: int = N_LOCATIONS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Canonical records: ``n`` records on ``n_locations`` police.uk-like snap points."""
    from hotspots.data import schema as S
    from hotspots.data.points import unique_locations
    from hotspots.data.store import open_dataset

    real = open_dataset("bundled").records()
    real = real[real[S.IN_BCP].to_numpy(dtype=bool)]
    pts = unique_locations(real[S.X].to_numpy(), real[S.Y].to_numpy())
    first = np.empty(len(pts), dtype=np.int64)
    first[pts.inverse[::-1]] = np.arange(len(real) - 1, -1, -1)
    loc_text = real[S.LOCATION].to_numpy(dtype=object)[first]
    ward = real[S.WARD_NAME].to_numpy(dtype=object, na_value=None)[first]
    rng = np.random.default_rng(seed)
    k_real = len(pts)
    extra = n_locations - k_real
    src = rng.choice(k_real, size=max(extra, 0), p=pts.weight / pts.weight.sum())
    ang = rng.uniform(0, 2 * np.pi, len(src))
    r = rng.uniform(30, 120, len(src))
    lx = np.r_[pts.x, pts.x[src] + r * np.cos(ang)]
    ly = np.r_[pts.y, pts.y[src] + r * np.sin(ang)]
    parent = np.r_[np.arange(k_real), src]
    # popularity: the real counts (smoothed), heavier for the real points
    pop = np.r_[pts.weight + 0.5, 0.3 * (pts.weight[src] + 0.5)]
    which = rng.choice(len(lx), size=n, p=pop / pop.sum())
    cats = real[S.CATEGORY].to_numpy(dtype=object)
    cat = cats[rng.integers(0, len(cats), n)]
    months = np.array([f"2023-{m:02d}" for m in range(1, 13)], dtype=object)
    df = pd.DataFrame(
        {
            S.RECORD_ID: np.char.add("bench#", np.arange(n).astype(str)),
            S.SOURCE: S.SOURCE_SIMULATED,
            S.SOURCE_FILE: "benchmark",
            S.SOURCE_ROW: np.arange(2, n + 2),
            S.MONTH: months[rng.integers(0, 12, n)],
            S.CATEGORY: cat,
            S.X: lx[which],
            S.Y: ly[which],
            S.LOCATION: loc_text[parent[which]],
            S.WARD_NAME: ward[parent[which]],
            S.IN_BCP: True,
            S.SIMULATED: True,
        },
    )
    return S.conform(df)


def _cache(n: int = N_RECORDS) -> Path:
    return Path(tempfile.gettempdir()) / f"hotspots-benchmark-{n}-{N_LOCATIONS}-{SEED}.parquet"


_CACHE = _cache()


def load_records(n: int = N_RECORDS) -> pd.DataFrame:
    path = _cache(n)
    if path.exists():
        return pd.read_parquet(path)
    df = make_records(n)
    df.to_parquet(path, index=False)
    return df


# ----------------------------------------------------------------------------- timing


def naive_permutation_p(values, others_sum, n_others, permutations, rng, cells):
    """Conditional permutation p-values cell by cell, as esda's ``crand`` loop does it."""
    n = len(values)
    kmax = int(n_others.max())
    ids = np.argsort(rng.random((permutations, n - 1)), axis=1)[:, :kmax] if n < 3000 else None
    if ids is None:  # draws without replacement, one row at a time
        ids = np.stack([rng.choice(n - 1, size=kmax, replace=False) for _ in range(permutations)])
    out = np.empty(len(cells))
    for t, i in enumerate(cells):
        others = np.delete(values, i)
        sims = others[ids[:, : n_others[i]]].sum(axis=1)
        n_ge = (sims >= others_sum[i]).sum()
        n_le = (sims <= others_sum[i]).sum()
        out[t] = min(1.0, 2 * (min(n_ge, n_le) + 1) / (permutations + 1))
    return out


def bench_gistar(
    recs,
    bcp,
    quick: bool = False,
    label: str = "1M",
) -> list[tuple[str, str, str, str]]:
    """Gi* end to end at 1M records (exact map-point test against permutations), the
    same pair through ``detect`` on the real quarter, and the permutation step against
    a per-cell loop.
    """
    from hotspots.data import schema as S
    from hotspots.methods.gistar import (
        auto_permutations,
        gistar,
        gistar_hotspot_areas,
        study_grid,
    )
    from hotspots.methods.gistar_stat import _grid_sums, conditional_permutation_p
    from hotspots.methods.grid import bin_counts

    out = []
    res = gistar(recs, cell_size_m=100, area=bcp)  # warm: map points and catchments cached
    grid, mask = study_grid(bcp, 100.0)
    perms = QUICK_PERMUTATIONS if quick else auto_permutations(int(mask.sum()))
    runs = 1 if quick else 5
    med, _ = median_time(lambda: gistar(recs, cell_size_m=100, area=bcp), runs=runs)
    med_p, _ = median_time(
        lambda: gistar(recs, cell_size_m=100, area=bcp, permutations=perms),
        runs=runs,
    )
    med0, _ = median_time(
        lambda: gistar(recs, cell_size_m=100, area=bcp, permutations=0),
        runs=runs,
    )
    areas = gistar_hotspot_areas(res)
    print(
        f"Gi* 100 m over BCP on {label} records: {med:.3f} s with the exact map-point test "
        f"({res.inference}), {med_p:.3f} s with {perms:,} permutations (ratio "
        f"{med_p / med:.1f}x), {med0:.3f} s with the normal approximation; hot cells "
        f"{int(res.hot_mask.sum())}, hotspots {len(areas)}",
    )
    out.append(
        (
            f"Gi* on a 100 m grid over BCP, {label} records, exact map-point test (default)",
            f"{med:.2f} s",
            "<= 1 s",
            (
                f"end to end (FDR, cell polygons); {med_p:.2f} s with {perms:,} conditional "
                f"permutations (permutation / exact = {med_p / med:.1f}); {med0:.2f} s with the "
                "normal approximation"
            ),
        ),
    )
    out.extend(bench_gistar_detect(perms, quick))
    counts = bin_counts(grid, recs[S.X].to_numpy(), recs[S.Y].to_numpy())
    cm, lag, w_sum = _grid_sums(counts, mask, 100.0, 300.0)
    v, obs, k = cm[mask], (lag - cm)[mask], w_sum[mask].astype(np.int64) - 1
    ours, _ = median_time(
        lambda: conditional_permutation_p(v, obs, k, permutations=perms, seed=0),
        runs=runs,
    )
    rng = np.random.default_rng(0)
    cells = rng.choice(len(v), size=5 if quick else 40, replace=False)
    t = time.perf_counter()
    naive_permutation_p(v, obs, k, perms, rng, cells)
    naive = (time.perf_counter() - t) / len(cells) * len(v)
    ratio = naive / ours
    print(
        f"permutation p-values for {len(v):,} cells, {perms:,} permutations: ours {ours * 1e3:.0f} ms; "
        f"naive per-cell loop {naive:.0f} s (extrapolated from {len(cells)} cells); ratio {ratio:.0f}x",
    )
    out.append(
        (
            f"Gi* permutation p-values, {len(v):,} cells x {perms:,} permutations",
            f"{ours * 1e3:.0f} ms",
            "",
            (
                f"naive per-cell loop (esda's algorithm in numpy): {naive:.0f} s extrapolated from "
                f"{len(cells)} cells; ours is {ratio:.0f}x faster"
            ),
        ),
    )
    return out


def bench_gistar_detect(perms: int, quick: bool = False) -> list[tuple[str, str, str, str]]:
    """Gi* through ``detect`` on one quarter of real records: default against permutations."""
    from hotspots.data.boundaries import load_boundaries
    from hotspots.data.select import filter_records
    from hotspots.data.store import open_dataset
    from hotspots.methods.detect import detect

    b = load_boundaries()
    allr = open_dataset("bundled").records()
    q = filter_records(allr, months=("2024-01", "2024-03"))
    q = q[q[S_IN_BCP(q)].to_numpy(dtype=bool)]
    res = detect(q, "gistar", boundaries=b)  # warm
    runs = 1 if quick else 7
    exact, _ = median_time(lambda: detect(q, "gistar", boundaries=b), runs=runs)
    perm, _ = median_time(lambda: detect(q, "gistar", boundaries=b, permutations=perms), runs=runs)
    print(
        f"one quarter ({len(q):,} records), Gi* detect: {exact:.3f} s exact map-point test, "
        f"{perm:.3f} s with {perms:,} permutations (ratio {perm / exact:.1f}x); "
        f"{len(res.hotspots)} hotspots",
    )
    return [
        (
            f"Gi* `detect`, one quarter of real BCP records ({len(q):,})",
            f"{exact:.2f} s",
            "",
            (
                f"exact map-point test (default), naming included; {perm:.2f} s with {perms:,} "
                f"permutations (permutation / exact = {perm / exact:.1f})"
            ),
        ),
    ]


def bench_quarter(quick: bool = False) -> list[tuple[str, str, str, str]]:
    """One quarter of real BCP records, DBSCAN through ``detect`` in this process."""
    from hotspots.data.boundaries import load_boundaries
    from hotspots.data.points import unique_locations
    from hotspots.data.select import filter_records
    from hotspots.data.store import open_dataset
    from hotspots.methods.dbscan import dbscan_labels
    from hotspots.methods.detect import detect, study_area

    b = load_boundaries()
    allr = open_dataset("bundled").records()
    q = filter_records(allr, months=("2024-01", "2024-03"))
    q = q[q[S_IN_BCP(q)].to_numpy(dtype=bool)]
    res = detect(q, "dbscan", boundaries=b)  # warm: map points and catchments cached
    runs = 1 if quick else 7
    full, _ = median_time(lambda: detect(q, "dbscan", boundaries=b), runs=runs)
    eps, mp = res.parameters["eps_m"], res.detail.min_points_by_location
    x, y = q["x"].to_numpy(), q["y"].to_numpy()

    def core():
        p = unique_locations(x, y)
        return dbscan_labels(p.x, p.y, p.weight, eps, mp)

    clus, _ = median_time(core, runs=runs)
    bcp = study_area("bcp", b)
    print(
        f"one quarter (2024-01..03, {len(q):,} records), DBSCAN detect: {full:.3f} s; "
        f"clustering alone {clus * 1e3:.1f} ms (ratio {full / clus:.0f}); "
        f"{len(res.hotspots)} hotspots over {bcp.area_km2:.0f} km²",
    )
    return [
        (
            f"DBSCAN `detect`, one quarter of real BCP records ({len(q):,})",
            f"{full:.2f} s",
            "<= 1 s",
            (
                f"in process, chance model and naming included; clustering alone "
                f"{clus * 1e3:.0f} ms (detect / clustering = {full / clus:.0f})"
            ),
        ),
    ]


def S_IN_BCP(frame: pd.DataFrame) -> str:
    from hotspots.data import schema as S

    return S.IN_BCP


def median_time(fn, runs: int = 7, warmup: int | None = None) -> tuple[float, list[float]]:
    """Median wall seconds of ``runs`` calls after ``warmup`` untimed ones (default ``WARMUP``)."""
    for _ in range(WARMUP if warmup is None else warmup):
        fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), ts


class PeakRSS:
    """Peak resident memory above the level at start, sampled every 2 ms from /proc (Linux).

    tracemalloc does not see scikit-learn's neighbour lists (built in C++), so memory
    is read from the operating system instead.
    """

    def __init__(self):
        import os
        import threading

        self._page = os.sysconf("SC_PAGE_SIZE")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self.base = self._rss()
        self.peak = self.base

    def _rss(self) -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * self._page

    def _poll(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(0.002)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def mib(self) -> float:
        return (self.peak - self.base) / 2**20


def _child(case: str, n: int, eps: float, mp: int) -> None:
    """Run one DBSCAN case in this (fresh) process; print JSON with time and memory.

    Memory is measured on the first run (nothing cached yet), time as the median of
    the next runs.
    """
    import gc

    from hotspots.data import schema as S

    cols = None if case == "ours" else [S.X, S.Y]
    recs = pd.read_parquet(_CACHE, columns=cols).iloc[:n]
    run = _dbscan_case(case, recs, eps, mp)

    gc.collect()
    with PeakRSS() as mem:
        t = time.perf_counter()
        run()
        first = time.perf_counter() - t
    runs = 1 if case == "sklearn-raw" and n > 200_000 else 5
    med = first if runs == 1 else median_time(run, runs=runs, warmup=0)[0]
    print(json.dumps({"time_s": med, "first_s": first, "peak_mib": mem.mib, "runs": runs}))


def _dbscan_case(case: str, recs: pd.DataFrame, eps: float, mp: int):
    """The function timed for one DBSCAN case."""
    from sklearn.cluster import DBSCAN

    from hotspots.data import schema as S
    from hotspots.data.points import unique_locations
    from hotspots.methods.dbscan import dbscan_labels

    x, y = recs[S.X].to_numpy(), recs[S.Y].to_numpy()
    if case == "ours":
        from hotspots.data.boundaries import load_boundaries
        from hotspots.methods.dbscan import dbscan_hotspots

        b = load_boundaries()  # loaded once per process, outside the measurement

        def run():
            return dbscan_hotspots(recs, eps_m=eps, min_points=mp, boundaries=b)
    elif case == "ours-core":

        def run():
            pts = unique_locations(x, y)
            return dbscan_labels(pts.x, pts.y, pts.weight, eps, mp)
    elif case == "sklearn-weighted":

        def run():
            pts = unique_locations(x, y)
            return DBSCAN(eps=eps, min_samples=mp).fit(
                np.c_[pts.x, pts.y],
                sample_weight=pts.weight,
            )
    else:

        def run():
            return DBSCAN(eps=eps, min_samples=mp).fit(np.c_[x, y])

    return run


def run_child(case: str, n: int, eps: float, mp: int, recs: pd.DataFrame | None = None) -> dict:
    """One DBSCAN case in a fresh process (time and memory); in this process, time only,
    when ``recs`` is given (the quick mode).
    """
    if recs is not None:
        run = _dbscan_case(case, recs.iloc[:n], eps, mp)
        med, ts = median_time(run, runs=1)
        return {"time_s": med, "first_s": ts[0], "peak_mib": float("nan"), "runs": 1}
    out = subprocess.run(
        [sys.executable, __file__, "--child", case, str(n), str(eps), str(mp)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _gaussian_references(KS, pts, weights, grid, sd, refresh_s, runs):
    """Time the Gaussian's other paths on the same grid in this run and print the ratios.

    The refresh (``refresh_s``) reuses the record set's cached gridding; a new record set
    grids its locations first (cache cleared before each call); the exact scatter is the
    direct path; a plain ``scipy.signal.fftconvolve`` of a grid-sized array with the
    Gaussian sampled to 6 sd is the issue's "FFT on the same grid" reference.
    """
    import os

    from scipy.signal import fftconvolve

    cell = grid.cell_size_m
    reach = math.ceil(KS.GAUSS_TRUNCATE_SD * sd / cell)

    def new_set():
        KS.clear_cache()
        return KS.kernel_density(pts.x, pts.y, weights, grid, bandwidth_m=sd, kernel="gaussian")

    fresh, _ = median_time(new_set, runs=runs)
    direct, _ = median_time(
        lambda: KS._scatter(pts.x, pts.y, weights, grid, reach, KS._gauss_block(sd)),
        runs=runs,
    )
    t = np.arange(-reach, reach + 1) * cell
    g = np.exp(-0.5 * (t / sd) ** 2)
    kernel2 = np.outer(g, g)
    field = np.random.default_rng(0).random(grid.shape)
    plain, _ = median_time(lambda: fftconvolve(field, kernel2, mode="same"), runs=runs)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"KDE gaussian on the same grid (load average {load}): refresh {refresh_s * 1e3:.1f} ms; "
        f"new record set (gridding + FFTs) {fresh * 1e3:.1f} ms; exact scatter (direct) "
        f"{direct * 1e3:.1f} ms; plain fftconvolve {plain * 1e3:.1f} ms. Ratios: direct / refresh "
        f"{direct / refresh_s:.1f}x, plain FFT / refresh {plain / refresh_s:.2f}x, direct / new set "
        f"{direct / fresh:.1f}x, plain FFT / new set {plain / fresh:.2f}x",
    )
    return (
        f"new record set {fresh * 1e3:.1f} ms; exact scatter (direct) {direct * 1e3:.1f} ms: "
        f"ratio {direct / refresh_s:.1f}x faster; plain `fftconvolve` on the same grid "
        f"{plain * 1e3:.1f} ms: ratio {plain / refresh_s:.2f}x (load average {load})"
    )


# ----------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help=(
            f"{QUICK_RECORDS // 1000}k records, one run of each step and no warm-up runs, "
            f"{QUICK_PERMUTATIONS} Gi* permutations, everything in this process (no memory "
            "figures): a smoke run (CI)"
        ),
    )
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        case, n, eps, mp = args.child
        _child(case, int(n), float(eps), int(mp))
        return 0
    global WARMUP
    if args.quick:
        WARMUP = 0

    from sklearn.neighbors import KernelDensity

    from hotspots.data import schema as S
    from hotspots.data.areas import resolve_area
    from hotspots.data.points import unique_locations
    from hotspots.methods import kde as K
    from hotspots.methods import kde_surface as KS
    from hotspots.methods.dbscan import auto_eps_m, auto_min_points

    n_records = QUICK_RECORDS if args.quick else N_RECORDS
    runs = 1 if args.quick else 15
    rows: list[tuple[str, str, str, str]] = []  # what, measured, goal, note

    t = time.perf_counter()
    recs = load_records(n_records)
    print(f"records: {len(recs):,} ({time.perf_counter() - t:.1f} s to load/generate)")
    label = f"{n_records // 1000}k" if n_records < 1_000_000 else "1M"
    x, y = recs[S.X].to_numpy(), recs[S.Y].to_numpy()
    dedup, _ = median_time(lambda: unique_locations(x, y), runs=runs)
    pts = unique_locations(x, y)
    print(f"distinct locations: {len(pts):,}; deduplication {dedup * 1e3:.1f} ms")
    rows.append(
        (
            f"Deduplicate {label} records to {len(pts) // 1000}k locations",
            f"{dedup * 1e3:.0f} ms",
            "",
            "`unique_locations`, int64 key + `pd.factorize`",
        ),
    )

    # --- KDE ------------------------------------------------------------------
    bcp = resolve_area("bcp")
    cell = K.auto_cell_size_m(tuple(bcp.geometry.bounds))
    radius = K._sig2(K.auto_bandwidth_m(pts))
    sd = K._sig2(radius / math.sqrt(8))
    results = {}
    weights = pts.weight.astype("float64")  # cached with the locations
    for kernel, h in (("quartic", radius), ("gaussian", sd)):
        reach = h if kernel == "quartic" else K.GAUSS_TRUNCATE_SD * h
        grid = K.grid_for(tuple(bcp.geometry.bounds), cell, pad_m=reach)
        med, ts = median_time(
            lambda grid=grid, h=h, kernel=kernel: K.kernel_density(
                pts.x,
                pts.y,
                weights,
                grid,
                bandwidth_m=h,
                kernel=kernel,
            ),
            runs=runs,
        )
        results[kernel] = (grid, h, med)
        path = "exact scatter" if kernel == "quartic" else KS._gauss_path(len(pts), grid, h)
        print(
            f"KDE {kernel}: grid {grid.nx}x{grid.ny} ({grid.n_cells:,} cells of {cell:g} m), bandwidth {h:g} m, "
            f"path {path}: median {med * 1e3:.1f} ms (min {min(ts) * 1e3:.1f}, max {max(ts) * 1e3:.1f})",
        )
        note = f"from cached locations; {path}"
        if kernel == "gaussian":
            note = f"from cached locations and their cached gridding; {path}"
            note += "; " + _gaussian_references(KS, pts, weights, grid, h, med, runs)
        rows.append(
            (
                f"KDE refresh, {kernel} (bandwidth {h:g} m, {grid.n_cells // 1000}k cells of {cell:g} m)",
                f"{med * 1e3:.1f} ms",
                "<= 15 ms",
                note,
            ),
        )
    # hotspot shapes: the mask's components against one union of every selected square
    from hotspots.methods.grid import cell_polygons
    from hotspots.methods.naming import dissolve_cells

    surf = K.kde_hotspots(recs, area=bcp, alpha=None)
    sel = surf.in_area & (surf.density >= surf.threshold_per_km2)

    def union_of_squares():
        sq = cell_polygons(surf.grid, sel)
        sq["d"] = surf.density[sel]
        return dissolve_cells(sq, value_column="d")

    shapes, _ = median_time(lambda: K.cell_areas(surf.grid, sel, surf.density), runs=runs)
    union, _ = median_time(union_of_squares, runs=runs)
    rows.append(
        (
            f"KDE cells into hotspot shapes ({int(sel.sum()):,} cells, top 2%)",
            f"{shapes * 1e3:.1f} ms",
            "",
            (
                f"`cell_areas` (components + coverage union each); one union of every square "
                f"{union * 1e3:.1f} ms: ratio {union / shapes:.1f}x faster"
            ),
        ),
    )
    print(f"KDE shapes: {shapes * 1e3:.1f} ms vs union of squares {union * 1e3:.1f} ms")
    full, _ = median_time(lambda: K.kde_hotspots(recs, area=bcp), runs=1 if args.quick else 3)
    rows.append(
        (
            f"KDE hotspots end to end ({label} records, quartic, naming included)",
            f"{full:.2f} s",
            "",
            "dedup, surface, top 2%, dissolve, describe",
        ),
    )
    print(f"kde_hotspots end to end: {full:.2f} s")

    # scikit-learn on the same grid (Gaussian), on the raw records, sampled cells
    grid, h, ours = results["gaussian"]
    ours_density = K.kernel_density(
        pts.x,
        pts.y,
        pts.weight,
        grid,
        bandwidth_m=h,
        kernel="gaussian",
    )
    t = time.perf_counter()
    skl = KernelDensity(bandwidth=h, kernel="gaussian").fit(np.c_[x, y])
    fit_s = time.perf_counter() - t
    cx, cy = grid.centres()
    rng = np.random.default_rng(1)
    # sample cells where there is density (the costly ones) and anywhere, half each
    busy = np.flatnonzero(ours_density.ravel() > 0.01 * ours_density.max())
    k_s = 5 if args.quick else 40
    sample = np.r_[
        rng.choice(busy, k_s, replace=False),
        rng.choice(grid.n_cells, k_s, replace=False),
    ]
    t = time.perf_counter()
    logd = skl.score_samples(np.c_[cx.ravel()[sample], cy.ravel()[sample]])
    per_cell = (time.perf_counter() - t) / len(sample)
    skl_total = fit_s + per_cell * grid.n_cells
    skl_density = np.exp(logd) * len(x) * 1e6
    ref = ours_density.ravel()[sample]
    big = ref > 0.01 * ours_density.max()
    agree = (
        float(np.max(np.abs(skl_density[big] - ref[big]) / ref[big])) if big.any() else float("nan")
    )
    ratio = skl_total / ours
    print(
        f"scikit-learn KernelDensity (gaussian, {label} raw records): fit {fit_s:.2f} s, score_samples "
        f"{per_cell * 1e3:.1f} ms/cell over {len(sample)} sampled cells -> {skl_total / 3600:.2f} h for "
        f"{grid.n_cells:,} cells (extrapolated); ours {ours * 1e3:.1f} ms; ratio {ratio:.2e}; "
        f"max relative difference on sampled cells above 1% of peak: {agree:.2e}",
    )
    rows.append(
        (
            f"scikit-learn `KernelDensity.score_samples`, same grid, {label} raw records",
            f"{skl_total / 3600:.2f} h (extrapolated from {len(sample)} cells)",
            "",
            f"ours is {ratio:.1e}x faster (goal >= 1e5x); values agree to {agree:.1e}",
        ),
    )

    # --- DBSCAN -----------------------------------------------------------------
    eps = auto_eps_m(pts)
    area_m2 = float(bcp.geometry.area)
    mp = auto_min_points(len(recs), eps, area_m2, len(pts))
    print(f"DBSCAN parameters (uniform-model rules on {label}): eps {eps:g} m, min_points {mp}")
    here = recs if args.quick else None
    ours = run_child("ours", n_records, eps, mp, here)
    core = run_child("ours-core", n_records, eps, mp, here)
    skw = run_child("sklearn-weighted", n_records, eps, mp, here)
    rows.append(
        (
            f"DBSCAN on {label} records (eps {eps:g} m, min_points {mp:,}), end to end",
            f"{ours['time_s']:.3f} s, peak {ours['peak_mib']:.0f} MiB",
            "<= 0.2 s, <= 0.5 GiB",
            "dedup + clustering + hulls + naming",
        ),
    )
    rows.append(
        (
            "DBSCAN core: dedup + `dbscan_labels` on the weighted locations",
            f"{core['time_s']:.3f} s, peak {core['peak_mib']:.0f} MiB",
            "",
            (
                f"scikit-learn DBSCAN on the same weighted locations: {skw['time_s']:.3f} s "
                f"(ratio {skw['time_s'] / core['time_s']:.2f}); naming adds the rest"
            ),
        ),
    )
    print(f"ours end to end: {ours}; core: {core}; scikit-learn weighted: {skw}")
    for n in (20_000,) if args.quick else (100_000, 300_000):
        mp_n = auto_min_points(n, eps, area_m2, len(pts))
        raw = run_child("sklearn-raw", n, eps, mp_n, here)
        ours_n = run_child("ours-core", n, eps, mp_n, here)
        print(f"scikit-learn raw {n:,} (min_samples {mp_n}): {raw}; ours {ours_n}")
        rows.append(
            (
                f"scikit-learn DBSCAN on {n // 1000}k raw records (min_samples {mp_n})",
                f"{raw['time_s']:.2f} s, peak {raw['peak_mib']:.0f} MiB"
                + (" (single run)" if raw["runs"] == 1 else ""),
                "",
                (
                    f"ours (dedup + weighted DBSCAN) on the same records: "
                    f"{ours_n['time_s'] * 1e3:.0f} ms, {ours_n['peak_mib']:.0f} MiB"
                ),
            ),
        )

    rows.extend(bench_quarter(args.quick))

    # --- Gi* --------------------------------------------------------------------
    rows.extend(bench_gistar(recs, bcp, args.quick, label))

    print()
    print("| What | Measured | Goal | Notes |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    if args.quick:
        print(
            "Quick smoke run (--quick): one run of each step, no warm-up runs, "
            f"{QUICK_PERMUTATIONS} Gi* permutations; not figures to compare (a full run gives them).",
        )
        return 0
    print(
        "Medians of 5-15 runs on a shared 2-core machine (single runs where marked); memory = peak "
        "resident memory above the level before the call, in a fresh process.",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
