"""``hotspots tables``: the partnership's published tables (ASB subtypes, quarterly indicators)."""

from __future__ import annotations

from hotspots.commands._output import emit_text, require_records
from hotspots.data.store import add_store_arguments, store_from_args

NAME = "tables"
HELP = "reproduce published tables: ASB by subtype and financial year, quarterly indicators"


def add_arguments(p) -> None:
    from hotspots.comparison.tables import DEFAULT_INDICATORS, INDICATORS

    add_store_arguments(p)
    p.add_argument("--kind", choices=["asb-subtypes", "quarterly"], default="quarterly")
    p.add_argument(
        "--year",
        default=None,
        help="financial year reported, e.g. 2023 or 2023/24 (default: the latest with data)",
    )
    p.add_argument(
        "--baseline-year",
        default=None,
        help="baseline financial year for --kind quarterly (default: the previous one with data)",
    )
    p.add_argument("--indicators", default=None,
                   help="comma-separated indicators for --kind quarterly: " + "; ".join(INDICATORS)
                   + " or police.uk category names (default: " + "; ".join(DEFAULT_INDICATORS) + ")")  # fmt: skip
    p.add_argument("--area", default="bcp", help="area spec (default bcp)")
    p.add_argument("--format", choices=["csv", "markdown", "html"], default="markdown")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")


def run(args) -> int:
    from hotspots.comparison.tables import DEFAULT_INDICATORS, asb_subtype_table, quarterly_table

    store = store_from_args(args)
    records = require_records(store.records(), store)
    if args.kind == "asb-subtypes":
        years = [args.year] if args.year else None
        table = asb_subtype_table(
            records, area=args.area, years=years, available_months=store.months()
        )
    else:
        inds = (
            [s for s in args.indicators.split(",") if s.strip()]
            if args.indicators
            else DEFAULT_INDICATORS
        )
        table = quarterly_table(
            records, year=args.year, baseline_year=args.baseline_year, indicators=inds, area=args.area,
            available_months=store.months(),
        )  # fmt: skip
    emit_text(table.render(args.format), args.out)
    return 0
