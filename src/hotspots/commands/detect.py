"""``hotspots detect``: hotspots by DBSCAN, kernel density or Gi*, as GeoJSON, CSV, JSON or a table.

Every output is written by the one exporter the dashboard and the pack use
(:func:`hotspots.present.exports.export_file`), records the parameters actually
used (automatic choices included) and the data selection, and applies the one
disclosure rule (:func:`hotspots.present.disclosure.suppress_below_for`): counts from
1 to 4 are withheld (``"<5"`` in CSV, KML, GPX and the table; ``null`` in GeoJSON and
JSON) unless the command is run with ``--exact-counts``, which is recorded in the
audit log (who, the OS user, what was exported).

``geojson``
    RFC 7946 FeatureCollection in WGS84 (EPSG:4326, lon/lat, 6 decimals, exterior
    rings counter-clockwise), one Feature per hotspot with the hotspot columns as
    properties, plus top-level foreign members ``"parameters"`` and ``"disclosure"``.
``json``
    The same metadata members and ``"hotspots": [{...}, ...]``; each hotspot carries the
    hotspot columns and ``lon`` / ``lat`` of a point inside it (no polygon: use
    GeoJSON for shapes).
``csv``
    A header and one row per hotspot with ``lon`` / ``lat``; the parameters and the
    disclosure note go in a sidecar JSON beside it (``FILE.json``; on stderr without
    ``--out``).
``kml``, ``gpx``
    For Google Earth and handheld GPS (see :mod:`hotspots.present.exports`).
``table``
    A readable table on the terminal; parameters and notes go to stderr.

The format defaults to the ``--out`` suffix (.geojson, .json, .csv, .kml, .gpx), else
``table``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from hotspots.commands._output import (
    add_disclosure_argument,
    emit_sidecar,
    emit_text,
    format_table,
    require_records,
    suppress_below_from_args,
)
from hotspots.data import schema as S
from hotspots.data.store import add_store_arguments, store_from_args
from hotspots.errors import InputError
from hotspots.methods.registry import METHODS  # light: no scikit-learn or scipy
from hotspots.version import __version__

NAME = "detect"
HELP = (
    "find hotspots (DBSCAN, kernel density or Gi*) and write them as GeoJSON, CSV, JSON or a table"
)

FORMATS = ("geojson", "json", "csv", "kml", "gpx", "table")
_SUFFIX_FORMAT = {
    ".geojson": "geojson", ".json": "json", ".csv": "csv", ".kml": "kml", ".gpx": "gpx",
}  # fmt: skip


def add_arguments(p) -> None:
    """Add the ``detect`` options to the subcommand's parser."""
    p.add_argument(
        "--method",
        choices=METHODS,
        default="kde",
        help="hotspot method (default kde); grid = the busiest grid cells, for patrol lists",
    )
    g = p.add_argument_group("DBSCAN (Ester et al. 1996)")
    g.add_argument(
        "--eps-m",
        type=float,
        metavar="M",
        help="neighbourhood radius in metres (default: automatic)",
    )
    g.add_argument(
        "--min-points",
        type=int,
        metavar="N",
        help="records for a core location (default: automatic)",
    )
    g.add_argument(
        "--buffer-m",
        type=float,
        metavar="M",
        help="buffer around cluster hulls (default eps/2)",
    )
    g = p.add_argument_group("kernel density")
    g.add_argument("--kernel", choices=["quartic", "gaussian"], default="quartic")
    g.add_argument(
        "--cell-size-m",
        type=float,
        metavar="M",
        help="grid cell in metres, KDE and Gi* (default: automatic)",
    )
    g.add_argument(
        "--bandwidth-m",
        type=float,
        metavar="M",
        help="quartic radius / Gaussian sd in metres (default: automatic)",
    )
    g.add_argument(
        "--top-share",
        type=float,
        default=None,
        metavar="S",
        help="share of the area marked as hotspot, e.g. 0.02 (default 0.02)",
    )
    g = p.add_argument_group("Getis-Ord Gi*")
    g.add_argument(
        "--distance-m",
        type=float,
        metavar="M",
        help="distance band in metres (default 3 cells)",
    )
    g.add_argument(
        "--alpha",
        type=float,
        default=None,
        help="Gi*: level for hot cells; KDE: level of the chance test (default 0.05)",
    )
    g.add_argument("--no-fdr", action="store_true", help="no Benjamini-Hochberg correction")
    g.add_argument(
        "--permutations",
        type=int,
        metavar="N",
        help="conditional permutations per cell (default: automatic; 0 = normal approximation)",
    )
    g.add_argument("--seed", type=int, metavar="S", help="seed of the permutations (default 0)")
    g.add_argument(
        "--gistar-scope",
        choices=("bcp", "area"),
        default=None,
        help="with --area: 'bcp' (default) shows the BCP hotspots in the area (Gi* tested over "
        "all of BCP, clipped); 'area' tests the area alone (what is unusual for this area)",
    )
    g = p.add_argument_group("busiest grid cells")
    g.add_argument("--top-n", type=int, metavar="N", help="cells to list (default 10)")
    g = p.add_argument_group("data")
    add_store_arguments(g)
    g.add_argument(
        "--from",
        dest="start",
        metavar="YYYY-MM",
        help="first month (default: first in the store)",
    )
    g.add_argument(
        "--to",
        dest="end",
        metavar="YYYY-MM",
        help="last month (default: last in the store)",
    )
    g.add_argument(
        "--types",
        help='categories, e.g. "asb", "crime" or "Anti-social behaviour,Drugs" (default all)',
    )
    g.add_argument(
        "--area",
        default="bcp",
        help="bcp (default), town-centre, a town, ward, LSOA, place[@radius_m] or polygon file",
    )
    g.add_argument(
        "--gazetteer",
        action="append",
        metavar="CSV",
        default=[],
        help="extra named places (place,lat,lon) for naming hotspots; repeatable",
    )
    g = p.add_argument_group("output")
    g.add_argument("--format", choices=FORMATS, help="default: from the --out suffix, else table")
    g.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    g.add_argument("--limit", type=int, metavar="N", help="only the N top-ranked hotspots")
    add_disclosure_argument(g)


