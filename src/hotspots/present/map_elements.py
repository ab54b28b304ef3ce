"""The custom Leaflet elements of the hotspot maps (folium elements).

Their JavaScript lives in ``static/js/hotspots-map.js`` (``window.HotspotsLeaflet``),
which each element declares as a script to load (like folium plugins do), so the
app serves it at ``/app/static/js/`` and :func:`hotspots.present.map_assets.map_html`
writes it into standalone pages. The templates here only call those functions with
data serialised by :func:`script_json`; text in the data is escaped with :func:`esc`
(or :mod:`hotspots.present.escape`) before it gets there, never pasted into code.

Elements: :class:`HotspotMap` (the map, vendored Leaflet only), :class:`GeoJsonLayer`
(compact polygons/lines with tooltips and popups), :class:`LocationCountLayer`
(records at locations as circles), :class:`MapControl` (legend, banner),
:class:`RankLabels` (permanent rank numbers), :class:`Attribution` and
:class:`Fullscreen` (the vendored Leaflet.fullscreen control).
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import shapely
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

from hotspots.present.map_assets import FULLSCREEN_DIR, script_url, vendor_url
from hotspots.present.map_geometry import LatLonBounds, encode_geometry

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "MAP_CSS",
    "MAP_SCRIPT",
    "Attribution",
    "Fullscreen",
    "GeoJsonLayer",
    "HotspotMap",
    "LocationCountLayer",
    "MapControl",
    "RankLabels",
    "StreetFallback",
    "StreetLabels",
    "esc",
    "script_json",
]

MAP_SCRIPT = "hotspots-map.js"  # in static/js/


def script_json(obj: Any) -> str:
    """Compact JSON that is safe inside a <script> element."""
    return (
        json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def esc(value: object) -> str:
    """HTML-escaped text of a value; None and ``pd.NA`` give ""."""
    return html.escape("" if value is None or value is pd.NA else str(value), quote=True)


class _Scripted(JSCSSMixin):
    """Loads ``static/js/hotspots-map.js`` (once per page: one name for every element)."""

    def _load_map_script(self) -> None:
        self.default_js = [("hotspots_map_js", script_url(MAP_SCRIPT))]
        self.default_css = []


class HotspotMap(folium.Map):
    """A ``folium.Map`` that loads only the vendored Leaflet and carries ``notes``.

    ``notes`` announces automatic choices made while building the map (for
    ``st.caption``), e.g. which small locations were left off.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Instance attributes: folium and streamlit-folium both read these.
        self.default_js = [("leaflet", vendor_url("leaflet.js"))]
        self.default_css = [("leaflet_css", vendor_url("leaflet.css"))]
        self.notes: tuple[str, ...] = ()


