"""What every export shares: disclosure control, the metadata it records, WGS84 geometry.

:func:`suppress_counts` withholds small counts (and the shares and densities that
would give them away); :func:`export_metadata` is what each format records about
how it was made. The formats are in :mod:`hotspots.present.exports` (GeoJSON),
:mod:`hotspots.present.export_xml` (KML, GPX) and :mod:`hotspots.present.export_csv`;
the rules they follow are written once, in :mod:`hotspots.present.exports`.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import ATTRIBUTION
from hotspots.errors import InputError
from hotspots.present.tables import (
    DEFAULT_SUPPRESS_BELOW,
    format_count,
    format_number,
    format_share,
    format_top,
    is_suppressed,
    nest_hotspots,
)

__all__ = [
    "DECIMALS",
    "DERIVED_COLUMNS",
    "SUPPRESSION_NOTE",
    "check_suppress",
    "count_columns_of",
    "display_value",
    "export_metadata",
    "feature_label",
    "hotspot_labels",
    "jsonable",
    "ordered",
    "points_inside",
    "reading_order",
    "suppress_counts",
    "to_wgs84",
    "with_labels",
]

SUPPRESSION_NOTE = (
    "Counts from 1 to {k_1} are withheld (shown as <{k}) for statistical disclosure "
    "control; the share and density of those rows are withheld too."
)
DERIVED_COLUMNS: tuple[str, ...] = (S.SHARE, S.DENSITY_PER_KM2)
TOP_COLUMNS: tuple[str, ...] = (S.TOP_CATEGORIES, S.TOP_LOCATIONS)
DECIMALS = 6  # of WGS84 degrees: about 0.1 m
_PERCENT = re.compile(r"\s*\(?\d+(?:\.\d+)?\s*%\)?")


def count_columns_of(df: pd.DataFrame, count_columns: Sequence[str] | None = None) -> list[str]:
    """Columns treated as counts: ``count_columns`` or those named count / count_* / *_count."""
    if count_columns is not None:
        missing = [c for c in count_columns if c not in df.columns]
        if missing:
            raise InputError("count_columns", missing, f"columns of the table ({list(df.columns)})")
        return list(count_columns)
    return [
        c
        for c in df.columns
        if isinstance(c, str) and (c == S.COUNT or c.startswith("count_") or c.endswith("_count"))
    ]


def check_suppress(suppress_below: int | None) -> int | None:
    """Check the disclosure threshold: None or 0 (exact counts) becomes None, else an int >= 2."""
    if suppress_below is None or suppress_below == 0:
        return None
    if (
        isinstance(suppress_below, bool)
        or not isinstance(suppress_below, (int, np.integer))
        or suppress_below < 2
    ):
        raise InputError(
            "suppress_below",
            suppress_below,
            "None (no suppression) or an integer of 2 or more",
            "Usually 5.",
        )
    return int(suppress_below)


def suppress_counts(
    df: pd.DataFrame,
    *,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    count_columns: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Withhold small counts.

    Parameters
    ----------
    df : any table (a GeoDataFrame keeps its geometry).
    suppress_below : counts ``1 <= n < suppress_below`` are withheld; None: none are.
    count_columns : see :func:`count_columns_of`.

    Returns
    -------
    (table, withheld): ``table`` is a copy with withheld counts, and the derived
    columns (share, density) of rows with a withheld count, set to NA, and "top"
    text columns formatted with small counts as ``"<k"``; ``withheld`` is a boolean
    frame, same index, one column per count or derived column, True where a value
    was withheld.
    """
    k = check_suppress(suppress_below)
    out = df.copy()
    counts = count_columns_of(df, count_columns)
    withheld = pd.DataFrame(index=df.index)
    for c in counts:
        withheld[c] = df[c].map(lambda v: is_suppressed(v, k)).astype(bool)
    row = withheld.any(axis=1) if counts else pd.Series(False, index=df.index)
    for c in DERIVED_COLUMNS:
        if c in df.columns:
            withheld[c] = row
    for c in withheld.columns:
        if withheld[c].any():
            col = out[c].astype(object)
            col[withheld[c].to_numpy()] = None
            out[c] = col
    for c in TOP_COLUMNS:
        if c in out.columns:
            out[c] = out[c].map(lambda v: format_top(v, k))
            if k and row.any():
                # "Drugs 50%; Burglary 25%" of a withheld count gives it away: names only
                out.loc[row, c] = out.loc[row, c].map(lambda v: _PERCENT.sub("", str(v)))
    return out, withheld


def export_metadata(
    parameters: Mapping[str, Any] | None,
    suppress_below: int | None,
    n_withheld: int,
    generated: str | None = None,
) -> dict[str, Any]:
    """Say what each export holds: generated (UTC ISO 8601), parameters, disclosure, attribution."""
    k = check_suppress(suppress_below)
    return {
        "generated": generated or _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "parameters": jsonable(dict(parameters or {})),
        "disclosure": {
            "suppress_below": k,
            "values_withheld": int(n_withheld),
            "note": SUPPRESSION_NOTE.format(k=k, k_1=k - 1) if k else "No counts withheld.",
        },
        "attribution": ATTRIBUTION,
        "crs": "EPSG:4326 (WGS84 longitude, latitude)",
    }


def jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars to Python, NaN/NA to None, tuples to lists, dates to ISO."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray, pd.Series)):
        return [jsonable(v) for v in (sorted(value) if isinstance(value, set) else value)]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, shapely.Geometry):
        return value.wkt
    return str(value)


