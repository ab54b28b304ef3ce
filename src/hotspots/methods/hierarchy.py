"""Street-sized hotspots inside district-sized ones: splitting a hotspot at its density valleys.

Every method's hotspots pass through :func:`add_children` (called by
:func:`hotspots.methods.detect.detect`). A hotspot larger than
:data:`SPLIT_AREA_KM2` (0.25 km²) or holding more than :data:`SPLIT_PLACES` (two)
gazetteer places is a *district*: a patrol cannot stand in it. It is split at the
valleys of its own record density into *children*, each the crest of one peak:

1. **Density at each map point.** All work is on the distinct police.uk map points
   inside the parent, weighted by their records. The density at a map point is the
   record-weighted quartic kernel sum over the map points within
   :data:`DENSITY_RADIUS_M` (100 m, about one and a half snap-point spacings: a
   street's length, small enough to see the gap between the Square and the
   Lansdowne, large enough to smooth police.uk's snapping).
2. **Peaks and valleys (ToMATo).** Map points are linked to the others within
   :data:`LINK_M`; taken densest first, each joins the peak of its densest linked
   neighbour (a hill-climbing forest). Where two peaks' basins meet, the lower peak
   survives as its own hotspot only if it stands clear of the meeting point (the
   *saddle*): on the square-root scale, where Poisson counts have a standard
   deviation of about 1/2, ``sqrt(peak) - sqrt(saddle) >= PROMINENCE_SQRT`` (1.0,
   about two standard deviations of the difference). Otherwise it merges into the
   higher. This is topological mode analysis (Chazal et al. 2013): the persistence
   of a peak is exactly its height above the saddle, so small bumps merge and real
   valleys split.
3. **The crest of each peak.** A child holds the map points of its basin whose
   density is above both the highest saddle the peak meets and half the peak
   (the half-maximum contour, a standard peak width), so a child is the street round
   a peak, not the whole basin. Crests with fewer than :data:`CHILD_MIN_RECORDS`
   records or under :data:`CHILD_MIN_SHARE` of the parent's are dropped. A crest is
   drawn as its map points buffered by :data:`CHILD_BUFFER_M` and cut to the parent.

Why not the alternatives: re-running DBSCAN with a smaller eps inside the parent
fragments chains of map points ~30–75 m apart into many bits or none, with no
notion of a valley; scikit-learn's HDBSCAN and OPTICS take no sample weights and
degenerate on police.uk's many records at one map point; a grid density surface
splits on cell edges. Peaks of a kernel density over the weighted map points need
no grid and are stable when months are added (a peak keeps its map point).

Children carry counts, areas and names like any hotspot (described by
:func:`hotspots.methods.naming.describe_hotspots`); a parent is named after what it
covers (:func:`parent_names`).

References
----------
Chazal, F., Guibas, L. J., Oudot, S. Y. and Skraba, P. (2013) Persistence-based
clustering in Riemannian manifolds. Journal of the ACM 60(6), 41.
Silverman, B. W. (1986) Density Estimation for Statistics and Data Analysis (quartic kernel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.data.points import WeightedPoints, unique_locations
from hotspots.methods.naming import GENERIC_LOCATIONS, describe_hotspots
from hotspots.methods.neighbours import PointGrid
from hotspots.methods.place_names import grid_ref

if TYPE_CHECKING:
    from hotspots.data.boundaries import Boundaries

__all__ = [
    "CHILD_BUFFER_M",
    "CHILD_MIN_RECORDS",
    "CHILD_MIN_SHARE",
    "CORE_SHARE",
    "DENSITY_RADIUS_M",
    "LEVEL",
    "LINK_M",
    "LINK_NEAREST",
    "MAX_CHILD_KM2",
    "NAMED_AREA_SHARE",
    "PARENT",
    "PROMINENCE_SQRT",
    "SPLIT_AREA_KM2",
    "SPLIT_PLACES",
    "add_children",
    "parent_names",
    "peak_crests",
    "peak_places",
    "split_mask",
]

_CX, _CY = "_peak_x", "_peak_y"
PARENT = "parent"
"""Column: ``hotspot_id`` of the hotspot a child lies in; missing at the top level."""
LEVEL = "level"
"""Column: 0 for a top-level (district or street-sized) hotspot, 1 for a child."""

SPLIT_AREA_KM2 = 0.25
"""A hotspot larger than this (km²) is split into children."""
SPLIT_PLACES = 2
"""A hotspot holding more than this many gazetteer places is split into children."""
DENSITY_RADIUS_M = 200.0
"""Quartic kernel radius (metres) of the density at each map point."""
LINK_M = 100.0
"""Map points this close (metres) are neighbours in the peak-and-valley graph."""
LINK_NEAREST = 3
"""Every map point is also a neighbour of its this many nearest map points."""
PROMINENCE_SQRT = 1.0
"""A peak stays separate when sqrt(peak) - sqrt(saddle) is at least this (density in records)."""
CORE_SHARE = 0.3
"""A child's crest: map points at or above this share of its peak density, raised by
0.1 at a time while the crest is larger than :data:`MAX_CHILD_KM2`."""
MAX_CHILD_KM2 = 0.2
"""A child is street-sized: at most this area (km²) as drawn."""
CHILD_MIN_RECORDS = 10
"""A child holds at least this many records."""
CHILD_MIN_SHARE = 0.05
"""A child holds at least this share of its parent's records."""
CHILD_BUFFER_M = 50.0
"""A child is drawn as its map points buffered by this (metres), cut to the parent."""
PLACE_FROM_PEAK_M = 150.0
"""A child takes the gazetteer place nearest its peak within this (metres)."""
PLACES_PER_NAME = 2
"""At most this many places, all within :data:`PLACE_FROM_PEAK_M` of the peak, name one hotspot."""
NAMED_AREA_SHARE = 0.5
"""A parent takes a named area's name when it holds at least this share of the area's
records and at least this share of its own records lie in the area."""


