"""Offline-capable folium maps of records, density, hotspots and Gi* classes.

Everything the map needs is served by the app itself: Leaflet 1.9.4 is vendored
under ``static/vendor/`` and our Leaflet elements' JavaScript is in ``static/js/``,
both reached at ``/app/static/...`` (Streamlit's ``[server] enableStaticServing``).
No jQuery, Bootstrap, Font Awesome or plugin is loaded; no branca colormap is used
(streamlit-folium would fetch d3 from a CDN for one); legends are drawn by hand.
Tiles are a setting (:func:`resolve_tiles`). The BCP outline and ward boundaries are
always drawn so the map stays readable with no tile server.

The map is built from small parts, each in its own module:

* :mod:`~hotspots.present.map_assets`: asset URLs and paths, tiles, :func:`map_html`
  (with ``inline_assets`` a standalone page);
* :mod:`~hotspots.present.map_elements`: the folium/Leaflet elements
  (``static/js/hotspots-map.js``);
* :mod:`~hotspots.present.map_geometry`: metres to WGS84, compact geometry encoding;
* :mod:`~hotspots.present.map_layers`: base map, boundaries, area, records, legend;
* :mod:`~hotspots.present.map_density`: the KDE surface as an image overlay;
* :mod:`~hotspots.present.map_gistar`: Gi* class codes and their layer;
* :mod:`~hotspots.present.map_hotspots`: hotspot polygons, popups, rank numbers.

This module composes them (:func:`build_map`) and reads clicks back
(:func:`clicked_hotspot_id`); it re-exports the public names of the parts.

Inputs are GeoDataFrames and records in EPSG:27700 metres; they are converted to
WGS84 only for drawing. Every piece of text that comes from data or users
(locations, names, categories) is HTML-escaped before it reaches the page, and
reaches the scripts as JSON data.

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

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries, load_boundaries
from hotspots.errors import InputError
from hotspots.present.map_assets import (
    LEAFLET_VERSION,
    OSM_TILES,
    TileSpec,
    map_html,
    resolve_tiles,
    static_url,
    vendor_path,
    vendor_url,
)
from hotspots.present.map_density import DensityImage, add_density, density_overlay
from hotspots.present.map_elements import HotspotMap, MapControl, esc
from hotspots.present.map_geometry import bounds_latlon
from hotspots.present.map_gistar import add_gistar, classify_gistar
from hotspots.present.map_hotspots import add_hotspots
from hotspots.present.map_layers import (
    DATA_ATTRIBUTION,
    add_area,
    add_banner,
    add_base,
    add_boundaries,
    add_legend,
    add_points,
    area_geometry,
)
from hotspots.present.map_streets import NO_STREET_MAP, STREET_LABEL_ZOOM, add_streets

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from hotspots.present.streets import StreetLayer

__all__ = [
    "DATA_ATTRIBUTION",
    "LEAFLET_VERSION",
    "OSM_TILES",
    "DensityImage",
    "HotspotMap",
    "TileSpec",
    "build_map",
    "classify_gistar",
    "clicked_hotspot_id",
    "clicked_point",
    "density_overlay",
    "map_html",
    "resolve_tiles",
    "static_url",
    "vendor_path",
    "vendor_url",
]


STREETS_CLIP_M = 1000.0  # streets drawn up to this far outside BCP
_CLIPS: dict[int, tuple[shapely.Geometry, shapely.Geometry]] = {}


def _streets_clip(outline: shapely.Geometry) -> shapely.Geometry:
    """``outline`` buffered by :data:`STREETS_CLIP_M`, once per outline (0.2-0.6 s each time)."""
    hit = _CLIPS.get(id(outline))
    if hit is None or hit[0] is not outline:
        hit = (outline, outline.buffer(STREETS_CLIP_M))
        if len(_CLIPS) > 4:
            _CLIPS.clear()
        _CLIPS[id(outline)] = hit
    return hit[1]


def _check_whole(
    value: Any,
    argument: str,
    low: int,
    high: float,
    expected: str,
    hint: str = "",
) -> None:
    if (
        not isinstance(value, (int, np.integer))
        or isinstance(value, bool)
        or not low <= value <= high
    ):
        raise InputError(argument, value, expected, *((hint,) if hint else ()))


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
    streets: StreetLayer | None = None,
    street_label_zoom: int = STREET_LABEL_ZOOM,
    zoom_to: tuple[float, float, float, float] | None = None,
    label_keepout: list[tuple[str, int]] | None = None,
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

    streets : a :class:`~hotspots.present.streets.StreetLayer` (police.uk map points
        joined into streets): street lines and names at street scale, on by default
        when there are no tiles, in the layer control (off) when there are; names are
        written from zoom ``street_label_zoom`` (15: street scale). With no
        tiles and no streets, the map says "No street map available".

    zoom_to : ``(x0, y0, x1, y1)`` metres to fit the map to (a search result), before
        anything else.
    label_keepout : corners no rank number may cover, ``[("bottom right", 220)]``
        (pixels): where a printed sheet lays an inset over the map.

    Returns
    -------
    HotspotMap (a ``folium.Map``) whose ``notes`` list automatic choices.
    """
    _check_whole(height, "height", 100, 4000, "a whole number of pixels from 100 to 4000")
    _check_whole(max_locations, "max_locations", 1, float("inf"), "a positive whole number")
    if suppress_below is not None:
        _check_whole(
            suppress_below, "suppress_below", 2, float("inf"),
            "None or a whole number of 2 or more", "Usually 5.",
        )  # fmt: skip
    b = boundaries or load_boundaries()
    spec = resolve_tiles(tiles)
    area_geom, area_name = area_geometry(area)
    focus = area_geom if area_geom is not None and not area_geom.is_empty else b.outline
    fit = bounds_latlon(focus)
    m = HotspotMap(
        location=[(fit[0][0] + fit[1][0]) / 2, (fit[0][1] + fit[1][1]) / 2],
        zoom_start=12,
        tiles=None,
        height=f"{int(height)}px",
        prefer_canvas=prefer_canvas,
        control_scale=True,
        maxZoom=spec.max_zoom,
        zoomSnap=0.25,
        zoom_control=bool(controls),
    )
    # Drawing order is layer order: density beneath, hotspots on top (a click inside one
    # opens its details); the legend lists the layers in the same order.
    drawn = [add_base(m, spec, controls=controls)]
    if density is not None:
        drawn.append(add_density(m, density, palette=density_palette, label=density_label))
    drawn.append(add_boundaries(m, b))
    drawn.append(
        add_streets(
            m,
            streets,
            show=spec.url is None,
            clip=_streets_clip(b.outline),
            label_zoom=street_label_zoom,
        ),
    )
    if spec.url is None and (streets is None or not len(streets)):
        MapControl(esc(NO_STREET_MAP), position="bottomleft", css_class="hs-nostreets").add_to(m)
    if gistar is not None:
        drawn.append(add_gistar(m, gistar, show_nonsignificant=show_nonsignificant))
    drawn.append(add_area(m, area_geom, area_name))
    if points is not None:
        if simulated is None and S.SIMULATED in points.columns:
            simulated = bool(points[S.SIMULATED].fillna(False).astype(bool).any())
        drawn.append(
            add_points(m, points, max_locations=max_locations, suppress_below=suppress_below),
        )
    if hotspots is not None:
        drawn.append(
            add_hotspots(
                m, hotspots, suppress_below=suppress_below, selected=selected, labels=labels,
                max_labels=max_labels, controls=controls, fit_to_hotspots=fit_to_hotspots,
                zoom_to_selected=zoom_to_selected, label_keepout=label_keepout,
            ),
        )  # fmt: skip
    if simulated:
        add_banner(m)
    add_legend(m, [e for d in drawn for e in d.legend], controls=controls)
    fits = [d.fit for d in drawn if d.fit is not None]
    if zoom_to is not None:
        fits.append(bounds_latlon(shapely.box(*zoom_to)))
    m.fit_bounds(fits[-1] if fits else fit, padding=(8, 8))
    if controls:
        folium.LayerControl(position="topright", collapsed=True).add_to(m)
    m.notes = tuple(n for d in drawn for n in d.notes)
    return m


def clicked_point(st_folium_result: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """``(lon, lat)`` of the location circle (records at a map point) last clicked, or None.

    A location feature is a GeoJSON point whose properties hold ``location`` and
    ``count`` (:class:`~hotspots.present.map_elements.LocationCountLayer`); streamlit-folium
    reports it as ``last_active_drawing``.
    """
    if not st_folium_result:
        return None
    feat = st_folium_result.get("last_active_drawing")
    if not isinstance(feat, Mapping):
        return None
    geom, props = feat.get("geometry") or {}, feat.get("properties") or {}
    if geom.get("type") != "Point" or "location" not in props:
        return None
    try:
        lon, lat = (float(v) for v in (geom.get("coordinates") or [])[:2])
    except (TypeError, ValueError):
        return None
    return lon, lat


# --- clicks and HTML ------------------------------------------------------------------------------
_POPUP_ID = re.compile(r"Hotspot ID\s*(\d+)")


def clicked_hotspot_id(st_folium_result: Mapping[str, Any] | None) -> int | None:
    """Return the ``hotspot_id`` of the hotspot last clicked on a map from :func:`build_map`.

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
