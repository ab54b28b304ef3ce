"""Exports of hotspots and ranked areas: GeoJSON, KML, GPX and CSV, as text.

Every export records how it was made and applies disclosure control:

* **Parameters**: the caller passes the parameters actually used (method, eps_m,
  window, categories, dataset version, ...). They are written as a top-level
  ``"parameters"`` member in GeoJSON (a foreign member, RFC 7946 §6.1), in the
  document ``<description>`` and ``<ExtendedData>`` of KML, in ``<metadata><desc>``
  of GPX, and as leading ``# key: value`` comment lines in CSV (values in JSON;
  :func:`read_csv_export` reads both parts back). Each export also carries the
  time it was generated, the suppression rule and the data attribution.
* **Disclosure control** (``suppress_below``, default 5, for councillor and public
  exports): counts from 1 to ``suppress_below - 1`` are withheld: ``null`` in
  GeoJSON, ``"<5"`` in CSV, KML and GPX text. The share and density of such a row
  are withheld too, as are small counts written inside "top categories" text.
  Zero stays 0. Analyst exports pass ``suppress_below=None``. Counts are
  recognised by column name: ``count``, ``count_*``, ``*_count`` (or pass
  ``count_columns``). Differences between two suppressed periods are not
  protected here: export them only from counts that are.
* Coordinates are WGS84 longitude/latitude (EPSG:4326) with 6 decimals (~0.1 m);
  polygons follow the right-hand rule (exterior rings counterclockwise), as RFC
  7946 and KML 2.2 require. Waypoints and KML pins sit on a point guaranteed to be
  inside each polygon (``representative_point``), not on a centroid that may fall
  outside a crescent-shaped hotspot.
* Text: KML descriptions are HTML for Google Earth, so values are HTML-escaped
  and then XML-escaped; GeoJSON and CSV hold the text as data (escape it when you
  display it). CSV cells that start with ``= + - @`` or a tab are prefixed with
  ``'`` so that spreadsheets do not run them as formulas (OWASP "CSV injection").

References
----------
Butler, H. et al. (2016). The GeoJSON Format. RFC 7946, IETF.
Open Geospatial Consortium (2008). OGC KML 2.2, OGC 07-147r2.
TopoGrafix (2004). GPX 1.1 Schema Documentation, www.topografix.com/GPX/1/1/.
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import json
import math
import xml.etree.ElementTree as ET
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
    HOTSPOT_TABLE_LABELS,
    format_count,
    format_number,
    format_share,
    format_top,
    is_suppressed,
)

__all__ = [
    "count_columns_of",
    "suppress_counts",
    "export_metadata",
    "to_geojson",
    "to_kml",
    "to_gpx",
    "to_csv",
    "csv_metadata",
    "read_csv_export",
    "GPX_CREATOR",
    "SUPPRESSION_NOTE",
]

GPX_CREATOR = "hotspots (Safer BCP Community Safety Partnership)"
SUPPRESSION_NOTE = (
    "Counts from 1 to {k_1} are withheld (shown as <{k}) for statistical disclosure "
    "control; the share and density of those rows are withheld too."
)
DERIVED_COLUMNS: tuple[str, ...] = (S.SHARE, S.DENSITY_PER_KM2)
_TOP_COLUMNS: tuple[str, ...] = (S.TOP_CATEGORIES, S.TOP_LOCATIONS)
_KML_NS = "http://www.opengis.net/kml/2.2"
_GPX_NS = "http://www.topografix.com/GPX/1/1"
_DECIMALS = 6


# --- shared preparation ---------------------------------------------------------------
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


def _check_suppress(suppress_below: int | None) -> int | None:
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
    k = _check_suppress(suppress_below)
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
    for c in _TOP_COLUMNS:
        if c in out.columns:
            out[c] = out[c].map(lambda v: format_top(v, k))
    return out, withheld


def export_metadata(
    parameters: Mapping[str, Any] | None,
    suppress_below: int | None,
    n_withheld: int,
    generated: str | None = None,
) -> dict[str, Any]:
    """What every export records: generated (UTC ISO 8601), parameters, disclosure, attribution."""
    k = _check_suppress(suppress_below)
    return {
        "generated": generated or _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "parameters": _jsonable(dict(parameters or {})),
        "disclosure": {
            "suppress_below": k,
            "values_withheld": int(n_withheld),
            "note": SUPPRESSION_NOTE.format(k=k, k_1=k - 1) if k else "No counts withheld.",
        },
        "attribution": ATTRIBUTION,
        "crs": "EPSG:4326 (WGS84 longitude, latitude)",
    }


def _jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars to Python, NaN/NA to None, tuples to lists, dates to ISO."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray, pd.Series)):
        return [_jsonable(v) for v in (sorted(value) if isinstance(value, set) else value)]
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


def _wgs84(gdf: gpd.GeoDataFrame, argument: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(argument, type(gdf).__name__, "a GeoDataFrame with polygons")
    if gdf.crs is None:
        raise InputError(
            argument, "a GeoDataFrame with no CRS", "a GeoDataFrame with a CRS (EPSG:27700)"
        )
    out = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)].to_crs(S.CRS_DISPLAY)
    geoms = shapely.transform(out.geometry.values, lambda xy: np.round(xy, _DECIMALS))
    out = out.set_geometry(
        gpd.GeoSeries(shapely.orient_polygons(geoms), index=out.index, crs=S.CRS_DISPLAY)
    )
    return out


def _points_inside(gdf_metres: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of a point inside each geometry (computed in metres, then projected)."""
    pts = gpd.GeoSeries(gdf_metres.geometry.representative_point(), crs=gdf_metres.crs).to_crs(
        S.CRS_DISPLAY
    )
    return np.round(pts.x.to_numpy(), _DECIMALS), np.round(pts.y.to_numpy(), _DECIMALS)