_OWN_OPTIONS = {
    "eps_m": ("dbscan",),
    "min_points": ("dbscan",),
    "buffer_m": ("dbscan",),
    "bandwidth_m": ("kde",),
    "top_share": ("kde",),
    "cell_size_m": ("kde", "gistar", "grid"),
    "top_n": ("grid",),
    "distance_m": ("gistar",),
    "permutations": ("gistar",),
    "seed": ("gistar",),
    "alpha": ("gistar", "kde"),
    "no_fdr": ("gistar",),
    "gistar_scope": ("gistar",),
}


def _check_method_options(args) -> None:
    """Refuse options that belong to another method (they would be silently ignored)."""
    for key, methods in _OWN_OPTIONS.items():
        value = getattr(args, key)
        if value not in (None, False) and args.method not in methods:
            flag = "--" + key.replace("_", "-")
            raise InputError(
                flag,
                value,
                "used only with --method " + " or ".join(methods),
                f"Drop it, or choose that method (you chose --method {args.method}).",
            )


def detect(args):
    """Run the chosen method; return (hotspots GeoDataFrame, parameters dict)."""
    from hotspots.data.boundaries import load_boundaries, load_gazetteer
    from hotspots.data.select import parse_month
    from hotspots.methods.detect import detect as run_method
    from hotspots.methods.detect import study_area
    from hotspots.methods.naming import NAME_WITHIN_M

    _check_method_options(args)
    start = parse_month(args.start, "--from") if args.start else None
    end = parse_month(args.end, "--to") if args.end else None
    if start and end and end < start:
        raise InputError("--to", end, f"a month not before --from ({start})")
    categories = S.resolve_categories(args.types)
    boundaries = load_boundaries()
    gazetteer = load_gazetteer(*args.gazetteer) if args.gazetteer else boundaries.gazetteer
    area = study_area(args.area, boundaries)

    store = store_from_args(args)
    held = store.months()
    window = (start or (held[0] if held else "0001-01"), end or (held[-1] if held else "9999-12"))
    # only the months, categories and area asked for are read (DuckDB push-down);
    # Gi* in an area against BCP (the default scope) needs every BCP record of the window
    gi_bcp = args.method == "gistar" and args.gistar_scope != "area" and area.kind != "bcp"
    read = study_area("bcp", boundaries) if gi_bcp else area
    # the area in SQL too: BCP's stored flag, else its bounding box, then the exact test
    recs = store.records(months=window, categories=categories, area=read, bcp_only=True)
    require_records(
        recs,
        store,
        f"{window[0]}..{window[1]} {args.types or ''} {args.area or ''}".strip(),
    )
    present = sorted(recs[S.MONTH].dropna().unique().tolist()) if len(recs) else []
    own = {
        "dbscan": {"eps_m": args.eps_m, "min_points": args.min_points, "buffer_m": args.buffer_m},
        "kde": {
            "kernel": args.kernel,
            "cell_size_m": args.cell_size_m,
            "bandwidth_m": args.bandwidth_m,
            "top_share": args.top_share,
            "alpha": args.alpha,
        },
        "gistar": {
            "cell_size_m": args.cell_size_m,
            "distance_m": args.distance_m,
            "fdr": not args.no_fdr,
            "alpha": args.alpha,
            "permutations": args.permutations,
            "seed": args.seed,
            "scope": args.gistar_scope,
        },
        "grid": {"top_n": args.top_n, "cell_size_m": args.cell_size_m},
    }[args.method]
    res = run_method(
        recs,
        args.method,
        area=area,
        boundaries=boundaries,
        gazetteer=gazetteer,
        **own,
    )
    hot = res.hotspots
    method_params = {k: v for k, v in res.parameters.items() if k != "method"}
    notes = list(res.notes)

    n_found = len(hot)
    if args.limit is not None:
        if args.limit < 1:
            raise InputError("--limit", args.limit, "a positive number of hotspots")
        hot = hot.head(args.limit)
    simulated = bool(recs[S.SIMULATED].any()) if len(recs) else False
    params = {
        "method": args.method,
        **method_params,
        "from": present[0] if present else start,
        "to": present[-1] if present else end,
        "months": len(present),
        "types": "all" if len(categories) == len(S.CATEGORIES) else list(categories),
        "area": area.spec,
        "area_name": area.name,
        "dataset": getattr(args, "dataset", None) if not getattr(args, "store", None) else None,
        "store_version": store.version,
        "simulated": simulated,
        "n_records": res.n_records,
        "n_hotspots": n_found,
        "limit": args.limit,
        "name_within_m": NAME_WITHIN_M,
        "crs_analysis": S.CRS_METRES,
        "generated_by": f"hotspots {__version__}",
        "notes": notes,
    }
    if simulated:
        params["notes"].insert(0, "SIMULATED DATA: not real police records.")
    return hot, params


