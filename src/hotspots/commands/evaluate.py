"""``hotspots evaluate``: an intervention's effect in a target, its ring and a control."""

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
from hotspots.data.store import add_store_arguments, store_from_args

if TYPE_CHECKING:
    import argparse

NAME = "evaluate"
HELP = "evaluate an intervention: target vs control, the ring around it, WDD, WDQ and net effect"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots evaluate`` to its parser."""
    from hotspots.comparison.evaluation import DEFAULT_BUFFER_M

    add_store_arguments(p)
    p.add_argument(
        "--target",
        help="area where the intervention ran, e.g. town-centre, a ward or place@radius_m "
        "(default: the --intervention's)",
    )
    p.add_argument("--buffer-m", type=float, default=DEFAULT_BUFFER_M, metavar="M",
                   help="width of the ring around the target in metres "
                   f"(default {DEFAULT_BUFFER_M:g}; 0: no ring)")  # fmt: skip
    p.add_argument(
        "--control",
        default=None,
        help="control area (default: the rest of BCP outside target and ring)",
    )
    p.add_argument("--before", metavar="FROM:TO", help="window before, e.g. 2021-04:2021-08")
    p.add_argument(
        "--after",
        metavar="FROM:TO",
        help="window after (or during), e.g. 2022-04:2022-08",
    )
    p.add_argument(
        "--intervention",
        metavar="NAME",
        help="a registered intervention (e.g. 'Seasonal Response'): sets the windows from --year "
        "(its months that year, against the same months a year earlier), unless given",
    )
    p.add_argument("--year", type=int, help="the year of --intervention to evaluate")
    p.add_argument(
        "--types",
        default=None,
        help="categories (crime and ASB are always reported separately; default both)",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    add_disclosure_argument(p)


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots evaluate`` with the parsed ``args``; return the exit code."""
    from hotspots.comparison.evaluation import (
        DEFAULT_BUFFER_M,
        WDD_RAW_FORMULA,
        WDD_SCALED_FORMULA,
        WDQ_FORMULA,
        evaluate,
    )
    from hotspots.errors import InputError
    from hotspots.present.evaluation_words import wdd_details

    store = store_from_args(args)
    target, before, after, buffer_m = args.target, args.before, args.after, args.buffer_m
    if args.intervention:
        from hotspots.comparison.interventions import intervention_windows, load_interventions

        reg = {iv.name.lower(): iv for iv in load_interventions()}
        iv = reg.get(args.intervention.strip().lower())
        if iv is None:
            raise InputError("--intervention", args.intervention, "a registered intervention",
                             f"Registered: {', '.join(i.name for i in reg.values())}.")  # fmt: skip
        c = intervention_windows(
            iv,
            args.year or iv.first_evaluated or iv.years[-1],
            store.months(),
        )
        if c.problems:
            raise InputError(
                "--year",
                c.year,
                "a year whose windows have data",
                " ".join(c.problems),
            )
        target = target or c.target
        before, after = before or c.before.spec, after or c.after.spec
        if buffer_m == DEFAULT_BUFFER_M:
            buffer_m = c.buffer_m
    for name, v in (("--target", target), ("--before", before), ("--after", after)):
        if not v:
            raise InputError(name, v, "a value (or --intervention NAME --year YEAR)")
    ev = evaluate(
        require_records(store.records(), store),
        target,
        before=before,
        after=after,
        buffer_m=buffer_m,
        control=args.control,
        categories=args.types,
        available_months=store.months(),
    )
    from hotspots.present.disclosure import withhold_in_text
    from hotspots.present.evaluation_words import dispersion_caption
    from hotspots.present.seasonal_page import (
        evaluation_dict_for_people,
        evaluation_table_for_people,
        group_notes,
        group_readings_for_people,
    )

    k = suppress_below_from_args(args, "hotspots evaluate", {"store_version": store.version})
    if args.format == "json":
        d = evaluation_dict_for_people(ev, k)
        d["dataset"] = store.version
        text = json.dumps(d, indent=1, ensure_ascii=False, default=str)
    else:
        tab = evaluation_table_for_people(ev, k)  # the table and the reading share their words
        formulas = [c for c in tab.columns if c.endswith("_formula")]
        tab = tab.drop(columns=formulas)
        t = tab.set_index("group").T.reset_index().rename(columns={"index": "measure"})
        for c in t.columns[1:]:
            t[c] = [
                (f"{v:,.2f}" if m.startswith("wdq") else f"{v:,.1f}") if isinstance(v, float) else v
                for m, v in zip(t["measure"], t[c], strict=True)
            ]
        head = (
            f"Target: {ev.target_name} ({ev.target_area_km2:.2f} km2); ring {ev.buffer_m:g} m "
            f"({ev.buffer_area_km2:.2f} km2); control: {ev.control_name}\n"
            f"Before: {ev.before.label}; after: {ev.after.label}\n"
        )
        shown = [g for g, r in zip(ev.groups, group_readings_for_people(ev, k), strict=True)
                 if "withheld" not in r]  # fmt: skip
        # the page's words: one caption on dispersion per group, then its other notes
        notes = [
            withhold_in_text(n, k) for n in [*ev.notes, *(n for g in shown for n in group_notes(g))]
        ]
        text = (
            head
            + format_table(t, "table")
            + "\n"
            + "\n".join(group_readings_for_people(ev, k))
            + "\n"
        )
        text += "".join(f"details ({g.label}): {d}\n" for g in shown for d in wdd_details(g))
        text += "".join(f"dispersion ({g.label}): {dispersion_caption(g)}\n" for g in shown)
        text += "".join(f"note: {n}\n" for n in notes)
        text += "".join(
            f"definition: {f}\n" for f in (WDD_RAW_FORMULA, WDD_SCALED_FORMULA, WDQ_FORMULA)
        )
    emit_text(text, args.out)
    return 0