def _label(row: Mapping[str, Any], name_column: str, position: int) -> str:
    name = row.get(name_column)
    name = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    rank = row.get(S.RANK)
    if rank is not None and not pd.isna(rank):
        return f"#{int(rank)} {name}".strip()
    return name or f"Feature {position + 1}"


def _display_value(col: str, value: Any, withheld: bool, k: int | None) -> str:
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


def _ordered(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(S.RANK, kind="stable") if S.RANK in df.columns else df


# --- GeoJSON --------------------------------------------------------------------------------
def to_geojson(
    gdf: gpd.GeoDataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    count_columns: Sequence[str] | None = None,
    title: str | None = None,
    generated: str | None = None,
) -> str:
    """Hotspots or ranked areas as an RFC 7946 FeatureCollection (text).

    Parameters
    ----------
    gdf : polygons with attribute columns, any CRS (EPSG:27700 expected).
    parameters : the parameters used to make them, written as the top-level
        ``"parameters"`` member.
    suppress_below, count_columns : disclosure control, see the module docstring.
    title : optional ``"name"`` member.

    Returns
    -------
    JSON text. Feature ``id`` is ``hotspot_id`` when present. Top-level members:
    ``type``, ``name``, ``generated``, ``parameters``, ``disclosure``,
    ``attribution``, ``bbox``, ``features``.
    """
    k = _check_suppress(suppress_below)
    table, withheld = suppress_counts(gdf, suppress_below=k, count_columns=count_columns)
    table = _ordered(_wgs84(table, "gdf"))
    meta = export_metadata(parameters, k, int(withheld.to_numpy().sum()), generated)
    features = []
    for _, row in table.iterrows():
        props = {str(c): _jsonable(row[c]) for c in table.columns if c != table.geometry.name}
        feat: dict[str, Any] = {"type": "Feature"}
        if S.HOTSPOT_ID in props and props[S.HOTSPOT_ID] is not None:
            feat["id"] = props[S.HOTSPOT_ID]
        feat["geometry"] = json.loads(shapely.to_geojson(row.geometry))
        feat["properties"] = props
        features.append(feat)
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if title:
        doc["name"] = title
    doc.update(meta)
    if len(table):
        doc["bbox"] = [float(v) for v in table.total_bounds]
    doc["features"] = features
    return json.dumps(doc, ensure_ascii=False, allow_nan=False)


# --- KML ---------------------------------------------------------------------------------------
def _kml_coords(coords: np.ndarray) -> str:
    return " ".join(f"{x:.{_DECIMALS}f},{y:.{_DECIMALS}f},0" for x, y in np.asarray(coords)[:, :2])


def _kml_polygon(parent: ET.Element, poly: shapely.Polygon) -> None:
    pe = ET.SubElement(parent, "Polygon")
    outer = ET.SubElement(ET.SubElement(pe, "outerBoundaryIs"), "LinearRing")
    ET.SubElement(outer, "coordinates").text = _kml_coords(poly.exterior.coords)
    for ring in poly.interiors:
        inner = ET.SubElement(ET.SubElement(pe, "innerBoundaryIs"), "LinearRing")
        ET.SubElement(inner, "coordinates").text = _kml_coords(ring.coords)


def _meta_html(meta: Mapping[str, Any]) -> str:
    rows = [f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v, ensure_ascii=False))}</td></tr>"
            for k, v in meta["parameters"].items()]  # fmt: skip
    return (
        f"<p>Generated {html.escape(meta['generated'])}.</p>"
        + (f"<table>{''.join(rows)}</table>" if rows else "<p>No parameters recorded.</p>")
        + f"<p>{html.escape(meta['disclosure']['note'])}</p>"
        + f"<p>{html.escape(meta['attribution'])}</p>"
    )


