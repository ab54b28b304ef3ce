"""DBSCAN hotspots (Ester et al. 1996) on distinct weighted locations, in metres.

police.uk snaps every record to one of a few thousand map points, so DBSCAN runs
on the distinct locations with their record counts as scikit-learn's
``sample_weight``. A location is *core* when the records within ``eps_m`` of it
(itself included, distance <= eps_m as in scikit-learn) number at least
``min_points`` — exactly the test DBSCAN makes for each record when run on every
record, since all records at one location share their neighbourhood. Core and
noise sets are therefore identical to DBSCAN on the raw records; only border
points within ``eps_m`` of two clusters can land in a different cluster, as they
do between two orderings of the raw input. Memory and time depend on the ~8k
locations, not on the number of records.

Automatic parameters (announced in ``notes``)
---------------------------------------------
``eps_m``
    The record-weighted median, over distinct locations, of the distance to the
    2nd-nearest other location (the k-distance of Ester et al. with k = 2), rounded
    to 10 m and kept within 50–400 m. It follows the spacing of the map points where
    the records are (about 130 m for three months of BCP data, 100 m inside
    Bournemouth Central ward). The 50 m floor is the police.uk map-point spacing:
    one in ten BCP map points has a neighbour nearer than 50 m, so a smaller radius
    would only ever see one anonymised point at a time.
``min_points``
    Set against chance, per location, with the chance model of
    :mod:`hotspots.methods.chance`. Under chance the N records fall on the study
    area's police.uk map points, each with the share of land it stands for (its
    Voronoi catchment), so the *other* records within ``eps_m`` of a record at
    location j are Poisson with mean ``lambda_j = N * (summed share of the map
    points within eps_m of j)`` — high where map points are dense (town centres),
    low in parks. A record's own neighbourhood always holds the record itself (a
    Palm distribution), so location j is core when its records within ``eps_m``
    number at least the smallest ``m_j`` with
    ``min(mu_j P(Poisson(lambda_j) >= m_j - 1), P(Poisson(lambda_j) >= m_j)) <= alpha / L``
    where ``mu_j = N * share_j`` is what chance puts on j itself and L the map
    points of the study area: by Mecke's formula the first term bounds the chance
    that j holds a record *and* ``m_j`` within ``eps_m``, so the chance that *any*
    location is core when the records are chance is at most ``alpha`` (0.05,
    Bonferroni over the L map points). At least 3. ``min_points`` reports the
    smallest ``m_j`` of the locations tested; ``min_points_by_location`` all of them.
    Records that do not sit on map points (a force export) use the uniform model:
    ``lambda = N pi eps_m**2 / A`` over the study area A and the Palm test
    ``P(Poisson(lambda) >= m - 1) <= alpha / L`` over the L distinct locations.
    The threshold grows like ``lambda + c*sqrt(lambda)``, slower than the records,
    so widening the window makes real places clearer, not harder to find.
    Checked in ``tests/methods/test_chance.py``: uniform-then-snapped noise of a real
    month's count gives on average at most 1 hotspot over 10 seeds at BCP scale and
    in Bournemouth Central, and over 200 seeds in a small area the share of seeds
    with any core location is at most 5%.

References
----------
Ester, M., Kriegel, H.-P., Sander, J. and Xu, X. (1996) A density-based algorithm
for discovering clusters in large spatial databases with noise. KDD-96, 226–231.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.data.points import WeightedPoints, unique_locations
from hotspots.data.select import select_rows
from hotspots.methods.chance import MAP_POINTS, ChanceModel, chance_model, palm_min_count
from hotspots.methods.naming import (
    NAME_WITHIN_M,
    check_records,
    describe_hotspots,
    empty_hotspots,
)
from hotspots.validation import (
    METRES_OR_ZERO,
    POSITIVE_METRES,
    Integral,
    Interval,
    check_params,
)

if TYPE_CHECKING:
    import pandas as pd

    from hotspots.data.boundaries import Boundaries

__all__ = [
    "CHANCE_ALPHA",
    "KNN_K",
    "DbscanResult",
    "auto_eps_m",
    "auto_min_points",
    "dbscan_hotspots",
    "dbscan_labels",
]

KNN_K = 2
"""k of the k-distance used for the automatic ``eps_m``."""
CHANCE_ALPHA = 0.05
"""Automatic ``min_points``: family-wise chance that any location is core under CSR."""
EPS_RANGE_M = (50.0, 400.0)
MIN_POINTS_FLOOR = 3

# extra columns of the DBSCAN hotspot frame
CLUSTER = "cluster"
N_LOCATIONS = "n_locations"
N_CORE_LOCATIONS = "n_core_locations"


@dataclass(frozen=True)
class DbscanResult:
    """DBSCAN hotspots and the parameters actually used.

    Attributes
    ----------
    hotspots : GeoDataFrame (EPSG:27700), one row per cluster sorted by rank, with
        :data:`~hotspots.data.schema.HOTSPOT_COLUMNS`, ``places``, ``cluster``
        (the label in ``labels``), ``n_locations`` and ``n_core_locations``.
        Geometry: convex hull of the cluster's locations buffered by ``buffer_m``.
    points : the distinct locations clustered (x, y metres, weight = records).
    labels : int64 array, one per distinct location: cluster label, -1 for noise.
    core : bool array, one per distinct location: core location.
    eps_m, min_points, buffer_m : parameters used (metres, records, metres).
    n_records : records clustered (after the area filter).
    notes : automatic choices and warnings, for people.
    """

    hotspots: gpd.GeoDataFrame
    points: WeightedPoints
    labels: np.ndarray
    core: np.ndarray
    eps_m: float
    min_points: int
    buffer_m: float
    n_records: int
    notes: tuple[str, ...] = ()
    min_points_by_location: np.ndarray | None = None
    chance: ChanceModel | None = None

    def record_labels(self) -> np.ndarray:
        """Cluster label per clustered record (-1 noise), in the order of the input records."""
        return self.labels[self.points.inverse]

    @property
    def parameters(self) -> dict[str, object]:
        """The method's parameters as used, for exports and the audit log."""
        return {
            "method": "dbscan",
            "eps_m": self.eps_m,
            "min_points": self.min_points,
            "buffer_m": self.buffer_m,
            "n_records": self.n_records,
        }


