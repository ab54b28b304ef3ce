"""``hotspots coverage``: records per month by category, missing months, LSOA vintage, sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotspots.commands._output import (
    add_disclosure_argument,
    emit_text,
    format_table,
    require_records,
    suppress_below_from_args,
)
from hotspots.data.store import add_store_arguments, store_from_args

if TYPE_CHECKING:
    import argparse

NAME = "coverage"
HELP = "show what the store holds: records per month by category, gaps, LSOA vintage, sources"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots coverage`` to its parser."""
    add_store_arguments(p)
    p.add_argument("--format", choices=["table", "csv", "json", "markdown"], default="table")
    p.add_argument("--all-areas", action="store_true", help="count records outside BCP too")
    p.add_argument("--out", metavar="FILE")
    add_disclosure_argument(p)


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots coverage`` with the parsed ``args``; return the exit code."""
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
    from hotspots.present.disclosure import frame_for_people

    k = suppress_below_from_args(args, "hotspots coverage", {"store_version": store.version})
    counts = [c for c in cov.columns if c != "missing" and cov[c].dtype.kind in "iu"]
    emit_text(format_table(frame_for_people(cov, k, counts), args.format), args.out)
    return 0
