"""``hotspots detect``: hotspots by DBSCAN, kernel density or Gi*, as GeoJSON, CSV, JSON or a table.

Every output records the parameters actually used (automatic choices included)
and the data selection, so a map or a table can be reproduced:

``geojson``
    RFC 7946 FeatureCollection in WGS84 (EPSG:4326, lon/lat, 6 decimals, exterior
    rings counter-clockwise), one Feature per hotspot with the hotspot columns as
    properties, plus a top-level foreign member ``"parameters"``.
``json``
    ``{"parameters": {...}, "hotspots": [{...}, ...]}``; each hotspot carries the
    hotspot columns and ``lat`` / ``lon`` of a point inside it (no polygon: use
    GeoJSON for shapes).
``csv``
    The parameters first, as comment lines starting with ``# `` (``# key: value``),
    then a header and one row per hotspot with ``lat`` / ``lon``. Read it with
    ``pandas.read_csv(path, comment="#")`` or skip the leading ``#`` lines.
``table``
    A readable table on the terminal; parameters and notes go to stderr.

The format defaults to the ``--out`` suffix (.geojson, .json, .csv), else ``table``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from hotspots.commands._output import emit_text, format_table, require_records
from hotspots.data import schema as S
from hotspots.data.store import add_store_arguments, store_from_args
from hotspots.errors import InputError
from hotspots.methods.registry import METHODS  # light: no scikit-learn or scipy
from hotspots.present.escape import csv_frame
from hotspots.version import __version__

NAME = "detect"
HELP = (
    "find hotspots (DBSCAN, kernel density or Gi*) and write them as GeoJSON, CSV, JSON or a table"
)

FORMATS = ("geojson", "json", "csv", "table")
_SUFFIX_FORMAT = {".geojson": "geojson", ".json": "json", ".csv": "csv"}


def add_arguments(p) -> None:
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
        "--buffer-m", type=float, metavar="M", help="buffer around cluster hulls (default eps/2)"
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
        "--distance-m", type=float, metavar="M", help="distance band in metres (default 3 cells)"
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
        "--from", dest="start", metavar="YYYY-MM", help="first month (default: first in the store)"
    )
    g.add_argument(
        "--to", dest="end", metavar="YYYY-MM", help="last month (default: last in the store)"
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
    from hotspots.data.select import filter_records, parse_month
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
    # only the months, categories and bounding box asked for are read (DuckDB push-down);
    # Gi* in an area against BCP (the default scope) needs every BCP record of the window
    gi_bcp = args.method == "gistar" and args.gistar_scope != "area" and area.kind != "bcp"
    read = study_area("bcp", boundaries) if gi_bcp else area
    recs = store.records(months=window, categories=categories, bbox=read.geometry.bounds)
    recs = filter_records(recs, categories=categories, area=read)
    require_records(
        recs, store, f"{window[0]}..{window[1]} {args.types or ''} {args.area or ''}".strip()
    )
    present = sorted(recs[S.MONTH].dropna().unique().tolist()) if len(recs) else []
    own = {
        "dbscan": dict(eps_m=args.eps_m, min_points=args.min_points, buffer_m=args.buffer_m),
        "kde": dict(
            kernel=args.kernel,
            cell_size_m=args.cell_size_m,
            bandwidth_m=args.bandwidth_m,
            top_share=args.top_share,
            alpha=args.alpha,
        ),
        "gistar": dict(
            cell_size_m=args.cell_size_m,
            distance_m=args.distance_m,
            fdr=not args.no_fdr,
            alpha=args.alpha,
            permutations=args.permutations,
            seed=args.seed,
            scope=args.gistar_scope,
        ),
        "grid": dict(top_n=args.top_n, cell_size_m=args.cell_size_m),
    }[args.method]
    res = run_method(
        recs, args.method, area=area, boundaries=boundaries, gazetteer=gazetteer, **own
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


def _plain(v):
    """JSON-safe scalar."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else round(float(v), 6)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _rows(hot) -> list[dict]:
    """Hotspot properties plus lat/lon of a point inside each polygon (WGS84)."""
    props = pd.DataFrame(hot.drop(columns=hot.geometry.name))
    if len(hot):
        rp = hot.geometry.representative_point().to_crs(S.CRS_DISPLAY)
        props["lat"] = np.round(rp.y.to_numpy(), 6)
        props["lon"] = np.round(rp.x.to_numpy(), 6)
    else:
        props["lat"] = pd.Series(dtype="float64")
        props["lon"] = pd.Series(dtype="float64")
    return [{k: _plain(v) for k, v in r.items()} for r in props.to_dict(orient="records")]