def to_kml(
    gdf: gpd.GeoDataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    count_columns: Sequence[str] | None = None,
    name_column: str = S.NAME,
    title: str = "Hotspots",
    generated: str | None = None,
) -> str:
    """Hotspots or ranked areas as KML 2.2 for Google Earth (text, UTF-8).

    One Placemark per row (rank order) with a pin inside the polygon and the
    polygon itself (``MultiGeometry``), a description table (HTML, escaped) and
    the raw values in ``ExtendedData``. The Document description lists the
    parameters, the suppression rule and the attribution.
    """
    k = _check_suppress(suppress_below)
    table, withheld = suppress_counts(gdf, suppress_below=k, count_columns=count_columns)
    keep = ~(table.geometry.isna() | table.geometry.is_empty)
    table, withheld = table[keep], withheld[keep]
    lon, lat = _points_inside(table) if len(table) else (np.array([]), np.array([]))
    wgs = _wgs84(table, "gdf")
    meta = export_metadata(parameters, k, int(withheld.to_numpy().sum()), generated)
    ET.register_namespace("", _KML_NS)
    kml = ET.Element("kml", xmlns=_KML_NS)
    doc = ET.SubElement(kml, "Document")
    ET.SubElement(doc, "name").text = title
    ET.SubElement(doc, "description").text = _meta_html(meta)
    ext = ET.SubElement(doc, "ExtendedData")
    for key, value in (("generated", meta["generated"]), ("parameters", meta["parameters"]),
                       ("disclosure", meta["disclosure"])):  # fmt: skip
        d = ET.SubElement(ext, "Data", name=key)
        ET.SubElement(d, "value").text = (
            value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        )
    style = ET.SubElement(doc, "Style", id="hotspot")
    ls = ET.SubElement(style, "LineStyle")
    ET.SubElement(ls, "color").text = "ff005ed5"  # aabbggrr of Okabe–Ito vermillion #D55E00
    ET.SubElement(ls, "width").text = "2"
    ET.SubElement(ET.SubElement(style, "PolyStyle"), "color").text = "40005ed5"
    cols = [c for c in table.columns if c != table.geometry.name]
    order = (
        np.argsort(table[S.RANK].to_numpy(), kind="stable")
        if S.RANK in table.columns
        else range(len(table))
    )
    for pos in order:
        row = table.iloc[pos]
        rowd = row.to_dict()
        pm = ET.SubElement(doc, "Placemark")
        if S.HOTSPOT_ID in rowd and not pd.isna(rowd[S.HOTSPOT_ID]):
            pm.set("id", f"hotspot-{int(rowd[S.HOTSPOT_ID])}")
        # Google Earth puts the name into balloon HTML unescaped: escape it here.
        ET.SubElement(pm, "name").text = html.escape(
            _label(rowd, name_column, int(pos)), quote=False
        )
        body = "".join(
            f"<tr><th>{html.escape(HOTSPOT_TABLE_LABELS.get(c, str(c)))}</th><td>"
            f"{html.escape(_display_value(c, rowd[c], bool(withheld[c].iloc[pos]) if c in withheld else False, k))}"
            f"</td></tr>"
            for c in cols
            if c != name_column
        )
        ET.SubElement(pm, "description").text = f"<table>{body}</table>"
        ET.SubElement(pm, "styleUrl").text = "#hotspot"
        ed = ET.SubElement(pm, "ExtendedData")
        for c in cols:
            w = bool(withheld[c].iloc[pos]) if c in withheld else False
            d = ET.SubElement(ed, "Data", name=str(c))
            v = _jsonable(rowd[c])
            ET.SubElement(d, "value").text = (
                (f"<{k}" if c not in DERIVED_COLUMNS else "")
                if w
                else ("" if v is None else str(v))
            )
        mg = ET.SubElement(pm, "MultiGeometry")
        ET.SubElement(
            ET.SubElement(mg, "Point"), "coordinates"
        ).text = f"{lon[pos]:.{_DECIMALS}f},{lat[pos]:.{_DECIMALS}f},0"
        g = wgs.geometry.iloc[pos]
        for part in shapely.get_parts(g):
            if part.geom_type == "Polygon":
                _kml_polygon(mg, part)
    ET.indent(kml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode") + "\n"


# --- GPX ------------------------------------------------------------------------------------------
def to_gpx(
    gdf: gpd.GeoDataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    count_columns: Sequence[str] | None = None,
    name_column: str = S.NAME,
    title: str = "Hotspots",
    route: bool = False,
    generated: str | None = None,
) -> str:
    """Hotspots as GPX 1.1 waypoints for handheld GPS and phone apps (text).

    One ``<wpt>`` per row, in rank order, at a point inside the polygon, named
    ``"#rank name"``, with the figures in ``<desc>`` (plain text) and
    ``<type>hotspot</type>``. With ``route`` a ``<rte>`` visits them in rank order
    (not an optimised patrol route). ``<metadata><desc>`` records the parameters
    (JSON), the suppression rule and the attribution.
    """
    k = _check_suppress(suppress_below)
    table, withheld = suppress_counts(gdf, suppress_below=k, count_columns=count_columns)
    keep = ~(table.geometry.isna() | table.geometry.is_empty)
    table, withheld = table[keep], withheld[keep]
    if table.crs is None:
        raise InputError(
            "gdf", "a GeoDataFrame with no CRS", "a GeoDataFrame with a CRS (EPSG:27700)"
        )
    lon, lat = _points_inside(table) if len(table) else (np.array([]), np.array([]))
    meta = export_metadata(parameters, k, int(withheld.to_numpy().sum()), generated)
    ET.register_namespace("", _GPX_NS)
    gpx = ET.Element("gpx", version="1.1", creator=GPX_CREATOR, xmlns=_GPX_NS)
    md = ET.SubElement(gpx, "metadata")
    ET.SubElement(md, "name").text = title
    ET.SubElement(md, "desc").text = (
        "Parameters: " + json.dumps(meta["parameters"], ensure_ascii=False) + ". "
        + meta["disclosure"]["note"] + " " + meta["attribution"]
    )  # fmt: skip
    ET.SubElement(md, "time").text = meta["generated"].replace("+00:00", "Z")
    cols = [c for c in table.columns if c != table.geometry.name and c != name_column]
    order = (
        np.argsort(table[S.RANK].to_numpy(), kind="stable")
        if S.RANK in table.columns
        else range(len(table))
    )
    names = []
    for pos in order:
        rowd = table.iloc[pos].to_dict()
        name = _label(rowd, name_column, int(pos))
        names.append((name, pos))
        wpt = ET.SubElement(
            gpx, "wpt", lat=f"{lat[pos]:.{_DECIMALS}f}", lon=f"{lon[pos]:.{_DECIMALS}f}"
        )
        ET.SubElement(wpt, "name").text = name
        desc = "; ".join(
            f"{HOTSPOT_TABLE_LABELS.get(c, c)}: {_display_value(c, rowd[c], bool(withheld[c].iloc[pos]) if c in withheld else False, k)}"
            for c in cols
        )
        ET.SubElement(wpt, "desc").text = desc
        ET.SubElement(wpt, "type").text = "hotspot"
    if route and names:
        rte = ET.SubElement(gpx, "rte")
        ET.SubElement(rte, "name").text = f"{title} in rank order"
        for name, pos in names:
            pt = ET.SubElement(
                rte, "rtept", lat=f"{lat[pos]:.{_DECIMALS}f}", lon=f"{lon[pos]:.{_DECIMALS}f}"
            )
            ET.SubElement(pt, "name").text = name
    ET.indent(gpx)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(gpx, encoding="unicode") + "\n"


# --- CSV -------------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# decimals kept per column in CSV exports (others: 3); counts stay whole numbers
CSV_DECIMALS: dict[str, int] = {
    S.SHARE: 4, "cumulative_share": 4, "cumulative_area_share": 6, S.AREA_KM2: 4,
    S.DENSITY_PER_KM2: 1, "expected": 1, "pai": 1, "lon": 6, "lat": 6,
}  # fmt: skip


def _csv_cell(value: Any, column: str | None = None) -> str:
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    v = _jsonable(value)
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, float) and not isinstance(v, bool):
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15 and column not in ("lon", "lat"):
            return str(int(v)) if column in (S.COUNT, S.RANK) else repr(round(v, 1))
        return repr(round(v, CSV_DECIMALS.get(str(column), 3)))
    return str(v)


