"""Small layer functions that :func:`hotspots.present.maps.build_map` composes.

Each ``add_*`` function draws one thing on a folium map and returns a :class:`Drawn`:
the legend entries (safe HTML) and notes it adds, and bounds to fit the map to, if
any. Here: the base map (tiles, attribution, fullscreen), boundaries, the area of
interest, records at locations, and the legend and banner controls. The density
surface, Gi* classes and hotspot polygons are in :mod:`~hotspots.present.map_density`,
:mod:`~hotspots.present.map_gistar` and :mod:`~hotspots.present.map_hotspots`.
Inputs are in EPSG:27700 metres; text from data is escaped before it is drawn.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.present import palettes as P
from hotspots.present.map_elements import (
    MAP_CSS,
    Attribution,
    Fullscreen,
    GeoJsonLayer,
    LocationCountLayer,
    MapControl,
    esc,
)
from hotspots.present.map_geometry import (
    TO_WGS84,
    LatLonBounds,
    check_metres,
    int_coords,
    to_wgs84_geoms,
)
from hotspots.present.tables import format_count, location_counts

if TYPE_CHECKING:
    from hotspots.data.boundaries import Boundaries
    from hotspots.present.map_assets import TileSpec

__all__ = [
    "BOUNDARY_SIMPLIFY_M",
    "DATA_ATTRIBUTION",
    "Drawn",
    "add_area",
    "add_banner",
    "add_base",
    "add_boundaries",
    "add_legend",
    "add_points",
    "area_geometry",
    "boundary_layers",
    "location_table",
    "marker_radius",
    "points_payload",
]

DATA_ATTRIBUTION = (
    "Crime data: data.police.uk (OGL v3.0); boundaries: ONS, © Crown copyright (OGL v3.0)"
)
# Boundaries are generalised already (ONS BGC); 5 m more keeps lines within a pixel
# up to zoom 15 and trims the payload.
BOUNDARY_SIMPLIFY_M = 5.0
LOCATION_PREFIX = "On or near "


@dataclass(frozen=True)
class Drawn:
    """What a layer function added besides its layer.

    Attributes
    ----------
    legend : legend entries, safe HTML, in drawing order.
    notes : sentences about automatic choices (for ``HotspotMap.notes``).
    fit : ``[[south, west], [north, east]]`` to fit the map to, or None.
    """

    legend: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fit: list[list[float]] | None = None


# --- base -----------------------------------------------------------------------------
def add_base(m: folium.Map, spec: TileSpec, *, controls: bool) -> Drawn:
    """Our stylesheet, the tile layer (if any), the attribution and the fullscreen button."""
    m.get_root().header.add_child(folium.Element(MAP_CSS), name="hotspots_css")  # type: ignore[attr-defined]
    notes = []
    if spec.url is None:
        notes.append("No background tiles (offline): ward boundaries only.")
    else:
        # a {key} in the template is filled by Leaflet from the layer's options: the
        # browser fetches the tiles, so the screen map (unlike a printed one) holds the key
        key: dict[str, Any] = (
            {"key": os.environ.get("HOTSPOTS_TILES_KEY", "")} if "{key}" in spec.url else {}
        )
        folium.TileLayer(
            tiles=spec.url,
            attr=spec.attribution,
            name=spec.name,
            max_zoom=spec.max_zoom,
            control=False,
            **key,
        ).add_to(m)
    Attribution(esc(DATA_ATTRIBUTION)).add_to(m)
    if controls:
        Fullscreen().add_to(m)
    return Drawn(notes=tuple(notes))


# --- boundaries -----------------------------------------------------------------------
_boundary_cache: dict[int, tuple[Boundaries, np.ndarray, list[str], np.ndarray]] = {}


def boundary_layers(b: Boundaries) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(ward geometries in WGS84, escaped ward names, outline geometry in WGS84), cached."""
    hit = _boundary_cache.get(id(b))
    if hit is not None and hit[0] is b:
        return hit[1], hit[2], hit[3]
    wards = to_wgs84_geoms(b.wards.geometry.values, BOUNDARY_SIMPLIFY_M)
    names = [esc(n) for n in b.wards[S.WARD_NAME]]
    outline = to_wgs84_geoms([b.outline], BOUNDARY_SIMPLIFY_M)
    _boundary_cache[id(b)] = (b, wards, names, outline)
    return wards, names, outline