class GeoJsonLayer(_Scripted, Layer):
    """One ``L.geoJSON`` layer with per-feature tooltip/popup HTML and class styles.

    Geometries travel in a compact delta-encoded form (about 8 bytes a vertex
    against 18 for GeoJSON text; :func:`hotspots.present.map_geometry.encode_geometry`)
    and are rebuilt as GeoJSON in the browser, so ``layer.toGeoJSON()``
    (streamlit-folium's ``last_active_drawing``) returns an ordinary feature with its
    properties. Tooltips and popups are lists of already-escaped HTML indexed by
    feature id, so that properties stay small.

    Parameters
    ----------
    geoms : WGS84 geometries; None or empty ones are left out.
    props : one properties dict per geometry (escaped text only).
    style : a Leaflet path style, or styles keyed by the ``style_by`` property.
    tooltips, popups : escaped HTML per geometry, or None.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = HotspotsLeaflet.geoJson({origin: {{ this.origin_js }},
            feats: {{ this.feats_js }}, tips: {{ this.tips_js }}, pops: {{ this.pops_js }},
            styles: {{ this.styles_js }}, by: {{ this.style_by_js }},
            interactive: {{ this.interactive_js }}});
        {% endmacro %}
        """,
    )

    def __init__(
        self,
        geoms: Sequence[Any] | np.ndarray,
        props: Sequence[dict[str, Any]],
        *,
        name: str,
        style: dict[str, Any],
        style_by: str | None = None,
        tooltips: Sequence[str] | None = None,
        popups: Sequence[str] | None = None,
        interactive: bool = True,
        show: bool = True,
        control: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "HotspotsGeoJson"
        self._load_map_script()
        geoms = list(geoms)
        if len(geoms) != len(props):
            msg = "one properties dict per geometry"
            raise ValueError(msg)
        keep = [k for k, g in enumerate(geoms) if g is not None and not g.is_empty]
        self._bounds: LatLonBounds
        if keep:
            b = shapely.total_bounds(np.asarray([geoms[k] for k in keep], dtype=object))
            origin = (round(b[0] * 1e5), round(b[1] * 1e5))
            self._bounds = [[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]]
        else:
            origin = (0, 0)
            self._bounds = [[None, None], [None, None]]
        feats = []
        for k in keep:
            enc = encode_geometry(geoms[k], origin)
            if enc is not None:
                feats.append([enc[0], enc[1], props[k]])
        self.n_features = len(feats)

        def pick(texts: Sequence[str] | None) -> list[str] | None:
            return None if texts is None else [texts[k] for k in keep]

        self.origin_js = script_json(list(origin))
        self.feats_js = script_json(feats)
        self.styles_js = script_json(style)
        self.style_by_js = script_json(style_by)
        self.tips_js = script_json(pick(tooltips))
        self.pops_js = script_json(pick(popups))
        self.interactive_js = "true" if interactive else "false"

    def _get_self_bounds(self) -> LatLonBounds:
        return self._bounds


class LocationCountLayer(_Scripted, Layer):
    """Records aggregated at their locations: one ``L.geoJSON`` of circle markers.

    The features are built in the browser from compact columns (see
    :func:`hotspots.present.map_layers.points_payload`): longitudes as differences
    between consecutive locations sorted west to east and latitudes as offsets, both
    in integer 1e-5 degrees (about 1 m); counts; and indexes into the list of
    distinct (escaped) location names, whose common "On or near " is sent once.
    About 14 bytes per location plus the names. Larger circles are drawn first.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = HotspotsLeaflet.locationCounts({{ this.payload_js }});
        {% endmacro %}
        """,
    )

    def __init__(
        self,
        payload: dict[str, Any],
        *,
        name: str,
        bounds: LatLonBounds,
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "LocationCounts"
        self._load_map_script()
        self.payload = payload
        self.payload_js = script_json(payload)
        self._bounds = bounds

    def _get_self_bounds(self) -> LatLonBounds:
        return self._bounds


class MapControl(_Scripted, folium.MacroElement):
    """A static HTML box as a Leaflet control (legend, banner). ``html_text`` must be safe."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        HotspotsLeaflet.control({{ this._parent.get_name() }}, {position: {{ this.position_js }},
            cssClass: {{ this.css_class_js }}, html: {{ this.html_js }}});
        {% endmacro %}
        """,
    )

    def __init__(
        self,
        html_text: str,
        *,
        position: str = "bottomright",
        css_class: str = "hs-legend",
    ) -> None:
        super().__init__()
        self._name = "HotspotsControl"
        self._load_map_script()
        self.html_js = script_json(html_text)
        self.position_js = script_json(position)
        self.css_class_js = script_json(css_class)


class Attribution(folium.MacroElement):
    """One more line in the map's attribution control (``text`` must be safe HTML)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_js }});
        }
        {% endmacro %}
        """,
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "HotspotsAttribution"
        self.text_js = script_json(text)