def to_wgs84(gdf: gpd.GeoDataFrame, argument: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` (EPSG:27700, checked) reprojected to WGS84 for an export."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(argument, type(gdf).__name__, "a GeoDataFrame with polygons")
    if gdf.crs is None:
        raise InputError(
            argument,
            "a GeoDataFrame with no CRS",
            "a GeoDataFrame with a CRS (EPSG:27700)",
        )
    out = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)].to_crs(S.CRS_DISPLAY)
    geoms = shapely.transform(out.geometry.values, lambda xy: np.round(xy, DECIMALS))
    return out.set_geometry(
        gpd.GeoSeries(shapely.orient_polygons(geoms), index=out.index, crs=S.CRS_DISPLAY),
    )


def points_inside(gdf_metres: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of a point inside each geometry (computed in metres, then projected)."""
    pts = gpd.GeoSeries(gdf_metres.geometry.representative_point(), crs=gdf_metres.crs).to_crs(
        S.CRS_DISPLAY,
    )
    return np.round(pts.x.to_numpy(), DECIMALS), np.round(pts.y.to_numpy(), DECIMALS)


def feature_label(
    row: Mapping[str, Any],
    name_column: str,
    position: int,
    number: str | None = None,
) -> str:
    """Return a feature's name in KML and GPX.

    "#1 Name", or "#1.2 Name" with the ``number`` the ranked table gives it (:func:`reading_order`).
    """
    name = row.get(name_column)
    name = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    if number is not None:
        return f"#{number} {name}".strip()
    rank = row.get(S.RANK)
    if rank is not None and not pd.isna(rank):
        return f"#{int(rank)} {name}".strip()
    return name or f"Feature {position + 1}"


def reading_order(table: pd.DataFrame) -> tuple[list[int], list[str | None]]:
    """Positions of ``table``'s rows in the ranked table's order, and their numbers.

    With street-sized hotspots (``level`` 1 under a ``parent``) each district comes
    with its children after it, numbered "1", "1.1", "1.2", "2" as on the page, the map
    and the CLI (:func:`hotspots.present.tables.nest_hotspots`); otherwise rank order
    and no numbers (the rank is the number).
    """
    if S.RANK not in table.columns:
        return list(range(len(table))), [None] * len(table)
    order = np.argsort(table[S.RANK].to_numpy(), kind="stable").tolist()
    nested_rows = "level" in table.columns and "parent" in table.columns
    if not nested_rows or not (table["level"] == 1).any() or table[S.RANK].isna().any():
        return order, [None] * len(table)  # (rows without a rank: a change table's gone ones)
    # only what the numbering reads (a copy of every column was most of its time)
    keys = [c for c in (S.HOTSPOT_ID, S.RANK, S.COUNT, "level", "parent") if c in table.columns]
    plain = pd.DataFrame({c: table[c].to_numpy() for c in keys})
    plain["_pos"] = range(len(plain))
    nested = nest_hotspots(plain)
    return nested["_pos"].astype(int).tolist(), nested["label"].astype(str).tolist()


def hotspot_labels(table: pd.DataFrame) -> list[str | None] | None:
    """Each row's number as the ranked table writes it, in the rows' own order.

    "1", "2", ... for districts and "1.1", "1.2" for the street-sized hotspots inside
    district 1: the numbers of :func:`reading_order` (that is,
    :func:`hotspots.present.tables.nest_hotspots`, as the page, the map badges, the CLI
    table, KML, GPX and the pack use), else the rank; None for a row without a rank.
    Pass the exact counts: children are numbered by their records, most first. Returns
    None for a table that is not of hotspots (no ``hotspot_id`` or no ``rank``).
    """
    if S.HOTSPOT_ID not in table.columns or S.RANK not in table.columns:
        return None
    labels: list[str | None] = [None] * len(table)
    ranks = table[S.RANK].to_numpy()
    for pos, number in zip(*reading_order(table), strict=True):
        if number is not None:
            labels[pos] = number
        elif not pd.isna(ranks[pos]):
            labels[pos] = str(int(ranks[pos]))
    return labels


def with_labels(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with a ``label`` column after ``rank``: :func:`hotspot_labels`.

    The CSV, GeoJSON and JSON exports carry it, so a hotspot has the number the page,
    the map, the CLI table, KML, GPX and the pack give it. A table that is not of
    hotspots, or that has a ``label`` column already, comes back unchanged.
    """
    if "label" in table.columns:
        return table
    labels = hotspot_labels(table)
    if labels is None:
        return table
    out = table.copy()
    out.insert(
        list(out.columns).index(S.RANK) + 1,
        "label",
        pd.Series(labels, index=out.index, dtype=object),
    )
    return out


def display_value(col: str, value: Any, withheld: bool, k: int | None) -> str:
    """Return a cell as exports show it: withheld counts as ``<k``, shares and densities rounded."""
    if withheld:
        return f"<{k}" if col not in DERIVED_COLUMNS else "withheld"
    if col == S.SHARE:
        return format_share(value)
    if col == S.DENSITY_PER_KM2:
        return format_number(value, 0)
    if col == S.AREA_KM2:
        return format_number(value, 3)
    if isinstance(value, (int, np.integer)) or (col.startswith("count") or col.endswith("_count")):
        return format_count(value)
    if isinstance(value, (float, np.floating)):
        return format_number(value, 2)
    if value is None or value is pd.NA:
        return "–"
    return str(value)


def ordered(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` in rank order (unchanged without a rank column)."""
    return df.sort_values(S.RANK, kind="stable") if S.RANK in df.columns else df