def add_boundaries(m: folium.Map, b: Boundaries) -> Drawn:
    """Ward boundaries (names as tooltips) and the BCP outline: thin lines, always drawn."""
    ward_geoms, ward_names, outline_geom = boundary_layers(b)
    GeoJsonLayer(
        ward_geoms, [{"ward": n} for n in ward_names], name="Wards", tooltips=[n + " ward" for n in ward_names],
        style={"color": P.BOUNDARY_COLOUR, "weight": 1, "opacity": 0.8, "fill": True, "fillOpacity": 0},
    ).add_to(m)  # fmt: skip
    GeoJsonLayer(
        outline_geom, [{}], name="BCP boundary", interactive=False,
        style={"color": P.BOUNDARY_COLOUR, "weight": 2.5, "opacity": 0.9, "fill": False},
    ).add_to(m)  # fmt: skip
    return Drawn()


# --- area of interest -------------------------------------------------------------------
def area_geometry(area: Any) -> tuple[shapely.Geometry | None, str | None]:
    """(geometry in metres, name) of an Area, a shapely geometry or a GeoDataFrame; None: none."""
    if area is None:
        return None, None
    if isinstance(area, gpd.GeoDataFrame):
        return shapely.union_all(check_metres(area, "area").geometry.values), "Area"
    if isinstance(area, shapely.Geometry):
        return area, "Area"
    if hasattr(area, "geometry"):
        return area.geometry, getattr(area, "name", "Area")
    raise InputError("area", type(area).__name__, "an Area, a shapely geometry or a GeoDataFrame")


def add_area(m: folium.Map, geom: shapely.Geometry | None, name: str | None) -> Drawn:
    """Return the area of interest as a dashed outline, with its (escaped) name in the legend."""
    if geom is None or geom.is_empty:
        return Drawn()
    GeoJsonLayer(
        to_wgs84_geoms([geom]), [{"name": esc(name)}], name=esc(f"Area: {name}"), interactive=False,
        style={"color": P.AREA_OUTLINE, "weight": 2, "dashArray": "6 4", "fill": False},
    ).add_to(m)  # fmt: skip
    return Drawn(
        legend=(
            (
                f'<div><span class="sw" style="border:2px dashed {P.AREA_OUTLINE};background:none"></span>'
                f"{esc(name)}</div>"
            ),
        ),
    )


# --- records at locations ----------------------------------------------------------------
def location_table(points: pd.DataFrame) -> pd.DataFrame:
    """``x, y, location, count`` per location, largest first.

    Records are counted (:func:`hotspots.present.tables.location_counts`), a location table is taken
    as it is.
    """
    if S.COUNT in points.columns and S.CATEGORY not in points.columns:
        locs = points[[S.X, S.Y, S.LOCATION, S.COUNT]]
        return locs.sort_values(S.COUNT, ascending=False, kind="stable")
    return location_counts(points)


def marker_radius(count: int, nmax: int, r0: float = 2.0, r1: float = 16.0) -> int:
    """Marker radius in pixels, as drawn in the browser (area proportional to count)."""
    return round(r0 + (r1 - r0) * math.sqrt(max(count, 1) / max(nmax, 1)))


