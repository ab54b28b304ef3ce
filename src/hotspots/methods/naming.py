"""Describing hotspot polygons: counts, shares, categories, locations, ward and a name.

Every hotspot method (DBSCAN, KDE, Gi*) produces polygons in EPSG:27700 and
hands them to :func:`describe_hotspots`, which fills the fixed columns of
:data:`hotspots.data.schema.HOTSPOT_COLUMNS` so that pages, exports and
comparisons read every method's output the same way.

Naming rule (documented for users)
----------------------------------
A hotspot is named after a place in the gazetteer (``geodata/bcp_named_places.csv``
plus any user file, see :func:`hotspots.data.boundaries.load_gazetteer`) when one
lies within ``name_within_m`` (default 300 m) of the hotspot polygon. When several
do, the place with the most of the hotspot's records within ``name_within_m`` of it
wins (ties: the place nearest the polygon), so a town-centre cluster stretching
from the Square to the Lansdowne is named after the place its records crowd
around, not after whichever place is nearest to one end. When the runner-up scores
at least half as much, both are given ("Bournemouth Square & Lower Gardens"): a
large hotspot spanning two places is named by both. Otherwise
the hotspot takes its most frequent police.uk location text and its ward ("On or
near Holdenhurst Road, East Cliff & Springbourne"). Repeated names get a suffix " (2)", " (3)" in rank order.

All work is done on distinct locations: one point-in-polygon test per location,
never per record.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries, load_boundaries, locate
from hotspots.data.points import WeightedPoints, unique_locations
from hotspots.errors import InputError

__all__ = [
    "NAME_WITHIN_M",
    "PLACES",
    "describe_hotspots",
    "dissolve_cells",
    "hotspots_from_cells",
    "empty_hotspots",
    "check_records",
    "check_crs",
]

NAME_WITHIN_M = 300.0
"""Default distance (metres) from a hotspot polygon within which a gazetteer place names it."""

PLACES = "places"
"""Extra column: every gazetteer place within the naming distance, best first ("; "-separated)."""

SECOND_NAME_SHARE = 0.5
"""A second place joins the name ("A & B") when it scores at least this share of the first."""

_TOP_N = 3


def empty_hotspots(extra: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """A zero-row hotspot frame with :data:`HOTSPOT_COLUMNS` (+ ``places`` and ``extra``), EPSG:27700."""
    cols: dict[str, pd.Series] = {
        S.HOTSPOT_ID: pd.Series(dtype="int64"),
        S.RANK: pd.Series(dtype="int64"),
        S.NAME: pd.Series(dtype="string"),
        S.WARD_NAME: pd.Series(dtype="string"),
        S.COUNT: pd.Series(dtype="int64"),
        S.SHARE: pd.Series(dtype="float64"),
        S.AREA_KM2: pd.Series(dtype="float64"),
        S.DENSITY_PER_KM2: pd.Series(dtype="float64"),
        S.TOP_CATEGORIES: pd.Series(dtype="string"),
        S.TOP_LOCATIONS: pd.Series(dtype="string"),
        PLACES: pd.Series(dtype="string"),
    }
    for name, dtype in (extra or {}).items():
        cols[name] = pd.Series(dtype=dtype)
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=S.CRS_METRES), crs=S.CRS_METRES)


def check_records(records: object, argument: str = "records") -> pd.DataFrame:
    """Validate that ``records`` is a canonical records frame with finite x, y (metres)."""
    if not isinstance(records, pd.DataFrame):
        raise InputError(
            argument,
            type(records).__name__,
            "a pandas DataFrame of canonical records",
            "Load records with hotspots.data.store.open_dataset(...).records().",
        )
    missing = [c for c in (S.X, S.Y, S.CATEGORY, S.LOCATION) if c not in records.columns]
    if missing:
        raise InputError(
            argument,
            f"columns {list(records.columns)[:8]}...",
            f"a frame with the canonical columns (missing {missing})",
            "Use hotspots.data.schema.conform() on hand-made frames.",
        )
    if len(records):
        x = records[S.X].to_numpy(dtype="float64", na_value=np.nan)
        y = records[S.Y].to_numpy(dtype="float64", na_value=np.nan)
        bad = ~(np.isfinite(x) & np.isfinite(y))
        if bad.any():
            raise InputError(
                argument,
                f"{int(bad.sum())} rows without coordinates",
                "records with finite x and y in metres (EPSG:27700)",
                "The readers drop rows without coordinates; filter them out first.",
            )
    return records


def check_crs(gdf: gpd.GeoDataFrame, argument: str) -> None:
    """Raise unless ``gdf`` is in EPSG:27700 (a frame without CRS is taken as EPSG:27700)."""
    if gdf.crs is not None and not gdf.crs.equals(S.CRS_METRES):
        raise InputError(
            argument,
            f"CRS {gdf.crs.to_string()}",
            f"geometries in {S.CRS_METRES} (metres)",
            f"Call .to_crs('{S.CRS_METRES}') first.",
        )


def dissolve_cells(cells: gpd.GeoDataFrame, value_column: str | None = None) -> gpd.GeoDataFrame:
    """Dissolve grid cells into separate areas (cells sharing an edge join; corners do not).

    Parameters
    ----------
    cells : GeoDataFrame of square cell polygons in EPSG:27700 (e.g. from
        :func:`hotspots.methods.grid.cell_polygons`).
    value_column : optional numeric column; its maximum over each area is returned
        as ``peak_<value_column>``.

    Returns
    -------
    GeoDataFrame with ``n_cells`` (and ``peak_<value_column>``), one Polygon per
    area, largest first; zero rows for zero cells.
    """
    check_crs(cells, "cells")
    extra = {"n_cells": "int64"}
    if value_column is not None:
        extra[f"peak_{value_column}"] = "float64"
    if len(cells) == 0:
        cols = {k: pd.Series(dtype=v) for k, v in extra.items()}
        return gpd.GeoDataFrame(
            cols, geometry=gpd.GeoSeries([], crs=S.CRS_METRES), crs=S.CRS_METRES
        )
    merged = shapely.union_all(cells.geometry.values)
    parts = np.asarray(shapely.get_parts(merged))
    # each cell belongs to the part containing its centre
    tree = shapely.STRtree(parts)
    cell_idx, part_idx = tree.query(shapely.centroid(cells.geometry.values), predicate="within")
    out = gpd.GeoDataFrame(
        {"n_cells": np.bincount(part_idx, minlength=len(parts)).astype("int64")},
        geometry=parts,
        crs=S.CRS_METRES,
    )
    if value_column is not None:
        peak = np.full(len(parts), -np.inf)
        np.maximum.at(peak, part_idx, cells[value_column].to_numpy(dtype="float64")[cell_idx])
        out[f"peak_{value_column}"] = peak
    out = out.assign(_a=out.area).sort_values("_a", ascending=False, kind="stable")
    return out[[*extra, "geometry"]].reset_index(drop=True)


def _membership_from_polygons(
    geoms: np.ndarray, pts: WeightedPoints
) -> tuple[np.ndarray, np.ndarray]:
    """(polygon index, location index) pairs for locations inside or on a polygon."""
    if len(pts) == 0 or len(geoms) == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy()
    tree = shapely.STRtree(geoms)
    loc_idx, poly_idx = tree.query(shapely.points(pts.x, pts.y), predicate="intersects")
    return poly_idx.astype(np.int64), loc_idx.astype(np.int64)


def _membership_from_labels(
    labels: np.ndarray, pts: WeightedPoints, n_polygons: int
) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels)
    if labels.shape != pts.inverse.shape or not np.issubdtype(labels.dtype, np.integer):
        raise InputError(
            "labels",
            f"array of shape {labels.shape} and dtype {labels.dtype}",
            f"one integer per record ({len(pts.inverse)})",
        )
    if len(labels) and (labels.min() < -1 or labels.max() >= n_polygons):
        raise InputError(
            "labels",
            f"values from {labels.min()} to {labels.max()}",
            f"-1 (no hotspot) or a row position in polygons (0..{n_polygons - 1})",
        )
    loc_label = np.full(len(pts), -1, dtype=np.int64)
    loc_label[pts.inverse] = labels
    if not np.array_equal(loc_label[pts.inverse], labels):
        raise InputError(
            "labels",
            "different labels at one location",
            "the same label for every record at the same (x, y)",
            "Hotspot methods here label distinct locations; expand with points.inverse.",
        )
    loc_idx = np.flatnonzero(loc_label >= 0)
    return loc_label[loc_idx], loc_idx


def _location_wards(
    records: pd.DataFrame, pts: WeightedPoints, boundaries: Boundaries | None
) -> np.ndarray:
    """Ward name per distinct location (object array, None where outside every ward).

    Taken from the records' ``ward_name`` (a point-in-polygon result, so one per
    location) when they carry any; otherwise looked up once per location.
    """
    first = np.empty(len(pts), dtype=np.int64)
    first[pts.inverse[::-1]] = np.arange(len(pts.inverse) - 1, -1, -1)
    if S.WARD_NAME in records.columns:
        w = pd.Series(records[S.WARD_NAME].array.take(first))
        if w.notna().any():
            return w.to_numpy(dtype=object, na_value=None)
    loc = locate(pts.x, pts.y, boundaries or load_boundaries())
    return loc[S.WARD_NAME].to_numpy(dtype=object, na_value=None)


def _factorize_subset(
    column: pd.Series, mask: np.ndarray, fill: str
) -> tuple[np.ndarray, np.ndarray]:
    """Codes and labels of ``column[mask]`` (NA -> ``fill``), without converting the whole column.

    Arrow-backed string columns are masked and dictionary-encoded by pyarrow, 10x
    faster than going through Python objects on 1M records.
    """
    sub = pd.Series(column.array[mask])
    if sub.isna().any():
        sub = sub.fillna(fill)
    codes, labels = pd.factorize(sub)
    return np.asarray(codes, dtype=np.int64), np.asarray(labels, dtype=object)


def describe_hotspots(
    polygons: gpd.GeoDataFrame,
    records: pd.DataFrame,
    *,
    gazetteer: gpd.GeoDataFrame | None = None,
    boundaries: Boundaries | None = None,
    name_within_m: float = NAME_WITHIN_M,
    labels: np.ndarray | None = None,
    top_n: int = _TOP_N,
    points: WeightedPoints | None = None,
) -> gpd.GeoDataFrame:
    """Fill the standard hotspot columns for a set of hotspot polygons.

    Parameters
    ----------
    polygons : GeoDataFrame of hotspot polygons, EPSG:27700 (no CRS is taken as
        EPSG:27700). Extra columns are kept; a ``hotspot_id`` column is kept,
        otherwise ids are the ranks.
    records : canonical records the hotspots were found in (``x``, ``y`` metres,
        ``category``, ``location``; ``ward_name`` used when present). ``share`` is
        relative to all of these records.
    gazetteer : named places (``name``, point geometry in EPSG:27700), default the
        bundled gazetteer of ``boundaries``. Pass an empty frame to name hotspots by
        location text only.
    boundaries : used for the default gazetteer and, when ``records`` carry no
        ward names, for a point-in-polygon ward lookup (default: bundled).
    name_within_m : a place names a hotspot when within this many metres of its
        polygon (default 300 m; see the module docstring for the full rule).
    labels : optional int array, one per record: the row position in ``polygons``
        of the hotspot the record belongs to, or -1. When given, membership comes
        from these labels (e.g. DBSCAN clusters) instead of point-in-polygon.
        Records at the same location must share a label.
    top_n : how many categories and locations to list (default 3).
    points : ``unique_locations`` of ``records``' x, y when the caller has them
        already (saves one deduplication); must come from these very records.

    Returns
    -------
    GeoDataFrame (EPSG:27700) with :data:`~hotspots.data.schema.HOTSPOT_COLUMNS`, then
    ``places`` and the extra input columns, one row per polygon, sorted by ``rank``:

    - ``count``: records inside (or labelled), ``share``: count / all records;
    - ``area_km2``: polygon area; ``density_per_km2``: count / area_km2;
    - ``rank``: 1 = most records (ties: the denser first, then input order);
    - ``top_categories``: "Anti-social behaviour 45%; ..." (shares of the hotspot);
    - ``top_locations``: most frequent location texts with counts;
    - ``ward_name``: the ward holding most of the hotspot's records;
    - ``name``: see the module docstring.

    Notes
    -----
    Cost: one STRtree point-in-polygon query per distinct location, then bincounts;
    location texts are factorised only for records inside hotspots.
    """
    if not isinstance(polygons, gpd.GeoDataFrame):
        raise InputError(
            "polygons", type(polygons).__name__, "a GeoDataFrame of hotspot polygons in EPSG:27700"
        )
    check_crs(polygons, "polygons")
    check_records(records)
    if not (isinstance(name_within_m, (int, float)) and 0 <= name_within_m <= 5_000):
        raise InputError("name_within_m", name_within_m, "a distance between 0 and 5,000 metres")
    keep_extra = [
        c
        for c in polygons.columns
        if c not in S.HOTSPOT_COLUMNS and c != PLACES and c != polygons.geometry.name
    ]
    if len(polygons) == 0:
        extra = {c: str(polygons[c].dtype) for c in keep_extra}
        return empty_hotspots(extra)

    geoms = np.asarray(polygons.geometry.values)
    m = len(geoms)
    n_total = len(records)
    if points is None or len(points.inverse) != n_total:
        points = unique_locations(
            records[S.X].to_numpy(dtype="float64"), records[S.Y].to_numpy(dtype="float64")
        )
    pts = points
    if labels is None:
        pair_poly, pair_loc = _membership_from_polygons(geoms, pts)
    else:
        pair_poly, pair_loc = _membership_from_labels(labels, pts, m)
    pair_w = pts.weight[pair_loc].astype("float64") if len(pts) else np.empty(0)
    count = np.bincount(pair_poly, weights=pair_w, minlength=m).round().astype(np.int64)

    # Per-location tables built only from records at locations inside some hotspot.
    in_any = np.zeros(len(pts), dtype=bool)
    in_any[pair_loc] = True
    rec_mask = in_any[pts.inverse] if len(pts) else np.zeros(0, dtype=bool)
    sub_loc = pts.inverse[rec_mask]
    cat_codes, cat_labels = _factorize_subset(records[S.CATEGORY], rec_mask, "(no category)")
    locs_codes, loc_labels = _factorize_subset(records[S.LOCATION], rec_mask, "(no location text)")

    # (location, category) and (location, location-text) counts -> per (hotspot, label)
    def per_hotspot(codes: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hotspot, label code, records) for every label present in every hotspot."""
        e = np.empty(0, dtype=np.int64)
        if n_labels == 0 or len(pair_loc) == 0:
            return e, e, e
        # (location, label) counts, sorted by location
        loc_key = sub_loc * n_labels + codes
        if len(pts) * n_labels <= 4_000_000:
            cnt_all = np.bincount(loc_key, minlength=len(pts) * n_labels)
            uk = np.flatnonzero(cnt_all)
            cnt = cnt_all[uk]
        else:
            uk, cnt = np.unique(loc_key, return_counts=True)
        t_loc, t_code = uk // n_labels, uk % n_labels
        # join with the (hotspot, location) pairs: each pair takes its location's rows
        starts = np.searchsorted(t_loc, pair_loc, side="left")
        ends = np.searchsorted(t_loc, pair_loc, side="right")
        lens = ends - starts
        rows = np.repeat(starts - np.r_[0, np.cumsum(lens)[:-1]], lens) + np.arange(lens.sum())
        poly = np.repeat(pair_poly, lens)
        key = poly * n_labels + t_code[rows]
        k2, inv = np.unique(key, return_inverse=True)
        return k2 // n_labels, k2 % n_labels, np.bincount(inv, weights=cnt[rows]).astype(np.int64)

    def top_per_hotspot(poly, code, n, labels) -> list[list[tuple[str, int]]]:
        """Up to ``top_n`` (label, records) per hotspot, most records first (ties: label)."""
        out: list[list[tuple[str, int]]] = [[] for _ in range(m)]
        if len(poly) == 0:
            return out
        lab = labels[code].astype(str)
        order = np.lexsort((lab, -n, poly))
        poly, lab, n = poly[order].tolist(), lab[order].tolist(), n[order].tolist()
        for p, lb, k in zip(poly, lab, n, strict=True):
            if len(out[p]) < top_n and k > 0:
                out[p].append((lb, int(k)))
        return out

    cat_top = top_per_hotspot(*per_hotspot(cat_codes, len(cat_labels)), cat_labels)
    loc_top = top_per_hotspot(*per_hotspot(locs_codes, len(loc_labels)), loc_labels)
    wards = (
        _location_wards(records, pts, boundaries) if len(pair_loc) else np.empty(0, dtype=object)
    )
    ward_codes, ward_labels = pd.factorize(pd.Series(wards[pair_loc], dtype=object))
    has_ward = ward_codes >= 0
    if has_ward.any():
        wk = pair_poly[has_ward] * len(ward_labels) + ward_codes[has_ward]
        wk2, winv = np.unique(wk, return_inverse=True)
        w_n = np.bincount(winv, weights=pair_w[has_ward])
        ward_top = top_per_hotspot(
            wk2 // len(ward_labels),
            wk2 % len(ward_labels),
            w_n,
            np.asarray(ward_labels, dtype=object),
        )
    else:
        ward_top = [[] for _ in range(m)]

    top_categories = [
        "; ".join(f"{lb} {100 * k / count[p]:.0f}%" for lb, k in cat_top[p]) if count[p] else ""
        for p in range(m)
    ]
    top_locations = ["; ".join(f"{lb} ({k})" for lb, k in loc_top[p]) for p in range(m)]
    top_location_text = [loc_top[p][0][0] if loc_top[p] else "" for p in range(m)]
    ward_name: list[object] = [ward_top[p][0][0] if ward_top[p] else pd.NA for p in range(m)]

    # Names from the gazetteer.
    if gazetteer is None:
        gazetteer = (boundaries or load_boundaries()).gazetteer
    check_crs(gazetteer, "gazetteer")
    names, places = _place_names(geoms, pts, pair_poly, pair_loc, gazetteer, float(name_within_m))
    for i in range(m):
        if names[i] is None:
            text = top_location_text[i] or "Unnamed area"
            ward = ward_name[i]
            names[i] = f"{text}, {ward}" if isinstance(ward, str) else text

    area_km2 = shapely.area(geoms) / 1e6
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(area_km2 > 0, count / area_km2, np.nan)
    order = np.lexsort((np.arange(m), -np.nan_to_num(density, nan=-1.0), -count))
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(1, m + 1)
    has_id = S.HOTSPOT_ID in polygons.columns
    hid = polygons[S.HOTSPOT_ID].to_numpy() if has_id else rank.copy()

    out = gpd.GeoDataFrame(
        {
            S.HOTSPOT_ID: hid,
            S.RANK: rank,
            S.NAME: pd.array(names, dtype="string"),
            S.WARD_NAME: pd.array(ward_name, dtype="string"),
            S.COUNT: count,
            S.SHARE: count / n_total if n_total else np.zeros(m),
            S.AREA_KM2: area_km2,
            S.DENSITY_PER_KM2: density,
            S.TOP_CATEGORIES: pd.array(top_categories, dtype="string"),
            S.TOP_LOCATIONS: pd.array(top_locations, dtype="string"),
            PLACES: pd.array(places, dtype="string"),
        },
        geometry=gpd.GeoSeries(geoms, crs=S.CRS_METRES),
        crs=S.CRS_METRES,
    )
    for c in keep_extra:
        out[c] = polygons[c].to_numpy()
    out = out.iloc[order].reset_index(drop=True)
    out[S.NAME] = _dedupe(out[S.NAME].tolist())
    cols = [*S.HOTSPOT_COLUMNS[:-1], PLACES, *keep_extra, "geometry"]
    return out[cols]


