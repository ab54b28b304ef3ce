"""``hotspots compare``: records in one window against another, for an area and categories."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hotspots.commands._output import (
    add_disclosure_argument,
    emit_text,
    format_table,
    require_records,
    suppress_below_from_args,
)
from hotspots.data.store import Store, add_store_arguments, store_from_args

if TYPE_CHECKING:
    import argparse

    import pandas as pd

    from hotspots.comparison.windows import Window

NAME = "compare"
HELP = "compare two periods (counts, % change, exact 95% interval and p-value) for an area"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots compare`` to its parser."""
    add_store_arguments(p)
    p.add_argument(
        "--a",
        metavar="FROM:TO",
        help="earlier window, e.g. 2019-01:2019-03 (default: chosen from the data)",
    )
    p.add_argument(
        "--b",
        metavar="FROM:TO",
        help="later window, e.g. 2024-01:2024-03 (default: chosen from the data)",
    )
    p.add_argument(
        "--area",
        default="bcp",
        help="bcp, town-centre, a town, ward, LSOA code, place[@radius_m] or polygon file "
        "(default bcp)",
    )
    p.add_argument(
        "--types",
        default=None,
        help="categories: all, crime, asb or names, comma-separated (default all)",
    )
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    add_disclosure_argument(p)


def windows_from_args(
    args: argparse.Namespace,
    store: Store,
    records: pd.DataFrame,
    first: str = "a",
    second: str = "b",
) -> tuple[Window, Window, str | None]:
    """(window A, window B, note or None): given on the command line or chosen from the data."""
    from hotspots.comparison.windows import default_windows, window
    from hotspots.errors import InputError

    wa, wb = getattr(args, first), getattr(args, second)
    if wa and wb:
        return window(wa, first), window(wb, second), None
    if wa or wb:
        raise InputError(
            f"--{first}/--{second}",
            wa or wb,
            "both windows or neither (to use the defaults)",
        )
    d = default_windows(store.months() or records, simulated=store.is_simulated())
    return d.a, d.b, f"windows chosen from the data: {d.reason}"


# members of ``PeriodComparison.to_dict()`` that are not figures
_LABELS = ("area", "area_spec", "categories", "window_a", "window_b", "label_a", "label_b",
           "months_a", "months_b", "missing_months_a", "missing_months_b", "notes",
           "dispersion", "method")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots compare`` with the parsed ``args``; return the exit code."""
    from hotspots.comparison.rates import compare_periods
    from hotspots.present.disclosure import (
        WITHHELD_READING,
        count_text,
        frame_for_people,
        withheld,
        withhold_in_text,
    )

    store = store_from_args(args)
    records = require_records(store.records(), store)
    wa, wb, chosen = windows_from_args(args, store, records)
    res = compare_periods(
        records,
        wa,
        wb,
        area=args.area,
        categories=args.types,
        available_months=store.months(),
    )
    k = suppress_below_from_args(args, "hotspots compare", {"store_version": store.version})
    notes = [withhold_in_text(n, k) for n in ([chosen] if chosen else []) + list(res.notes)]
    small = withheld((res.count_a, res.count_b), k)
    reading = WITHHELD_READING.format(k=k) if small else res.reading
    by_cat = frame_for_people(res.by_category, k, ["count_a", "count_b"])
    if args.format == "json":
        d = res.to_dict()
        if small:  # the totals' figures are all computed from a withheld count
            d = {key: (v if key in _LABELS else "withheld") for key, v in d.items()}
            d.update(count_a=count_text(res.count_a, k), count_b=count_text(res.count_b, k))
        d["reading"] = reading
        d["by_category"] = json.loads(format_table(by_cat, "json"))
        d["notes"] = notes
        d["dataset"] = store.version
        d["suppress_below"] = k
        text = json.dumps(d, indent=1, ensure_ascii=False, default=str)
    elif args.format == "csv":
        text = format_table(by_cat, "csv")
    else:
        t = by_cat.copy()

        def fmt(f):
            return lambda v: v if isinstance(v, str) else f(v)

        for c in ("pct_change", "pct_ci_low", "pct_ci_high"):
            t[c] = t[c].map(
                fmt(lambda v: f"{v:+.1f}%" if abs(v) != float("inf") and v == v else "n/a"),
            )
        t["p_value"] = t["p_value"].map(fmt(lambda v: f"{v:.3g}"))
        t["rate_ratio"] = t["rate_ratio"].map(fmt(lambda v: f"{v:.3f}"))
        t = t[
            [
                "category",
                "count_a",
                "count_b",
                "abs_change",
                "pct_change",
                "pct_ci_low",
                "pct_ci_high",
                "p_value",
                "small_count_flag",
            ]
        ]
        head = (
            f"{res.area_name}: {wa.label} (A, {res.months_a} months of data) against "
            f"{wb.label} (B, {res.months_b} months)\n"
        )
        text = (
            head
            + format_table(t, "table")
            + "\n"
            + reading
            + "\n"
            + "".join(f"note: {n}\n" for n in notes)
        )
    emit_text(text, args.out)
    return 0