def run(args) -> int:
    """Find the hotspots ``args`` ask for, print them (or write the export); return an exit code."""
    from hotspots.present.export_prep import suppress_counts
    from hotspots.present.exports import export_file
    from hotspots.present.tables import format_count, format_share, nest_hotspots

    fmt = args.format
    if fmt is None:
        fmt = _SUFFIX_FORMAT.get(Path(args.out).suffix.lower(), "table") if args.out else "table"
    hot, params = detect(args)
    k = suppress_below_from_args(args, f"hotspots detect --format {fmt}", params)
    if fmt == "table":
        for key, v in params.items():
            if key != "notes":
                print(f"{key}: {v}", file=sys.stderr)
        for n in params["notes"]:
            print(f"note: {n}", file=sys.stderr)
        cols = [S.RANK, S.NAME, S.WARD_NAME, S.COUNT, S.SHARE, S.AREA_KM2, S.TOP_CATEGORIES]
        # the page's order and numbers: each district followed by its street-sized
        # hotspots, numbered "1", "1.1", "1.2", "2" (present.tables.nest_hotspots)
        nested = nest_hotspots(pd.DataFrame(hot.drop(columns="geometry")))
        # the exporter's disclosure step, so the table agrees with the files
        shown, held = suppress_counts(nested[cols], suppress_below=k)
        small = held[S.COUNT].to_numpy() if S.COUNT in held else [False] * len(shown)
        tab = shown.assign(
            **{
                S.COUNT: [
                    f"<{k}" if w else format_count(n)
                    for w, n in zip(small, shown[S.COUNT], strict=True)
                ],
                S.SHARE: [
                    "withheld" if w else format_share(v)
                    for w, v in zip(small, shown[S.SHARE], strict=True)
                ],
                S.AREA_KM2: shown[S.AREA_KM2].astype(float).round(3),
                S.RANK: nested["label"].to_numpy(),
            },
        ).rename(columns={S.SHARE: "share"})
        text = format_table(tab, "table") if len(tab) else "no hotspots\n"
        emit_text(text, args.out)
        return 0
    stem = Path(args.out).stem if args.out else "hotspots"
    out = export_file(hot, fmt, stem=stem, parameters=params, suppress_below=k)
    emit_text(out.text, args.out)
    if fmt == "csv":
        # the CSV opens as it is; its parameters and disclosure note beside it (or on stderr)
        side = export_file(hot, "csv-json", parameters=params, suppress_below=k)
        emit_sidecar(side.text, args.out)
    return 0