def split_mask(geometries: np.ndarray, gazetteer: gpd.GeoDataFrame | None) -> np.ndarray:
    """Flag each district-sized hotspot: over 0.25 km² or holding over two named places."""
    geometries = np.asarray(geometries, dtype=object)
    big = shapely.area(geometries) / 1e6 > SPLIT_AREA_KM2
    if gazetteer is None or len(gazetteer) == 0 or len(geometries) == 0:
        return big
    _, poly = shapely.STRtree(geometries).query(
        np.asarray(gazetteer.geometry.values),
        predicate="within",
    )
    places = np.bincount(poly, minlength=len(geometries))
    return big | (places > SPLIT_PLACES)


def _density(x: np.ndarray, y: np.ndarray, w: np.ndarray, tree: PointGrid) -> np.ndarray:
    """Record-weighted quartic kernel sum (peak 1 per record) at each map point."""
    pairs = tree.query_pairs(DENSITY_RADIUS_M, output_type="ndarray")
    dens = w.astype("float64").copy()  # each point's own records, kernel value 1
    if len(pairs):
        i, j = pairs[:, 0], pairs[:, 1]
        u2 = ((x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2) / DENSITY_RADIUS_M**2
        k = np.clip(1.0 - u2, 0.0, None) ** 2
        dens += np.bincount(i, weights=k * w[j], minlength=len(x))
        dens += np.bincount(j, weights=k * w[i], minlength=len(x))
    return dens


def peak_crests(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """Split weighted map points at their density valleys (module docstring, steps 1–3).

    Parameters
    ----------
    x, y : coordinates of distinct map points, metres (EPSG:27700), shape (k,).
    w : records at each, shape (k,).

    Returns
    -------
    list of (members, peak): the map points (int indices into x) of each crest and
    its densest map point, most records first (ties: the westernmost peak first).
    Crests below the size floors are left out.
    """
    k = len(x)
    if k == 0:
        return []
    w = np.asarray(w, dtype="float64")
    tree = PointGrid(np.c_[x, y])
    dens = _density(x, y, w, tree)
    nbrs = [set(n) for n in tree.query_ball_point(np.c_[x, y], r=LINK_M)]
    if k > 1:  # every map point also links to its nearest others, however far
        _, knn = tree.query(np.c_[x, y], k=min(LINK_NEAREST + 1, k))
        for i, row in enumerate(np.atleast_2d(knn).tolist()):
            for j in row:
                nbrs[i].add(j)
                nbrs[j].add(i)
    order = np.lexsort((np.arange(k), -dens))  # densest first, ties by index
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    uf = np.arange(k)

    def find(i: int) -> int:
        while uf[i] != i:
            uf[i] = uf[uf[i]]
            i = int(uf[i])
        return i

    saddle = np.full(k, -np.inf)  # highest level at which a surviving peak met another
    sq = np.sqrt(dens)
    for i in order.tolist():
        up = [j for j in nbrs[i] if rank[j] < rank[i]]
        if not up:
            continue  # a new peak
        roots = {find(j) for j in up}
        # attach to the highest peak among the neighbours' roots
        top = min(roots, key=lambda r: rank[r])
        uf[i] = top
        for r in roots:
            if r == top:
                continue
            lo, hi = (r, top) if rank[r] > rank[top] else (top, r)
            if sq[lo] - sq[i] < PROMINENCE_SQRT:
                uf[lo] = hi  # not prominent: merge into the higher peak
                saddle[hi] = max(saddle[hi], saddle[lo])
            else:
                saddle[lo] = max(saddle[lo], dens[i])
                saddle[hi] = max(saddle[hi], dens[i])
    root = np.array([find(i) for i in range(k)])
    total = float(w.sum())
    crests: list[tuple[float, float, np.ndarray, int]] = []
    for r in np.unique(root):
        share = CORE_SHARE
        while True:  # the crest: above the saddle and a share of the peak, street-sized
            level = max(saddle[r], share * dens[r])
            members = np.flatnonzero((root == r) & (dens >= level))
            if share >= 0.95 or _crest_km2(x[members], y[members]) <= MAX_CHILD_KM2:
                break
            share += 0.1
        n = float(w[members].sum())
        if n >= CHILD_MIN_RECORDS and n >= CHILD_MIN_SHARE * total:
            crests.append((-n, float(x[r]), members, int(r)))
    crests.sort(key=lambda t: (t[0], t[1]))
    return [(c[2], c[3]) for c in crests]


def _crest_km2(x: np.ndarray, y: np.ndarray) -> float:
    """Area (km²) of map points buffered by :data:`CHILD_BUFFER_M` (as drawn)."""
    return (
        float(shapely.area(shapely.buffer(shapely.multipoints(np.c_[x, y]), CHILD_BUFFER_M))) / 1e6
    )


@dataclass(frozen=True)
class _Children:
    polygons: gpd.GeoDataFrame  # one row per child: parent hotspot_id, peak, geometry
    location_child: np.ndarray  # per distinct location: child row, -1 none
    top_peaks: np.ndarray  # (rows of hot, 2): peak of each unsplit hotspot, NaN otherwise


def _children(
    hot: gpd.GeoDataFrame,
    pts: WeightedPoints,
    location_parent: np.ndarray,
    gazetteer: gpd.GeoDataFrame | None,
) -> _Children:
    loc_child = np.full(len(pts), -1, dtype=np.int64)
    parents: list[int] = []
    geoms: list[shapely.Geometry] = []
    peaks: list[tuple[float, float]] = []
    top_peaks = np.full((len(hot), 2), np.nan)
    order = np.argsort(location_parent, kind="stable")
    bounds = np.searchsorted(location_parent[order], np.arange(len(hot) + 1))
    hot_geoms = np.asarray(hot.geometry.values)
    hot_ids = hot[S.HOTSPOT_ID].to_numpy()
    split = split_mask(hot_geoms, gazetteer)
    # peaks of the unsplit hotspots: densest member by the density over all members
    member = np.flatnonzero(location_parent >= 0)
    if len(member):
        mx, my = pts.x[member], pts.y[member]
        dens = _density(mx, my, pts.weight[member].astype("float64"), PointGrid(np.c_[mx, my]))
        best = np.lexsort((np.arange(len(member)), -dens, location_parent[member]))
        first = np.r_[True, np.diff(location_parent[member][best]) != 0]
        rows, at = location_parent[member][best][first], best[first]
        top_peaks[rows] = np.c_[mx[at], my[at]]
    top_peaks[split] = np.nan
    for row in np.flatnonzero(split).tolist():
        geom = hot_geoms[row]
        locs = order[bounds[row] : bounds[row + 1]]
        if len(locs) == 0:
            continue
        for crest, peak in peak_crests(pts.x[locs], pts.y[locs], pts.weight[locs]):
            members = locs[crest]
            shape = shapely.buffer(
                shapely.multipoints(np.c_[pts.x[members], pts.y[members]]),
                CHILD_BUFFER_M,
            )
            shape = shapely.intersection(shape, geom)
            if shape.is_empty:
                continue
            loc_child[members] = len(geoms)
            parents.append(int(hot_ids[row]))
            geoms.append(shape)
            peaks.append((float(pts.x[locs[peak]]), float(pts.y[locs[peak]])))
    cxy = np.asarray(peaks, dtype="float64").reshape(-1, 2)
    polys = gpd.GeoDataFrame(
        {PARENT: np.asarray(parents, dtype=np.int64), _CX: cxy[:, 0], _CY: cxy[:, 1]},
        geometry=gpd.GeoSeries(geoms, crs=S.CRS_METRES),
        crs=S.CRS_METRES,
    )
    return _Children(polys, loc_child, top_peaks)


def peak_places(
    peaks: np.ndarray,
    outlines: np.ndarray,
    gazetteer: gpd.GeoDataFrame | None,
    taken: set[str],
) -> dict[int, str]:
    """Gazetteer names for street-sized hotspots, by row: the place nearest the peak.

    Parameters
    ----------
    peaks : (m, 2) peak coordinates (metres); rows with NaN are not named here.
    outlines : (m,) hotspot polygons (EPSG:27700).
    gazetteer : named places (``name``, points).
    taken : names other hotspots of the result carry already (never given twice).

    Returns
    -------
    dict row -> place name. A street-sized hotspot (a child, the crest of one peak,
    or a hotspot too small to split) is named for a gazetteer place inside its
    outline or within :data:`PLACE_FROM_PEAK_M` (150 m) of its peak (its densest map
    point), the nearest to the peak; when two or more free places are within 150 m
    of the peak, the first two in gazetteer order name it together ("Poole Bus
    Station & Dolphin Centre": which of two places 100 m apart is nearer the peak
    may change with the window, the pair does not). Hotspots are named nearest
    first and each place names at most one hotspot.
    A peak stays on its map point when months are added (measured: the Square's,
    the Triangle's and the Lansdowne's peaks are the same map points in January 2024
    and in January–March 2024), while the busiest map point of a crest can jump from
    one end to the other.
    """
    if gazetteer is None or len(gazetteer) == 0 or len(peaks) == 0:
        return {}
    gz = np.asarray(gazetteer.geometry.values)
    gx, gy = shapely.get_x(gz), shapely.get_y(gz)
    names = gazetteer["name"].astype(str).to_numpy()
    d = np.hypot(peaks[:, 0:1] - gx[None, :], peaks[:, 1:2] - gy[None, :])
    ok = np.isfinite(d) & (d <= PLACE_FROM_PEAK_M)
    todo = np.flatnonzero(np.isfinite(peaks).all(axis=1))
    if len(todo):
        q_place, q_row = shapely.STRtree(np.asarray(outlines, dtype=object)[todo]).query(
            gz,
            predicate="within",
        )
        ok[todo[q_row], q_place] = True
    near = np.isfinite(d) & (d <= PLACE_FROM_PEAK_M)
    best = np.where(ok, d, np.inf).min(axis=1)
    out: dict[int, str] = {}
    used = set(taken)
    for r in np.lexsort((np.arange(len(peaks)), best)).tolist():
        if not np.isfinite(best[r]):
            break
        free = [p for p in np.flatnonzero(ok[r]) if names[p] not in used]
        if not free:
            continue
        first = min(free, key=lambda p: (d[r, p], p))
        # two places both at the peak name it together, in gazetteer order
        pair = [p for p in free if near[r, p]]
        chosen = sorted(pair)[:PLACES_PER_NAME] if len(pair) > 1 else [first]
        out[r] = " & ".join(str(names[p]) for p in chosen)
        used.update(str(names[p]) for p in chosen)
    return out


def _short(name: str) -> str:
    """Return a child's name as part of its parent's: without a generic label and the ward.

    "Nightclub, Upper Terrace Road, Bournemouth Central" -> "Upper Terrace Road".
    """
    parts = name.split(", ")
    if len(parts) >= 2 and parts[0] in GENERIC_LOCATIONS:
        return parts[1]
    return name


def parent_names(
    parents: gpd.GeoDataFrame,
    children: gpd.GeoDataFrame,
    locations: tuple[np.ndarray, np.ndarray, np.ndarray],
    named_areas: gpd.GeoDataFrame | None,
) -> dict[int, str]:
    """Names for split hotspots, by ``hotspot_id``: what the whole hotspot covers.

    1. A named area (``geodata/bcp_named_areas.csv``) when the hotspot holds at least
       half of that area's records and at least half of its own records are in the
       area: "Bournemouth town centre".
    2. Otherwise its two busiest children, west to east: "Bournemouth Square to The
       Lansdowne"; with one child, "around Bournemouth Square".

    A name that points at the whole hotspot, not at its busiest map point, stays put
    when months are added: the busiest map point can move from one end to the other.
    """
    rx, ry, rw = locations  # distinct map points (metres) and their records
    out: dict[int, str] = {}
    area_hits: list[np.ndarray] = []
    if named_areas is not None and len(named_areas) and len(rx):
        area_hits = [shapely.contains_xy(g, rx, ry) for g in named_areas.geometry.values]
    geom_of = dict(zip(parents[S.HOTSPOT_ID].tolist(), parents.geometry.values, strict=True))
    for hid, kids in children.groupby(PARENT, sort=True):
        hid = int(hid)
        geom = geom_of[hid]
        if area_hits:
            in_parent = shapely.contains_xy(geom, rx, ry)
            n_parent = float(rw[in_parent].sum())
            area_names = [] if named_areas is None else named_areas["name"].tolist()
            for name, hits in zip(area_names, area_hits, strict=True):
                both = float(rw[hits & in_parent].sum())
                n_area = float(rw[hits].sum())
                if (
                    n_area
                    and n_parent
                    and both >= NAMED_AREA_SHARE * n_area
                    and both >= NAMED_AREA_SHARE * n_parent
                ):
                    out[hid] = name
                    break
            if hid in out:
                continue
        busiest = kids.sort_values([S.COUNT, S.BUSIEST_X], ascending=[False, True]).head(2)
        names = [_short(n) for n in busiest.sort_values(S.BUSIEST_X)[S.NAME].astype(str)]
        out[hid] = f"{names[0]} to {names[1]}" if len(names) == 2 else f"around {names[0]}"
    return out


def _peak_names(
    own: list[str],
    peaks: np.ndarray,
    outlines: np.ndarray,
    gazetteer: gpd.GeoDataFrame | None,
    skip: np.ndarray,
) -> list[str]:
    """Names after :func:`peak_places`, with clashes resolved.

    A clash falls back to the hotspot's own name (its streets), then adds the grid
    reference of its peak. Rows in ``skip`` (split parents, renamed later) keep their names
    and take part in no clash.
    """
    keep = {
        own[i]
        for i in range(len(own))
        if not np.isfinite(peaks[i]).all() and not (i < len(skip) and skip[i])
    }
    places = peak_places(peaks, outlines, gazetteer, keep)
    new = [places.get(i, own[i]) for i in range(len(own))]
    # every place named by the peak rule counts as taken ("A & B" takes A and B)
    seen: set[str] = {part for n in places.values() for part in n.split(" & ")}
    seen.update(places.values())
    for i in sorted(range(len(own)), key=lambda i: (i not in places, i)):
        if i < len(skip) and skip[i]:
            continue
        name = new[i]
        if i in places:
            new[i] = name
            continue
        if name in seen:
            name = own[i]
        if name in seen and np.isfinite(peaks[i]).all():
            name = f"{name}, grid ref {grid_ref(float(peaks[i, 0]), float(peaks[i, 1]))}"
        new[i] = name
        seen.add(name)
    return new


def _name_by_peaks(
    out: gpd.GeoDataFrame,
    peaks: np.ndarray,
    gazetteer: gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    names = _peak_names(
        out[S.NAME].astype(str).tolist(),
        peaks,
        np.asarray(out.geometry.values),
        gazetteer,
        np.zeros(0, bool),
    )
    out[S.NAME] = pd.array(names, dtype="string")
    return out


def add_children(
    hot: gpd.GeoDataFrame,
    records: pd.DataFrame,
    *,
    gazetteer: gpd.GeoDataFrame | None = None,
    boundaries: Boundaries | None = None,
    named_areas: gpd.GeoDataFrame | None = None,
    points: WeightedPoints | None = None,
    location_parent: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """Split district-sized hotspots into described children; add ``parent`` and ``level``.

    Parameters
    ----------
    hot : described hotspots (:func:`~hotspots.methods.naming.describe_hotspots`),
        EPSG:27700, with ``hotspot_id`` and ``rank``; polygons must not overlap.
    records : the records they were found in (canonical, ``x``/``y`` metres).
    gazetteer, boundaries : naming (see ``describe_hotspots``).
    named_areas : areas that may name a parent (:func:`hotspots.data.named_areas.load_named_areas`).
    points : ``unique_locations`` of the records' x, y, when the caller has them.
    location_parent : per distinct location of ``points``, the row of ``hot`` it
        belongs to or -1 (e.g. DBSCAN's cluster labels); default: point in polygon.

    Returns
    -------
    GeoDataFrame: the top-level rows (``level`` 0, ``parent`` missing; a split one
    renamed after what it covers, :func:`parent_names`) followed by the children
    (``level`` 1, ``parent`` = the parent's ``hotspot_id``), children of one parent
    most records first. Children's ``hotspot_id`` and ``rank`` continue after the
    top level's, in that order. Columns of ``hot`` the children lack are missing.
    """
    out = hot.copy()
    out[PARENT] = pd.array([pd.NA] * len(out), dtype="Int64")
    out[LEVEL] = np.zeros(len(out), dtype=np.int64)
    if len(hot) == 0 or len(records) == 0:
        return out
    if points is None or len(points.inverse) != len(records):
        points = unique_locations(
            records[S.X].to_numpy(dtype="float64"),
            records[S.Y].to_numpy(dtype="float64"),
        )
    if location_parent is None:
        location_parent = np.full(len(points), -1, dtype=np.int64)
        tree = shapely.STRtree(np.asarray(hot.geometry.values))
        loc, poly = tree.query(shapely.points(points.x, points.y), predicate="intersects")
        location_parent[loc] = poly  # polygons do not overlap; a shared edge takes either
    kids = _children(hot, points, location_parent, gazetteer)
    if len(kids.polygons) == 0:
        return _name_by_peaks(out, kids.top_peaks, gazetteer)
    described = describe_hotspots(
        kids.polygons,
        records,
        gazetteer=gazetteer,
        boundaries=boundaries,
        labels=kids.location_child[points.inverse],
        points=points,
    )
    # street-sized hotspots (children and unsplit ones) named by the place at their peak
    split = out[S.HOTSPOT_ID].isin(set(described[PARENT].tolist())).to_numpy()
    peaks = np.vstack([kids.top_peaks, described[[_CX, _CY]].to_numpy(dtype="float64")])
    peaks[: len(out)][split] = np.nan
    names = _peak_names(
        [*out[S.NAME].astype(str), *described[S.NAME].astype(str)],
        peaks,
        np.r_[np.asarray(out.geometry.values), np.asarray(described.geometry.values)],
        gazetteer,
        split,
    )
    out[S.NAME] = pd.array(names[: len(out)], dtype="string")
    described[S.NAME] = pd.array(names[len(out) :], dtype="string")
    described = described.drop(columns=[_CX, _CY])
    rank_of = dict(zip(out[S.HOTSPOT_ID].tolist(), out[S.RANK].tolist(), strict=True))
    described["_prank"] = described[PARENT].map(rank_of)
    described = described.sort_values(["_prank", S.RANK], kind="stable").drop(columns="_prank")
    first = int(max(out[S.HOTSPOT_ID].max(), out[S.RANK].max())) + 1
    described[S.HOTSPOT_ID] = np.arange(first, first + len(described), dtype=np.int64)
    described[S.RANK] = np.arange(len(out) + 1, len(out) + 1 + len(described), dtype=np.int64)
    described[S.SHARE] = described[S.COUNT] / len(records)
    described[PARENT] = pd.array(described[PARENT].to_numpy(), dtype="Int64")
    described[LEVEL] = np.ones(len(described), dtype=np.int64)

    by_extent = parent_names(
        out,
        described,
        (points.x, points.y, points.weight.astype("float64")),
        named_areas,
    )
    taken = set(out[S.NAME].astype(str)) | set(described[S.NAME].astype(str))
    for hid, name in by_extent.items():
        row = out.index[out[S.HOTSPOT_ID] == hid][0]
        if name not in taken or name == out.at[row, S.NAME]:
            taken.add(name)
            out.at[row, S.NAME] = name
    both = pd.concat([out, described[[c for c in out.columns if c in described.columns]]])
    return gpd.GeoDataFrame(both.reset_index(drop=True), geometry="geometry", crs=S.CRS_METRES)
