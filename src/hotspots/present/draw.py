"""A polygon-drawing control for the hotspot map, from the vendored Leaflet.draw 1.0.4.

folium's ``Draw`` plugin loads Leaflet.draw from a CDN; here its assets point at
``static/vendor/leaflet-draw-1.0.4`` so drawing works offline. The page reads
the drawn polygon back from ``st_folium``'s ``last_active_drawing`` and turns it
into a ``poly:`` area spec (:func:`hotspots.data.areas.polygon_spec`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from folium.plugins import Draw

from hotspots.present.maps import static_url

if TYPE_CHECKING:
    import folium

__all__ = ["DRAW_DIR", "add_draw_control", "drawn_polygon"]

DRAW_DIR = "vendor/leaflet-draw-1.0.4"


def add_draw_control(m: folium.Map) -> folium.Map:
    """Add polygon and rectangle drawing (no markers, lines or circles) to ``m``."""
    d = Draw(
        export=False,
        position="topleft",
        draw_options={
            "polyline": False,
            "circle": False,
            "marker": False,
            "circlemarker": False,
            "polygon": {"allowIntersection": False, "showArea": True},
            "rectangle": True,
        },
        edit_options={"edit": False, "remove": True},
    )
    d.default_js = [("leaflet_draw_js", f"{static_url()}/{DRAW_DIR}/leaflet.draw.js")]
    d.default_css = [("leaflet_draw_css", f"{static_url()}/{DRAW_DIR}/leaflet.draw.css")]
    d.add_to(m)
    return m


def drawn_polygon(st_folium_result: Mapping[str, Any] | None) -> list[list[float]] | None:
    """Return the outer ring (lon, lat pairs) of the polygon last drawn, or None.

    Hotspot features also arrive as ``last_active_drawing`` when clicked; they carry a
    ``hotspot_id`` property and are ignored here.
    """
    if not st_folium_result:
        return None
    feat = st_folium_result.get("last_active_drawing")
    if not isinstance(feat, Mapping):
        return None
    props = feat.get("properties") or {}
    geom = feat.get("geometry") or {}
    if props.get("hotspot_id") is not None or geom.get("type") != "Polygon":
        return None
    coords = geom.get("coordinates") or []
    return coords[0] if coords and len(coords[0]) >= 4 else None