def to_csv(
    df: pd.DataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    count_columns: Sequence[str] | None = None,
    include_points: bool = True,
    generated: str | None = None,
) -> str:
    """A table (hotspots, ranked areas) as CSV text: the header on the first line.

    Layout::

        rank,name,count,...,lon,lat
        1,Lower Gardens,<5,...

    so ``pandas.read_csv(path)`` and spreadsheets open it as it is. The parameters,
    disclosure note and attribution go in a companion JSON
    (:func:`csv_metadata`, same arguments). Floats are rounded
    (:data:`CSV_DECIMALS`: shares to 4 decimals, areas to 4, densities to 1,
    lon/lat to 6, others to 3). Withheld counts read ``<5``, withheld shares and
    densities are blank. With a GeoDataFrame and ``include_points``, ``lon``/``lat``
    (WGS84) of a point inside each geometry are added; the geometry itself is not
    written. Cells a spreadsheet would run as a formula start with ``'``.
    Read back with :func:`read_csv_export`.
    """
    return _csv_parts(df, parameters, suppress_below, count_columns, include_points, generated)[0]


def csv_metadata(
    df: pd.DataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    count_columns: Sequence[str] | None = None,
    generated: str | None = None,
) -> str:
    """The JSON that goes with :func:`to_csv` (generated, parameters, disclosure, attribution,
    and the CSV's columns), as text."""
    meta = _csv_parts(df, parameters, suppress_below, count_columns, True, generated)[1]
    return json.dumps(meta, ensure_ascii=False, indent=1)


