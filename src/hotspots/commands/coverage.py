"""``hotspots coverage``: records per month by category, missing months, LSOA vintage, sources."""

from __future__ import annotations

from hotspots.commands._output import emit_text, format_table, require_records
from hotspots.data.store import add_store_arguments, store_from_args

NAME = "coverage"
HELP = "show what the store holds: records per month by category, gaps, LSOA vintage, sources"


def add_arguments(p) -> None:
    add_store_arguments(p)
    p.add_argument("--format", choices=["table", "csv", "json", "markdown"], default="table")
    p.add_argument("--all-areas", action="store_true", help="count records outside BCP too")
    p.add_argument("--out", metavar="FILE")


def run(args) -> int:
    from hotspots.data.coverage import collapse_missing, store_coverage_table

    store = store_from_args(args)
    if not store.months():
        require_records(store.records(), store)  # says the store is empty, and how to fill it
    # DuckDB aggregates over the month files: memory follows the months, not the records
    cov = store_coverage_table(store, bcp_only=not args.all_areas)
    if args.format in ("table", "markdown"):
        cov = collapse_missing(cov)
    if args.format == "table":
        cov = cov.rename(columns=lambda c: c if len(c) < 14 else c[:12] + "…")
    emit_text(format_table(cov, args.format), args.out)
    return 0
