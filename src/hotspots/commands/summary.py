"""``hotspots summary``: counts by month, category, ward or town."""

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

NAME = "summary"
HELP = "counts of BCP records by month, category, ward or town"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots summary`` to its parser."""
    add_store_arguments(p)
    p.add_argument("--by", choices=["month", "category", "ward", "town"], default="month")
    p.add_argument("--from", dest="start", metavar="YYYY-MM")
    p.add_argument("--to", dest="end", metavar="YYYY-MM")
    p.add_argument("--types", help='categories, e.g. "asb", "crime" or "Burglary,Robbery"')
    p.add_argument("--area", help="bcp, a town, ward, LSOA, place[@radius_m] or polygon file")
    p.add_argument("--format", choices=["table", "csv", "json", "markdown"], default="table")
    p.add_argument("--out", metavar="FILE")
    add_disclosure_argument(p)


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots summary`` with the parsed ``args``; return the exit code."""
    from hotspots.data.areas import resolve_area
    from hotspots.data.coverage import store_summary_table, summary_table
    from hotspots.data.select import filter_records, parse_month

    store = store_from_args(args)
    months = None
    if args.start or args.end:
        start = parse_month(args.start, "--from") if args.start else "0000-01"
        end = parse_month(args.end, "--to") if args.end else "9999-12"
        months = (start, end)
    window = f"{args.start or '…'}..{args.end or '…'}" if months else ""
    asked = " ".join(x for x in (window, args.types, args.area) if x)
    area = resolve_area(args.area) if args.area else None
    if area is None or area.kind == "bcp":
        # one DuckDB aggregate over the month files: memory follows the result, not the store
        table = store_summary_table(store, args.by, months=months, categories=args.types)
        if table.empty:
            require_records(table.iloc[:0], store, asked)
    else:
        # only the area's bounding box is read, then the exact area test
        recs = store.records(months=months, categories=args.types, bbox=area.geometry.bounds)
        recs = filter_records(recs, months=months, categories=args.types, area=area)
        require_records(recs, store, asked)
        table = summary_table(recs, args.by)
    from hotspots.present.disclosure import frame_for_people

    k = suppress_below_from_args(args, "hotspots summary", {"store_version": store.version})
    emit_text(format_table(frame_for_people(table, k), args.format), args.out)
    return 0
