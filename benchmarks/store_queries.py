"""Store queries against plain DuckDB on the same Parquet files (issue 23, item 5).

For each query, the store's own call and the SQL a person would write by hand in DuckDB
(one connection kept open, the same month files the store's manifest names, results
as pandas frames), each run ``--repeat`` times in this process after one warm-up, in turns (so
both see the same load on a shared machine); the median wall time of each and the ratio store / DuckDB are printed. The goal is a ratio of
at most 1.5 (the issue measured 3.3x, 2.2x, 4.5x and 9.9x before the store kept one
connection and pushed area filters into SQL). Row counts are printed beside the times:
the store's exact point-in-polygon answer and DuckDB's ``ward_code`` column must agree.

- summary by month: ``Store.counts(["month"])`` (records and ASB per month, BCP only);
- one month of BCP: ``Store.records(months=(m, m), area="bcp")``;
- a ward's counts: ``Store.counts(["month"], area=ward)``;
- a ward's records: ``hs.open_dataset(...).records(area=ward)``.

On a format-4 store (the points table), the whole-record queries join the points back
in the reference too, as the README's ``CREATE VIEW records`` does; counts need no join.

Timings on a shared machine are noisy: compare the ratios, which are measured in the
same run. Nothing is asserted here except that both sides return the same counts.

    .venv/bin/python benchmarks/store_queries.py [--store DIR] [--ward "Poole Town"]
        [--repeat 31] [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/hotspots.py would shadow the hotspots package
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import statistics
import time

GOAL_RATIO = 1.5


def _paired_s(ours, ref, repeat: int) -> tuple[float, float, object, object]:
    """Median seconds of ``ours`` and ``ref``, run in turns (so both see the same load)."""
    r_ours, r_ref = ours(), ref()  # warm-up: file cache, first connection, boundaries
    t_ours, t_ref = [], []
    for i in range(repeat):
        for fn, times in ((ours, t_ours), (ref, t_ref))[:: 1 if i % 2 else -1]:
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return statistics.median(t_ours), statistics.median(t_ref), r_ours, r_ref


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="store directory (default: the bundled dataset)")
    ap.add_argument("--ward", default="Poole Town", help="ward name or code for the ward queries")
    ap.add_argument("--repeat", type=int, default=31)
    ap.add_argument("--quick", action="store_true", help="5 repeats (what CI runs)")
    args = ap.parse_args(argv)
    repeat = 5 if args.quick else args.repeat

    import duckdb

    import hotspots as hs
    from hotspots.data import schema as S
    from hotspots.data.areas import resolve_area
    from hotspots.data.store import open_dataset
    from hotspots.data.store_layout import points_files, sql_list

    store = open_dataset(store=args.store) if args.store else open_dataset("bundled")
    ds = hs.open_dataset(store.path)
    months = store.months()
    if not months:
        print(f"the store {store.path} holds no months")
        return 1
    month = months[-1]
    ward = resolve_area(args.ward)
    if ward.kind != "ward":
        print(f"--ward {args.ward!r} is not a ward ({ward.kind})")
        return 1
    code = ward.spec.split(":", 1)[1]

    con = duckdb.connect()
    # format 4: the README's view (the points joined back) where a query wants whole records
    points = [str(store.path / rel) for rel in points_files(store.manifest())]

    def plain(sql: str, files, *, whole_records: bool = False):
        src = f"read_parquet({sql_list(str(f) for f in files)}, hive_partitioning = false)"
        if whole_records and points:
            src = (
                "(SELECT r.* EXCLUDE (point_id), p.* EXCLUDE (point_id) "
                f"FROM {src} AS r JOIN read_parquet({sql_list(points)}) AS p USING (point_id))"
            )
        return con.sql(sql.replace("{records}", src)).df()

    every = store.month_files()
    last = store.month_files((month, month))
    asb = f"count(*) FILTER (WHERE {S.CATEGORY} = '{S.ASB}')::BIGINT AS asb"
    cases = [
        (
            "summary by month",
            lambda: store.counts([S.MONTH]),
            lambda: plain(
                f"SELECT {S.MONTH}, count(*)::BIGINT AS records, {asb} FROM {{records}} "
                f"WHERE {S.IN_BCP} GROUP BY {S.MONTH} ORDER BY {S.MONTH}",
                every,
            ),
            lambda r: int(r["records"].sum()),
        ),
        (
            f"one month of BCP ({month})",
            lambda: store.records(months=(month, month), area="bcp"),
            lambda: plain(f"SELECT * FROM {{records}} WHERE {S.IN_BCP}", last, whole_records=True),
            len,
        ),
        (
            f"a ward's counts ({ward.name})",
            lambda: store.counts([S.MONTH], area=ward),
            lambda: plain(
                f"SELECT {S.MONTH}, count(*)::BIGINT AS records, {asb} FROM {{records}} "
                f"WHERE {S.WARD_CODE} = '{code}' GROUP BY {S.MONTH} ORDER BY {S.MONTH}",
                every,
            ),
            lambda r: int(r["records"].sum()),
        ),
        (
            f"a ward's records, ds.records(area=) ({ward.name})",
            lambda: ds.records(area=ward.spec),
            lambda: plain(
                f"SELECT * FROM {{records}} WHERE {S.WARD_CODE} = '{code}'",
                every,
                whole_records=True,
            ),
            len,
        ),
    ]
    print(
        f"store {store.path} ({len(months)} months); median of {repeat} runs; "
        "ratio = store / plain DuckDB on the same files",
    )
    print("| Query | Store s | DuckDB s | Ratio | Goal | Rows store / DuckDB |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    mismatch = []
    for name, ours, ref, size in cases:
        t_ours, t_ref, r_ours, r_ref = _paired_s(ours, ref, repeat)
        ratio = t_ours / t_ref
        worst = max(worst, ratio)
        n_ours, n_ref = size(r_ours), size(r_ref)
        if n_ours != n_ref:
            mismatch.append(name)
        print(
            f"| {name} | {t_ours:.4f} | {t_ref:.4f} | {ratio:.2f}x | <= {GOAL_RATIO}x | "
            f"{n_ours:,} / {n_ref:,} |",
        )
    print(f"worst ratio {worst:.2f}x (goal <= {GOAL_RATIO}x)")
    if mismatch:
        print("row counts differ for: " + "; ".join(mismatch))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