def _dedupe(names: list[str]) -> pd.arrays.StringArray:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return pd.array(out, dtype="string")


def _place_names(
    geoms: np.ndarray,
    pts: WeightedPoints,
    pair_poly: np.ndarray,
    pair_loc: np.ndarray,
    gazetteer: gpd.GeoDataFrame,
    within_m: float,
) -> tuple[list[str | None], list[str]]:
    """Best gazetteer name per polygon (None if no place is close) and all candidates."""
    m = len(geoms)
    names: list[str | None] = [None] * m
    places = [""] * m
    if len(gazetteer) == 0:
        return names, places
    gz_geom = np.asarray(gazetteer.geometry.values)
    gz_name = (
        gazetteer["name"].astype(str).to_numpy()
        if "name" in gazetteer
        else gazetteer.iloc[:, 0].astype(str).to_numpy()
    )
    tree = shapely.STRtree(gz_geom)
    q_poly, q_place = tree.query(geoms, predicate="dwithin", distance=within_m)
    if len(q_poly) == 0:
        return names, places
    gx = shapely.get_x(gz_geom)
    gy = shapely.get_y(gz_geom)
    order = np.argsort(pair_poly, kind="stable")
    pp, pl = pair_poly[order], pair_loc[order]
    starts = np.searchsorted(pp, np.arange(m + 1))
    for p in np.unique(q_poly):
        cand = q_place[q_poly == p]
        dist_poly = shapely.distance(geoms[p], gz_geom[cand])
        locs = pl[starts[p] : starts[p + 1]]
        score = np.zeros(len(cand))
        if len(locs):
            d = np.hypot(
                pts.x[locs][:, None] - gx[cand][None, :], pts.y[locs][:, None] - gy[cand][None, :]
            )
            score = pts.weight[locs].astype(float) @ (d <= within_m)
        best = np.lexsort((gz_name[cand], dist_poly, -score))
        first = str(gz_name[cand[best[0]]])
        names[p] = first
        if (
            len(best) > 1
            and score[best[0]] > 0
            and score[best[1]] >= SECOND_NAME_SHARE * score[best[0]]
        ):
            second = str(gz_name[cand[best[1]]])
            if second != first:
                names[p] = f"{first} & {second}"
        places[p] = "; ".join(dict.fromkeys(str(gz_name[cand[i]]) for i in best))
    return names, places


