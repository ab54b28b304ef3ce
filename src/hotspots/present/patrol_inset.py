"""The patrol sheet's inset: the tightest clump of places again, at street scale.

On a sheet whose places span BCP, a clump of places in one town centre prints as a
knot of numbers. The inset draws that clump again at street scale as inline SVG
(:func:`hotspots.present.map_svg.vector_map_svg`: streets named from the data's own
police.uk locations, the places' outlines and their numbers, labels never on top of
one another), in a corner of the main map that holds no place.

Where the main map puts each place is worked out the way Leaflet fits bounds
(Web Mercator pixels at the largest zoom, in quarter steps, that fits the places with
their 250 m margin and 8 px padding), so the corner can be chosen before printing; a
browser test measures the printed page to check it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from hotspots.data import schema as S
from hotspots.present.map_geometry import TO_WGS84
from hotspots.present.map_svg import vector_map_svg

if TYPE_CHECKING:
    from hotspots.data.boundaries import Boundaries
    from hotspots.present.map_assets import TileSpec
    from hotspots.present.streets import StreetLayer
    from hotspots.present.tiles import TileCache

__all__ = ["INSET_PX", "Inset", "clump", "leaflet_pixels", "patrol_inset", "sheet_tiles"]

INSET_PX = 300  # the inset's largest width and height on the sheet
INSET_SIZES = (300, 260, 220, 180)  # tried in turn until a corner is free
CLUMP_M = 600.0  # places closer than this (single linkage) form one clump


@dataclass(frozen=True)
class Inset:
    """An inset: its SVG, the corner it sits in (``"bottom right"``, ...), the ranks it shows.

    Also its extent in metres and its size in pixels.
    """

    svg: str
    corner: str
    ranks: tuple[int, ...]
    bounds: tuple[float, float, float, float]
    size_px: int = INSET_PX


def clump(points: np.ndarray, within_m: float = CLUMP_M) -> np.ndarray:
    """Indexes of the largest group of points (metres) joined at ``within_m`` (single linkage)."""
    if len(points) == 0:
        return np.empty(0, dtype=np.int64)
    pairs = cKDTree(points).query_pairs(within_m, output_type="ndarray")
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(points),) * 2)
    _, lab = connected_components(adj, directed=False)
    big = np.bincount(lab).argmax()
    return np.flatnonzero(lab == big)


def _merc(lon: np.ndarray, lat: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    s = 256 * 2**z
    x = (lon + 180) / 360 * s
    r = np.radians(lat)
    y = (1 - np.log(np.tan(r) + 1 / np.cos(r)) / math.pi) / 2 * s
    return x, y


def leaflet_pixels(
    fit: shapely.Geometry,
    xy: np.ndarray,
    size: tuple[int, int],
    padding: int = 8,
) -> np.ndarray:
    """Pixel positions in a ``size`` map of points ``xy`` (metres) after Leaflet's ``fitBounds``.

    ``fitBounds(fit, padding)`` with ``zoomSnap`` 0.25, as :func:`build_map` sets.
    """
    x0, y0, x1, y1 = fit.bounds
    w, s, e, n = TO_WGS84.transform_bounds(x0, y0, x1, y1)
    bx, by = _merc(np.array([w, e]), np.array([n, s]), 0)
    dx, dy = abs(bx[1] - bx[0]), abs(by[1] - by[0])
    avail_w, avail_h = size[0] - 2 * padding, size[1] - 2 * padding
    z = math.log2(min(avail_w / max(dx, 1e-12), avail_h / max(dy, 1e-12)))
    z = math.floor(z * 4) / 4
    cx, cy = _merc(np.array([(w + e) / 2]), np.array([0.0]), z)
    _, cy_n = _merc(np.array([0.0]), np.array([n]), z)
    _, cy_s = _merc(np.array([0.0]), np.array([s]), z)
    cy = (cy_n + cy_s) / 2
    lon, lat = TO_WGS84.transform(xy[:, 0], xy[:, 1])
    px, py = _merc(np.asarray(lon), np.asarray(lat), z)
    return np.column_stack([px - cx + size[0] / 2, py - cy + size[1] / 2])


def patrol_inset(
    places: Any,
    *,
    boundaries: Boundaries,
    streets: StreetLayer | None,
    map_px: tuple[int, int],
    fit_margin_m: float = 250.0,
    min_places: int = 3,
    tiles: TileSpec | None = None,
    cache: TileCache | None = None,
    api_key: str | None = None,
) -> Inset | None:
    """Return the inset for ``places`` (EPSG:27700, with ``rank``), or None.

    None when no clump of ``min_places`` is much smaller than the whole map or no corner of the main map is
    free of places. With ``tiles`` (a tile server) the inset's tiles are fetched
    (:func:`hotspots.present.tiles.fetch_background`, cached) and drawn under it.
    """
    if len(places) < min_places:
        return None
    geoms = list(places.geometry.values)
    pts = np.array([[p.x, p.y] for p in shapely.point_on_surface(geoms)])
    idx = clump(pts)
    if len(idx) < min_places:
        return None
    fit = shapely.union_all(geoms).buffer(fit_margin_m)
    cx0, cy0, cx1, cy1 = shapely.union_all([geoms[k] for k in idx]).buffer(120.0).bounds
    fx0, fy0, fx1, fy1 = fit.bounds
    side = max(cx1 - cx0, cy1 - cy0, 500.0)
    if side * 2.5 > max(fx1 - fx0, fy1 - fy0):
        return None  # the main map is already at about street scale
    mx, my = (cx0 + cx1) / 2, (cy0 + cy1) / 2
    bounds = (mx - side / 2, my - side / 2, mx + side / 2, my + side / 2)
    px = leaflet_pixels(fit, pts, map_px)
    w, h = map_px
    margin = 18  # half a rank label and a little room around each place
    corner, size = None, INSET_PX
    for size in INSET_SIZES:
        corners = {
            "bottom right": (w - size, h - size),
            "bottom left": (0, h - size),
            "top right": (w - size, 0),
            "top left": (0, 0),
        }
        for name, (x, y) in corners.items():
            inside = (
                (px[:, 0] > x - margin) & (px[:, 0] < x + size + margin)
                & (px[:, 1] > y - margin) & (px[:, 1] < y + size + margin)
            )  # fmt: skip
            if not inside.any():
                corner = name
                break
        if corner is not None:
            break
    if corner is None:
        return None
    ranks = [int(places[S.RANK].iloc[k]) for k in idx]
    spots = [(geoms[k], r, "#F5B58A") for k, r in zip(idx, ranks, strict=True)]
    bg = None
    if tiles is not None and tiles.url is not None:
        from hotspots.present.tiles import fetch_background

        bg = fetch_background(tiles, bounds, (2 * size, 2 * size), cache=cache, api_key=api_key)
    svg, _ = vector_map_svg(
        bounds=bounds, w=size, h=size, boundaries=boundaries, hotspots=spots,
        streets=streets, street_names="all", places=True, rank_r=8.0,
        label="Inset: the clump of places at street scale", css_class="ps-inset-map",
        background=bg,
    )  # fmt: skip
    return Inset(svg, corner, tuple(sorted(ranks)), bounds, size)


def sheet_tiles(
    m: Any,
    places: Any,
    tiles: TileSpec | None,
    map_px: tuple[int, int],
    *,
    fit_margin_m: float = 250.0,
    cache: TileCache | None = None,
    api_key: str | None = None,
) -> str:
    """Put the tile server's tiles under the patrol sheet's Leaflet map ``m``.

    As one image (the Web Mercator mosaic, fetched once and cached, with no key in it) in
    Leaflet's tile pane, and "Background map: © ..." in the map's attribution line;
    when the server fails, a note on the map says so. Returns that sentence (empty
    with no tile server set).
    """
    if tiles is None or tiles.url is None or not len(places):
        return ""
    import folium

    from hotspots.present.escape import html as esc
    from hotspots.present.map_elements import Attribution, MapControl, script_json
    from hotspots.present.tiles import fetch_background, fit_extent

    fit = shapely.union_all(list(places.geometry.values)).buffer(fit_margin_m)
    x0, y0, x1, y1 = fit_extent(fit.bounds, *map_px)
    pad_x, pad_y = 0.1 * (x1 - x0), 0.1 * (y1 - y0)  # Leaflet's padding and zoom snap
    bounds = (x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y)
    bg = fetch_background(tiles, bounds, map_px, cache=cache, api_key=api_key, mercator=True)
    if not bg.ok or bg.latlng is None:
        MapControl(esc(bg.note), position="bottomleft", css_class="hs-nostreets").add_to(m)
        return bg.note
    folium.raster_layers.ImageOverlay(
        image=bg.data_uri(), bounds=[list(bg.latlng[0]), list(bg.latlng[1])],
        pane="tilePane", interactive=False, name="Background map",
    ).add_to(m)  # fmt: skip
    text = f"Background map: {bg.attribution}"
    Attribution(esc(text)).add_to(m)  # in the map's attribution line, printed with it
    nostreets = script_json("hs-nostreets")  # the map has a street map now: drop "No street map"
    for name, child in list(m._children.items()):
        if isinstance(child, MapControl) and child.css_class_js == nostreets:
            del m._children[name]
    return text
