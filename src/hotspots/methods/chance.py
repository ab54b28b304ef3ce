"""The chance model of every hotspot test: records fall on police.uk's map points.

police.uk publishes no exact locations: every record is moved to one of a fixed
set of anonymised map points (about 5,200 inside BCP in the bundled months). A
crime that happened anywhere is shown at its nearest map point, so "records
scattered at random" must mean *scattered uniformly over the land, then moved to
the nearest map point*. Under that model the N records of a window fall on the
map points of the study area independently, each map point j with probability

    p_j = |V_j ∩ land| / sum_k |V_k ∩ land|

where ``V_j`` is the Voronoi cell of map point j (the land it stands for) and land
is BCP. The records expected within a disc of radius r around a position c are
then ``N * sum_{j: |x_j - c| <= r} p_j`` — not ``N pi r^2 / A``: map points are
dense in the town centres (many small catchments) and sparse in parks and
suburbs, and the uniform-land model mistakes the density of map points for a
density of crime (10 seeds of uniform-then-snapped noise gave DBSCAN 28–43
"hotspots" a month under it).

The map-point set is the union of the bundled months' points (computed once,
:func:`bundled_map_points`) and every location the dataset holds
(:func:`map_points`). Where the records do not sit on map points (a force export
with exact coordinates) the model falls back to uniform over the study area
(:func:`chance_model` decides and says so in :attr:`ChanceModel.note`).

Tests counted at a record's own location include that record (a Palm
distribution: given a record at x, the others are still the model's), so "m
records within eps of a record" is tested as ``Poisson(lambda) >= m - 1``
(:func:`palm_min_count`).

References
----------
data.police.uk, "About the data: anonymisation of locations" (map points).
Okabe, A., Boots, B., Sugihara, K. and Chiu, S. N. (2000) Spatial Tessellations:
Concepts and Applications of Voronoi Diagrams, 2nd ed. Wiley.
Daley, D. J. and Vere-Jones, D. (2008) An Introduction to the Theory of Point
Processes, vol. II, ch. 13 (Palm distributions, Mecke's formula).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from hotspots.data import schema as S
from hotspots.data.areas import Area, area_mask
from hotspots.data.boundaries import POLICE_UK_DIR, Boundaries, geodata_dir, load_boundaries
from hotspots.methods.neighbours import PointGrid

__all__ = [
    "MAP_POINTS",
    "SNAPPED_SHARE",
    "UNIFORM",
    "ChanceModel",
    "bundled_map_points",
    "catchment_weights",
    "chance_model",
    "map_points",
    "palm_min_count",
    "poisson_isf",
    "poisson_min_count",
]

MAP_POINTS = "map points"
UNIFORM = "uniform land"
#: records on known map points needed for the map-point model (the rest: uniform)
SNAPPED_SHARE = 0.95
_RES_M = 0.01  # as hotspots.data.points: positions equal to 1 cm are one map point
_SNAPPED_SOURCES = (S.SOURCE_POLICE_UK, S.SOURCE_SIMULATED)


def _key(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One int64 per position (1 cm resolution) for set operations."""
    ix = np.round(np.asarray(x, dtype="float64") / _RES_M).astype(np.int64)
    iy = np.round(np.asarray(y, dtype="float64") / _RES_M).astype(np.int64)
    return ix * 100_000_000 + iy


