"""``hotspots change``: Gi* hotspots in two periods on one grid: persistent, emerging, former.

Every format is written by :func:`hotspots.present.export_change.change_export`, the
one exporter's writers (:mod:`hotspots.present.exports`) with the one disclosure rule:
cell counts and the records of each period from 1 to 4 are withheld (``"<5"`` in CSV,
``null`` in GeoJSON and JSON) unless the command is run with ``--exact-counts``, which
the audit log records.

``json``
    ``generated``, ``parameters`` (what was done, the class counts and the reading),
    ``disclosure``, ``attribution``, ``crs`` and ``cells`` (one record per cell with
    ``lon`` / ``lat`` of a point inside it).
``geojson``
    RFC 7946 FeatureCollection in WGS84, one polygon per cell; the same members.
``csv``
    A header and one row per cell with ``x_centre`` / ``y_centre`` (metres) and
    ``lon`` / ``lat``; the parameters and the disclosure note go in a sidecar JSON
    beside it (``FILE.json``; on stderr without ``--out``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from hotspots.commands._output import (
    add_disclosure_argument,
    emit_sidecar,
    emit_text,
    require_records,
    suppress_below_from_args,
)
from hotspots.data.store import add_store_arguments, store_from_args

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
        help="every cell, not only those hot in either period",
    )
    p.add_argument("--format", choices=["json", "geojson", "csv"], default="json")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    add_disclosure_argument(p)


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots change`` with the parsed ``args``; return the exit code."""
    from hotspots.commands.compare import windows_from_args
    from hotspots.comparison.change import hotspot_change
    from hotspots.present.export_change import change_export

    store = store_from_args(args)
    records = require_records(store.records(), store)
    wa, wb, chosen = windows_from_args(args, store, records)
    res = hotspot_change(
        records, wa, wb, cell_size_m=args.cell_size_m, distance_m=args.distance_m, area=args.area,
        categories=args.types, fdr=not args.no_fdr, alpha=args.alpha,
    )  # fmt: skip
    notes = ([chosen] if chosen else []) + list(res.notes)
    # cell counts and period totals from 1 to 4 withheld unless --exact-counts (audited)
    k = suppress_below_from_args(
        args, f"hotspots change --format {args.format}", {"store_version": store.version},
    )  # fmt: skip
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    kw = {"suppress_below": k, "all_cells": args.all_cells, "notes": notes,
          "dataset": store.version, "generated": generated}  # fmt: skip
    emit_text(change_export(res, args.format, **kw).text, args.out)
    if args.format == "csv":
        # the CSV opens as it is; its parameters and disclosure note beside it (or on stderr)
        emit_sidecar(change_export(res, "csv-json", **kw).text, args.out)
    return 0