def points_payload(
    locs: pd.DataFrame,
    max_locations: int,
    suppress_below: int | None,
) -> tuple[dict[str, Any], LatLonBounds, list[str]]:
    """Return the points layer's compact columns, its bounds and its notes.

    The columns are for :class:`~hotspots.present.map_elements.LocationCountLayer`. Above ``max_locations`` the locations with the fewest
    records are left off (and a note says so); counts below ``suppress_below`` are
    sent as 0 ("fewer than k").
    """
    notes: list[str] = []
    total = len(locs)
    counts = locs[S.COUNT].to_numpy().astype(np.int64)
    if total > max_locations:
        # Smallest k such that at most max_locations locations have count >= k.
        k = int(np.sort(counts)[::-1][max_locations]) + 1
        keep = counts >= k
        notes.append(
            f"Records layer: {int((~keep).sum()):,} of {total:,} locations with fewer than {k} "
            f"records each ({int(counts[~keep].sum()):,} records) are left off the map to keep it fast.",
        )
        locs, counts = locs[keep], counts[keep]
    lon, lat = TO_WGS84.transform(locs[S.X].to_numpy(), locs[S.Y].to_numpy())
    ilon, ilat = int_coords(lon), int_coords(lat)
    order = np.lexsort((ilat, ilon))
    ilon, ilat, counts = ilon[order], ilat[order], counts[order]
    labels = locs[S.LOCATION].astype("string").fillna("Unknown location").to_numpy()[order]
    prefixed = np.array([str(t).startswith(LOCATION_PREFIX) for t in labels], dtype=bool)
    short = [
        esc(str(t)[len(LOCATION_PREFIX) :] if p else str(t))
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
        "p": LOCATION_PREFIX,
        "nmax": int(max(1, counts.max())) if len(counts) else 1,
        "s": int(suppress_below or 0),
        "r0": 2,
        "r1": 16,
        "c": P.POINT_COLOUR,
    }
    bounds: LatLonBounds = [[None, None], [None, None]]
    if len(ilon):
        bounds = [
            [float(np.min(lat)), float(np.min(lon))],
            [float(np.max(lat)), float(np.max(lon))],
        ]
    return payload, bounds, notes


def add_points(
    m: folium.Map,
    points: pd.DataFrame,
    *,
    max_locations: int,
    suppress_below: int | None,
) -> Drawn:
    """Return records (or a location table) as ONE layer of circles at distinct locations."""
    locs = location_table(points)
    if not len(locs):
        return Drawn()
    payload, pbounds, notes = points_payload(locs, int(max_locations), suppress_below)
    LocationCountLayer(payload, name="Records at locations", bounds=pbounds).add_to(m)
    nmax = payload["nmax"]
    sizes = sorted({1, max(1, nmax // 10), nmax})

    def circle(s: int) -> str:
        r = marker_radius(s, nmax)
        return (
            f'<span style="display:inline-block;margin-right:6px">'
            f'<svg width="{2 * r + 2}" height="{2 * r + 2}" style="vertical-align:middle">'
            f'<circle cx="{r + 1}" cy="{r + 1}" r="{r}" fill="{P.POINT_COLOUR}" '
            f'fill-opacity="0.45" stroke="{P.POINT_COLOUR}"/></svg> '
            f"{esc(format_count(s, suppress_below))}</span>"
        )

    legend = "<h4>Records at a location</h4>" + "".join(circle(s) for s in sizes)
    return Drawn(legend=(legend,), notes=tuple(notes))


# --- controls -----------------------------------------------------------------------------
def add_banner(m: folium.Map, text: str = "SIMULATED DATA") -> Drawn:
    """Return a banner at the top left (``text`` must be safe HTML)."""
    MapControl(text, position="topleft", css_class="hs-banner").add_to(m)
    return Drawn()


def add_legend(m: folium.Map, entries: list[str] | tuple[str, ...], *, controls: bool) -> Drawn:
    """Return the legend box (bottom right) of the entries, with the police.uk caveat.

    With ``controls`` it is collapsible and starts closed on narrow maps (phones).
    """
    if not entries:
        return Drawn()
    body = "".join(entries) + (
        '<div style="max-width:190px;color:#555;margin-top:3px">police.uk points are '
        "anonymised map points, not addresses</div>"
    )
    if controls:
        body = f"<details open><summary>Legend</summary>{body}</details>"
    MapControl(body, position="bottomright").add_to(m)
    return Drawn()
