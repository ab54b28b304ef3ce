"""A street layer with no network: police.uk's own location texts, joined into lines.

Every police.uk map point carries a street text ("On or near Old Christchurch Road").
The points that share a street name and lie near one another are one street: joined
in order along the street's main direction they draw its line, and the name is
written along it. With the gazetteer's named places this gives a reader street
context on a screen map with no tiles, on the pack's map page and on the patrol
sheet, with nothing fetched.

Generic police.uk labels ("Supermarket", "Parking Area", "Sports/Recreation Area")
are not streets: they are left out (:func:`street_name`).

Inputs and outputs are in EPSG:27700 metres.

References
----------
Home Office / police.uk, "About the data: location anonymisation"
(https://data.police.uk/about/#anonymisation): each crime is mapped to the centre
of a street or a public place near it, from a master list of map points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from hotspots.data import schema as S
from hotspots.errors import InputError

__all__ = [
    "GENERIC_LOCATIONS",
    "NO_STREET_MAP",
    "StreetLayer",
    "build_streets",
    "street_name",
    "streets_in",
]

#: what a map with neither tiles nor streets says (screen map, pack, patrol sheet)
NO_STREET_MAP = "No street map available: no tile server is set and no street names are loaded."

#: police.uk's generic map-point labels: places, not streets (seen in the bundled months)
GENERIC_LOCATIONS = frozenset(
    s.lower()
    for s in (
        "Parking Area", "Sports/Recreation Area", "Supermarket", "Petrol Station",
        "Shopping Area", "Park/Open Space", "Pedestrian Subway", "Hospital", "Nightclub",
        "Bus/Coach Station", "Theatre/Concert Hall", "Further/Higher Educational Building",
        "Police Station", "Ferry Terminal", "Conference/Exhibition Centre", "Airport/Airfield",
        "Train Station", "Prison", "No Location", "Unknown Location", "Nightclub Area",
    )
)  # fmt: skip
_PREFIX = re.compile(r"^\s*on or near\s+", re.IGNORECASE)
_COLUMNS = ["street", "n_points", "count", "length_m", "geometry"]


def street_name(location: object) -> str | None:
    """Return the street of a police.uk location text, or None for a generic or empty one.

    >>> street_name("On or near Old Christchurch Road")
    'Old Christchurch Road'
    >>> street_name("On or near Parking Area") is None
    True
    """
    if not isinstance(location, str):
        return None
    name = _PREFIX.sub("", location).strip()
    if not name or "/" in name or name.lower() in GENERIC_LOCATIONS:
        return None
    return name


@dataclass(frozen=True)
class StreetLayer:
    """Streets drawn from police.uk map points (EPSG:27700).

    Attributes
    ----------
    streets : one row per street piece: ``street`` (name), ``n_points`` (map points
        joined), ``count`` (records at them), ``length_m`` and ``geometry`` (a
        LineString through the points in order; a Point for a one-point street).
        Busiest first.
    join_m : map points of one name further apart than this (metres) start a new
        piece (two "Station Road"s in two towns stay two streets).
    n_locations : map points read; ``n_generic`` of them had no street name.
    """

    streets: gpd.GeoDataFrame
    join_m: float
    n_locations: int
    n_generic: int

    def __len__(self) -> int:
        """Return the number of streets."""
        return len(self.streets)

    @property
    def names(self) -> list[str]:
        """The distinct street names, busiest first."""
        return list(dict.fromkeys(self.streets["street"]))

    def label_points(self, every_m: float = 600.0) -> gpd.GeoDataFrame:
        """Where to write each street's name: its middle, and every ``every_m`` along long streets.

        Columns ``street``, ``count``, ``angle_deg`` (text direction, -90..90, counter-clockwise
        from east) and ``geometry`` (points).
        """
        rows = []
        for street, count, geom in zip(
            self.streets["street"],
            self.streets["count"],
            self.streets.geometry,
            strict=True,
        ):
            if geom.geom_type == "Point":
                rows.append((street, int(count), 0.0, geom))
                continue
            n = max(1, int(geom.length // every_m))
            for k in range(n):
                d = geom.length * (k + 0.5) / n
                a, b = (
                    geom.interpolate(max(0.0, d - 40)),
                    geom.interpolate(min(geom.length, d + 40)),
                )
                ang = float(np.degrees(np.arctan2(b.y - a.y, b.x - a.x)))
                ang = ang - 180 if ang > 90 else ang + 180 if ang < -90 else ang
                rows.append((street, int(count), ang, geom.interpolate(d)))
        return gpd.GeoDataFrame(
            pd.DataFrame(rows, columns=["street", "count", "angle_deg", "geometry"]),
            geometry="geometry",
            crs=S.CRS_METRES,
        )


def _order(xy: np.ndarray) -> np.ndarray:
    """Indexes of points in order along their main direction (first principal axis)."""
    if len(xy) < 3:
        return np.argsort(xy[:, 0] + xy[:, 1], kind="stable")
    c = xy - xy.mean(axis=0)
    _, _, vt = np.linalg.svd(c, full_matrices=False)
    return np.argsort(c @ vt[0], kind="stable")


def build_streets(locations: pd.DataFrame, *, join_m: float = 350.0) -> StreetLayer:
    """Join police.uk map points that share a street name into street lines.

    Parameters
    ----------
    locations : records or a location table with ``x``, ``y`` (metres), ``location``
        and optionally ``count`` (records at the point; 1 per row if absent).
    join_m : the largest gap (metres) between neighbouring map points of one street;
        points of one name form one piece per connected group at this distance
        (single linkage). police.uk points along a street are usually 50–250 m apart.

    Returns
    -------
    StreetLayer, busiest street first. O(n log n) in the number of map points.
    """
    missing = [c for c in (S.X, S.Y, S.LOCATION) if c not in locations.columns]
    if missing:
        raise InputError("locations", f"columns {list(locations.columns)}", "x, y and location")
    if not (isinstance(join_m, (int, float)) and 0 < join_m <= 5000):
        raise InputError("join_m", join_m, "a distance in metres from 0 to 5000")
    counts = (
        locations[S.COUNT].to_numpy(dtype=np.int64)
        if S.COUNT in locations.columns
        else np.ones(len(locations), dtype=np.int64)
    )
    df = pd.DataFrame(
        {
            "x": locations[S.X].to_numpy(dtype="float64"),
            "y": locations[S.Y].to_numpy(dtype="float64"),
            "street": [street_name(t) for t in locations[S.LOCATION].astype(object)],
            "n": counts,
        },
    )
    df = df[np.isfinite(df["x"]) & np.isfinite(df["y"])]
    # one row per map point and name
    pts = df.groupby(["street", "x", "y"], sort=False, dropna=False)["n"].sum().reset_index()
    n_locations = len(pts)
    named = pts[pts["street"].notna()].reset_index(drop=True)
    xy = named[["x", "y"]].to_numpy()
    code, uniq = pd.factorize(named["street"])
    n = named["n"].to_numpy()
    # one graph for all streets: an edge joins two points of one name within join_m
    pairs = (
        cKDTree(xy).query_pairs(join_m, output_type="ndarray") if len(xy) else np.empty((0, 2), int)
    )
    pairs = pairs[code[pairs[:, 0]] == code[pairs[:, 1]]]
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(xy), len(xy)))
    _, piece = connected_components(adj, directed=False)
    order = np.argsort(piece, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(piece[order]) != 0])
    rows = []
    for a, b in zip(starts, np.r_[starts[1:], len(order)], strict=True):
        idx = order[a:b]
        part = xy[idx]
        if len(part) == 1:
            geom: shapely.Geometry = shapely.Point(part[0])
        else:
            geom = shapely.LineString(part[_order(part)])
        rows.append(
            (str(uniq[code[idx[0]]]), len(idx), int(n[idx].sum()), float(geom.length), geom),
        )
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out = out.sort_values(["count", "street"], ascending=[False, True], kind="stable")
    gdf = gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=S.CRS_METRES)
    return StreetLayer(gdf, float(join_m), n_locations, int(pts["street"].isna().sum()))


_CLIPPED: dict[tuple[int, int], tuple[StreetLayer, shapely.Geometry, StreetLayer]] = {}


def streets_in(layer: StreetLayer, geom: shapely.Geometry) -> StreetLayer:
    """Return the streets of ``layer`` that touch ``geom`` (metres), clipped to it.

    Remembered for the last few (layer, geometry) objects: a map drawn again on the same
    cached layer and the same clip (every rerun of the Hotspot map) does not clip again.
    """
    key = (id(layer), id(geom))
    hit = _CLIPPED.get(key)
    if hit is not None and hit[0] is layer and hit[1] is geom:
        return hit[2]
    out = _clip_streets(layer, geom)
    if len(_CLIPPED) > 8:
        _CLIPPED.clear()
    _CLIPPED[key] = (layer, geom, out)  # holding both keeps their ids from being reused
    return out


def _clip_streets(layer: StreetLayer, geom: shapely.Geometry) -> StreetLayer:
    s = layer.streets
    hit = s[s.intersects(geom)].copy()
    hit["geometry"] = hit.geometry.intersection(geom)
    hit = hit[~hit.geometry.is_empty]
    # clipping may split a line: keep its parts together as one MultiLineString
    return StreetLayer(hit.reset_index(drop=True), layer.join_m, layer.n_locations, layer.n_generic)