def hotspots_from_cells(
    cells: gpd.GeoDataFrame,
    records: pd.DataFrame,
    *,
    value_column: str | None = None,
    gazetteer: gpd.GeoDataFrame | None = None,
    boundaries: Boundaries | None = None,
    name_within_m: float = NAME_WITHIN_M,
) -> gpd.GeoDataFrame:
    """Dissolve selected grid cells (e.g. Gi* "Hot" cells) into described hotspots.

    Parameters
    ----------
    cells : the selected cells, square polygons in EPSG:27700.
    records : the records the cells were computed from (for counts and names).
    value_column : optional; ``n_cells`` and ``peak_<value_column>`` are kept as
        extra columns (e.g. ``peak_gi_z``).
    gazetteer, boundaries, name_within_m : see :func:`describe_hotspots`.

    Returns
    -------
    GeoDataFrame as from :func:`describe_hotspots`.

    Examples
    --------
    >>> res = gistar(records)                                       # doctest: +SKIP
    >>> hot = hotspots_from_cells(res.grid[res.hot_mask], records, value_column="gi_z")  # doctest: +SKIP
    """
    areas = dissolve_cells(cells, value_column=value_column)
    return describe_hotspots(
        areas, records, gazetteer=gazetteer, boundaries=boundaries, name_within_m=name_within_m
    )
