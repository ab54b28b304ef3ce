"""Getis-Ord Gi* hot and cold spots on a square grid of counts.

Written by hand (no PySAL dependency) after Getis and Ord (1992) and Ord and
Getis (1995): binary distance-band weights that include the cell itself (the
"star" statistic), the analytical z-score under the normal approximation,
two-sided p-values, and a Benjamini-Hochberg false-discovery-rate correction
(on by default) because a 100 m grid over BCP runs ~16,000 tests at once.

The statistic for cell *i* with neighbourhood weights ``w_ij`` (1 if the centre
of *j* lies within ``distance_m`` of the centre of *i*, *i* included) is::

    z_i = (sum_j w_ij x_j - xbar * W_i) / (s * sqrt((n * S1_i - W_i**2) / (n - 1)))

with ``W_i = sum_j w_ij``, ``S1_i = sum_j w_ij**2`` (= ``W_i`` for binary weights),
``xbar`` and ``s`` the mean and (population) standard deviation of the ``n``
counts of the study area (Ord and Getis 1995, eq. 9). This is the same value
as ``esda.G_Local(y, w, transform="B", star=True).Zs``.

References
----------
Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use of
distance statistics. Geographical Analysis 24(3), 189-206.
Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation statistics:
distributional issues and an application. Geographical Analysis 27(4), 286-306.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate.
JRSS B 57(1), 289-300.
Chainey, S. (2014). Examining the extent to which hotspot analysis can support
spatial predictions of crime. PhD thesis, UCL (Gi* on grids of crime counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage, signal, stats
from scipy.spatial import cKDTree

from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.errors import InputError
from hotspots.methods.grid import Grid, bin_counts, cell_polygons, grid_for

__all__ = [
    "GI_CLASSES",
    "GISTAR_COLUMNS",
    "GiStarResult",
    "gistar",
    "gistar_z",
    "gistar_grid_z",
    "bh_adjust",
    "classify_gi",
    "default_cell_size_m",
    "study_grid",
    "gistar_on_grid",
    "DEFAULT_DISTANCE_CELLS",
    "resolve_scales",
]

HOT_99, HOT_95, HOT_90 = "Hot 99%", "Hot 95%", "Hot 90%"
NOT_SIGNIFICANT = "Not significant"
COLD_90, COLD_95, COLD_99 = "Cold 90%", "Cold 95%", "Cold 99%"
GI_CLASSES: tuple[str, ...] = (HOT_99, HOT_95, HOT_90, NOT_SIGNIFICANT, COLD_90, COLD_95, COLD_99)

CELL_ID = "cell_id"
GI_Z = "gi_z"
P_VALUE = "p_value"
P_ADJUSTED = "p_adjusted"
GI_CLASS = "gi_class"
GISTAR_COLUMNS: list[str] = [CELL_ID, S.COUNT, GI_Z, P_VALUE, P_ADJUSTED, GI_CLASS, "geometry"]

#: Default distance band, in cells: every cell whose centre is within 3 cell
#: widths of the centre of cell i (29 cells including i: a disc of ~300 m radius
#: on a 100 m grid, about the scale of a town-centre street block).
DEFAULT_DISTANCE_CELLS = 3.0
_CELL_SIZE_CHOICES_M = (100.0, 50.0, 25.0)
_MIN_CELLS_ACROSS = 20
_EPS = 1e-9


# --------------------------------------------------------------------------- core maths
def _z_from_sums(
    lag: np.ndarray, w_sum: np.ndarray, s1: np.ndarray, xbar: float, s: float, n: int
) -> np.ndarray:
    """Ord and Getis (1995) eq. 9 from the neighbourhood sums; NaN where undefined."""
    num = lag - xbar * w_sum
    var_term = (n * s1 - w_sum**2) / (n - 1) if n > 1 else np.zeros_like(w_sum)
    den = s * np.sqrt(np.clip(var_term, 0.0, None))
    z = np.full(np.shape(lag), np.nan)
    ok = den > _EPS * max(1.0, abs(xbar))
    np.divide(num, den, out=z, where=ok)
    return z


def gistar_z(values: np.ndarray, x: np.ndarray, y: np.ndarray, distance: float) -> np.ndarray:
    """Gi* z-scores for points with binary distance-band weights (self included).

    Parameters
    ----------
    values : array of shape (n,), the variable (e.g. counts).
    x, y : arrays of shape (n,), coordinates (metres for EPSG:27700; any unit
        consistent with ``distance``).
    distance : float, the band: j is a neighbour of i when ``d(i, j) <= distance``
        (inclusive, as in ``libpysal.weights.DistanceBand``).

    Returns
    -------
    z : float64 array of shape (n,); NaN where the statistic is undefined (all
        values equal, or a point whose band covers every point).

    Notes
    -----
    Neighbour pairs come from a k-d tree, so the cost is O(n log n + pairs).
    Pinned in the tests to esda's fixture: six points, y = [2, 3, 3.2, 5, 8, 7],
    threshold 15, binary, star: z of the first point = -1.39727626.
    """
    v = np.asarray(values, dtype="float64")
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    if not (v.shape == x.shape == y.shape and v.ndim == 1):
        raise InputError("values, x, y", (v.shape, x.shape, y.shape), "1-D arrays of equal length")
    if not (math.isfinite(distance) and distance >= 0):
        raise InputError("distance", distance, "a non-negative number in the units of x and y")
    n = len(v)
    if n == 0:
        return np.empty(0)
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(
        distance * (1 + _EPS), output_type="ndarray"
    )
    lag = v.copy()
    w_sum = np.ones(n)
    if len(pairs):
        i, j = pairs[:, 0], pairs[:, 1]
        np.add.at(lag, i, v[j])
        np.add.at(lag, j, v[i])
        np.add.at(w_sum, i, 1.0)
        np.add.at(w_sum, j, 1.0)
    xbar = float(v.mean())
    s = float(np.sqrt(max(float((v**2).mean()) - xbar**2, 0.0)))
    return _z_from_sums(lag, w_sum, w_sum, xbar, s, n)


def _kernel(cell_size_m: float, distance_m: float) -> np.ndarray:
    r = int(math.floor(distance_m / cell_size_m + _EPS))
    off = np.arange(-r, r + 1)
    di, dj = np.meshgrid(off, off, indexing="ij")
    return (np.hypot(di, dj) * cell_size_m <= distance_m * (1 + _EPS)).astype("float64")


def _neigh_sum(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    # the kernel is symmetric, so convolution equals correlation; scipy picks
    # direct or FFT by size. Direct sums are exact; FFT errs ~1e-12 of the total.
    return signal.convolve(a, kernel, mode="same", method="auto")


def gistar_grid_z(
    counts: np.ndarray,
    cell_size_m: float,
    distance_m: float,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Gi* z-scores for a raster of counts, by convolution.

    Parameters
    ----------
    counts : float array of shape (ny, nx), counts per cell.
    cell_size_m : float, cell width in metres.
    distance_m : float, distance band in metres between cell centres (inclusive).
    mask : bool array of shape (ny, nx), the cells of the study area (default all).
        Cells outside the mask are neither tested nor counted as neighbours, and
        ``n``, the mean and the standard deviation are taken over the mask only.

    Returns
    -------
    z : float64 array of shape (ny, nx); NaN outside the mask and where undefined.

    Notes
    -----
    O(N log N) for N cells via ``scipy.signal.convolve`` (direct for small
    kernels, FFT otherwise): ~10 ms for a 100 m grid over BCP (36k cells, 16k in
    the study area). Equal to :func:`gistar_z` on the cell centres.
    """
    c = np.asarray(counts, dtype="float64")
    if c.ndim != 2:
        raise InputError("counts", c.shape, "a 2-D array (rows, columns)")
    m = np.ones(c.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if m.shape != c.shape:
        raise InputError("mask", m.shape, f"the shape of counts {c.shape}")
    if not (math.isfinite(distance_m) and distance_m >= 0):
        raise InputError("distance_m", distance_m, "a non-negative number of metres")
    n = int(m.sum())
    z = np.full(c.shape, np.nan)
    if n == 0:
        return z
    cm = np.where(m, c, 0.0)
    k = _kernel(cell_size_m, distance_m)
    lag = _neigh_sum(cm, k)
    w_sum = np.rint(_neigh_sum(m.astype("float64"), k))
    vals = cm[m]
    xbar = float(vals.mean())
    s = float(np.sqrt(max(float((vals**2).mean()) - xbar**2, 0.0)))
    z[m] = _z_from_sums(lag[m], w_sum[m], w_sum[m], xbar, s, n)
    return z


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN in, NaN out.

    ``q_(k) = min_{j >= k} min(1, m p_(j) / j)`` over the m non-NaN p-values
    sorted ascending (Benjamini and Hochberg 1995). Equal to
    ``scipy.stats.false_discovery_control(p, method="bh")`` on finite input.
    """
    p = np.asarray(p, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    pv = p[ok]
    m = len(pv)
    if m == 0:
        return out
    order = np.argsort(pv, kind="stable")
    ranked = pv[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.clip(q, 0.0, 1.0)
    out[ok] = adj
    return out


def classify_gi(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Gi* class per cell from z (sign) and p (two-sided, adjusted or not).

    Hot/Cold 99% when p < 0.01, 95% when p < 0.05, 90% when p < 0.10; otherwise
    (and where z or p is NaN) ``Not significant``. Returns an object array of
    labels from :data:`GI_CLASSES`.
    """
    z = np.asarray(z, dtype="float64")
    p = np.asarray(p, dtype="float64")
    out = np.full(z.shape, NOT_SIGNIFICANT, dtype=object)
    ok = np.isfinite(z) & np.isfinite(p)
    for level, hot, cold in (
        (0.10, HOT_90, COLD_90),
        (0.05, HOT_95, COLD_95),
        (0.01, HOT_99, COLD_99),
    ):
        sig = ok & (p < level)
        out[sig & (z > 0)] = hot
        out[sig & (z < 0)] = cold
    return out


# --------------------------------------------------------------------------- defaults
def default_cell_size_m(area: Area) -> float:
    """Largest of 100, 50, 25 m giving at least 20 cells across the area's shorter side.

    100 m for BCP, a town or most wards; 50 m or 25 m for a small place.
    """
    minx, miny, maxx, maxy = area.geometry.bounds
    short = min(maxx - minx, maxy - miny)
    for c in _CELL_SIZE_CHOICES_M:
        if short / c >= _MIN_CELLS_ACROSS:
            return c
    return _CELL_SIZE_CHOICES_M[-1]


def _check_positive(name: str, value: float | None) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InputError(name, value, "a positive number of metres")


def study_grid(area: Area, cell_size_m: float) -> tuple[Grid, np.ndarray]:
    """The grid over ``area`` and the mask of its study cells.

    Study cells are those whose square overlaps the area with positive area
    (touching only an edge does not count), so every record inside the area
    falls in a study cell; cells are kept whole, not cut at the boundary, so two
    periods or two analyses share identical cells. Grids are anchored on whole
    multiples of the cell size (see :func:`hotspots.methods.grid.grid_for`).

    Notes
    -----
    Cells the boundary cannot cross are decided by their centre (one vectorised
    point-in-polygon test); only cells within one cell of a boundary vertex
    (the boundary densified to half a cell) get the exact test ``intersects and
    not touches``. ~0.08 s for BCP at 100 m, ~1 s at 25 m (575k cells).
    """
    grid = grid_for(area.geometry.bounds, cell_size_m)
    c = grid.cell_size_m
    geom = area.geometry
    shapely.prepare(geom)
    cx, cy = grid.centres()
    mask = shapely.contains_xy(geom, cx, cy)
    xy = shapely.get_coordinates(shapely.segmentize(shapely.boundary(geom), c / 2))
    i, j, inside = grid.index_of(xy[:, 0], xy[:, 1])
    near = np.zeros(grid.shape, dtype=bool)
    near[i[inside], j[inside]] = True
    near = ndimage.binary_dilation(near, structure=np.ones((3, 3), dtype=bool))
    ni, nj = np.nonzero(near)
    x0 = grid.x0 + nj * c
    y0 = grid.y0 + ni * c
    boxes = shapely.box(x0, y0, x0 + c, y0 + c)
    mask[ni, nj] = shapely.intersects(geom, boxes) & ~shapely.touches(geom, boxes)
    return grid, mask


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class GiStarResult:
    """Gi* per grid cell.

    Attributes
    ----------
    grid : GeoDataFrame (EPSG:27700), one row per study cell (see
        :func:`study_grid`) with ``cell_id`` (flat id ``row * nx + col`` on the
        anchored grid), ``count`` (records), ``gi_z``, ``p_value`` (two-sided,
        normal), ``p_adjusted`` (Benjamini-Hochberg when ``fdr``, else equal to
        ``p_value``), ``gi_class`` (:data:`GI_CLASSES`, from ``p_adjusted``), geometry.
    cell_size_m, distance_m : the cell width and distance band used, metres.
    fdr, alpha : whether the FDR correction was applied; the level used by
        :attr:`hot_mask` / :attr:`cold_mask` (cells with ``p_adjusted < alpha``).
    area_name : the study area.
    n_records : records inside the study area.
    notes : automatic choices and warnings, in plain English.
    """

    grid: gpd.GeoDataFrame
    cell_size_m: float
    distance_m: float
    fdr: bool
    alpha: float
    area_name: str
    n_records: int
    notes: tuple[str, ...]

    @property
    def hot_mask(self) -> np.ndarray:
        g = self.grid
        return ((g[GI_Z] > 0) & (g[P_ADJUSTED] < self.alpha)).to_numpy(dtype=bool)

    @property
    def cold_mask(self) -> np.ndarray:
        g = self.grid
        return ((g[GI_Z] < 0) & (g[P_ADJUSTED] < self.alpha)).to_numpy(dtype=bool)

    def class_counts(self) -> dict[str, int]:
        vc = self.grid[GI_CLASS].value_counts()
        return {c: int(vc.get(c, 0)) for c in GI_CLASSES}

    def to_dict(self) -> dict:
        return {
            "method": "gistar",
            "area": self.area_name,
            "cell_size_m": self.cell_size_m,
            "distance_m": self.distance_m,
            "fdr": self.fdr,
            "alpha": self.alpha,
            "n_records": self.n_records,
            "n_cells": len(self.grid),
            "class_counts": self.class_counts(),
            "notes": list(self.notes),
        }


def _empty_grid() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            CELL_ID: pd.Series(dtype="int64"),
            S.COUNT: pd.Series(dtype="int64"),
            GI_Z: pd.Series(dtype="float64"),
            P_VALUE: pd.Series(dtype="float64"),
            P_ADJUSTED: pd.Series(dtype="float64"),
            GI_CLASS: pd.Series(dtype="object"),
        },
        geometry=gpd.GeoSeries([], crs=S.CRS_METRES),
        crs=S.CRS_METRES,
    )


