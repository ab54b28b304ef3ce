"""Describing hotspot polygons: counts, shares, categories, locations, ward and a name.

Every hotspot method (DBSCAN, KDE, Gi*) produces polygons in EPSG:27700 and
hands them to :func:`describe_hotspots`, which fills the fixed columns of
:data:`hotspots.data.schema.HOTSPOT_COLUMNS` and
:data:`~hotspots.data.schema.HOTSPOT_DESCRIPTION_COLUMNS` so that pages, exports
and comparisons read every method's output the same way.

See :mod:`hotspots.methods.place_names` for the naming rule (documented for users).
This module stays a little over 500 lines because :func:`describe_hotspots` and the
location tables it builds (one point-in-polygon test per distinct location) are one job.

References
----------
data.police.uk, "About: anonymisation of crime locations" (snap points and their
generic labels), https://data.police.uk/about/#location-anonymisation
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries, load_boundaries, locate
from hotspots.data.frames import records_frame, require_crs
from hotspots.data.points import WeightedPoints, unique_locations
from hotspots.errors import InputError
from hotspots.methods.place_names import (
    ANONYMISATION_NOTE,
    CAPITAL_S,
    GENERIC_LOCATIONS,
    LOCATION_PREFIX,
    NAME_WITHIN_M,
    PLACES,
    SNAP_SPACING_M,
    TOP_N_LOCATIONS,
    describe_locations,
    street_text,
)
from hotspots.validation import InstanceOf, Interval, Real, validate_params

__all__ = [
    "ANONYMISATION_NOTE",
    "GENERIC_LOCATIONS",
    "NAME_WITHIN_M",
    "PLACES",
    "SNAP_SPACING_M",
    "check_crs",
    "check_records",
    "describe_hotspots",
    "dissolve_cells",
    "empty_hotspots",
    "hotspots_from_cells",
    "street_text",
]


def empty_hotspots(extra: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """Return a zero-row hotspot frame in EPSG:27700 with the hotspot columns and ``extra``.

    The columns are :data:`HOTSPOT_COLUMNS`, then the description columns
    (:data:`~hotspots.data.schema.HOTSPOT_DESCRIPTION_COLUMNS`), then ``extra``.
    """
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
    }
    for name, dtype in S.HOTSPOT_DESCRIPTION_DTYPES.items():
        cols[name] = pd.Series(dtype=dtype)
    for name, dtype in (extra or {}).items():
        if name not in cols:
            cols[name] = pd.Series(dtype=dtype)
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=S.CRS_METRES), crs=S.CRS_METRES)


def check_records(records: object, argument: str = "records") -> pd.DataFrame:
    """Validate that ``records`` is a canonical records frame with finite x, y (metres).

    Returns the frame to use: a GeoDataFrame is taken by its CRS (x, y from its points
    in EPSG:27700, :func:`hotspots.data.frames.records_frame`); one without a CRS is refused.
    """
    frame = records_frame(records, argument)
    missing = [c for c in (S.X, S.Y, S.CATEGORY, S.LOCATION) if c not in frame.columns]
    if missing:
        raise InputError(
            argument,
            f"columns {list(frame.columns)[:8]}...",
            f"a frame with the canonical columns (missing {missing})",
            "Use hotspots.data.schema.conform() on hand-made frames.",
        )
    if len(frame):
        x = frame[S.X].to_numpy(dtype="float64", na_value=np.nan)
        y = frame[S.Y].to_numpy(dtype="float64", na_value=np.nan)
        bad = ~(np.isfinite(x) & np.isfinite(y))
        if bad.any():
            raise InputError(
                argument,
                f"{int(bad.sum())} rows without coordinates",
                "records with finite x and y in metres (EPSG:27700)",
                "The readers drop rows without coordinates; filter them out first.",
            )
    return frame


def check_crs(gdf: gpd.GeoDataFrame, argument: str) -> None:
    """Raise unless ``gdf`` is in EPSG:27700 (a frame without CRS is refused: set it first)."""
    require_crs(gdf, argument)
    if not gdf.crs.equals(S.CRS_METRES):
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
            cols,
            geometry=gpd.GeoSeries([], crs=S.CRS_METRES),
            crs=S.CRS_METRES,
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
    geoms: np.ndarray,
    pts: WeightedPoints,
) -> tuple[np.ndarray, np.ndarray]:
    """(polygon index, location index) pairs for locations inside or on a polygon."""
    if len(pts) == 0 or len(geoms) == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy()
    tree = shapely.STRtree(geoms)
    loc_idx, poly_idx = tree.query(shapely.points(pts.x, pts.y), predicate="intersects")
    return poly_idx.astype(np.int64), loc_idx.astype(np.int64)


def _membership_from_labels(
    labels: np.ndarray,
    pts: WeightedPoints,
    n_polygons: int,
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


def _first_record(pts: WeightedPoints) -> np.ndarray:
    """Row position of the first record at each distinct location."""
    first = np.empty(len(pts), dtype=np.int64)
    first[pts.inverse[::-1]] = np.arange(len(pts.inverse) - 1, -1, -1)
    return first


def _take(column: pd.Series, idx: np.ndarray) -> pd.Series:
    """``column`` at row positions ``idx``, taken chunk by chunk for Arrow columns.

    pyarrow's take on a chunked array concatenates the chunks first (25 ms for 1M
    strings); taking from each chunk only its own rows costs well under 1 ms.
    """
    arr = column.array
    chunked = getattr(arr, "_pa_array", None)
    if chunked is None or chunked.num_chunks < 2:
        return pd.Series(arr.take(idx))
    import pyarrow as pa

    bounds = np.cumsum([0, *(len(c) for c in chunked.chunks)])
    which = np.searchsorted(bounds, idx, side="right") - 1
    order = np.argsort(which, kind="stable")
    parts = [
        chunked.chunk(c).take(pa.array(idx[order][which[order] == c] - bounds[c]))
        for c in range(chunked.num_chunks)
    ]
    taken = pa.concat_arrays(parts).take(pa.array(np.argsort(order, kind="stable")))
    return pd.Series(type(arr)(pa.chunked_array([taken], type=chunked.type)))


def _location_texts(records: pd.DataFrame, first: np.ndarray) -> np.ndarray:
    """:func:`street_text` of each distinct location, from its first record (vectorised).

    police.uk gives one text per map point, so the first record's text is the point's.
    """
    if len(first) == 0:
        return np.empty(0, dtype=object)
    texts = _take(records[S.LOCATION], first).astype("string")
    texts = texts.str.removeprefix(LOCATION_PREFIX).str.replace(CAPITAL_S, "'s", regex=True)
    return texts.fillna("").to_numpy(dtype=object)


def _location_wards(
    records: pd.DataFrame,
    pts: WeightedPoints,
    first: np.ndarray,
    boundaries: Boundaries | None,
) -> np.ndarray:
    """Ward name per distinct location (object array, None where outside every ward).

    Taken from the records' ``ward_name`` (a point-in-polygon result, so one per
    location) when they carry any; otherwise looked up once per location.
    """
    if S.WARD_NAME in records.columns:
        w = _take(records[S.WARD_NAME], first)
        if w.notna().any():
            return w.to_numpy(dtype=object, na_value=None)
    loc = locate(pts.x, pts.y, boundaries or load_boundaries())
    return loc[S.WARD_NAME].to_numpy(dtype=object, na_value=None)


def _factorize_subset(
    column: pd.Series,
    mask: np.ndarray,
    fill: str,
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


@validate_params(
    {
        "polygons": [
            InstanceOf(
                gpd.GeoDataFrame,
                description="a GeoDataFrame of hotspot polygons in EPSG:27700",
            ),
        ],
        "name_within_m": [Interval(Real, 0, 5_000, unit="metres")],
    },
)
def describe_hotspots(
    polygons: gpd.GeoDataFrame,
    records: pd.DataFrame,
    *,
    gazetteer: gpd.GeoDataFrame | None = None,
    boundaries: Boundaries | None = None,
    name_within_m: float = NAME_WITHIN_M,
    labels: np.ndarray | None = None,
    top_n: int = TOP_N_LOCATIONS,
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
    name_within_m : a gazetteer place this close (metres) to the hotspot's busiest
        location or record-weighted centre, or inside the hotspot, is considered for
        its name; it names the hotspot only within 1.5 x this of the busiest location
        (default 100 m; see the module docstring for the full rule).
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
    :data:`~hotspots.data.schema.HOTSPOT_DESCRIPTION_COLUMNS` and the extra input
    columns, one row per polygon, sorted by ``rank``:

    - ``count``: records inside (or labelled), ``share``: count / all records;
    - ``area_km2``: polygon area; ``density_per_km2``: count / area_km2;
    - ``rank``: 1 = most records (ties: the denser first, then input order);
    - ``top_categories``: "Anti-social behaviour 45%; ..." (shares of the hotspot);
    - ``top_locations``: most frequent location texts with counts;
    - ``ward_name``: the ward holding most of the hotspot's records;
    - ``name``: see the module docstring; unique within the result;
    - ``places``: gazetteer places considered for the name, nearest the busiest
      location first ("; "-separated, "" when none);
    - ``busiest_location``: location text (without "On or near ") of the police.uk
      map point holding most of the hotspot's records (ties: by text, then x, y);
      ``busiest_x``, ``busiest_y``: its coordinates in metres (NaN without records);
    - ``n_locations``: distinct police.uk map points holding the hotspot's records
      (replaces an input column of that name);
    - ``caveat``: a plain-English note when the hotspot is narrower than
      :data:`SNAP_SPACING_M` or all its records are at one map point; "" otherwise.

    Notes
    -----
    Cost: one STRtree point-in-polygon query per distinct location, then bincounts;
    location texts are factorised only for records inside hotspots; the texts of the
    distinct locations come from one record each. police.uk's anonymisation is
    described at https://data.police.uk/about/#location-anonymisation.
    """
    check_crs(polygons, "polygons")
    records = check_records(records)
    keep_extra = [
        c
        for c in polygons.columns
        if c not in S.HOTSPOT_COLUMNS
        and c not in S.HOTSPOT_DESCRIPTION_DTYPES
        and c != polygons.geometry.name
    ]
    if len(polygons) == 0:
        extra = {c: str(polygons[c].dtype) for c in keep_extra}
        return empty_hotspots(extra)

    geoms = np.asarray(polygons.geometry.values)
    m = len(geoms)
    n_total = len(records)
    if points is None or len(points.inverse) != n_total:
        points = unique_locations(
            records[S.X].to_numpy(dtype="float64"),
            records[S.Y].to_numpy(dtype="float64"),
        )
    pts = points
    if labels is None:
        pair_poly, pair_loc = _membership_from_polygons(geoms, pts)
    else:
        pair_poly, pair_loc = _membership_from_labels(labels, pts, m)
    pair_w = pts.weight[pair_loc].astype("float64") if len(pts) else np.empty(0)
    count = np.bincount(pair_poly, weights=pair_w, minlength=m).round().astype(np.int64)

    # Per-location tables built only from records at locations inside some hotspot.
    first = _first_record(pts)
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

    def top_per_hotspot(
        poly: np.ndarray,
        code: np.ndarray,
        n: np.ndarray,
        labels: np.ndarray,
    ) -> list[list[tuple[str, int]]]:
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
        _location_wards(records, pts, first, boundaries)
        if len(pair_loc)
        else np.empty(0, dtype=object)
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
    ward_name: list[object] = [ward_top[p][0][0] if ward_top[p] else pd.NA for p in range(m)]

    # Names: gazetteer places near the busiest location, else the hotspot's streets.
    if gazetteer is None:
        gazetteer = (boundaries or load_boundaries()).gazetteer
    check_crs(gazetteer, "gazetteer")
    desc = describe_locations(
        geoms,
        pts,
        pair_poly,
        pair_loc,
        _location_texts(records, first),
        gazetteer,
        ward_name,
        float(name_within_m),
    )
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
            S.NAME: pd.array(desc.names, dtype="string"),
            S.WARD_NAME: pd.array(ward_name, dtype="string"),
            S.COUNT: count,
            S.SHARE: count / n_total if n_total else np.zeros(m),
            S.AREA_KM2: area_km2,
            S.DENSITY_PER_KM2: density,
            S.TOP_CATEGORIES: pd.array(top_categories, dtype="string"),
            S.TOP_LOCATIONS: pd.array(top_locations, dtype="string"),
            PLACES: pd.array(desc.places, dtype="string"),
            S.BUSIEST_LOCATION: pd.array(desc.busiest_text, dtype="string"),
            S.BUSIEST_X: desc.busiest_x,
            S.BUSIEST_Y: desc.busiest_y,
            S.N_LOCATIONS: desc.n_locations,
            S.CAVEAT: pd.array(desc.caveats, dtype="string"),
        },
        geometry=gpd.GeoSeries(geoms, crs=S.CRS_METRES),
        crs=S.CRS_METRES,
    )
    for c in keep_extra:
        out[c] = polygons[c].to_numpy()
    out = out.iloc[order].reset_index(drop=True)
    cols = [*S.HOTSPOT_COLUMNS[:-1], *S.HOTSPOT_DESCRIPTION_COLUMNS, *keep_extra, "geometry"]
    return out[cols]


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
        areas,
        records,
        gazetteer=gazetteer,
        boundaries=boundaries,
        name_within_m=name_within_m,
    )