def _csv_parts(
    df: pd.DataFrame,
    parameters: Mapping[str, Any] | None,
    suppress_below: int | None,
    count_columns: Sequence[str] | None,
    include_points: bool,
    generated: str | None,
) -> tuple[str, dict[str, Any]]:
    k = _check_suppress(suppress_below)
    table, withheld = suppress_counts(df, suppress_below=k, count_columns=count_columns)
    is_geo = isinstance(table, gpd.GeoDataFrame) and table.geometry.name in table.columns
    if is_geo and include_points:
        ok = ~(table.geometry.isna() | table.geometry.is_empty)
        lon = np.full(len(table), np.nan)
        lat = np.full(len(table), np.nan)
        if ok.any():
            if table.crs is None:
                raise InputError("df", "a GeoDataFrame with no CRS", "a GeoDataFrame with a CRS")
            lo, la = _points_inside(table[ok])
            lon[ok.to_numpy()], lat[ok.to_numpy()] = lo, la
    order = (
        np.argsort(table[S.RANK].to_numpy(), kind="stable")
        if S.RANK in table.columns
        else np.arange(len(table))
    )
    geom_col = table.geometry.name if is_geo else None
    cols = [c for c in table.columns if c != geom_col]
    meta = export_metadata(parameters, k, int(withheld.to_numpy().sum()), generated)
    buf = io.StringIO()
    w = csv.writer(buf)
    header = [str(c) for c in cols] + (["lon", "lat"] if is_geo and include_points else [])
    meta["columns"] = header
    w.writerow(header)
    for pos in order:
        row = table.iloc[pos]
        cells = []
        for c in cols:
            if c in withheld and bool(withheld[c].iloc[pos]):
                cells.append(f"<{k}" if c not in DERIVED_COLUMNS else "")
            else:
                cells.append(_csv_cell(row[c], str(c)))
        if is_geo and include_points:
            cells += [_csv_cell(lon[pos], "lon"), _csv_cell(lat[pos], "lat")]
        w.writerow(cells)
    return buf.getvalue(), meta


def read_csv_export(text: str, metadata: str | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a :func:`to_csv` export: (table of strings, metadata dict).

    ``metadata`` is the companion JSON text (:func:`csv_metadata`); older exports
    that carried it in leading ``# key: value`` lines are read too.
    """
    lines = text.splitlines(keepends=True)
    meta: dict[str, Any] = json.loads(metadata) if metadata else {}
    n = 0
    while n < len(lines) and lines[n].startswith("# "):
        key, _, value = lines[n][2:].rstrip("\r\n").partition(": ")
        try:
            meta[key] = json.loads(value)
        except json.JSONDecodeError:
            meta[key] = value
        n += 1
    table = pd.read_csv(io.StringIO("".join(lines[n:])), dtype=str, keep_default_na=False)
    return table, meta
