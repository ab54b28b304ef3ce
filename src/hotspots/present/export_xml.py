"""Hotspots as KML 2.2 (Google Earth) and GPX 1.1 (handheld GPS, phone apps), as text.

The rules every export follows (parameters recorded, disclosure control, WGS84,
escaping) are in :mod:`hotspots.present.exports`; :func:`to_kml` and :func:`to_gpx`
are re-exported there.

References
----------
Open Geospatial Consortium (2008). OGC KML 2.2, OGC 07-147r2.
TopoGrafix (2004). GPX 1.1 Schema Documentation, www.topografix.com/GPX/1/1/.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.present.export_prep import (
    DECIMALS,
    DERIVED_COLUMNS,
    check_suppress,
    display_value,
    export_metadata,
    feature_label,
    jsonable,
    points_inside,
    reading_order,
    suppress_counts,
    to_wgs84,
)
from hotspots.present.tables import DEFAULT_SUPPRESS_BELOW, HOTSPOT_TABLE_LABELS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import geopandas as gpd

__all__ = ["GPX_CREATOR", "to_gpx", "to_kml"]

GPX_CREATOR = "hotspots (Safer BCP Community Safety Partnership)"
_KML_NS = "http://www.opengis.net/kml/2.2"
_GPX_NS = "http://www.topografix.com/GPX/1/1"


def _kml_coords(coords: np.ndarray) -> str:
    return " ".join(f"{x:.{DECIMALS}f},{y:.{DECIMALS}f},0" for x, y in np.asarray(coords)[:, :2])


def _kml_polygon(parent: ET.Element, poly: shapely.Polygon) -> None:
    pe = ET.SubElement(parent, "Polygon")
    outer = ET.SubElement(ET.SubElement(pe, "outerBoundaryIs"), "LinearRing")
    ET.SubElement(outer, "coordinates").text = _kml_coords(poly.exterior.coords)
    for ring in poly.interiors:
        inner = ET.SubElement(ET.SubElement(pe, "innerBoundaryIs"), "LinearRing")
        ET.SubElement(inner, "coordinates").text = _kml_coords(ring.coords)


def _held(withheld: pd.DataFrame, column: object, pos: int) -> bool:
    """Whether the value of ``column`` in row ``pos`` was withheld (disclosure control)."""
    return bool(withheld[column].iloc[pos]) if column in withheld else False


def _meta_html(meta: Mapping[str, Any]) -> str:
    rows = [
        f"<tr><th>{html.escape(str(k))}</th>"
        f"<td>{html.escape(json.dumps(v, ensure_ascii=False))}</td></tr>"
        for k, v in meta["parameters"].items()
    ]
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
    k = check_suppress(suppress_below)
    table, withheld = suppress_counts(gdf, suppress_below=k, count_columns=count_columns)
    keep = ~(table.geometry.isna() | table.geometry.is_empty)
    table, withheld = table[keep], withheld[keep]
    lon, lat = points_inside(table) if len(table) else (np.array([]), np.array([]))
    wgs = to_wgs84(table, "gdf")
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
    # the ranked table's order and numbers ("1.1"), from the exact counts as on the page
    order, numbers = reading_order(gdf[keep.to_numpy()])
    for pos, number in zip(order, numbers, strict=True):
        row = table.iloc[pos]
        rowd = row.to_dict()
        pm = ET.SubElement(doc, "Placemark")
        if S.HOTSPOT_ID in rowd and not pd.isna(rowd[S.HOTSPOT_ID]):
            pm.set("id", f"hotspot-{int(rowd[S.HOTSPOT_ID])}")
        # Google Earth puts the name into balloon HTML unescaped: escape it here.
        ET.SubElement(pm, "name").text = html.escape(
            feature_label(rowd, name_column, int(pos), number),
            quote=False,
        )
        body = "".join(
            f"<tr><th>{html.escape(HOTSPOT_TABLE_LABELS.get(c, str(c)))}</th><td>"
            f"{html.escape(display_value(c, rowd[c], _held(withheld, c, pos), k))}"
            f"</td></tr>"
            for c in cols
            if c != name_column
        )
        ET.SubElement(pm, "description").text = f"<table>{body}</table>"
        ET.SubElement(pm, "styleUrl").text = "#hotspot"
        ed = ET.SubElement(pm, "ExtendedData")
        for c in cols:
            w = _held(withheld, c, pos)
            d = ET.SubElement(ed, "Data", name=str(c))
            v = jsonable(rowd[c])
            ET.SubElement(d, "value").text = (
                (f"<{k}" if c not in DERIVED_COLUMNS else "")
                if w
                else ("" if v is None else str(v))
            )
        mg = ET.SubElement(pm, "MultiGeometry")
        ET.SubElement(
            ET.SubElement(mg, "Point"),
            "coordinates",
        ).text = f"{lon[pos]:.{DECIMALS}f},{lat[pos]:.{DECIMALS}f},0"
        g = wgs.geometry.iloc[pos]
        for part in shapely.get_parts(g):
            if part.geom_type == "Polygon":
                _kml_polygon(mg, part)
    ET.indent(kml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode") + "\n"


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
    k = check_suppress(suppress_below)
    table, withheld = suppress_counts(gdf, suppress_below=k, count_columns=count_columns)
    keep = ~(table.geometry.isna() | table.geometry.is_empty)
    table, withheld = table[keep], withheld[keep]
    if table.crs is None:
        raise InputError(
            "gdf",
            "a GeoDataFrame with no CRS",
            "a GeoDataFrame with a CRS (EPSG:27700)",
        )
    lon, lat = points_inside(table) if len(table) else (np.array([]), np.array([]))
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
    cols = [c for c in table.columns if c not in {table.geometry.name, name_column}]
    # the ranked table's order and numbers ("1.1"), from the exact counts as on the page
    order, numbers = reading_order(gdf[keep.to_numpy()])
    names = []
    for pos, number in zip(order, numbers, strict=True):
        rowd = table.iloc[pos].to_dict()
        name = feature_label(rowd, name_column, int(pos), number)
        names.append((name, pos))
        wpt = ET.SubElement(
            gpx,
            "wpt",
            lat=f"{lat[pos]:.{DECIMALS}f}",
            lon=f"{lon[pos]:.{DECIMALS}f}",
        )
        ET.SubElement(wpt, "name").text = name
        desc = "; ".join(
            f"{HOTSPOT_TABLE_LABELS.get(c, c)}: "
            + display_value(c, rowd[c], _held(withheld, c, pos), k)
            for c in cols
        )
        ET.SubElement(wpt, "desc").text = desc
        ET.SubElement(wpt, "type").text = "hotspot"
    if route and names:
        rte = ET.SubElement(gpx, "rte")
        ET.SubElement(rte, "name").text = f"{title} in rank order"
        for name, pos in names:
            pt = ET.SubElement(
                rte,
                "rtept",
                lat=f"{lat[pos]:.{DECIMALS}f}",
                lon=f"{lon[pos]:.{DECIMALS}f}",
            )
            ET.SubElement(pt, "name").text = name
    ET.indent(gpx)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(gpx, encoding="unicode") + "\n"
