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
    Set against chance. Under complete spatial randomness (CSR) the N records of
    the study area (area A) are scattered uniformly, so the records within
    ``eps_m`` of any fixed location are Poisson with mean
    ``lambda = N * pi * eps_m**2 / A``. ``min_points`` is the smallest m with
    ``P(Poisson(lambda) >= m) <= alpha / L``: the chance that *any* of the L
    distinct locations tested would be core if the records were random is at most
    ``alpha`` (0.05; Bonferroni over the L locations). At least 3.
    This scales with the records *and* the area, so the rule works from a year of
    BCP down to one ward, a 300 m circle or a drawn rectangle: more months make the
    threshold grow like ``lambda + c*sqrt(lambda)``, slower than the records, so
    widening the window makes real places clearer, not harder to find. Checked on
    the bundled 2024-01..03 months (every ward with 300+ records has a hotspot) and
    on uniform random records over BCP land (no hotspots in 5 seeds).
References
----------
Ester, M., Kriegel, H.-P., Sander, J. and Xu, X. (1996) A density-based algorithm
for discovering clusters in large spatial databases with noise. KDD-96, 226–231.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN

from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.data.boundaries import Boundaries
from hotspots.data.points import WeightedPoints, unique_locations
from hotspots.data.select import select_rows
from hotspots.errors import InputError
from hotspots.methods.naming import (
    NAME_WITHIN_M,
    check_records,
    describe_hotspots,
    empty_hotspots,
)

__all__ = [
    "DbscanResult",
    "dbscan_hotspots",
    "auto_eps_m",
    "auto_min_points",
    "CHANCE_ALPHA",
    "KNN_K",
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

    def record_labels(self) -> np.ndarray:
        """Cluster label per clustered record (-1 noise), in the order of the input records."""
        return self.labels[self.points.inverse]

    @property
    def parameters(self) -> dict[str, object]:
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
    k : neighbour order (default 3).

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
    n_records: int, eps_m: float, area_m2: float, n_locations: int, alpha: float = CHANCE_ALPHA
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
    int, the smallest m with ``P(Poisson(N pi eps^2 / A) >= m) <= alpha / L``, at
    least ``MIN_POINTS_FLOOR``.
    """
    if area_m2 <= 0 or n_records <= 0:
        return MIN_POINTS_FLOOR
    lam = n_records * math.pi * eps_m**2 / area_m2
    # isf(q) is the largest k with P(X > k) > q, so P(X >= isf + 1) <= q
    m = int(stats.poisson.isf(alpha / max(1, n_locations), lam)) + 1
    return int(max(MIN_POINTS_FLOOR, m))


def _check_positive(name: str, value: object, integer: bool = False) -> None:
    ok = False
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        ok = math.isfinite(v) and v > 0 and (not integer or v == int(v))
    if not ok:
        kind = "a positive whole number of records" if integer else "a positive number of metres"
        raise InputError(name, value, kind)


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
    check_records(records)
    if eps_m is not None:
        _check_positive("eps_m", eps_m)
    if min_points is not None:
        _check_positive("min_points", min_points, integer=True)
    if buffer_m is not None and not (
        isinstance(buffer_m, (int, float)) and math.isfinite(buffer_m) and buffer_m >= 0
    ):
        raise InputError("buffer_m", buffer_m, "zero or a positive number of metres")

    notes: list[str] = []
    study_area = resolve_area(area, boundaries) if area is not None else None
    if study_area is not None:
        records = select_rows(records, records_in_area(records, study_area))
    n = len(records)
    pts = unique_locations(
        records[S.X].to_numpy(dtype="float64"), records[S.Y].to_numpy(dtype="float64")
    )

    if eps_m is None:
        eps_m = auto_eps_m(pts)
        notes.append(
            f"eps set to {eps_m:g} m: record-weighted median distance from a location to its "
            f"{KNN_K}rd-nearest location, rounded to 10 m (range {EPS_RANGE_M[0]:g}–{EPS_RANGE_M[1]:g} m)."
        )
    eps_m = float(eps_m)
    if min_points is None:
        if study_area is not None:
            a_m2, a_name = float(study_area.geometry.area), study_area.name
        else:
            hull = (
                shapely.convex_hull(shapely.multipoints(np.c_[pts.x, pts.y])) if len(pts) else None
            )
            a_m2, a_name = (
                (float(hull.area) if hull is not None else 0.0),
                "convex hull of the records",
            )
        min_points = auto_min_points(n, eps_m, a_m2, len(pts))
        lam = n * math.pi * eps_m**2 / a_m2 if a_m2 > 0 else 0.0
        notes.append(
            f"min points set to {min_points}: if the {n:,} records were scattered at random over "
            f"{a_name} ({a_m2 / 1e6:.2f} km²), about {lam:.1f} would fall within {eps_m:g} m of a "
            f"location, and {min_points} or more at any of the {len(pts):,} locations has a "
            f"chance under {CHANCE_ALPHA:.0%} (Poisson, Bonferroni)."
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
        )

    X = np.c_[pts.x, pts.y]
    model = DBSCAN(eps=eps_m, min_samples=min_points, algorithm="kd_tree")
    model.fit(X, sample_weight=pts.weight.astype("float64"))
    labels = model.labels_.astype(np.int64)
    core = np.zeros(len(pts), dtype=bool)
    core[model.core_sample_indices_] = True
    n_clusters = int(labels.max()) + 1
    if n_clusters == 0:
        notes.append(
            f"no location has {min_points} records within {eps_m:g} m: no clusters "
            "(lower min points or raise eps)."
        )
        return DbscanResult(
            empty_hotspots(extra), pts, labels, core, eps_m, min_points, buffer_m, n, tuple(notes)
        )

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
    hot = describe_hotspots(
        polys,
        records,
        gazetteer=gazetteer,
        boundaries=boundaries,
        name_within_m=name_within_m,
        labels=labels[pts.inverse],
        points=pts,
    )
    return DbscanResult(hot, pts, labels, core, eps_m, min_points, buffer_m, n, tuple(notes))