def _round_to(value: float, step: float) -> float:
    return float(step * round(value / step))


def auto_eps_m(points: WeightedPoints, k: int = KNN_K) -> float:
    """Automatic ``eps_m``: record-weighted median k-distance between distinct locations.

    Parameters
    ----------
    points : distinct locations (metres) with record counts.
    k : neighbour order (default 2, :data:`KNN_K`).

    Returns
    -------
    float, metres, rounded to 10 m and clipped to 50–400 m; the lower bound when
    there are not more than ``k`` locations. Cost O(m log m) for m locations.
    """
    lo, hi = EPS_RANGE_M
    if len(points) <= k:
        return lo
    tree = cKDTree(np.c_[points.x, points.y])
    d, _ = tree.query(np.c_[points.x, points.y], k=k + 1)
    kd = d[:, k]
    order = np.argsort(kd, kind="stable")
    cw = np.cumsum(points.weight[order].astype("float64"))
    med = float(kd[order][np.searchsorted(cw, cw[-1] / 2)])
    return float(min(hi, max(lo, _round_to(med, 10.0))))


def auto_min_points(
    n_records: int,
    eps_m: float,
    area_m2: float,
    n_locations: int,
    alpha: float = CHANCE_ALPHA,
) -> int:
    """Automatic ``min_points``: the chance threshold of the module docstring.

    Parameters
    ----------
    n_records : N, records clustered.
    eps_m : neighbourhood radius, metres.
    area_m2 : A, study area in square metres.
    n_locations : L, distinct locations tested (Bonferroni correction).
    alpha : family-wise level (default 0.05).

    Returns
    -------
    int, the smallest m with ``P(Poisson(N pi eps^2 / A) >= m - 1) <= alpha / L``
    (the Palm test: the record itself is always in its neighbourhood), at least
    ``MIN_POINTS_FLOOR``. This is the uniform-land model, used where records do not
    sit on police.uk map points.
    """
    if area_m2 <= 0 or n_records <= 0:
        return MIN_POINTS_FLOOR
    lam = n_records * math.pi * eps_m**2 / area_m2
    m = int(palm_min_count(np.array([lam]), alpha / max(1, n_locations))[0])
    return int(max(MIN_POINTS_FLOOR, m))


