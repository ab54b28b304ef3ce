"""Offline-capable folium maps of records, density, hotspots and Gi* classes.

Everything the map needs is served by the app itself: Leaflet 1.9.4 is vendored
under ``static/vendor/`` and reached at ``/app/static/vendor/...`` (Streamlit's
``[server] enableStaticServing``). No jQuery, Bootstrap, Font Awesome or plugin is
loaded; no branca colormap is used (streamlit-folium would fetch d3 from a CDN for
one); legends are drawn by hand. Tiles are a setting (:func:`resolve_tiles`); the
BCP outline and ward boundaries are always drawn so the map stays readable with
no tile server.

Inputs are GeoDataFrames and records in EPSG:27700 metres; they are converted to
WGS84 only here, for drawing. Every piece of text that comes from data or users
(locations, names, categories) is HTML-escaped before it reaches the page.

Payload (measured, see tests/present/test_maps.py): 8,000 locations with 5,000
distinct location names, plus wards, outline and OSM tiles, render to 239 KiB of HTML
(budget 300 KiB); all 5,231 locations of the bundled BCP records to about 156 KiB.

Getting a clicked hotspot back in a page::

    from streamlit_folium import st_folium
    state = st_folium(m, height=600, returned_objects=["last_active_drawing"], key="map")
    hotspot_id = clicked_hotspot_id(state)   # int, or None if no hotspot was clicked

Each hotspot polygon is a GeoJSON feature whose properties hold ``hotspot_id``;
streamlit-folium returns the clicked feature as ``last_active_drawing``. A click
on a location circle replaces it (no id: None); a click on the empty map does not
clear it. Hotspots are drawn above the location circles, so a click anywhere
inside a hotspot selects it; untick "Hotspots" in the layer control to reach the
circles beneath.

Drawing order and hit-testing: with ``prefer_canvas`` (default) all vector layers
share one canvas, so browser tests cannot select ``path.leaflet-interactive``;
they click at ``window.map.latLngToContainerPoint(...)`` inside the
``streamlit_folium.st_folium`` iframe (see tests/present/test_maps_browser.py).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template
from pyproj import Transformer

from hotspots import resources
from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries, load_boundaries
from hotspots.errors import InputError
from hotspots.methods.grid import Grid
from hotspots.present import palettes as P
from hotspots.present.tables import (
    format_count,
    format_number,
    format_share,
    format_top,
    is_suppressed,
    location_counts,
)

__all__ = [
    "LEAFLET_VERSION",
    "static_url",
    "vendor_url",
    "vendor_path",
    "TileSpec",
    "OSM_TILES",
    "resolve_tiles",
    "HotspotMap",
    "build_map",
    "classify_gistar",
    "density_overlay",
    "DensityImage",
    "clicked_hotspot_id",
    "map_html",
    "DATA_ATTRIBUTION",
]

LEAFLET_VERSION = "1.9.4"
_LEAFLET_DIR = f"vendor/leaflet-{LEAFLET_VERSION}"
FULLSCREEN_VERSION = "5.3.3"
_FULLSCREEN_DIR = f"vendor/leaflet.fullscreen-{FULLSCREEN_VERSION}"

DATA_ATTRIBUTION = (
    "Crime data: data.police.uk (OGL v3.0); boundaries: ONS, © Crown copyright (OGL v3.0)"
)

# Web Mercator is what Leaflet draws in; an ImageOverlay is stretched linearly in it.
_TO_WGS84 = Transformer.from_crs(S.CRS_METRES, S.CRS_DISPLAY, always_xy=True)
_TO_MERCATOR = Transformer.from_crs(S.CRS_METRES, "EPSG:3857", always_xy=True)
_MERCATOR_TO_BNG = Transformer.from_crs("EPSG:3857", S.CRS_METRES, always_xy=True)
_MERCATOR_TO_WGS84 = Transformer.from_crs("EPSG:3857", S.CRS_DISPLAY, always_xy=True)


# --- vendored assets --------------------------------------------------------------
def static_url() -> str:
    """URL prefix of the app's static folder (``HOTSPOTS_STATIC_URL``, default ``/app/static``)."""
    return os.environ.get("HOTSPOTS_STATIC_URL", "/app/static").rstrip("/")


def _static_dir() -> Path:
    return resources.static_dir()


def vendor_url(name: str, *, package: str = _LEAFLET_DIR) -> str:
    """URL of a vendored file, e.g. ``vendor_url("leaflet.js")`` (Leaflet by default)."""
    return f"{static_url()}/{package}/{name}"


def vendor_path(name: str, *, package: str = _LEAFLET_DIR) -> Path:
    """Path on disk of a vendored file (Leaflet by default)."""
    return _static_dir() / package / name


# --- tiles ------------------------------------------------------------------------
@dataclass(frozen=True)
class TileSpec:
    """A tile layer: URL template (None: no tiles), attribution HTML, zoom limit and name."""

    url: str | None
    attribution: str | None
    max_zoom: int = 19
    name: str = "none"


OSM_TILES = TileSpec(
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    19,
    "OpenStreetMap",
)
NO_TILES = TileSpec(None, None, 19, "none")


def resolve_tiles(
    tiles: str | TileSpec | None = "auto", attribution: str | None = None
) -> TileSpec:
    """Turn the ``tiles`` setting into a :class:`TileSpec`.

    Parameters
    ----------
    tiles : ``"auto"`` (read ``HOTSPOTS_TILES``, default ``"osm"``), ``"osm"``,
        ``"none"`` / ``None`` (no tiles: offline), or a URL template containing
        ``{z}``, ``{x}`` and ``{y}`` (``http(s)://...`` or a path on this server).
    attribution : required with a URL template (else ``HOTSPOTS_TILES_ATTRIBUTION``);
        plain text, HTML-escaped.
    """
    if isinstance(tiles, TileSpec):
        return tiles
    if tiles == "auto":
        tiles = os.environ.get("HOTSPOTS_TILES", "osm")
    if tiles is None or str(tiles).strip().lower() in ("", "none", "off", "offline"):
        return NO_TILES
    text = str(tiles).strip()
    if text.lower() in ("osm", "openstreetmap"):
        return OSM_TILES
    if not (re.match(r"^https?://", text) or text.startswith("/")) or not all(
        k in text for k in ("{z}", "{x}", "{y}")
    ):
        raise InputError(
            "tiles",
            text,
            '"osm", "none" or a tile URL template with {z}, {x} and {y}',
            "For example https://tiles.example.org/{z}/{x}/{y}.png (set HOTSPOTS_TILES).",
        )
    attr = attribution if attribution is not None else os.environ.get("HOTSPOTS_TILES_ATTRIBUTION")
    if not attr or not attr.strip():
        raise InputError(
            "tiles attribution",
            attr,
            "the attribution the tile provider requires",
            "Set HOTSPOTS_TILES_ATTRIBUTION, e.g. '© OpenStreetMap contributors'.",
        )
    return TileSpec(text, html.escape(attr.strip()), 19, "custom tiles")


