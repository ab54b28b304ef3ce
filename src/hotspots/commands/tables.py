"""``hotspots tables``: the partnership's published tables (ASB subtypes, quarterly indicators)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotspots.commands._output import (
    add_disclosure_argument,
    emit_text,
    require_records,
    suppress_below_from_args,
)
from hotspots.data.store import add_store_arguments, store_from_args

if TYPE_CHECKING:
    import argparse

NAME = "tables"
HELP = "reproduce published tables: ASB by subtype and financial year, quarterly indicators"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots tables`` to its parser."""
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
                   + " or police.uk category names (default: "
                   + "; ".join(DEFAULT_INDICATORS) + ")")  # fmt: skip
    p.add_argument("--area", default="bcp", help="area spec (default bcp)")
    p.add_argument("--format", choices=["csv", "markdown", "html"], default="markdown")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    add_disclosure_argument(p)


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots tables`` with the parsed ``args``; return the exit code."""
    from hotspots.comparison.tables import DEFAULT_INDICATORS, asb_subtype_table, quarterly_table

    store = store_from_args(args)
    records = require_records(store.records(), store)
    if args.kind == "asb-subtypes":
        years = [args.year] if args.year else None
        table = asb_subtype_table(
            records,
            area=args.area,
            years=years,
            available_months=store.months(),
        )
    else:
        inds = (
            [s for s in args.indicators.split(",") if s.strip()]
            if args.indicators
            else DEFAULT_INDICATORS
        )
        table = quarterly_table(
            records, year=args.year, baseline_year=args.baseline_year, indicators=inds,
            area=args.area, available_months=store.months(),
        )  # fmt: skip
    from hotspots.present.disclosure import published_table_for_people

    k = suppress_below_from_args(
        args,
        f"hotspots tables {args.kind}",
        {"store_version": store.version},
    )
    emit_text(published_table_for_people(table, k).render(args.format), args.out)
    return 0