def to_geojson(hot, params: dict) -> str:
    """RFC 7946 FeatureCollection (WGS84) with a top-level ``parameters`` member."""
    wgs = hot.to_crs(S.CRS_DISPLAY)
    geoms = shapely.orient_polygons(np.asarray(wgs.geometry.values), exterior_cw=False)
    geoms = shapely.transform(geoms, lambda c: np.round(c, 6))
    feats = []
    props = pd.DataFrame(hot.drop(columns=hot.geometry.name))
    for g, p in zip(geoms, props.to_dict(orient="records"), strict=True):
        feats.append(
            {
                "type": "Feature",
                "properties": {k: _plain(v) for k, v in p.items()},
                "geometry": shapely.geometry.mapping(g),
            }
        )
    fc = {"type": "FeatureCollection", "parameters": params, "features": feats}
    return json.dumps(fc, ensure_ascii=False, default=_plain)


def to_json(hot, params: dict) -> str:
    return json.dumps({"parameters": params, "hotspots": _rows(hot)}, indent=1, ensure_ascii=False)


# decimals kept in CSV (others: 3); lat/lon 6 (about 0.1 m)
_CSV_DECIMALS = {S.SHARE: 4, S.AREA_KM2: 4, S.DENSITY_PER_KM2: 1, "expected": 1, "lat": 6, "lon": 6}


def to_csv(hot, params: dict) -> str:
    """The hotspots as CSV, header on the first line (parameters go to a sidecar JSON)."""
    body = pd.DataFrame(
        _rows(hot), columns=[*[c for c in hot.columns if c != hot.geometry.name], "lat", "lon"]
    )
    for c in body.columns:
        if pd.api.types.is_float_dtype(body[c]):
            body[c] = body[c].round(_CSV_DECIMALS.get(c, 3))
    return csv_frame(body).to_csv(index=False)


def params_json(params: dict) -> str:
    return json.dumps(params, indent=1, ensure_ascii=False, default=_plain)


def run(args) -> int:
    fmt = args.format
    if fmt is None:
        fmt = _SUFFIX_FORMAT.get(Path(args.out).suffix.lower(), "table") if args.out else "table"
    hot, params = detect(args)
    if fmt == "geojson":
        text = to_geojson(hot, params)
    elif fmt == "json":
        text = to_json(hot, params)
    elif fmt == "csv":
        text = to_csv(hot, params)
        # the CSV opens as it is; its parameters and notes beside it (or on stderr)
        if args.out:
            side = Path(args.out).with_suffix(".json")
            side.write_text(params_json(params) + "\n", encoding="utf-8")
            print(f"wrote {side} (parameters)", file=sys.stderr)
        else:
            print(params_json(params), file=sys.stderr)
    else:
        for k, v in params.items():
            if k != "notes":
                print(f"{k}: {v}", file=sys.stderr)
        for n in params["notes"]:
            print(f"note: {n}", file=sys.stderr)
        cols = [S.RANK, S.NAME, S.WARD_NAME, S.COUNT, S.SHARE, S.AREA_KM2, S.TOP_CATEGORIES]
        tab = (
            pd.DataFrame(hot[cols])
            .assign(
                **{
                    S.SHARE: lambda d: (100 * d[S.SHARE]).round(1),
                    S.AREA_KM2: lambda d: d[S.AREA_KM2].round(3),
                }
            )
            .rename(columns={S.SHARE: "share_%"})
        )
        text = format_table(tab, "table") if len(tab) else "no hotspots\n"
    emit_text(text, args.out)
    return 0