# --- JSON for <script> --------------------------------------------------------------
def _js(obj: Any) -> str:
    """Compact JSON that is safe inside a <script> element."""
    return (
        json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _esc(value: object) -> str:
    return html.escape("" if value is None or value is pd.NA else str(value), quote=True)


# --- folium elements ----------------------------------------------------------------
class HotspotMap(folium.Map):
    """A ``folium.Map`` that loads only the vendored Leaflet and carries ``notes``.

    ``notes`` announces automatic choices made while building the map (for
    ``st.caption``), e.g. which small locations were left off.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Instance attributes: folium and streamlit-folium both read these.
        self.default_js = [("leaflet", vendor_url("leaflet.js"))]
        self.default_css = [("leaflet_css", vendor_url("leaflet.css"))]
        self.notes: tuple[str, ...] = ()


_DECODE_JS = """
function (O, feats) {
    function ring(a) {
        var out = new Array(a.length / 2), x = O[0], y = O[1];
        for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; out[i / 2] = [x / 1e5, y / 1e5]; }
        return out;
    }
    function rings(c) { return c.map(ring); }
    var kinds = {P: ["Polygon", rings], M: ["MultiPolygon", function (c) { return c.map(rings); }],
                 L: ["LineString", ring], N: ["MultiLineString", rings]};
    return {type: "FeatureCollection", features: feats.map(function (f, k) {
        var t = kinds[f[0]];
        return {type: "Feature", id: k, properties: f[2], geometry: {type: t[0], coordinates: t[1](f[1])}};
    })};
}"""


def _int_coords(xy: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(xy, dtype="float64") * 1e5).astype(np.int64)


def _encode_geometry(g: shapely.Geometry, origin: tuple[int, int]) -> tuple[str, list] | None:
    """Compact form of a WGS84 (Multi)Polygon / (Multi)LineString: rings of integer deltas.

    Coordinates are rounded to 1e-5 degree (about 1 m); each ring starts with its
    offset from ``origin`` and continues with differences between vertices.
    """

    def ring(coords: np.ndarray) -> list[int]:
        xy = _int_coords(coords[:, :2])
        keep = np.ones(len(xy), dtype=bool)
        keep[1:] = np.any(np.diff(xy, axis=0) != 0, axis=1)
        xy = xy[keep]
        d = np.diff(xy, axis=0, prepend=np.array([origin], dtype=np.int64))
        return d.ravel().tolist()

    def poly(p: shapely.Polygon) -> list[list[int]]:
        return [ring(np.asarray(r.coords)) for r in (p.exterior, *p.interiors)]

    if g is None or g.is_empty:
        return None
    kind = g.geom_type
    if kind == "Polygon":
        return "P", poly(g)
    if kind == "MultiPolygon":
        return "M", [poly(p) for p in g.geoms]
    if kind == "LineString":
        return "L", ring(np.asarray(g.coords))
    if kind == "MultiLineString":
        return "N", [ring(np.asarray(line.coords)) for line in g.geoms]
    if kind == "GeometryCollection":
        polys = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        return _encode_geometry(shapely.union_all(polys), origin) if polys else None
    raise InputError("geometry", kind, "polygons or lines")


class _GeoJsonLayer(Layer):
    """One ``L.geoJSON`` layer with per-feature tooltip/popup HTML and class styles.

    Geometries travel in a compact delta-encoded form (about 8 bytes a vertex
    against 18 for GeoJSON text) and are rebuilt as GeoJSON in the browser, so
    ``layer.toGeoJSON()`` (streamlit-folium's ``last_active_drawing``) returns an
    ordinary feature with its properties. Tooltips and popups are lists of
    already-escaped HTML indexed by feature id, so that properties stay small.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var tips = {{ this.tips_js }}, pops = {{ this.pops_js }};
            var styles = {{ this.styles_js }}, by = {{ this.style_by_js }};
            var data = ({{ this.decode_js }})({{ this.origin_js }}, {{ this.feats_js }});
            return L.geoJSON(data, {
                interactive: {{ this.interactive_js }},
                style: function (f) { return by ? styles[String(f.properties[by])] : styles; },
                onEachFeature: function (f, layer) {
                    var k = f.id;
                    if (tips && tips[k]) { layer.bindTooltip(tips[k], {sticky: true}); }
                    if (pops && pops[k]) {
                        var el = document.createElement("div");
                        el.innerHTML = pops[k];
                        layer.bindPopup(el, {maxWidth: 360});
                    }
                }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        geoms: Sequence[shapely.Geometry],
        props: Sequence[dict],
        *,
        name: str,
        style: dict,
        style_by: str | None = None,
        tooltips: Sequence[str] | None = None,
        popups: Sequence[str] | None = None,
        interactive: bool = True,
        show: bool = True,
        control: bool = True,
    ):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "HotspotsGeoJson"
        geoms = list(geoms)
        if len(geoms) != len(props):
            raise ValueError("one properties dict per geometry")
        keep = [k for k, g in enumerate(geoms) if g is not None and not g.is_empty]
        if keep:
            b = shapely.total_bounds(np.asarray([geoms[k] for k in keep], dtype=object))
            origin = (int(round(b[0] * 1e5)), int(round(b[1] * 1e5)))
            self._bounds = [[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]]
        else:
            origin = (0, 0)
            self._bounds = [[None, None], [None, None]]
        feats = []
        for k in keep:
            enc = _encode_geometry(geoms[k], origin)
            if enc is not None:
                feats.append([enc[0], enc[1], props[k]])
        self.n_features = len(feats)

        def pick(texts: Sequence[str] | None) -> list[str] | None:
            return None if texts is None else [texts[k] for k in keep]

        self.decode_js = _DECODE_JS.strip()
        self.origin_js = _js(list(origin))
        self.feats_js = _js(feats)
        self.styles_js = _js(style)
        self.style_by_js = _js(style_by)
        self.tips_js = _js(pick(tooltips))
        self.pops_js = _js(pick(popups))
        self.interactive_js = "true" if interactive else "false"

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self._bounds


class _LocationCountLayer(Layer):
    """Records aggregated at their locations: one ``L.geoJSON`` of circle markers.

    The features are built in the browser from compact columns (see
    :func:`_points_payload`): longitudes as differences between consecutive
    locations sorted west to east and latitudes as offsets, both in integer
    1e-5 degrees (about 1 m); counts; and indexes into the list of distinct
    (escaped) location names, whose common "On or near " is sent once. About
    14 bytes per location plus the names. Larger circles are drawn first.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.payload_js }};
            var n = d.n.length, feats = new Array(n), x = d.x0;
            for (var k = 0; k < n; k++) {
                x += d.x[k];
                var i = d.l[k], loc = i < d.np ? d.p + d.t[i] : d.t[i];
                feats[k] = {type: "Feature", geometry: {type: "Point",
                    coordinates: [x / 1e5, (d.y0 + d.y[k]) / 1e5]},
                    properties: {count: d.n[k], location: loc}};
            }
            feats.sort(function (a, b) { return b.properties.count - a.properties.count; });
            return L.geoJSON({type: "FeatureCollection", features: feats}, {
                pointToLayer: function (f, ll) {
                    var c = f.properties.count > 0 ? f.properties.count : 1;
                    return L.circleMarker(ll, {radius: d.r0 + (d.r1 - d.r0) * Math.sqrt(c / d.nmax),
                        color: d.c, weight: 1, opacity: 0.9, fillColor: d.c, fillOpacity: 0.45});
                },
                onEachFeature: function (f, layer) {
                    var c = f.properties.count;
                    var txt = c > 0 ? c.toLocaleString("en-GB") + (c === 1 ? " record" : " records")
                                    : "fewer than " + d.s + " records";
                    layer.bindTooltip(f.properties.location + ": " + txt);
                }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict, *, name: str, bounds: list[list[float]], show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "LocationCounts"
        self.payload = payload
        self.payload_js = _js(payload)
        self._bounds = bounds

    def _get_self_bounds(self) -> list[list[float]]:
        return self._bounds


class _MapControl(folium.MacroElement):
    """A static HTML box as a Leaflet control (legend, banner). ``html_text`` must be safe."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var c = L.control({position: {{ this.position_js }}});
            c.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class_js }});
                div.innerHTML = {{ this.html_js }};
                var det = div.querySelector("details"), map = {{ this._parent.get_name() }};
                if (det && (map.getSize().x < 600 || window.innerWidth < 600)) { det.open = false; }
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            c.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, html_text: str, *, position: str = "bottomright", css_class: str = "hs-legend"
    ):
        super().__init__()
        self._name = "HotspotsControl"
        self.html_js = _js(html_text)
        self.position_js = _js(position)
        self.css_class_js = _js(css_class)


