"""Exports of hotspots and ranked areas: GeoJSON, KML, GPX and CSV, as text.

GeoJSON is written here; KML and GPX in :mod:`hotspots.present.export_xml`, CSV in
:mod:`hotspots.present.export_csv`, the preparation they share (disclosure control,
metadata, WGS84) in :mod:`hotspots.present.export_prep`. Every public name is
importable from this module. Every export records how it was made and applies
disclosure control:

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
* **Numbers**: each hotspot is numbered as the ranked table, the map and the pack
  number it ("1", "2", ...; "1.1" for a street-sized hotspot inside district 1;
  :func:`~hotspots.present.export_prep.hotspot_labels`): a ``label`` column in JSON and
  a ``label`` property in GeoJSON, the feature's name ("#1.1 Bournemouth Square") in KML
  and GPX, and a ``label`` column written "#1.1" in CSV
  (:data:`~hotspots.present.export_csv.LABEL_MARK`: a spreadsheet reads a bare "1.10"
  as the number 1.1; :func:`read_csv_export` gives "1.10" back).
* **The change grid** (Gi* in two periods, :mod:`hotspots.comparison.change`) is
  written by :mod:`hotspots.present.export_change` with these same writers and rules.
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

import datetime as _dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shapely

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.present.export_csv import CSV_DECIMALS, csv_metadata, read_csv_export, to_csv
from hotspots.present.export_prep import (
    DERIVED_COLUMNS,
    SUPPRESSION_NOTE,
    check_suppress,
    count_columns_of,
    export_metadata,
    jsonable,
    ordered,
    points_inside,
    suppress_counts,
    to_wgs84,
    with_labels,
)
from hotspots.present.export_xml import GPX_CREATOR, to_gpx, to_kml
from hotspots.present.tables import DEFAULT_SUPPRESS_BELOW

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import geopandas as gpd

__all__ = [
    "CSV_DECIMALS",
    "DERIVED_COLUMNS",
    "EXPORT_FORMATS",
    "GPX_CREATOR",
    "SUPPRESSION_NOTE",
    "ExportFile",
    "count_columns_of",
    "csv_metadata",
    "export_file",
    "export_files",
    "export_metadata",
    "read_csv_export",
    "suppress_counts",
    "to_csv",
    "to_geojson",
    "to_gpx",
    "to_json",
    "to_kml",
]


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
    JSON text. Feature ``id`` is ``hotspot_id`` when present; a hotspot's ``label`` is
    its number as the ranked table writes it ("1.1" for a street-sized hotspot inside
    district 1, :func:`~hotspots.present.export_prep.with_labels`). Top-level members:
    ``type``, ``name``, ``generated``, ``parameters``, ``disclosure``,
    ``attribution``, ``bbox``, ``features``.
    """
    k = check_suppress(suppress_below)
    table, withheld = suppress_counts(
        with_labels(gdf),
        suppress_below=k,
        count_columns=count_columns,
    )
    table = ordered(to_wgs84(table, "gdf"))
    meta = export_metadata(parameters, k, int(withheld.to_numpy().sum()), generated)
    meta.pop("crs")  # RFC 7946 §4 removed the crs member; GDAL reads one as a CRS object
    features = []
    for _, row in table.iterrows():
        props = {str(c): jsonable(row[c]) for c in table.columns if c != table.geometry.name}
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