def gistar_on_grid(
    x: np.ndarray,
    y: np.ndarray,
    grid: Grid,
    mask: np.ndarray,
    *,
    distance_m: float,
    fdr: bool = True,
    weights: np.ndarray | None = None,
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """Gi* for points (metres) on a given grid and study mask; used by hotspot change.

    Pass unique locations with ``weights`` (record counts) where possible.
    Returns the cell frame (columns :data:`GISTAR_COLUMNS`) and notes.
    """
    notes: list[str] = []
    counts = bin_counts(grid, x, y, weights)
    counts = np.where(mask, counts, 0.0)
    z = gistar_grid_z(counts, grid.cell_size_m, distance_m, mask)
    cells = cell_polygons(grid, mask)
    zi = z[mask]
    p = np.where(np.isfinite(zi), 2.0 * stats.norm.sf(np.abs(zi)), np.nan)
    padj = bh_adjust(p) if fdr else p.copy()
    if mask.any() and counts.sum() > 0 and not np.isfinite(zi).any():
        notes.append(
            "Gi* is undefined here (every cell has the same count, or one neighbourhood "
            "covers the whole area): all cells are reported not significant."
        )
    frame = gpd.GeoDataFrame(
        {
            CELL_ID: cells[CELL_ID].to_numpy(dtype="int64"),
            S.COUNT: np.rint(counts[mask]).astype("int64"),
            GI_Z: zi,
            P_VALUE: p,
            P_ADJUSTED: padj,
            GI_CLASS: classify_gi(zi, padj),
        },
        geometry=cells.geometry.values,
        crs=S.CRS_METRES,
    )
    return frame, tuple(notes)


def resolve_scales(
    area: Area, cell_size_m: float | None, distance_m: float | None
) -> tuple[float, float, list[str]]:
    """Validate or choose (and announce) the cell size and distance band for ``area``."""
    _check_positive("cell_size_m", cell_size_m)
    _check_positive("distance_m", distance_m)
    notes: list[str] = []
    if cell_size_m is None:
        cell_size_m = default_cell_size_m(area)
        notes.append(
            f"cell size set to {cell_size_m:g} m (largest of 100/50/25 m giving at least "
            f"{_MIN_CELLS_ACROSS} cells across {area.name})"
        )
    cell_size_m = float(cell_size_m)
    if distance_m is None:
        distance_m = DEFAULT_DISTANCE_CELLS * cell_size_m
        k = int(_kernel(cell_size_m, distance_m).sum())
        notes.append(
            f"distance band set to {distance_m:g} m ({DEFAULT_DISTANCE_CELLS:g} cells; "
            f"each cell is compared with the {k} cells, itself included, whose centres lie within it)"
        )
    distance_m = float(distance_m)
    if distance_m < cell_size_m:
        notes.append(
            f"the distance band ({distance_m:g} m) is shorter than a cell ({cell_size_m:g} m): "
            "each cell is its own only neighbour, so Gi* only rescales the counts"
        )
    return cell_size_m, distance_m, notes


def gistar(
    records: pd.DataFrame,
    *,
    cell_size_m: float | None = None,
    distance_m: float | None = None,
    fdr: bool = True,
    alpha: float = 0.05,
    area: Area | str | None = None,
) -> GiStarResult:
    """Getis-Ord Gi* hot and cold spots of record counts on a square grid.

    Parameters
    ----------
    records : canonical records (:data:`hotspots.data.schema.RECORD_COLUMNS`),
        already filtered to the months and categories wanted.
    cell_size_m : float, optional. Cell width in metres; default from the area
        (:func:`default_cell_size_m`: 100 m for BCP), announced in ``notes``.
    distance_m : float, optional. Distance band in metres between cell centres,
        inclusive; default 3 cells (300 m on a 100 m grid), announced in ``notes``.
    fdr : bool, default True. Benjamini-Hochberg correction of the p-values
        across the study cells; classes then come from the adjusted p-values.
    alpha : float, default 0.05. Level used by ``hot_mask``/``cold_mask``.
    area : Area or spec, default BCP. Records outside it are ignored; study cells
        are those overlapping it (:func:`study_grid`).

    Returns
    -------
    GiStarResult

    Notes
    -----
    Records are binned from their distinct locations (``unique_locations``).
    Cost: one grid binning and two convolutions, ~0.13 s for BCP at 100 m
    (median of 5 runs, 27k records; mostly area masks and the cell polygons).

    References
    ----------
    Getis and Ord (1992); Ord and Getis (1995); Benjamini and Hochberg (1995).
    """
    from hotspots.data.points import unique_locations

    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise InputError("alpha", alpha, "a number between 0 and 1", "For example 0.05.")
    a = resolve_area(area)
    cell_size_m, distance_m, notes = resolve_scales(a, cell_size_m, distance_m)
    if len(records):
        inside = records_in_area(records, a)
        recs = records[inside]
    else:
        recs = records
    n = len(recs)
    if n == 0:
        notes.append("no records in the area and period: nothing to test")
        return GiStarResult(
            _empty_grid(), cell_size_m, distance_m, bool(fdr), float(alpha), a.name, 0, tuple(notes)
        )
    grid, mask = study_grid(a, cell_size_m)
    pts = unique_locations(recs[S.X].to_numpy(), recs[S.Y].to_numpy())
    frame, more = gistar_on_grid(
        pts.x, pts.y, grid, mask, distance_m=distance_m, fdr=fdr, weights=pts.weight
    )
    notes.extend(more)
    if fdr:
        notes.append(
            f"p-values corrected for {len(frame):,} simultaneous tests (Benjamini-Hochberg false "
            "discovery rate); classes use the corrected values"
        )
    return GiStarResult(
        frame, cell_size_m, distance_m, bool(fdr), float(alpha), a.name, n, tuple(notes)
    )