@functools.lru_cache(maxsize=2)
def _bundled(geodir: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the bundled map points, kept on disk (see :func:`_disk_cached`).

    The key is the street files' names, sizes and modification times and the BCP outline.
    """
    files = sorted((Path(geodir) / POLICE_UK_DIR).glob("*-street.csv"))
    stamp = "|".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
    key = stamp.encode() + b"|" + shapely.to_wkb(load_boundaries().outline)
    xy = _disk_cached(
        "map-points",
        key,
        lambda: np.vstack(_read_bundled(files)),
        lambda shape: len(shape) == 2 and shape[0] == 2,
    )
    return xy[0], xy[1]


def _read_bundled(files: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    cols = ["Longitude", "Latitude"]
    raw = pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False, usecols=cols) for f in files],
        ignore_index=True,
    )
    raw = raw[(raw["Longitude"] != "") & (raw["Latitude"] != "")].drop_duplicates()
    lon = raw["Longitude"].astype(float).to_numpy()
    lat = raw["Latitude"].astype(float).to_numpy()
    x, y = Transformer.from_crs(S.CRS_DISPLAY, S.CRS_METRES, always_xy=True).transform(lon, lat)
    x, y = np.round(x, 2), np.round(y, 2)  # as hotspots.data.ingest does
    outline = load_boundaries().outline
    shapely.prepare(outline)
    inside = shapely.contains_xy(outline, x, y)
    x, y = x[inside], y[inside]
    _, first = np.unique(_key(x, y), return_index=True)
    first.sort()
    return x[first], y[first]


def bundled_map_points() -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct police.uk map points inside BCP of the bundled months (x, y metres).

    Read from ``geodata/police_uk`` (longitude and latitude only, ~0.5 s), projected to
    EPSG:27700 and rounded to 1 cm as the importer does; once per process, and kept in
    the store root's ``.cache`` for the next process until a street file changes.
    """
    return _bundled(str(geodata_dir()))


def map_points(
    *locations: pd.DataFrame | tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Return the map-point set: the bundled points plus every police.uk location given.

    Parameters
    ----------
    *locations : record frames (their ``x``, ``y``; rows whose ``source`` is not
        police.uk or simulated are left out, since a force export has exact
        coordinates) or ``(x, y)`` arrays of known map points in metres — for a
        store, its distinct locations (``store.distinct(["x", "y", "source"])``),
        so the set grows with each import.

    Returns
    -------
    (x, y) float64 arrays of distinct positions, metres (EPSG:27700); bundled first.
    """
    xs, ys = [bundled_map_points()[0]], [bundled_map_points()[1]]
    for loc in locations:
        if isinstance(loc, pd.DataFrame):
            if S.SOURCE not in loc.columns:
                continue  # unknown provenance: not evidence of a map point
            f = loc[loc[S.SOURCE].isin(_SNAPPED_SOURCES).to_numpy(dtype=bool, na_value=False)]
            xs.append(f[S.X].to_numpy(dtype="float64"))
            ys.append(f[S.Y].to_numpy(dtype="float64"))
        else:
            xs.append(np.asarray(loc[0], dtype="float64"))
            ys.append(np.asarray(loc[1], dtype="float64"))
    x, y = np.concatenate(xs), np.concatenate(ys)
    _, first = np.unique(_key(x, y), return_index=True)
    first.sort()
    return x[first], y[first]


def catchment_weights(x: np.ndarray, y: np.ndarray, land: shapely.Geometry) -> np.ndarray:
    """Land area (m²) each map point stands for: its Voronoi cell clipped to ``land``.

    Parameters
    ----------
    x, y : map points, metres (distinct positions).
    land : polygon in the same metres (BCP land).

    Returns
    -------
    float64 array, one area per point (0 for a point whose cell misses the land);
    the areas sum to the land's area when every land position has a nearest point.
    Cost: one Voronoi diagram (shapely/GEOS, O(m log m)) and m clips, ~0.3 s for 6k.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    m = len(x)
    if m == 0:
        return np.empty(0)
    if m == 1:
        return np.array([float(land.area)])
    pts = shapely.points(x, y)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=land.envelope.buffer(1000.0)),
    )
    # the cells come in no promised order: match each to the point it contains
    tree = PointGrid(np.c_[x, y])
    rep = shapely.get_coordinates(shapely.point_on_surface(cells))
    # a Voronoi cell's owner is the nearest point to any position inside it
    _, owner = tree.query(rep)
    shapely.prepare(land)
    area = shapely.area(shapely.intersection(cells, land))
    out = np.zeros(m)
    np.add.at(out, owner, area)
    return out


CATCHMENT_CACHE = ".cache"  # under the store root (no dataset name starts with a dot)


def _disk_cached(stem: str, key: bytes, compute, shape_ok) -> np.ndarray:
    """``compute()`` (a float64 array) kept in ``<store root>/.cache/<stem>-<sha256 of key>.npy``.

    For results that only depend on ``key`` and cost a new process a noticeable part of a
    CLI call. A file that cannot be read, or whose shape ``shape_ok`` refuses, is computed
    again; a cache folder that cannot be written is skipped (computed each time).
    """
    import hashlib
    import os

    from hotspots.data.store_layout import store_root

    path = store_root() / CATCHMENT_CACHE / f"{stem}-{hashlib.sha256(key).hexdigest()[:40]}.npy"
    try:
        kept = np.load(path, allow_pickle=False)
        if kept.dtype == np.float64 and shape_ok(kept.shape):
            return kept
    except (OSError, ValueError):
        pass
    out = np.asarray(compute(), dtype="float64")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
        np.save(tmp, out, allow_pickle=False)
        os.replace(tmp, path)  # atomic: a reader sees the whole file or none
    except OSError:
        pass
    return out


