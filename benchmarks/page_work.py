"""Dashboard benchmark: a page's server work after a filter change, on 1M simulated records.

Times exactly what the pages call (``hotspots.present.views`` and the map builder),
without Streamlit: the filter, the method, the map. Goal: at most 0.5 s per page
after a filter change (cached unique locations are not assumed: each change
recomputes from the 1M records). Also prints the map HTML size (goal < 300 KiB).
The naive baseline is the same page drawing one CircleMarker per record.

    .venv/bin/python benchmarks/page_work.py [--scale 6] [--repeat 5]

The same pages as people feel them, in Chromium against a real server: ``dashboard.py``.
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
import time

import folium

from hotspots.data import schema as S
from hotspots.data.boundaries import load_boundaries
from hotspots.data.simulate import simulate
from hotspots.present import views
from hotspots.present.maps import build_map, map_html


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=6.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="scale 0.25 over 2021-2022 (the seasonal windows), one run each (what CI runs)",
    )
    args = ap.parse_args()
    # --quick (CI's smoke run): every page and the naive map still run, once each, on a
    # smaller simulation that still holds the seasonal comparison's two windows
    start = "2021-01" if args.quick else None
    if args.quick:
        args.scale, args.repeat = 0.25, 1
    load_boundaries()
    t = time.perf_counter()
    recs = simulate(seed=3, scale=args.scale, **({"start": start} if start else {})).records
    print(
        f"records: {len(recs):,} simulated (scale {args.scale}) in {time.perf_counter() - t:.1f} s",
    )
    months = sorted(recs[S.MONTH].unique())
    f1 = views.Filters(months[-12], months[-1])
    f2 = f1.with_(categories=(S.ASB,))  # the filter change
    f3 = f1.with_(start=months[-3], area="town:Poole")

    rows = []
    for label, fn in [
        ("filter only (12 months -> ASB)", lambda: views.apply_filters(recs, f2)),
        ("Overview page", lambda: views.overview_view(recs, f2)),
        (
            "Hotspot map: DBSCAN + density + map",
            lambda: build_map(
                points=(v := views.hotspot_view(recs, f2, method="dbscan")).locations,
                density=v.kde,
                hotspots=v.hotspots,
                area=v.area,
            ),
        ),
        (
            "Hotspot map: KDE + map",
            lambda: build_map(
                points=(v := views.hotspot_view(recs, f2, method="kde")).locations,
                density=v.kde,
                hotspots=v.hotspots,
                area=v.area,
            ),
        ),
        (
            "Hotspot map: Gi* + map",
            lambda: build_map(
                points=(
                    v := views.hotspot_view(recs, f2, method="gistar", layers=("points", "gistar"))
                ).locations,
                gistar=v.gistar.grid,
                hotspots=v.hotspots,
                area=v.area,
            ),
        ),
        ("Patrol planning (Poole, 3 months)", lambda: views.patrol_view(recs, f3)),
        (
            "Seasonal comparison (evaluation + Gi* change)",
            lambda: views.seasonal_view(
                recs,
                f2,
                before="2021-04:2021-08",
                after="2022-04:2022-08",
            ),
        ),
        ("Ward view (Bournemouth Central)", lambda: views.ward_view(recs, f2, ward="E05012653")),
    ]:
        sec, _out = timed(fn, args.repeat)
        rows.append((label, sec))
        print(f"{label:45s} {sec * 1000:8.0f} ms  {'OK' if sec <= 0.5 else 'over 0.5 s'}")

    from hotspots.data.coverage import collapse_missing, coverage_table

    sec, _ = timed(lambda: collapse_missing(coverage_table(recs)), max(1, args.repeat // 2))
    print(f"{'coverage table (once per dataset version: cached)':45s} {sec * 1000:8.0f} ms")

    v = views.hotspot_view(recs, f1.with_(start=months[0]), method="dbscan")
    m = build_map(points=v.locations, density=v.kde, hotspots=v.hotspots, area=v.area)
    size = len(map_html(m).encode())
    print(
        f"map HTML for all {v.n_records:,} records (all months): {size / 1024:.0f} KiB "
        f"({len(v.locations):,} locations drawn as one layer)  goal < 300 KiB",
    )

    # naive baseline: one CircleMarker per record, on a sample, scaled
    sample = views.apply_filters(recs, f2).head(200 if args.quick else 20_000)
    t = time.perf_counter()
    nm = folium.Map(tiles=None)
    for lat, lon in zip(sample[S.LAT], sample[S.LON], strict=True):
        folium.CircleMarker([lat, lon], radius=2).add_to(nm)
    html = nm.get_root().render()
    naive = (time.perf_counter() - t) * len(views.apply_filters(recs, f2)) / len(sample)
    per_rec = len(html.encode()) / len(sample)
    n2 = len(views.apply_filters(recs, f2))
    print(
        f"naive map, one CircleMarker per record ({n2:,} ASB records, timed on {len(sample):,} and scaled): "
        f"{naive:.1f} s and {per_rec * n2 / 1024**2:.0f} MiB of HTML",
    )
    dbrow = dict(rows)["Hotspot map: DBSCAN + density + map"]
    print(
        f"ratio naive map / our hotspot page: {naive / dbrow:.0f}x time, "
        f"{per_rec * n2 / size:.0f}x bytes (all-record map)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
