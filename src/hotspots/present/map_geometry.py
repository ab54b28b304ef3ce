"""Geometry for drawing: metres in, WGS84 degrees and compact integer encodings out.

Analysis happens in EPSG:27700 metres; the maps convert to WGS84 (and Web Mercator
for image overlays) only here. Geometries travel to the browser delta-encoded in
integer 1e-5 degrees (about 1 m), decoded by ``static/js/hotspots-map.js``.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from hotspots.data import schema as S
from hotspots.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "MERCATOR_TO_BNG",
    "MERCATOR_TO_WGS84",
    "TO_MERCATOR",
    "TO_WGS84",
    "LatLonBounds",
    "bounds_latlon",
    "check_metres",
    "encode_geometry",
    "int_coords",
    "to_wgs84_geoms",
]


class OneThreadTransformer:
    """A pyproj :class:`~pyproj.Transformer` that every caller uses on one long-lived thread.

    pyproj keeps a PROJ object per thread and builds it again in every new thread (a
    look-up in PROJ's database: 30-120 ms each), and Streamlit runs every rerun of a page
    in a new thread, so module-level transformers were rebuilt on every rerun (0.6 s of a
    Hotspot map rerun on a loaded machine). Here the transforms run on one worker thread,
    which keeps its PROJ objects for the life of the process; the hand-over costs
    microseconds. Only ``transform`` and ``transform_bounds`` are offered.
    """

    _pool: ThreadPoolExecutor | None = None
    _pool_pid = 0  # a forked child has no worker thread: it makes its own
    _pool_lock = threading.Lock()

    def __init__(self, crs_from: str, crs_to: str) -> None:
        self._args = (crs_from, crs_to)
        self._t: Transformer | None = None

    @classmethod
    def _worker(cls) -> ThreadPoolExecutor:
        with cls._pool_lock:
            if cls._pool is None or cls._pool_pid != os.getpid():
                cls._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hotspots-proj")
                cls._pool_pid = os.getpid()
            return cls._pool

    def _call(self, name: str, *args, **kwargs):
        def run():
            if self._t is None:
                self._t = Transformer.from_crs(*self._args, always_xy=True)
            return getattr(self._t, name)(*args, **kwargs)

        if threading.current_thread().name.startswith("hotspots-proj"):
            return run()  # already on the worker (a transform inside a transform)
        return self._worker().submit(run).result()

    def transform(self, *args, **kwargs):
        """:meth:`pyproj.Transformer.transform` (x, y in; x, y out)."""
        return self._call("transform", *args, **kwargs)

    def transform_bounds(self, *args, **kwargs):
        """:meth:`pyproj.Transformer.transform_bounds`."""
        return self._call("transform_bounds", *args, **kwargs)


# Web Mercator is what Leaflet draws in; an ImageOverlay is stretched linearly in it.
TO_WGS84 = OneThreadTransformer(S.CRS_METRES, S.CRS_DISPLAY)
TO_MERCATOR = OneThreadTransformer(S.CRS_METRES, "EPSG:3857")
MERCATOR_TO_BNG = OneThreadTransformer("EPSG:3857", S.CRS_METRES)
MERCATOR_TO_WGS84 = OneThreadTransformer("EPSG:3857", S.CRS_DISPLAY)

# [[south, west], [north, east]] in degrees; [[None, None], [None, None]] for nothing drawn.
LatLonBounds = list[list[float | None]]


def check_metres(gdf: Any, argument: str) -> gpd.GeoDataFrame:
    """``gdf`` itself if it is a GeoDataFrame in EPSG:27700, else an :class:`InputError`."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(argument, type(gdf).__name__, "a GeoDataFrame in EPSG:27700")
    if gdf.crs is None:
        raise InputError(argument, "a GeoDataFrame with no CRS", "a GeoDataFrame in EPSG:27700",
                         "Set the CRS with .set_crs('EPSG:27700') if the coordinates are metres.")  # fmt: skip
    if not gdf.crs.equals(S.CRS_METRES):
        raise InputError(argument, f"CRS {gdf.crs.to_string()}", f"CRS {S.CRS_METRES}",
                         f"Reproject with .to_crs('{S.CRS_METRES}').")  # fmt: skip
    return gdf


def to_wgs84_geoms(geoms: Sequence[Any] | np.ndarray, simplify_m: float = 0.0) -> np.ndarray:
    """Simplify (tolerance in metres, topology kept) and reproject to WGS84 degrees."""
    arr = np.asarray(list(geoms), dtype=object)
    if simplify_m > 0:
        arr = shapely.simplify(arr, simplify_m, preserve_topology=True)
    return shapely.transform(
        arr,
        lambda xy: np.column_stack(TO_WGS84.transform(xy[:, 0], xy[:, 1])),
    )


def bounds_latlon(geom: shapely.Geometry) -> list[list[float]]:
    """``[[south, west], [north, east]]`` degrees of a geometry in metres."""
    minx, miny, maxx, maxy = geom.bounds
    w, s, e, n = TO_WGS84.transform_bounds(minx, miny, maxx, maxy)
    return [[s, w], [n, e]]


def int_coords(xy: Any) -> np.ndarray:
    """Degrees as integers of 1e-5 degree (about 1 m)."""
    return np.round(np.asarray(xy, dtype="float64") * 1e5).astype(np.int64)


def encode_geometry(g: Any, origin: tuple[int, int]) -> tuple[str, list] | None:
    """Compact form of a WGS84 (Multi)Polygon / (Multi)LineString: rings of integer deltas.

    Coordinates are rounded to 1e-5 degree (about 1 m); each ring starts with its
    offset from ``origin`` and continues with differences between vertices. The kind
    is ``"P"`` (Polygon), ``"M"`` (MultiPolygon), ``"L"`` (LineString) or ``"N"``
    (MultiLineString); the polygons of a GeometryCollection are merged. None for an
    empty geometry.
    """

    def ring(coords: np.ndarray) -> list[int]:
        xy = int_coords(coords[:, :2])
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
        return encode_geometry(shapely.union_all(polys), origin) if polys else None
    raise InputError("geometry", kind, "polygons or lines")