class _Attribution(folium.MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_js }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, text: str):
        super().__init__()
        self._name = "HotspotsAttribution"
        self.text_js = _js(text)


class _Fullscreen(JSCSSMixin, folium.MacroElement):
    """The vendored Leaflet.fullscreen control (MIT; ``static/vendor/leaflet.fullscreen-*``).

    Streamlit's component iframes allow the Fullscreen API, so the map fills the
    screen, not only its iframe; where the API is refused the plugin falls back to
    a pseudo-fullscreen that fills the frame.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        new L.Control.FullScreen({position: "topleft", title: "Show the map full screen",
            titleCancel: "Leave full screen", forceSeparateButton: true})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "HotspotsFullscreen"
        self.default_js = [
            ("leaflet_fullscreen", vendor_url("Control.FullScreen.umd.js", package=_FULLSCREEN_DIR))
        ]
        self.default_css = [
            (
                "leaflet_fullscreen_css",
                vendor_url("Control.FullScreen.css", package=_FULLSCREEN_DIR),
            )
        ]


class _RankLabels(Layer):
    """Numbers on the map that need no hover: permanent tooltips on invisible circle markers.

    One zero-radius, non-interactive ``L.circleMarker`` per label at a point inside
    its hotspot, carrying a permanent tooltip (class ``hs-rank``). Tooltips ignore
    the pointer, so clicks go through to the hotspot beneath. No icon font or
    ``DivIcon`` is needed.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var g = L.featureGroup(), d = {{ this.labels_js }};
            d.forEach(function (a) {
                L.circleMarker([a[0], a[1]], {radius: 0, opacity: 0, fillOpacity: 0, interactive: false})
                    .bindTooltip(a[2], {permanent: true, direction: "center",
                        className: "hs-rank" + (a[3] ? " hs-rank-selected" : "")})
                    .addTo(g);
            });
            return g;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, labels: list[list], *, name: str = "Rank numbers", show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "RankLabels"
        self.labels_js = _js(labels)
        self.n_labels = len(labels)


_CSS = """
<style>
.hs-legend { background: rgba(255,255,255,0.92); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.35 sans-serif; color: #222; max-width: 240px; }
.hs-legend h4 { margin: 4px 0 2px; font-size: 12px; }
.hs-legend .sw { display: inline-block; width: 14px; height: 10px; margin-right: 4px;
  vertical-align: middle; border: 1px solid #777; }
.hs-legend .bar { height: 10px; border: 1px solid #777; }
.hs-banner { background: #D55E00; color: #fff; font: bold 14px/1.2 sans-serif; padding: 4px 10px;
  border-radius: 4px; letter-spacing: 0.05em; }
.hs-popup table { border-collapse: collapse; font-size: 12px; }
.hs-popup th { text-align: left; padding-right: 6px; vertical-align: top; font-weight: 600; }
.hs-legend details > summary { cursor: pointer; font-weight: 600; list-style-position: inside; }
.hs-legend details:not([open]) { padding: 0; }
.leaflet-tooltip.hs-rank { background: #fff; border: 1.5px solid #D55E00; border-radius: 10px;
  padding: 0 5px; font: bold 12px/16px sans-serif; color: #222; box-shadow: none; }
.leaflet-tooltip.hs-rank::before { display: none; }
.leaflet-tooltip.hs-rank-selected { background: #000; color: #fff; border-color: #000; }
.leaflet-control-attribution { font-size: 10px; max-width: 55vw; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.leaflet-control-attribution:hover { white-space: normal; }
@media print { .leaflet-control-zoom, .leaflet-control-layers, .leaflet-control-fullscreen,
  .leaflet-draw { display: none !important; } }
</style>
"""


