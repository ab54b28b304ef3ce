"""The street layer on the screen map: police.uk streets and their names, drawn offline.

Streets come from :func:`hotspots.present.streets.build_streets` (the dataset's own
location texts). Lines are one compact GeoJSON layer; names are written along them
by ``HotspotsLeaflet.streetLabels`` (``static/js/hotspots-map.js``) at street scale
only (zoom 15 and closer), busiest street first, never on top of one another.
The layer is on by default when the map has no tiles, and in the layer control
(off) when it has; it comes on by itself when the tiles fail to load (no network).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hotspots.present.map_elements import GeoJsonLayer, StreetFallback, StreetLabels, esc
from hotspots.present.map_geometry import TO_WGS84, to_wgs84_geoms
from hotspots.present.streets import NO_STREET_MAP, StreetLayer

if TYPE_CHECKING:
    import folium
    import shapely

__all__ = [
    "NO_STREET_MAP",
    "STREET_COLOUR",
    "STREET_LABEL_ZOOM",
    "add_streets",
    "street_label_payload",
]

STREET_COLOUR = "#8A8A8A"
STREET_LABEL_ZOOM = 15


def street_label_payload(
    layer: StreetLayer,
    *,
    every_m: float = 600.0,
    zoom: int = STREET_LABEL_ZOOM,
) -> dict[str, Any]:
    """Compact label data: escaped names once, then one entry per label.

    Each entry is ``[lat, lon, name index, angle]``, busiest street first.
    """
    lp = layer.label_points(every_m)
    names = list(dict.fromkeys(lp["street"]))
    index = {n: k for k, n in enumerate(names)}
    if len(lp):
        lon, lat = TO_WGS84.transform(lp.geometry.x.to_numpy(), lp.geometry.y.to_numpy())
    else:
        lon = lat = np.empty(0)
    rows = [
        [round(float(la), 5), round(float(lo), 5), index[s], round(a)]
        for la, lo, s, a in zip(lat, lon, lp["street"], lp["angle_deg"], strict=True)
    ]
    return {"t": [esc(n) for n in names], "a": rows, "z": int(zoom)}


_DRAWINGS: dict[tuple[int, int], tuple[StreetLayer, np.ndarray, dict[str, Any]]] = {}


def _drawing_of(layer: StreetLayer, label_zoom: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Return (street lines in WGS84, label payload) of ``layer``.

    Remembered for the last few layer objects: the same cached (and clipped) layer drawn again on a rerun is not
    reprojected and relabelled.
    """
    key = (id(layer), int(label_zoom))
    hit = _DRAWINGS.get(key)
    if hit is not None and hit[0] is layer:
        return hit[1], hit[2]
    s = layer.streets
    lines = s[s.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    wgs84 = to_wgs84_geoms(lines.geometry.values)
    payload = street_label_payload(layer, zoom=label_zoom)
    if len(_DRAWINGS) > 8:
        _DRAWINGS.clear()
    _DRAWINGS[key] = (layer, wgs84, payload)  # holding the layer keeps its id from being reused
    return wgs84, payload


def add_streets(
    m: folium.Map,
    layer: StreetLayer | None,
    *,
    show: bool,
    clip: shapely.Geometry | None = None,
    label_zoom: int = STREET_LABEL_ZOOM,
) -> Any:
    """Street lines and names (both shown when ``show``), names from zoom ``label_zoom``.

    ``clip``: only streets touching it (metres). Returns a
    :class:`~hotspots.present.map_layers.Drawn`.
    """
    from hotspots.present.map_layers import Drawn
    from hotspots.present.streets import streets_in

    if layer is None or not len(layer):
        return Drawn()
    if clip is not None:
        layer = streets_in(layer, clip)
    wgs84, payload = _drawing_of(layer, label_zoom)
    line_layer = GeoJsonLayer(
        wgs84, [{} for _ in range(len(wgs84))],
        name="Streets (from police.uk map points)", interactive=False, show=show,
        style={"color": STREET_COLOUR, "weight": 3, "opacity": 0.55, "lineCap": "round"},
    ).add_to(m)  # fmt: skip
    label_layer = StreetLabels(payload, show=show).add_to(m)
    if not show:  # tiles are set: the streets come on if they fail to load
        StreetFallback([line_layer, label_layer]).add_to(m)
    legend = (
        f'<div><span class="sw" style="border:0;height:3px;background:{STREET_COLOUR}"></span>'
        "Street (police.uk map points; names at street scale)</div>"
    )
    return Drawn(
        legend=(legend,),
        notes=(
            (
                f"Streets: {len(layer.names):,} street names from the data's own police.uk "
                "location texts (no background map needed)."
            ),
        ),
    )