# --- JSON (hotspots as records with a point inside each) ------------------------------------
def to_json(
    gdf: gpd.GeoDataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    count_columns: Sequence[str] | None = None,
    generated: str | None = None,
    rows_key: str = "hotspots",
) -> str:
    """Hotspots as JSON records: the metadata members, then ``"hotspots"``.

    ``rows_key`` names the list (``"cells"`` for the change grid,
    :mod:`hotspots.present.export_change`). Each hotspot carries its columns (whatever the result holds), its ``label`` ("1.1",
    as in the ranked table) and ``lon`` / ``lat``
    (WGS84) of a point inside it; no polygon (use GeoJSON for shapes). Withheld counts,
    shares and densities are ``null``, as in GeoJSON.
    """
    k = check_suppress(suppress_below)
    table, withheld = suppress_counts(
        with_labels(gdf),
        suppress_below=k,
        count_columns=count_columns,
    )
    table = ordered(table)
    meta = export_metadata(parameters, k, int(withheld.to_numpy().sum()), generated)
    geom = table.geometry.name
    rows = []
    ok = ~(table.geometry.isna() | table.geometry.is_empty)
    pts: dict[Any, tuple[float, float]] = {}
    if ok.any():
        lon, lat = points_inside(table[ok])
        pts = dict(zip(table.index[ok.to_numpy()], zip(lon, lat, strict=True), strict=True))
    for idx, row in table.iterrows():
        rec = {str(c): jsonable(row[c]) for c in table.columns if c != geom}
        lo, la = pts.get(idx, (None, None))
        rec["lon"], rec["lat"] = jsonable(lo), jsonable(la)
        rows.append(rec)
    return json.dumps({**meta, rows_key: rows}, ensure_ascii=False, indent=1, allow_nan=False)


# --- one entry point for every sink (CLI, pages, pack) -----------------------------------------
@dataclass(frozen=True)
class ExportFile:
    """One file of an export: its name, text and media type."""

    name: str
    text: str
    mime: str
    label: str


# format -> (suffix, media type, label)
EXPORT_FORMATS: dict[str, tuple[str, str, str]] = {
    "csv": (".csv", "text/csv", "CSV"),
    "csv-json": (".json", "application/json", "CSV settings (JSON)"),
    "geojson": (".geojson", "application/geo+json", "GeoJSON"),
    "kml": (".kml", "application/vnd.google-earth.kml+xml", "KML"),
    "gpx": (".gpx", "application/gpx+xml", "GPX"),
    "json": (".json", "application/json", "JSON"),
}

#: formats that carry each hotspot's number ("1.1") in a ``label`` column or property
_LABEL_COLUMN = frozenset({"csv", "csv-json", "geojson", "json"})


def export_file(
    gdf: gpd.GeoDataFrame,
    fmt: str,
    *,
    stem: str = "hotspots",
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    title: str = "Hotspots",
    generated: str | None = None,
) -> ExportFile:
    """``gdf`` written in format ``fmt`` (a key of :data:`EXPORT_FORMATS`).

    The one exporter behind the CLI (``hotspots detect``), the pages' download buttons
    and the pack: the columns written are the result's own (any column the result
    carries is exported), and ``suppress_below`` comes from
    :func:`hotspots.present.disclosure.suppress_below_for`. ``"csv-json"`` is the
    sidecar of the CSV (parameters, disclosure, attribution, columns).
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError("fmt", fmt, f"one of {', '.join(EXPORT_FORMATS)}")
    suffix, mime, label = EXPORT_FORMATS[fmt]
    kw: dict[str, Any] = {
        "parameters": parameters,
        "suppress_below": suppress_below,
        "generated": generated,
    }
    if fmt == "csv":
        text = to_csv(gdf, **kw)
    elif fmt == "csv-json":
        text = csv_metadata(gdf, **kw)
    elif fmt == "geojson":
        text = to_geojson(gdf, title=title, **kw)
    elif fmt == "kml":
        text = to_kml(gdf, title=title, **kw)
    elif fmt == "gpx":
        text = to_gpx(gdf, title=title, **kw)
    else:
        text = to_json(gdf, **kw)
    return ExportFile(stem + suffix, text, mime, label)


def export_files(
    gdf: gpd.GeoDataFrame,
    formats: Sequence[str] = ("csv", "csv-json", "geojson", "kml", "gpx"),
    *,
    stem: str = "hotspots",
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    title: str = "Hotspots",
) -> dict[str, ExportFile]:
    """:func:`export_file` for each of ``formats``, all stamped with the same time."""
    generated = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    # the hotspots' numbers worked out once for the formats that write them as a column
    # (KML and GPX write them in each feature's name)
    labelled = with_labels(gdf) if any(f in _LABEL_COLUMN for f in formats) else gdf
    return {
        f: export_file(
            labelled if f in _LABEL_COLUMN else gdf, f, stem=stem, parameters=parameters,
            suppress_below=suppress_below, title=title, generated=generated,
        )
        for f in formats
    }  # fmt: skip