# --- geometry helpers -----------------------------------------------------------------
def _check_metres(gdf: gpd.GeoDataFrame, argument: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(argument, type(gdf).__name__, "a GeoDataFrame in EPSG:27700")
    if gdf.crs is None:
        raise InputError(argument, "a GeoDataFrame with no CRS", "a GeoDataFrame in EPSG:27700",
                         "Set the CRS with .set_crs('EPSG:27700') if the coordinates are metres.")  # fmt: skip
    if not gdf.crs.equals(S.CRS_METRES):
        raise InputError(argument, f"CRS {gdf.crs.to_string()}", f"CRS {S.CRS_METRES}",
                         f"Reproject with .to_crs('{S.CRS_METRES}').")  # fmt: skip
    return gdf


def _to_wgs84_geoms(geoms: Sequence[shapely.Geometry], simplify_m: float = 0.0) -> np.ndarray:
    """Simplify (tolerance in metres, topology kept) and reproject to WGS84 degrees."""
    arr = np.asarray(list(geoms), dtype=object)
    if simplify_m > 0:
        arr = shapely.simplify(arr, simplify_m, preserve_topology=True)
    return shapely.transform(
        arr, lambda xy: np.column_stack(_TO_WGS84.transform(xy[:, 0], xy[:, 1]))
    )


def _bounds_latlon(geom: shapely.Geometry) -> list[list[float]]:
    minx, miny, maxx, maxy = geom.bounds
    w, s, e, n = _TO_WGS84.transform_bounds(minx, miny, maxx, maxy)
    return [[s, w], [n, e]]


# Boundaries are generalised already (ONS BGC); 5 m more keeps lines within a pixel
# up to zoom 15 and trims the payload.
BOUNDARY_SIMPLIFY_M = 5.0
_boundary_cache: dict[int, tuple[Boundaries, np.ndarray, list[str], np.ndarray]] = {}


def _boundary_layers(b: Boundaries) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(ward geometries in WGS84, escaped ward names, outline geometry in WGS84), cached."""
    hit = _boundary_cache.get(id(b))
    if hit is not None and hit[0] is b:
        return hit[1], hit[2], hit[3]
    wards = _to_wgs84_geoms(b.wards.geometry.values, BOUNDARY_SIMPLIFY_M)
    names = [_esc(n) for n in b.wards[S.WARD_NAME]]
    outline = _to_wgs84_geoms([b.outline], BOUNDARY_SIMPLIFY_M)
    _boundary_cache[id(b)] = (b, wards, names, outline)
    return wards, names, outline


# --- density ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DensityImage:
    """A density surface drawn as a PNG for a Leaflet ImageOverlay.

    Attributes
    ----------
    data_uri : ``data:image/png;base64,...``
    bounds : ``[[south, west], [north, east]]`` degrees (WGS84).
    vmax : the value drawn with the top colour (units of the input surface).
    size : (width, height) pixels of the PNG.
    png_bytes : size of the PNG (before base64, which adds a third).
    """

    data_uri: str
    bounds: list[list[float]]
    vmax: float
    size: tuple[int, int]
    png_bytes: int


def _density_arrays(density: Any) -> tuple[Grid, np.ndarray]:
    if isinstance(density, tuple) and len(density) == 2:
        grid, values = density
    else:
        grid = getattr(density, "grid", None)
        values = next(
            (getattr(density, a) for a in ("density", "values", "surface") if hasattr(density, a)),
            None,
        )
    if not isinstance(grid, Grid) or values is None:
        raise InputError(
            "density",
            type(density).__name__,
            "a (Grid, values) pair or a result with .grid and .density (or .values)",
        )
    values = np.asarray(values, dtype="float64")
    if values.shape != grid.shape:
        raise InputError(
            "density", f"values of shape {values.shape}", f"shape {grid.shape} (grid rows, cols)"
        )
    in_area = getattr(density, "in_area", None)
    if isinstance(in_area, np.ndarray) and in_area.shape == grid.shape:
        values = np.where(in_area, values, 0.0)  # draw the surface inside the study area only
    return grid, values


def density_overlay(
    grid: Grid,
    values: np.ndarray,
    *,
    palette: str = "viridis",
    levels: int = 32,
    max_pixels: int = 1_000_000,
) -> DensityImage:
    """Render a density grid (EPSG:27700) as a palette PNG warped to Web Mercator.

    Leaflet stretches an image overlay linearly in Web Mercator, while the grid is
    square in British National Grid metres (the two differ by a rotation of about
    0.1° and a scale change); each output pixel is therefore mapped back to the
    grid cell it falls in (nearest neighbour), so cells land within a pixel of
    their true place.

    Parameters
    ----------
    grid, values : the surface; ``values`` has shape ``grid.shape``, row 0 south.
    palette : ``"viridis"`` or ``"cividis"`` (:data:`hotspots.present.palettes.SEQUENTIAL`).
    levels : number of equal-interval colour classes between 0 and the maximum;
        the lowest class (below ``max / levels``) is transparent and the next
        classes up to a quarter of the range fade in.
    max_pixels : cap on width × height of the PNG.

    Returns
    -------
    DensityImage. Cost: one inverse projection per output pixel (~0.2 s per million).
    """
    if palette not in P.SEQUENTIAL:
        raise InputError("palette", palette, " or ".join(P.SEQUENTIAL))
    if not 2 <= int(levels) <= 255:
        raise InputError("levels", levels, "an integer from 2 to 255")
    c = grid.cell_size_m
    x0, y0 = grid.x0, grid.y0
    x1, y1 = x0 + grid.nx * c, y0 + grid.ny * c
    mx0, my0, mx1, my1 = _TO_MERCATOR.transform_bounds(x0, y0, x1, y1, densify_pts=21)
    aspect = (my1 - my0) / (mx1 - mx0)
    width = max(1, grid.nx)
    height = max(1, round(width * aspect))
    scale = min(1.0, math.sqrt(max_pixels / (width * height)))
    width, height = max(1, int(width * scale)), max(1, int(height * scale))
    px = mx0 + (np.arange(width) + 0.5) * (mx1 - mx0) / width
    py = my1 - (np.arange(height) + 0.5) * (my1 - my0) / height
    gx, gy = np.meshgrid(px, py)
    bx, by = _MERCATOR_TO_BNG.transform(gx.ravel(), gy.ravel())
    i, j, inside = grid.index_of(bx, by)
    v = np.full(bx.shape, np.nan)
    v[inside] = values[i[inside], j[inside]]
    finite = values[np.isfinite(values)]
    vmax = float(finite.max()) if finite.size else 0.0
    idx = np.zeros(v.shape, dtype=np.uint8)
    if vmax > 0:
        cls = np.ceil(np.nan_to_num(v, nan=0.0) / vmax * levels).astype(np.int64)
        idx = np.clip(cls - 1, 0, levels - 1).astype(np.uint8)  # class 1 (lowest) -> index 0
    idx = idx.reshape(height, width)
    rgb = P.ramp(np.linspace(0.0, 1.0, levels), P.SEQUENTIAL[palette])
    from PIL import Image

    img = Image.fromarray(idx)
    img.putpalette(rgb.ravel().tolist())
    buf = io.BytesIO()
    # Fade in over the lowest quarter of the classes: the low tail of a kernel
    # surface should not veil the whole map; class 1 is fully transparent.
    fade = max(1, levels // 4)
    alpha = bytes(min(255, round(255 * k / fade)) for k in range(levels))
    img.save(buf, format="PNG", optimize=True, transparency=alpha)
    png = buf.getvalue()
    # The overlay must cover exactly the Mercator box sampled above.
    (w, e), (s, n) = _MERCATOR_TO_WGS84.transform([mx0, mx1], [my0, my1])
    return DensityImage(
        "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        [[float(s), float(w)], [float(n), float(e)]],
        vmax,
        (width, height),
        len(png),
    )


# --- Gi* -------------------------------------------------------------------------------------
_Z_COLUMNS = ("gi_z", "gistar", "z", "z_score", "zscore")
_P_COLUMNS = ("p_adjusted", "p_value", "pvalue", "p")
_GI_LABEL = re.compile(r"^\s*(hot|cold)\b.*?(99|95|90)\s*%", re.IGNORECASE)


def classify_gistar(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Gi* class codes -3..3 (like ArcGIS Gi_Bin) from z-scores and p-values.

    ``sign(z) * 3`` where ``p < 0.01``, ``* 2`` where ``p < 0.05``, ``* 1`` where
    ``p < 0.10`` (strict, as :func:`hotspots.methods.gistar.classify_gi`), else 0
    (Getis and Ord 1992; Ord and Getis 1995). The p-values are used as given:
    pass FDR-adjusted ones to classify after correction.

    Returns
    -------
    int8 array, the shape of ``z``. NaN z or p -> 0.
    """
    z = np.asarray(z, dtype="float64")
    p = np.asarray(p, dtype="float64")
    with np.errstate(invalid="ignore"):
        level = np.select([p < 0.01, p < 0.05, p < 0.10], [3, 2, 1], default=0)
    code = np.sign(np.nan_to_num(z)) * level
    code[~(np.isfinite(z) & np.isfinite(p))] = 0
    return code.astype(np.int8)


def _gistar_codes(gistar: gpd.GeoDataFrame) -> np.ndarray:
    """Class codes from ``gi_class`` labels ("Hot 99%"), ``gi_bin`` codes, or z and p."""
    if "gi_class" in gistar.columns:
        out = np.zeros(len(gistar), dtype=np.int8)
        for i, label in enumerate(gistar["gi_class"].astype("string").fillna("")):
            m = _GI_LABEL.match(label)
            if m:
                level = {"99": 3, "95": 2, "90": 1}[m.group(2)]
                out[i] = level if m.group(1).lower() == "hot" else -level
        return out
    if "gi_bin" in gistar.columns:
        codes = pd.to_numeric(gistar["gi_bin"], errors="coerce").fillna(0).to_numpy()
        if not np.isin(codes, list(P.GI_CLASSES)).all():
            raise InputError("gistar", "gi_bin values outside -3..3", "Gi* class codes -3..3")
        return codes.astype(np.int8)
    zc = next((c for c in _Z_COLUMNS if c in gistar.columns), None)
    pc = next((c for c in _P_COLUMNS if c in gistar.columns), None)
    if zc is None or pc is None:
        raise InputError(
            "gistar",
            f"columns {list(gistar.columns)}",
            "a 'gi_class' column, a 'gi_bin' column (-3..3) or a z-score and a p-value column",
            f"z-score column names tried: {_Z_COLUMNS}; p-value: {_P_COLUMNS}.",
        )
    return classify_gistar(gistar[zc].to_numpy(), gistar[pc].to_numpy())


# --- hotspot popups ---------------------------------------------------------------------------
def _hotspot_texts(row: Mapping[str, Any], suppress_below: int | None) -> tuple[str, str]:
    rank = row.get(S.RANK)
    name = row.get(S.NAME) or f"Hotspot {row.get(S.HOTSPOT_ID)}"
    count = row.get(S.COUNT)
    sup = is_suppressed(count, suppress_below)
    head = f"#{_esc(rank)} {_esc(name)}" if rank is not None and not pd.isna(rank) else _esc(name)
    tip = f"{head}: {_esc(format_count(count, suppress_below))} records"
    rows = [
        ("Ward", _esc(row.get(S.WARD_NAME) or "–")),
        ("Records", _esc(format_count(count, suppress_below))),
    ]
    if S.SHARE in row:
        rows.append(("Share of records", "–" if sup else _esc(format_share(row[S.SHARE]))))
    if S.AREA_KM2 in row:
        rows.append(("Area", _esc(format_number(row[S.AREA_KM2], 3)) + " km²"))
    if S.DENSITY_PER_KM2 in row:
        rows.append(
            ("Records per km²", "–" if sup else _esc(format_number(row[S.DENSITY_PER_KM2], 0)))
        )
    for col, label in ((S.TOP_CATEGORIES, "Top categories"), (S.TOP_LOCATIONS, "Top locations")):
        if col in row:
            rows.append((label, _esc(format_top(row[col], suppress_below, sep="; "))))
    rows.append(("Hotspot ID", _esc(row.get(S.HOTSPOT_ID))))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    popup = f'<div class="hs-popup"><b>{head}</b><table>{body}</table></div>'
    return tip, popup


# --- the map --------------------------------------------------------------------------------------
_LOCATION_PREFIX = "On or near "


def _points_payload(
    locs: pd.DataFrame, max_locations: int, suppress_below: int | None
) -> tuple[dict, list[list[float]], list[str]]:
    """Compact columns for :class:`_LocationCountLayer`, its bounds and notes."""
    notes: list[str] = []
    total = len(locs)
    counts = locs[S.COUNT].to_numpy().astype(np.int64)
    if total > max_locations:
        # Smallest k such that at most max_locations locations have count >= k.
        k = int(np.sort(counts)[::-1][max_locations]) + 1
        keep = counts >= k
        notes.append(
            f"Records layer: {int((~keep).sum()):,} of {total:,} locations with fewer than {k} "
            f"records each ({int(counts[~keep].sum()):,} records) are left off the map to keep it fast."
        )
        locs, counts = locs[keep], counts[keep]
    lon, lat = _TO_WGS84.transform(locs[S.X].to_numpy(), locs[S.Y].to_numpy())
    ilon, ilat = _int_coords(lon), _int_coords(lat)
    order = np.lexsort((ilat, ilon))
    ilon, ilat, counts = ilon[order], ilat[order], counts[order]
    labels = locs[S.LOCATION].astype("string").fillna("Unknown location").to_numpy()[order]
    prefixed = np.array([str(t).startswith(_LOCATION_PREFIX) for t in labels], dtype=bool)
    short = [
        _esc(str(t)[len(_LOCATION_PREFIX) :] if p else str(t))
        for t, p in zip(labels, prefixed, strict=True)
    ]
    # distinct (prefixed, short) pairs, prefixed ones first
    keys = pd.Series([("0" if p else "1") + t for t, p in zip(short, prefixed, strict=True)])
    uniq = np.array(sorted(set(keys)), dtype=object)
    codes = np.searchsorted(uniq, keys.to_numpy().astype(object))
    n_prefixed = int(sum(1 for u in uniq if u[0] == "0"))
    shown = counts.copy()
    if suppress_below:
        shown[(counts > 0) & (counts < suppress_below)] = 0
    x0 = int(ilon[0]) if len(ilon) else 0
    y0 = int(ilat.min()) if len(ilat) else 0
    payload = {
        "x0": x0,
        "y0": y0,
        "x": np.diff(ilon, prepend=x0).tolist(),
        "y": (ilat - y0).tolist(),
        "n": shown.tolist(),
        "l": codes.tolist(),
        "t": [u[1:] for u in uniq],
        "np": n_prefixed,
        "p": _LOCATION_PREFIX,
        "nmax": int(max(1, counts.max())) if len(counts) else 1,
        "s": int(suppress_below or 0),
        "r0": 2,
        "r1": 16,
        "c": P.POINT_COLOUR,
    }
    if len(ilon):
        bounds = [
            [float(np.min(lat)), float(np.min(lon))],
            [float(np.max(lat)), float(np.max(lon))],
        ]
    else:
        bounds = [[None, None], [None, None]]
    return payload, bounds, notes


def build_map(
    *,
    boundaries: Boundaries | None = None,
    points: pd.DataFrame | None = None,
    density: Any = None,
    hotspots: gpd.GeoDataFrame | None = None,
    gistar: gpd.GeoDataFrame | None = None,
    area: Any = None,
    tiles: str | TileSpec | None = "auto",
    height: int = 600,
    suppress_below: int | None = None,
    simulated: bool | None = None,
    max_locations: int = 8000,
    density_palette: str = "viridis",
    density_label: str = "Records per km²",
    show_nonsignificant: bool = False,
    prefer_canvas: bool = True,
    labels: bool = True,
    max_labels: int = 25,
    selected: int | None = None,
    zoom_to_selected: bool = True,
    controls: bool = True,
    fit_to_hotspots: bool = False,
) -> HotspotMap:
    """Build the dashboard map.

    Parameters
    ----------
    boundaries : BCP outline and wards (default :func:`load_boundaries`), always drawn:
        thin lines, ward names as tooltips.
    points : canonical records (``x``, ``y``, ``location``; ``simulated`` read if present)
        or a location table with a ``count`` column (see
        :func:`hotspots.present.tables.location_counts`). Drawn as ONE GeoJSON layer of
        circle markers at distinct locations, area proportional to the count. Above
        ``max_locations`` locations, those with the fewest records are left off and a
        note says so.
    density : a KDE surface: a :class:`hotspots.methods.kde.KdeResult`, ``(Grid, values)``
        or any object with ``.grid`` and ``.density`` (or ``.values``); cells outside
        ``.in_area`` (when given) are left blank; drawn as a PNG image overlay
        (:func:`density_overlay`).
    hotspots : hotspot polygons with :data:`hotspots.data.schema.HOTSPOT_COLUMNS`,
        EPSG:27700; tooltip and popup per hotspot; ``hotspot_id`` in each feature.
    gistar : a :class:`hotspots.methods.gistar.GiStarResult` or its grid of cells
        (EPSG:27700) with ``gi_class`` labels ("Hot 99%"), ``gi_bin`` codes (-3..3) or a
        z-score and p-value column (:func:`classify_gistar`); cells of one class are
        merged and coloured with ColorBrewer RdBu. Not-significant cells are left
        out unless ``show_nonsignificant``.
    area : the area of interest (an :class:`hotspots.data.areas.Area`, a shapely
        geometry in metres or a GeoDataFrame); drawn as a dashed outline and the map
        is fitted to it (else to BCP).
    tiles : see :func:`resolve_tiles`; with no tiles ``maxZoom`` is set on the map.
    height : pixels (give the same number to ``st_folium``).
    suppress_below : hide counts 1..k-1 ("fewer than k") in tooltips and popups, for
        public or councillor maps. None shows all counts.
    simulated : draw a "SIMULATED DATA" banner; None: True if any ``points`` record has
        ``simulated`` set.
    max_locations : most location circles drawn (8,000 keeps the page under 300 KiB).
    density_palette : ``"viridis"`` or ``"cividis"``.
    density_label : legend title and layer name of the density surface (its units).
    prefer_canvas : draw vector layers on one canvas (fast with thousands of
        locations; hit-testing follows drawing order). False gives SVG paths.
    labels : write each hotspot's rank on the map, visible without hovering
        (a "Rank numbers" layer of permanent tooltips): the ``max_labels`` highest
        ranks, and the selected hotspot, so that numbers do not pile up.
    selected : the ``hotspot_id`` of a chosen hotspot: outlined in black, its number
        inverted, and (with ``zoom_to_selected``) the map zoomed to it. An id not on
        the map is ignored.
    controls : zoom, fullscreen and layer controls (False for printed sheets). With
        ``controls``, a fullscreen button (vendored Leaflet.fullscreen) sits at the
        top left. Hotspots with a ``change_class`` column (new / growing / persistent
        / shrinking / gone) are coloured by it (Okabe–Ito, :data:`palettes.CHANGE_COLOURS`).
    fit_to_hotspots : fit the map to the hotspots (with 250 m around them) rather
        than to the area: for printed sheets, where numbers must not pile up.

    Returns
    -------
    HotspotMap (a ``folium.Map``) whose ``notes`` list automatic choices.
    """
    if (
        not isinstance(height, (int, np.integer))
        or isinstance(height, bool)
        or not 100 <= height <= 4000
    ):
        raise InputError("height", height, "a whole number of pixels from 100 to 4000")
    if (
        not isinstance(max_locations, (int, np.integer))
        or isinstance(max_locations, bool)
        or max_locations < 1
    ):
        raise InputError("max_locations", max_locations, "a positive whole number")
    if suppress_below is not None and (
        not isinstance(suppress_below, (int, np.integer))
        or isinstance(suppress_below, bool)
        or suppress_below < 2
    ):
        raise InputError(
            "suppress_below", suppress_below, "None or a whole number of 2 or more", "Usually 5."
        )
    b = boundaries or load_boundaries()
    spec = resolve_tiles(tiles)
    notes: list[str] = []
    area_geom = None
    area_name = None
    if area is not None:
        if isinstance(area, gpd.GeoDataFrame):
            area_geom = shapely.union_all(_check_metres(area, "area").geometry.values)
            area_name = "Area"
        elif isinstance(area, shapely.Geometry):
            area_geom, area_name = area, "Area"
        elif hasattr(area, "geometry"):
            area_geom, area_name = area.geometry, getattr(area, "name", "Area")
        else:
            raise InputError(
                "area", type(area).__name__, "an Area, a shapely geometry or a GeoDataFrame"
            )
    focus = area_geom if area_geom is not None and not area_geom.is_empty else b.outline
    fit = _bounds_latlon(focus)
    centre = [(fit[0][0] + fit[1][0]) / 2, (fit[0][1] + fit[1][1]) / 2]
    m = HotspotMap(
        location=centre,
        zoom_start=12,
        tiles=None,
        height=f"{int(height)}px",
        prefer_canvas=prefer_canvas,
        control_scale=True,
        maxZoom=spec.max_zoom,
        zoomSnap=0.25,
        zoom_control=bool(controls),
    )
    m.get_root().header.add_child(folium.Element(_CSS), name="hotspots_css")
    if spec.url is None:
        notes.append("No background tiles (offline): ward boundaries only.")
    else:
        folium.TileLayer(
            tiles=spec.url,
            attr=spec.attribution,
            name=spec.name,
            max_zoom=spec.max_zoom,
            control=False,
        ).add_to(m)
    _Attribution(_esc(DATA_ATTRIBUTION)).add_to(m)
    if controls:
        _Fullscreen().add_to(m)
    legend: list[str] = []

    # (b) density
    if density is not None:
        grid, values = _density_arrays(density)
        folium.map.CustomPane("hs-density", z_index=350, pointer_events=False).add_to(m)
        img = density_overlay(grid, values, palette=density_palette)
        folium.raster_layers.ImageOverlay(
            img.data_uri, img.bounds, name=_esc(f"{density_label} (surface)"), opacity=0.75,
            pane="hs-density", pixelated=False, interactive=False,
        ).add_to(m)  # fmt: skip
        stops = ", ".join(P.SEQUENTIAL[density_palette])
        legend.append(
            f"<h4>{_esc(density_label)}</h4>"
            f'<div class="bar" style="background: linear-gradient(to right, {stops});"></div>'
            f'<div style="display:flex;justify-content:space-between"><span>low</span>'
            f"<span>{_esc(format_number(img.vmax, 0 if img.vmax >= 100 else 2))}</span></div>"
        )
        notes.append(
            f"Density drawn as a {img.size[0]}×{img.size[1]} px image; the top colour is "
            f"{format_number(img.vmax, 0 if img.vmax >= 100 else 2)}; the lowest quarter of the range fades to transparent."
        )

    # boundaries (always)
    ward_geoms, ward_names, outline_geom = _boundary_layers(b)
    _GeoJsonLayer(
        ward_geoms, [{"ward": n} for n in ward_names], name="Wards", tooltips=[n + " ward" for n in ward_names],
        style={"color": P.BOUNDARY_COLOUR, "weight": 1, "opacity": 0.8, "fill": True, "fillOpacity": 0},
    ).add_to(m)  # fmt: skip
    _GeoJsonLayer(
        outline_geom, [{}], name="BCP boundary", interactive=False,
        style={"color": P.BOUNDARY_COLOUR, "weight": 2.5, "opacity": 0.9, "fill": False},
    ).add_to(m)  # fmt: skip

    # (d) Gi*
    if gistar is not None:
        if not isinstance(gistar, gpd.GeoDataFrame) and isinstance(
            getattr(gistar, "grid", None), gpd.GeoDataFrame
        ):
            gistar = gistar.grid  # a GiStarResult
        g = _check_metres(gistar, "gistar")
        codes = _gistar_codes(g)
        keep_codes = [
            c for c in sorted(P.GI_CLASSES, reverse=True) if show_nonsignificant or c != 0
        ]
        geoms, props, tips = [], [], []
        for code in keep_codes:
            sel = codes == code
            if not sel.any():
                continue
            geoms.append(shapely.coverage_union_all(g.geometry.values[sel]))
            props.append({"gi_bin": int(code)})
            tips.append(_esc(f"{P.gi_class_label(code)} ({int(sel.sum()):,} cells)"))
        if geoms:
            styles = {
                str(c): {"color": P.GI_COLOURS[c], "weight": 0.5, "fillColor": P.GI_COLOURS[c],
                         "fillOpacity": 0.55, "opacity": 0.8}
                for c in P.GI_CLASSES
            }  # fmt: skip
            _GeoJsonLayer(
                _to_wgs84_geoms(geoms), props, name="Gi* hot and cold spots", style=styles,
                style_by="gi_bin", tooltips=tips,
            ).add_to(m)  # fmt: skip
        present = [c for c in keep_codes if (codes == c).any()]
        legend.append(
            "<h4>Gi* hot and cold spots</h4>"
            + "".join(
                f'<div><span class="sw" style="background:{P.GI_COLOURS[c]}"></span>'
                f"{_esc(P.gi_class_label(c))}</div>"
                for c in (present or keep_codes)
            )
        )

    # (e) area
    if area_geom is not None and not area_geom.is_empty:
        _GeoJsonLayer(
            _to_wgs84_geoms([area_geom]), [{"name": _esc(area_name)}], name=_esc(f"Area: {area_name}"), interactive=False,
            style={"color": P.AREA_OUTLINE, "weight": 2, "dashArray": "6 4", "fill": False},
        ).add_to(m)  # fmt: skip
        legend.append(
            f'<div><span class="sw" style="border:2px dashed {P.AREA_OUTLINE};background:none"></span>'
            f"{_esc(area_name)}</div>"
        )

    # (a) records at locations
    if points is not None:
        if simulated is None and S.SIMULATED in points.columns:
            simulated = bool(points[S.SIMULATED].fillna(False).astype(bool).any())
        if S.COUNT in points.columns and S.CATEGORY not in points.columns:
            locs = points[[S.X, S.Y, S.LOCATION, S.COUNT]]
            locs = locs.sort_values(S.COUNT, ascending=False, kind="stable")
        else:
            locs = location_counts(points)
        if len(locs):
            payload, pbounds, pnotes = _points_payload(locs, int(max_locations), suppress_below)
            notes.extend(pnotes)
            _LocationCountLayer(payload, name="Records at locations", bounds=pbounds).add_to(m)
            nmax = payload["nmax"]
            sizes = sorted({1, max(1, nmax // 10), nmax})
            legend.append(
                "<h4>Records at a location</h4>"
                + "".join(
                    f'<span style="display:inline-block;margin-right:6px">'
                    f'<svg width="{2 * _radius(s, nmax) + 2}" height="{2 * _radius(s, nmax) + 2}" '
                    f'style="vertical-align:middle"><circle cx="{_radius(s, nmax) + 1}" '
                    f'cy="{_radius(s, nmax) + 1}" r="{_radius(s, nmax)}" fill="{P.POINT_COLOUR}" '
                    f'fill-opacity="0.45" stroke="{P.POINT_COLOUR}"/></svg> '
                    f"{_esc(format_count(s, suppress_below))}</span>"
                    for s in sizes
                )
            )
    # (c) hotspots, on top: a click inside one opens its details
    if hotspots is not None:
        h = _check_metres(hotspots, "hotspots")
        if S.HOTSPOT_ID not in h.columns or h[S.HOTSPOT_ID].isna().any():
            raise InputError(
                "hotspots",
                f"columns {list(h.columns)}",
                f"a '{S.HOTSPOT_ID}' on every row (HOTSPOT_COLUMNS)",
                "Clicks on the map report this id back to the page.",
            )
        h = h[~(h.geometry.isna() | h.geometry.is_empty)]
        if S.RANK in h.columns:
            h = h.sort_values(S.RANK, ascending=False, kind="stable")  # rank 1 drawn last, on top
        by_change = "change_class" in h.columns
        chosen = None
        if len(h):
            rows = h.drop(columns="geometry").to_dict("records")
            texts = [_hotspot_texts(r, suppress_below) for r in rows]
            props, marks = [], []
            for r in rows:
                c = r.get(S.COUNT)
                hid = int(r[S.HOTSPOT_ID])
                rank = None if r.get(S.RANK) is None or pd.isna(r.get(S.RANK)) else int(r[S.RANK])
                cls = _change_key(r.get("change_class")) if by_change else "hotspot"
                is_sel = selected is not None and hid == int(selected)
                props.append(
                    {
                        S.HOTSPOT_ID: hid,
                        S.RANK: rank,
                        S.NAME: _esc(r.get(S.NAME)),
                        S.COUNT: None
                        if c is None or pd.isna(c) or is_suppressed(c, suppress_below)
                        else int(c),
                        "style": f"{cls}|{int(is_sel)}",
                    }
                )
                marks.append((rank, is_sel))
            wgs = _to_wgs84_geoms(h.geometry.values)
            _GeoJsonLayer(
                wgs, props, name="Hotspots", style=_hotspot_styles(), style_by="style",
                tooltips=[t for t, _ in texts], popups=[p for _, p in texts],
            ).add_to(m)  # fmt: skip
            if labels:
                pts = _to_wgs84_geoms(list(shapely.point_on_surface(h.geometry.values)))
                lab = [
                    [round(pt.y, 6), round(pt.x, 6), str(rank), bool(sel)]
                    for pt, (rank, sel) in zip(pts, marks, strict=True)
                    if rank is not None and (rank <= max_labels or sel)
                ]
                if len(lab) < sum(1 for r, _ in marks if r is not None):
                    notes.append(
                        f"Rank numbers are written on the top {max_labels} hotspots; "
                        "hover or click the others."
                    )
                _RankLabels(lab).add_to(m)
            if fit_to_hotspots:
                fit = _bounds_latlon(shapely.union_all(h.geometry.values).buffer(250.0))
            sel_rows = [k for k, (_, sel) in enumerate(marks) if sel]
            if sel_rows:
                chosen = h.geometry.values[sel_rows[0]]
        if by_change:
            present_classes = {_change_key(v) for v in h["change_class"]} if len(h) else set()
            legend.append(
                "<h4>Hotspots: change</h4>"
                + "".join(
                    f'<div><span class="sw" style="border:2px solid {P.CHANGE_COLOURS[c]};'
                    f'background:{P.CHANGE_COLOURS[c]}33"></span>{_esc(P.CHANGE_LABELS[c])}</div>'
                    for c in P.CHANGE_CLASSES
                    if c in present_classes
                )
            )
        else:
            legend.append(
                f'<div><span class="sw" style="border:2px solid {P.HOTSPOT_OUTLINE};'
                f'background:rgba(213,94,0,0.12)"></span>Hotspot (number = rank'
                + ("; click for details)" if controls else ")")
                + "</div>"
            )
        if chosen is not None and zoom_to_selected:
            # the chosen hotspot with some surroundings (300 m), never closer than a street
            fit = _bounds_latlon(chosen.buffer(300.0))

    if simulated:
        _MapControl("SIMULATED DATA", position="topleft", css_class="hs-banner").add_to(m)
    if legend:
        legend.append(
            '<div style="max-width:190px;color:#555;margin-top:3px">police.uk points are '
            "anonymised map points, not addresses</div>"
        )
        body = "".join(legend)
        if controls:  # collapsible; starts closed on narrow maps (phones)
            body = f"<details open><summary>Legend</summary>{body}</details>"
        _MapControl(body, position="bottomright").add_to(m)
    m.fit_bounds(fit, padding=(8, 8))
    if controls:
        folium.LayerControl(position="topright", collapsed=True).add_to(m)
    m.notes = tuple(notes)
    return m


def _change_key(value: object) -> str:
    """A change class as a style key: one of :data:`palettes.CHANGE_CLASSES` or "hotspot"."""
    v = str(value).strip().lower() if isinstance(value, str) else ""
    return v if v in P.CHANGE_COLOURS else "hotspot"


def _hotspot_styles() -> dict[str, dict]:
    """Leaflet path styles keyed "<class>|<selected 0/1>"."""
    colours = {"hotspot": P.HOTSPOT_OUTLINE, **P.CHANGE_COLOURS}
    out = {}
    for cls, colour in colours.items():
        dash = "5 4" if cls == "gone" else None
        out[f"{cls}|0"] = {
            "color": colour,
            "weight": 2.5,
            "opacity": 1,
            "fillColor": colour,
            "fillOpacity": 0.12 if cls == "hotspot" else 0.2,
            "dashArray": dash,
        }
        out[f"{cls}|1"] = {
            "color": P.SELECTED_OUTLINE,
            "weight": 5,
            "opacity": 1,
            "fillColor": colour,
            "fillOpacity": 0.3,
            "dashArray": dash,
        }
    return out  # fmt: skip


def _radius(count: int, nmax: int, r0: float = 2.0, r1: float = 16.0) -> int:
    """Marker radius in pixels, as drawn in the browser (area proportional to count)."""
    return round(r0 + (r1 - r0) * math.sqrt(max(count, 1) / max(nmax, 1)))


# --- clicks and HTML ------------------------------------------------------------------------------
_POPUP_ID = re.compile(r"Hotspot ID\s*(\d+)")


def clicked_hotspot_id(st_folium_result: Mapping[str, Any] | None) -> int | None:
    """The ``hotspot_id`` of the hotspot last clicked on a map from :func:`build_map`.

    Parameters
    ----------
    st_folium_result : the dict returned by ``streamlit_folium.st_folium``. Ask for
        ``returned_objects=["last_active_drawing"]`` so that the page reruns only on
        clicks on features.

    Returns
    -------
    The id, or None when nothing, the background, a ward or a location was clicked
    last. Without ``last_active_drawing`` in the result, falls back to the
    "Hotspot ID n" line of ``last_object_clicked_popup``.
    """
    if not st_folium_result:
        return None
    if "last_active_drawing" in st_folium_result:
        feat = st_folium_result.get("last_active_drawing")
        props = feat.get("properties") if isinstance(feat, Mapping) else None
        value = props.get(S.HOTSPOT_ID) if isinstance(props, Mapping) else None
        try:
            return None if value is None else int(value)
        except (TypeError, ValueError):
            return None
    popup = st_folium_result.get("last_object_clicked_popup")
    m = _POPUP_ID.search(popup) if isinstance(popup, str) else None
    return int(m.group(1)) if m else None


def map_html(m: folium.Map, *, inline_assets: bool = False) -> str:
    """The full HTML page of a map.

    With ``inline_assets`` the vendored Leaflet script and stylesheet (with its
    images as data URIs) are written into the page, so the file opens anywhere with
    no server and no internet (about 190 KiB more).
    """
    out = m.get_root().render()
    if not inline_assets:
        return out
    prefix = re.escape(static_url() + "/")

    def read(rel: str) -> str:
        path = (_static_dir() / rel).resolve()
        if not path.is_relative_to((_static_dir() / "vendor").resolve()):
            raise InputError("asset", rel, "a file under static/vendor/")
        return path.read_text(encoding="utf-8")

    def script(match: re.Match[str]) -> str:
        return "<script>" + read(match.group(1)).replace("</script", "<\\/script") + "</script>"

    def style(match: re.Match[str]) -> str:
        rel = match.group(1)
        folder = (_static_dir() / rel).parent

        def data_uri(img: re.Match[str]) -> str:
            data = base64.b64encode((folder / img.group(1)).read_bytes()).decode("ascii")
            return f"url(data:image/png;base64,{data})"

        css = re.sub(r"url\((images/[A-Za-z0-9_.-]+\.png)\)", data_uri, read(rel))
        return f"<style>{css}</style>"

    out = re.sub(rf'<script src="{prefix}(vendor/[^"]+\.js)"></script>', script, out)
    return re.sub(rf'<link rel="stylesheet" href="{prefix}(vendor/[^"]+\.css)"/>', style, out)