def dbscan_labels(
    x: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    eps_m: float,
    min_points: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """DBSCAN on weighted locations with a threshold per location.

    Parameters
    ----------
    x, y : distinct locations, metres.
    weight : records at each location.
    eps_m : radius, inclusive (distance <= eps_m, as scikit-learn).
    min_points : records within ``eps_m`` (own included) a location needs to be
        core: one number, or one per location.

    Returns
    -------
    (labels, core): int64 cluster label per location (-1 noise), bool core mask.
    With one ``min_points`` the labels equal scikit-learn's
    ``DBSCAN(eps, min_samples).fit(X, sample_weight=weight)``: clusters numbered in
    the order of their first core location, a border location taking the first
    cluster (lowest label) with a core location within ``eps_m``.
    """
    m = len(x)
    if m == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
    X = np.c_[x, y]
    pairs = cKDTree(X).query_pairs(eps_m, output_type="ndarray")
    i, j = (pairs[:, 0], pairs[:, 1]) if len(pairs) else (np.empty(0, int), np.empty(0, int))
    w = np.asarray(weight, dtype="float64")
    held = w + np.bincount(i, weights=w[j], minlength=m) + np.bincount(j, weights=w[i], minlength=m)
    core = held >= np.asarray(min_points, dtype="float64") - 1e-9
    labels = np.full(m, -1, dtype=np.int64)
    cidx = np.flatnonzero(core)
    if len(cidx) == 0:
        return labels, core
    pos = np.full(m, -1, dtype=np.int64)
    pos[cidx] = np.arange(len(cidx))
    both = core[i] & core[j]
    g = coo_matrix(
        (np.ones(int(both.sum())), (pos[i[both]], pos[j[both]])),
        shape=(len(cidx), len(cidx)),
    )
    _, comp = connected_components(g, directed=False)
    # number clusters by their first core location (scipy labels from node 0 on, in order)
    labels[cidx] = comp
    # border locations: the lowest cluster label among their core neighbours
    a = np.r_[i[core[i] & ~core[j]], j[core[j] & ~core[i]]]
    b = np.r_[j[core[i] & ~core[j]], i[core[j] & ~core[i]]]
    if len(a):
        best = np.full(m, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, b, labels[a])
        bord = best < np.iinfo(np.int64).max
        labels[bord] = best[bord]
    return labels, core


def dbscan_hotspots(
    records: pd.DataFrame,
    *,
    eps_m: float | None = None,
    min_points: int | None = None,
    buffer_m: float | None = None,
    area: Area | str | None = None,
    gazetteer: gpd.GeoDataFrame | None = None,
    boundaries: Boundaries | None = None,
    name_within_m: float = NAME_WITHIN_M,
    map_points: tuple[np.ndarray, np.ndarray] | None = None,
    importance: tuple[float, float, float] | None = None,
) -> DbscanResult:
    """Find DBSCAN clusters of records and describe each as a hotspot polygon.

    Parameters
    ----------
    records : canonical records (``x``, ``y`` in metres, EPSG:27700).
    eps_m : neighbourhood radius in metres (inclusive: distance <= eps_m).
        Default: automatic (module docstring).
    min_points : records (not locations) a neighbourhood needs, the location's own
        records included, for a core location. Default: automatic.
    buffer_m : buffer around each cluster's convex hull, metres. Default ``eps_m / 2``.
    area : optional study area (:class:`~hotspots.data.areas.Area` or spec string):
        records outside it are dropped first, and its size sets the automatic
        ``min_points``.
    gazetteer, boundaries, name_within_m : naming, see
        :func:`hotspots.methods.naming.describe_hotspots`.
    map_points : the police.uk map-point set of the chance model (default: the
        bundled points plus the records' own, :func:`hotspots.methods.chance.map_points`).
    importance : optional ``(min_share, min_pai, area_km2)``: describe and name only
        the clusters holding at least ``min_share`` of the records or with a PAI of at
        least ``min_pai`` over ``area_km2`` (what :func:`hotspots.methods.detect.detect`
        keeps anyway); the others stay in ``labels`` but get no hotspot row.

    Returns
    -------
    DbscanResult

    Notes
    -----
    Cost: deduplication O(n), then scikit-learn DBSCAN on the m distinct locations
    (KD-tree neighbour lists; memory grows with m and the neighbours per location,
    not with n).

    References
    ----------
    Ester, M., Kriegel, H.-P., Sander, J. and Xu, X. (1996). KDD-96, 226–231.
    """
    records = check_records(records)
    p = check_params(
        {"eps_m": eps_m, "min_points": min_points, "buffer_m": buffer_m},
        {
            "eps_m": [POSITIVE_METRES, None],
            "min_points": [Interval(Integral, 1, None, unit="records"), None],
            "buffer_m": [METRES_OR_ZERO, None],
        },
    )
    eps_m, min_points, buffer_m = p["eps_m"], p["min_points"], p["buffer_m"]

    notes: list[str] = []
    study_area = resolve_area(area, boundaries) if area is not None else None
    if study_area is not None:
        records = select_rows(records, records_in_area(records, study_area))
    n = len(records)
    pts = unique_locations(
        records[S.X].to_numpy(dtype="float64"),
        records[S.Y].to_numpy(dtype="float64"),
    )

    if eps_m is None:
        eps_m = auto_eps_m(pts)
        notes.append(
            f"eps set to {eps_m:g} m: record-weighted median distance from a location to its "
            f"{KNN_K}nd-nearest other location, rounded to 10 m "
            f"(range {EPS_RANGE_M[0]:g}–{EPS_RANGE_M[1]:g} m).",
        )
    eps_m = float(eps_m)
    m_by_loc: np.ndarray | None = None
    model: ChanceModel | None = None
    if min_points is None:
        if study_area is not None:
            region = study_area
        else:
            hull = (
                shapely.convex_hull(shapely.multipoints(np.c_[pts.x, pts.y]))
                if len(pts)
                else shapely.Polygon()
            )
            region = Area("convex hull of the records", "polygon", "", hull)
        model = chance_model(
            records,
            region,
            boundaries=boundaries,
            points=map_points,
            area_m2=None if study_area is not None else float(region.geometry.area),
        )
        notes.append(model.note)
        if model.kind == MAP_POINTS:
            lam = n * model.disc_share(pts.x, pts.y, eps_m)
            mu = n * model.point_share(pts.x, pts.y)
            mu = np.where(mu > 0, mu, 1.0)  # a location off the map points: the Palm test
            n_tests = model.n_points + int((model.point_share(pts.x, pts.y) == 0).sum())
            m_by_loc = np.maximum(
                MIN_POINTS_FLOOR,
                palm_min_count(lam, CHANCE_ALPHA / max(1, n_tests), mu),
            )
            min_points = int(m_by_loc.min()) if len(m_by_loc) else MIN_POINTS_FLOOR
            notes.append(
                f"min points set per location, {min_points}–"
                f"{int(m_by_loc.max()) if len(m_by_loc) else min_points} records within "
                f"{eps_m:g} m (median {np.median(m_by_loc) if len(m_by_loc) else min_points:g}): "
                f"what chance would put within {eps_m:g} m of a record (the record itself not "
                f"counted), at most a {CHANCE_ALPHA:.0%} chance of any false core location over "
                f"the {n_tests:,} map points (Poisson, Mecke/Bonferroni).",
            )
        else:
            a_m2 = model.area_m2
            min_points = auto_min_points(n, eps_m, a_m2, len(pts))
            lam0 = n * math.pi * eps_m**2 / a_m2 if a_m2 > 0 else 0.0
            notes.append(
                f"min points set to {min_points}: if the {n:,} records were scattered at random "
                f"over {model.area_name} ({a_m2 / 1e6:.2f} km²), about {lam0:.1f} others would "
                f"fall within {eps_m:g} m of a record, and {min_points} or more (the record "
                f"itself included) at any of the {len(pts):,} locations has a chance under "
                f"{CHANCE_ALPHA:.0%} (Poisson, Palm, Bonferroni).",
            )
    min_points = int(min_points)
    if buffer_m is None:
        buffer_m = eps_m / 2
        notes.append(f"hull buffer set to {buffer_m:g} m (half of eps).")
    buffer_m = float(buffer_m)

    extra = {CLUSTER: "int64", N_LOCATIONS: "int64", N_CORE_LOCATIONS: "int64"}
    if len(pts) == 0:
        notes.append("no records: no clusters.")
        e = np.empty(0, dtype=np.int64)
        return DbscanResult(
            empty_hotspots(extra),
            pts,
            e,
            np.empty(0, dtype=bool),
            eps_m,
            min_points,
            buffer_m,
            0,
            tuple(notes),
            None,
            model,
        )

    X = np.c_[pts.x, pts.y]
    labels, core = dbscan_labels(
        pts.x,
        pts.y,
        pts.weight,
        eps_m,
        m_by_loc if m_by_loc is not None else min_points,
    )
    n_clusters = int(labels.max()) + 1
    if n_clusters == 0:
        notes.append(
            f"no location has {min_points} records within {eps_m:g} m: no clusters "
            "(lower min points or raise eps).",
        )
        return DbscanResult(
            empty_hotspots(extra), pts, labels, core, eps_m, min_points, buffer_m, n,
            tuple(notes), m_by_loc, model,
        )  # fmt: skip

    # one polygon per cluster: convex hull of its locations, buffered
    in_c = labels >= 0
    order = np.argsort(labels[in_c], kind="stable")
    lab_sorted = labels[in_c][order]
    xy = X[in_c][order]
    splits = np.searchsorted(lab_sorted, np.arange(1, n_clusters))
    hulls = [shapely.convex_hull(shapely.multipoints(part)) for part in np.split(xy, splits)]
    geoms = (
        shapely.buffer(np.asarray(hulls, dtype=object), buffer_m, quad_segs=8)
        if buffer_m > 0
        else np.asarray(hulls, dtype=object)
    )
    polys = gpd.GeoDataFrame(
        {
            CLUSTER: np.arange(n_clusters, dtype=np.int64),
            N_LOCATIONS: np.bincount(labels[in_c], minlength=n_clusters).astype(np.int64),
            N_CORE_LOCATIONS: np.bincount(labels[core], minlength=n_clusters).astype(np.int64),
        },
        geometry=geoms,
        crs=S.CRS_METRES,
    )
    row = np.arange(n_clusters, dtype=np.int64)  # cluster -> row of polys (-1: not shown)
    if importance is not None and n > 0:
        # name only what the importance floor keeps: naming is the costly part
        min_share, min_pai, a_km2 = importance
        share = np.bincount(labels[in_c], weights=pts.weight[in_c], minlength=n_clusters) / n
        area_share = shapely.area(geoms) / 1e6 / a_km2 if a_km2 > 0 else np.full(n_clusters, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            pai = np.where(area_share > 0, share / area_share, np.nan)
        keep = (share >= min_share) | (pai >= min_pai)
        polys = polys[keep].reset_index(drop=True)
        row = np.where(keep, np.cumsum(keep) - 1, -1)
    rec_labels = labels[pts.inverse]
    hot = describe_hotspots(
        polys,
        records,
        gazetteer=gazetteer,
        boundaries=boundaries,
        name_within_m=name_within_m,
        labels=np.where(rec_labels >= 0, row[np.maximum(rec_labels, 0)], -1),
        points=pts,
    )
    return DbscanResult(
        hot,
        pts,
        labels,
        core,
        eps_m,
        min_points,
        buffer_m,
        n,
        tuple(notes),
        m_by_loc,
        model,
    )
