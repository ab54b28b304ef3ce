"""``hotspots evaluate``: an intervention's effect in a target, its ring and a control (WDD, WDQ)."""

from __future__ import annotations

import json

from hotspots.commands._output import emit_text, format_table, require_records
from hotspots.data.store import add_store_arguments, store_from_args

NAME = "evaluate"
HELP = "evaluate an intervention: target vs control, the ring around it, WDD, WDQ and net effect"


def add_arguments(p) -> None:
    from hotspots.compare.evaluation import DEFAULT_BUFFER_M

    add_store_arguments(p)
    p.add_argument(
        "--target",
        required=True,
        help="area where the intervention ran, e.g. town-centre, a ward or place@radius_m",
    )
    p.add_argument("--buffer-m", type=float, default=DEFAULT_BUFFER_M, metavar="M",
                   help=f"width of the ring around the target in metres (default {DEFAULT_BUFFER_M:g}; 0: no ring)")  # fmt: skip
    p.add_argument(
        "--control",
        default=None,
        help="control area (default: the rest of BCP outside target and ring)",
    )
    p.add_argument(
        "--before", required=True, metavar="FROM:TO", help="window before, e.g. 2021-04:2021-08"
    )
    p.add_argument(
        "--after",
        required=True,
        metavar="FROM:TO",
        help="window after (or during), e.g. 2022-04:2022-08",
    )
    p.add_argument(
        "--types",
        default=None,
        help="categories (crime and ASB are always reported separately; default both)",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")


def run(args) -> int:
    from hotspots.compare.evaluation import evaluate

    store = store_from_args(args)
    ev = evaluate(
        require_records(store.records(), store),
        args.target,
        before=args.before,
        after=args.after,
        buffer_m=args.buffer_m,
        control=args.control,
        categories=args.types,
        available_months=store.months(),
    )
    if args.format == "json":
        d = ev.to_dict()
        d["dataset"] = store.version
        text = json.dumps(d, indent=1, ensure_ascii=False)
    else:
        t = ev.table().set_index("group").T.reset_index().rename(columns={"index": "measure"})
        t = t.map(lambda v: f"{v:,.1f}" if isinstance(v, float) else v)
        head = (
            f"Target: {ev.target_name} ({ev.target_area_km2:.2f} km2); ring {ev.buffer_m:g} m "
            f"({ev.buffer_area_km2:.2f} km2); control: {ev.control_name}\n"
            f"Before: {ev.before.label}; after: {ev.after.label}\n"
        )
        notes = list(ev.notes) + [n for g in ev.groups for n in g.notes]
        text = (
            head + format_table(t, "table") + "\n" + "\n".join(g.reading for g in ev.groups) + "\n"
        )
        text += "".join(f"note: {n}\n" for n in notes)
    emit_text(text, args.out)
    return 0