class Fullscreen(JSCSSMixin, folium.MacroElement):
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
        """,
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "HotspotsFullscreen"
        self.default_js = [
            ("leaflet_fullscreen", vendor_url("Control.FullScreen.umd.js", package=FULLSCREEN_DIR)),
        ]
        self.default_css = [
            (
                "leaflet_fullscreen_css",
                vendor_url("Control.FullScreen.css", package=FULLSCREEN_DIR),
            ),
        ]


class RankLabels(_Scripted, Layer):
    """Numbers on the map that need no hover: permanent tooltips on invisible circle markers.

    One zero-radius, non-interactive ``L.circleMarker`` per label at a point inside
    its hotspot, carrying a permanent tooltip (class ``hs-rank``). Tooltips ignore
    the pointer, so clicks go through to the hotspot beneath. No icon font or
    ``DivIcon`` is needed. ``labels``: ``[lat, lon, text, selected]`` each. Crowded
    numbers move aside with a leader line (in the browser, redone on zoom), never outside
    the map nor into a ``keepout`` corner (``("bottom right", 220)``: pixels).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = HotspotsLeaflet.rankLabels({{ this.labels_js }}, {{ this.keepout_js }});
        {% endmacro %}
        """,
    )

    def __init__(
        self,
        labels: list[list[Any]],
        *,
        name: str = "Rank numbers",
        show: bool = True,
        keepout: list[tuple[str, int]] | None = None,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "RankLabels"
        self._load_map_script()
        self.labels_js = script_json(labels)
        self.keepout_js = script_json([list(k) for k in keepout or []])
        self.n_labels = len(labels)


class StreetLabels(_Scripted, Layer):
    """Street names written along their streets (``HotspotsLeaflet.streetLabels``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = HotspotsLeaflet.streetLabels({{ this.payload_js }});
        {% endmacro %}
        """,
    )

    def __init__(
        self,
        payload: dict[str, Any],
        *,
        name: str = "Street names",
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "StreetLabels"
        self._load_map_script()
        self.payload = payload
        self.payload_js = script_json(payload)


class StreetFallback(_Scripted, folium.MacroElement):
    """Turns the street layers on at the first tile that fails to load.

    That is ``HotspotsLeaflet.streetsOnTileError``: a tile server set but unreachable.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        HotspotsLeaflet.streetsOnTileError({{ this._parent.get_name() }},
            [{{ this.layer_names | join(", ") }}]);
        {% endmacro %}
        """,
    )

    def __init__(self, layers: Sequence[Any]) -> None:
        super().__init__()
        self._name = "StreetFallback"
        self._load_map_script()
        self.layer_names = [lay.get_name() for lay in layers]


MAP_CSS = """
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
.leaflet-tooltip.hs-rank { background: #fff; border: 1.5px solid #D55E00; border-radius: 12px;
  padding: 0 5px; font: bold 12px/21px sans-serif; color: #222; box-shadow: none;
  min-width: 24px; min-height: 24px; box-sizing: border-box; text-align: center; }
.leaflet-tooltip.hs-rank:focus { outline: 3px solid #0072B2; outline-offset: 1px; }
.leaflet-tooltip.hs-rank::before { display: none; }
.hs-street-icon { background: none; border: 0; }
.hs-street { position: absolute; left: 0; top: 0; white-space: nowrap; pointer-events: none;
  font: italic 11.5px/14px Arial, Helvetica, sans-serif; color: #2b2b2b;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.hs-nostreets { background: rgba(255,255,255,0.92); color: #222; padding: 3px 8px;
  font: 12px/1.3 sans-serif; border-radius: 4px; }
.leaflet-tooltip.hs-rank-selected { background: #000; color: #fff; border-color: #000; }
.leaflet-control-attribution { font-size: 10px; max-width: 55vw; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.leaflet-control-attribution:hover { white-space: normal; }
@media print { .leaflet-control-zoom, .leaflet-control-layers, .leaflet-control-fullscreen,
  .leaflet-draw { display: none !important; } }
</style>
"""