@functools.lru_cache(maxsize=4)
def _catchments_cached(key: bytes, land_wkb: bytes) -> np.ndarray:
    """:func:`catchment_weights` once per process, and once per machine.

    The result is kept in ``<store root>/.cache/catchments-<sha256 of points and land>.npy`` so a
    new process (every CLI call) reads it instead of clipping thousands of Voronoi cells to the
    coast (0.3-0.4 s). The name is the hash of everything the result depends on; an unreadable or
    wrong-sized file is computed again.
    """
    xy = np.frombuffer(key, dtype="float64").reshape(2, -1)
    return _disk_cached(
        "catchments",
        key + b"|" + land_wkb,
        lambda: catchment_weights(xy[0], xy[1], shapely.from_wkb(land_wkb)),
        lambda shape: shape == (xy.shape[1],),
    )


@dataclass(frozen=True, eq=False)
class ChanceModel:
    """Where N records would fall by chance in a study area.

    Attributes
    ----------
    kind : :data:`MAP_POINTS` or :data:`UNIFORM`.
    x, y : map points inside the study area (metres); empty for the uniform model.
    share : probability of each map point (sums to 1); empty for the uniform model.
    area_m2 : the study area's land, m².
    area_name : its name, for notes.
    note : one sentence for people saying which model was used and why.
    """

    kind: str
    x: np.ndarray
    y: np.ndarray
    share: np.ndarray
    area_m2: float
    area_name: str
    note: str
    _tree: PointGrid | None = field(default=None, repr=False)

    @property
    def n_points(self) -> int:
        """The number of map points."""
        return len(self.x)

    def disc_share(self, cx: np.ndarray, cy: np.ndarray, radius_m: float) -> np.ndarray:
        """Return the expected share of the records within ``radius_m`` (inclusive) of each centre.

        Map points: the summed ``share`` of the map points in the disc. Uniform: the
        disc's area over the study area, ``pi r^2 / A`` (edge effects ignored, which
        errs on the side of finding fewer hotspots near the edge).
        """
        cx = np.asarray(cx, dtype="float64")
        cy = np.asarray(cy, dtype="float64")
        if self.kind == UNIFORM or self._tree is None:
            return np.full(len(cx), np.pi * radius_m**2 / self.area_m2 if self.area_m2 > 0 else 0.0)
        if len(cx) == 0:
            return np.zeros(0)
        hits = self._tree.query_ball_point(np.c_[cx, cy], r=radius_m * (1 + 1e-9))
        lens = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        flat = np.fromiter((j for h in hits for j in h), dtype=np.int64, count=int(lens.sum()))
        owner = np.repeat(np.arange(len(cx)), lens)
        return np.bincount(owner, weights=self.share[flat], minlength=len(cx))

    def point_share(self, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        """Probability of the map point at each position (0 where none; uniform: nan)."""
        cx = np.asarray(cx, dtype="float64")
        if self.kind == UNIFORM or self._tree is None:
            return np.full(len(cx), np.nan)
        d, j = self._tree.query(np.c_[cx, np.asarray(cy, dtype="float64")])
        return np.where(d <= _RES_M, self.share[j], 0.0)

    def sample(self, n: int, rng: np.random.Generator, extent: shapely.Geometry | None = None):
        """N records drawn from the model (x, y metres): for simulations and tests."""
        if self.kind == MAP_POINTS:
            j = rng.choice(self.n_points, size=n, p=self.share)
            return self.x[j], self.y[j]
        if extent is None:
            msg = "the uniform model needs the study area geometry to sample"
            raise ValueError(msg)
        minx, miny, maxx, maxy = extent.bounds
        xs, ys = [], []
        got = 0
        shapely.prepare(extent)
        while got < n:
            px = rng.uniform(minx, maxx, 2 * n)
            py = rng.uniform(miny, maxy, 2 * n)
            ok = shapely.contains_xy(extent, px, py)
            xs.append(px[ok])
            ys.append(py[ok])
            got += int(ok.sum())
        return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def chance_model(
    records: pd.DataFrame,
    area: Area | None,
    *,
    boundaries: Boundaries | None = None,
    points: tuple[np.ndarray, np.ndarray] | None = None,
    area_m2: float | None = None,
    area_name: str | None = None,
) -> ChanceModel:
    """Return the chance model for ``records`` in ``area`` (module docstring).

    Parameters
    ----------
    records : the window's records in the study area (``x``, ``y`` metres; ``source``
        if present).
    area : the study area (None: BCP).
    boundaries : for BCP land (default: bundled).
    points : the map-point set (default :func:`map_points` of ``records``): pass a
        store's locations here.
    area_m2, area_name : the uniform model's area and name where it differs from
        ``area`` (a method run without a study area uses the records' extent).

    Returns
    -------
    ChanceModel: map points when at least :data:`SNAPPED_SHARE` of the records sit on
    a known map point, else uniform over the area (announced in ``note``).
    """
    b = boundaries or load_boundaries()
    name = area_name or (area.name if area is not None else "BCP")
    geom = area.geometry if area is not None else b.outline
    a_m2 = float(area_m2) if area_m2 is not None else float(geom.area)
    px, py = points if points is not None else map_points(records)
    n = len(records)
    rx = records[S.X].to_numpy(dtype="float64") if n else np.empty(0)
    ry = records[S.Y].to_numpy(dtype="float64") if n else np.empty(0)
    snapped = np.isin(_key(rx, ry), _key(px, py)).mean() if n else 0.0
    if n and snapped >= SNAPPED_SHARE:
        # the map points of BCP stand for BCP land (records elsewhere are not in BCP data)
        shapely.prepare(b.outline)
        bcp = shapely.contains_xy(b.outline, px, py)
        px, py = px[bcp], py[bcp]
        key = np.concatenate([px, py]).astype("float64").tobytes()
        catch = _catchments_cached(key, shapely.to_wkb(b.outline))
        # the map points of the area, by the rule that selected the records
        inside = (
            np.ones(len(px), dtype=bool)
            if area is None or area.kind == "bcp"
            else area_mask(px, py, area)
        )
        inside &= catch > 0
        total = float(catch[inside].sum())
        if total > 0:
            share = catch[inside] / total
            x, y = px[inside], py[inside]
            note = (
                f"chance model: records scattered uniformly over {name} land and moved to "
                f"the nearest of its {inside.sum():,} police.uk map points (what police.uk does "
                "to every record), so busy streets with many map points are not mistaken for "
                "hotspots."
            )
            return ChanceModel(MAP_POINTS, x, y, share, a_m2, name, note, PointGrid(np.c_[x, y]))
    if not n:
        why = "no records"
    elif snapped >= SNAPPED_SHARE:
        why = "no police.uk map point of the records stands for land in the area"
    else:
        why = (
            f"{snapped:.0%} of the records sit on known police.uk map points: "
            "they have exact coordinates"
        )
    note = f"chance model: records scattered uniformly over {name} ({why})."
    e = np.empty(0)
    return ChanceModel(UNIFORM, e, e.copy(), e.copy(), a_m2, name, note, None)


# relative error of _poisson_sf against scipy.special.pdtrc is below 1e-12 on the grid the
# tests check; a comparison closer than this is handed to scipy
_SF_CLOSE = 1e-8
_LGAMMA = np.frompyfunc(math.lgamma, 1, 1)


def _poisson_sf(k: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``P(Poisson(mean) > k)`` for integer ``k >= 0``, elementwise, in numpy.

    The regularized lower incomplete gamma ``P(k + 1, mean)``: its power series where
    ``mean < k + 2`` (the upper tail, where small levels are tested), else one minus the
    Poisson CDF summed downward from ``k`` (Abramowitz and Stegun 1964, 6.5.29 and 26.4.21).
    Relative error about 1e-13 (against ``scipy.special.pdtrc`` in the tests); nan for
    ``k < 0``, as pdtrc.
    """
    k = np.floor(np.asarray(k, dtype="float64"))  # as pdtrc: k rounded down
    x = np.asarray(mean, dtype="float64")
    a = k + 1.0
    out = np.where((k < 0) | (x < 0), np.nan, 0.0)  # pdtrc's nan for k < 0
    pos = (x > 0) & (k >= 0)
    # log of the Poisson probability of exactly k + 1 (series) or k (cdf) records
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        series = pos & (x < a + 1.0)
        if series.any():
            aa, xx = a[series], x[series]
            log_front = -xx + aa * np.log(xx) - np.asarray(_LGAMMA(aa + 1.0), dtype="float64")
            term = np.ones(aa.shape)
            total = np.ones(aa.shape)
            n = 0
            while True:
                n += 1
                term = term * xx / (aa + n)
                total = total + term
                if not np.any(term > total * 1e-17) or n > 100_000:
                    break
            out[series] = np.exp(log_front) * total
        cdf = pos & ~series
        if cdf.any():
            kk, xx = k[cdf], x[cdf]
            term = np.exp(-xx + kk * np.log(xx) - np.asarray(_LGAMMA(kk + 1.0), dtype="float64"))
            total = term.copy()
            j = kk.copy()
            while True:
                live = j > 0
                if not live.any():
                    break
                term = np.where(live, term * j / xx, 0.0)
                j = np.where(live, j - 1.0, 0.0)
                total = total + term
                if not np.any(live & (term > total * 1e-17)):
                    break
            out[cdf] = 1.0 - total
    return out


def _pdtrc_below(k: np.ndarray, mean: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``scipy.special.pdtrc(k, mean) <= q``, elementwise, importing scipy only when needed.

    :func:`_poisson_sf` decides every element whose survival probability is not within a
    relative ``_SF_CLOSE`` of ``q``; the few that are (and tiny levels) ask scipy, so the
    answer is scipy's everywhere.
    """
    p = _poisson_sf(k, mean)
    nan = np.isnan(p) & (np.floor(k) < 0) & (mean >= 0)  # pdtrc(k < 0) is nan: never <= q
    close = ~nan & (~np.isfinite(p) | (np.abs(p - q) <= _SF_CLOSE * np.abs(q)) | (q < 1e-280))
    ok = p <= q
    if close.any():
        from scipy import special

        ok[close] = special.pdtrc(k[close], mean[close]) <= q[close]
    return ok


def poisson_min_count(mean: np.ndarray, level: float | np.ndarray) -> np.ndarray:
    """Smallest m with ``P(Poisson(mean) >= m) <= level``, elementwise (int64, >= 0)."""
    mean = np.asarray(mean, dtype="float64")
    level = np.broadcast_to(np.asarray(level, dtype="float64"), mean.shape)
    # isf(q) is the largest k with P(X > k) > q, so P(X >= isf + 1) <= q
    m = np.where(mean > 0, poisson_isf(np.minimum(level, 1.0), mean) + 1, 1)
    m = np.where(level >= 1.0, 0, m)
    return np.asarray(m, dtype=np.int64)


def poisson_isf(q: np.ndarray | float, mean: np.ndarray | float) -> np.ndarray:
    """``scipy.stats.poisson.isf(q, mean)`` without importing scipy.

    The smallest integer k >= 0 with ``P(Poisson(mean) > k) <= q`` (-1 where q >= 1), elementwise.

    Integer bisection on the Poisson survival function (:func:`_pdtrc_below`: numpy, and
    ``scipy.special.pdtrc`` only where the two sides are too close to call), so the command
    line imports neither ``scipy.stats`` nor ``scipy.special`` (issue 23). Exact to the same
    survival function as scipy.stats (tested on a grid of means and levels).
    """
    qa, ma = np.broadcast_arrays(np.asarray(q, dtype="float64"), np.asarray(mean, dtype="float64"))
    q_arr: np.ndarray = np.asarray(qa)
    mean_arr: np.ndarray = np.maximum(np.asarray(ma), 0.0)
    # P(X > mean + 38 sqrt(mean) + 800) < 1e-300 (Chernoff): a bound with sf <= q
    lo = np.full(mean_arr.shape, -1.0)
    hi = np.ceil(mean_arr + 38.0 * np.sqrt(mean_arr) + 800.0)
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2)
        ok = _pdtrc_below(mid, mean_arr, q_arr)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    return np.where(q_arr >= 1.0, -1.0, hi)


def palm_min_count(
    mean: np.ndarray,
    level: float,
    point_mean: np.ndarray | None = None,
) -> np.ndarray:
    """Return records within a radius *of a record* (itself included) that beat chance.

    Given a record at x, the other records within the radius are Poisson(``mean``)
    (Palm distribution), so the test is ``P(Poisson(mean) >= m - 1) <= level``:
    the record itself does not count as evidence. With ``point_mean`` (the records
    expected at the tested map point itself, mu), the family-wise bound is tighter:
    the chance that the point holds a record *and* m within the radius is at most
    ``min(mu * P(Poisson(mean) >= m - 1), P(Poisson(mean) >= m))`` (Mecke's formula),
    so a union over L map points at ``level = alpha / L`` keeps the chance of any
    false core point at most alpha.

    Returns int64 m per element.
    """
    mean = np.asarray(mean, dtype="float64")
    palm = poisson_min_count(mean, level) + 1
    if point_mean is None:
        return palm
    mu = np.asarray(point_mean, dtype="float64")
    with np.errstate(divide="ignore"):
        lvl = np.where(mu > 0, level / np.where(mu > 0, mu, 1.0), 1.0)
    mecke = poisson_min_count(mean, np.minimum(lvl, 1.0)) + 1
    whole = poisson_min_count(mean, level)
    return np.minimum(mecke, whole).astype(np.int64)
