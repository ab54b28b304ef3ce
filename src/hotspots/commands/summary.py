"""``hotspots summary``: counts by month, category, ward or town."""

from __future__ import annotations

from hotspots.commands._output import emit_text, format_table, require_records
from hotspots.data.store import add_store_arguments, store_from_args

NAME = "summary"
HELP = "counts of BCP records by month, category, ward or town"


def add_arguments(p) -> None:
    add_store_arguments(p)
    p.add_argument("--by", choices=["month", "category", "ward", "town"], default="month")
    p.add_argument("--from", dest="start", metavar="YYYY-MM")
    p.add_argument("--to", dest="end", metavar="YYYY-MM")
    p.add_argument("--types", help='categories, e.g. "asb", "crime" or "Burglary,Robbery"')
    p.add_argument("--area", help="bcp, a town, ward, LSOA, place[@radius_m] or polygon file")
    p.add_argument("--format", choices=["table", "csv", "json", "markdown"], default="table")
    p.add_argument("--out", metavar="FILE")


def run(args) -> int:
    from hotspots.data.coverage import summary_table
    from hotspots.data.select import filter_records, parse_month

    store = store_from_args(args)
    recs = store.records()
    months = None
    if args.start or args.end:
        start = parse_month(args.start, "--from") if args.start else "0000-01"
        end = parse_month(args.end, "--to") if args.end else "9999-12"
        months = (start, end)
    recs = filter_records(recs, months=months, categories=args.types, area=args.area)
    window = f"{args.start or '…'}..{args.end or '…'}" if months else ""
    require_records(recs, store, " ".join(x for x in (window, args.types, args.area) if x))
    emit_text(format_table(summary_table(recs, args.by), args.format), args.out)
    return 0
