"""``hotspots change``: Gi* hotspots in two periods on one grid: persistent, emerging, former."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hotspots.commands._output import (
    add_disclosure_argument,
    emit_text,
    require_records,
    suppress_below_from_args,
)
from hotspots.data.store import add_store_arguments, store_from_args
from hotspots.present.escape import csv_frame

if TYPE_CHECKING:
    import argparse

NAME = "change"
HELP = (
    "hotspot change between two periods (Gi* per period on one grid): persistent, emerging, former"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots change`` to its parser."""
    add_store_arguments(p)
    p.add_argument("--a", metavar="FROM:TO", help="earlier window (default: chosen from the data)")
    p.add_argument("--b", metavar="FROM:TO", help="later window (default: chosen from the data)")
    p.add_argument(
        "--cell-size-m",
        type=float,
        default=None,
        metavar="M",
        help="grid cell width in metres (default 100 for BCP)",
    )
    p.add_argument(
        "--distance-m",
        type=float,
        default=None,
        metavar="M",
        help="Gi* distance band in metres (default 3 cells)",
    )
    p.add_argument("--area", default="bcp", help="area spec (default bcp)")
    p.add_argument(
        "--types",
        default=None,
        help="categories: all, crime, asb or names (default all)",
    )
    p.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="a cell is hot when Gi* z > 0 and the FDR-adjusted p < alpha (default 0.05)",
    )
    p.add_argument(
        "--no-fdr",
        action="store_true",
        help="do not correct p-values for multiple testing",
    )
    p.add_argument(
        "--all-cells",
        action="store_true",
        help="geojson/csv: every cell, not only those hot in either period",
    )
    p.add_argument("--format", choices=["json", "geojson", "csv"], default="json")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    add_disclosure_argument(p)


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots change`` with the parsed ``args``; return the exit code."""
    from hotspots.commands.compare import windows_from_args
    from hotspots.comparison.change import NONE, hotspot_change
    from hotspots.data import schema as S
    from hotspots.present.tables import is_suppressed

    store = store_from_args(args)
    records = require_records(store.records(), store)
    wa, wb, chosen = windows_from_args(args, store, records)
    res = hotspot_change(
        records, wa, wb, cell_size_m=args.cell_size_m, distance_m=args.distance_m, area=args.area,
        categories=args.types, fdr=not args.no_fdr, alpha=args.alpha,
    )  # fmt: skip
    notes = ([chosen] if chosen else []) + list(res.notes)
    grid = res.grid if args.all_cells else res.grid[res.grid["change"] != NONE]
    # cell counts from 1 to 4: "<5" in CSV, null in GeoJSON, unless --exact-counts (audited)
    k = suppress_below_from_args(args, "hotspots change", {"store_version": store.version})
    small = {c: grid[c].map(lambda v: is_suppressed(v, k)) for c in ("count_a", "count_b")
             if c in grid.columns}  # fmt: skip
    if args.format == "json":
        d = res.to_dict()
        d["notes"] = notes
        d["dataset"] = store.version
        text = json.dumps(d, indent=1, ensure_ascii=False)
    elif args.format == "geojson":
        shown = grid.assign(**{c: grid[c].astype(object).where(~m, None) for c, m in small.items()})
        fc = json.loads(shown.to_crs(S.CRS_DISPLAY).to_json(na="null", drop_id=True))
        fc["properties"] = res.to_dict() | {"notes": notes}  # foreign member: what was done
        text = json.dumps(fc, ensure_ascii=False)
    else:
        c = grid.geometry.centroid
        t = grid.drop(columns="geometry").assign(x_centre=c.x.round(1), y_centre=c.y.round(1))
        t = t.assign(**{c_: t[c_].astype(object).where(~m, f"<{k}") for c_, m in small.items()})
        text = csv_frame(t).to_csv(index=False, lineterminator="\n")
    emit_text(text, args.out)
    return 0
