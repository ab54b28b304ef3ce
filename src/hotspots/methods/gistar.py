"""Getis-Ord Gi* hot and cold spots on a square grid of counts.

Written by hand (no PySAL dependency) after Getis and Ord (1992) and Ord and
Getis (1995): binary distance-band weights that include the cell itself (the
"star" statistic), exact p-values under the map-point chance model of
:mod:`hotspots.methods.chance` where records sit on police.uk map points (else
by conditional permutation, Anselin 1995), a Benjamini-Hochberg false-discovery-rate
correction (on by default, because a 100 m grid over BCP runs ~17,000 tests at once),
and hotspots cut at the peaks of z so that each is street-sized.

The statistic and its inference (z, permutation p-values, BH, classes) are in
:mod:`hotspots.methods.gistar_stat`; this module grids the records, chooses the
scales, wraps the result and cuts hotspots. It stays over 500 lines because about
130 of them are this description and the references, which belong with the method.

The statistic for cell *i* with neighbourhood weights ``w_ij`` (1 if the centre
of *j* lies within ``distance_m`` of the centre of *i*, *i* included) is::

    z_i = (sum_j w_ij x_j - xbar * W_i) / (s * sqrt((n * S1_i - W_i**2) / (n - 1)))

with ``W_i = sum_j w_ij``, ``S1_i = sum_j w_ij**2`` (= ``W_i`` for binary weights),
``xbar`` and ``s`` the mean and (population) standard deviation of the ``n``
counts of the study area (Ord and Getis 1995, eq. 9). This is the same value
as ``esda.G_Local(y, w, transform="B", star=True).Zs``.

Inference (default). Where the records sit on police.uk map points the null is
the map-point chance model: the N records fall independently on the study area's
map points with their catchment shares, so the band sum of cell *i* is exactly
Binomial(N, P_i), P_i the summed share of the band's cells, and the p-value is its
tail in the direction of z, doubled (:func:`binomial_grid_p`): exact, vectorised,
no permutations. Otherwise (exact coordinates), or when ``permutations`` is given,
the conditional permutation test below is used; the notes say which.

Permutation inference. Reading ``z_i`` against the normal distribution assumes many
neighbours with well-behaved counts. A month of police.uk records leaves ~93%
of 100 m cells empty and puts dozens of records on single snap points; the
normal approximation then flags 766 hot cells in Jan 2024 after FDR, 488 of them
empty. Conditional randomisation (Anselin 1995) asks instead how often the
``k_i - 1`` neighbours of cell *i*, drawn at random without replacement from the
other ``n - 1`` study cells with ``x_i`` kept, sum to as much as observed: the
test of ``esda.G_Local(..., star=True, permutations=...)``, here two-sided, with
draws shared between cells (:func:`conditional_permutation_p`) and enough of
them for the FDR correction to work (:func:`auto_permutations`). On the same
month it keeps ~140 hot cells. ``permutations=0`` gives the normal p-values.

Only study cells (those overlapping the study area; pass the area clipped to
land) are tested, counted as neighbours or permuted.

References
----------
Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use of
distance statistics. Geographical Analysis 24(3), 189-206.
Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation statistics:
distributional issues and an application. Geographical Analysis 27(4), 286-306.
Anselin, L. (1995). Local indicators of spatial association - LISA.
Geographical Analysis 27(2), 93-115 (conditional randomisation).
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate.
JRSS B 57(1), 289-300.
Chainey, S. (2014). Examining the extent to which hotspot analysis can support
spatial predictions of crime. PhD thesis, UCL (Gi* on grids of crime counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.data.frames import records_frame
from hotspots.methods.gistar_stat import (
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    FLOOR_CELLS,
    GI_CLASSES,
    auto_permutations,
    bh_adjust,
    binomial_grid_p,
    check_permutations,
    classify_gi,
    conditional_permutation_p,
    disc_kernel,
    gistar_grid_p,
    gistar_grid_z,
    gistar_z,
)
from hotspots.methods.grid import Grid, bin_counts, cell_polygons, grid_for
from hotspots.validation import (
    LEVEL,
    POSITIVE_METRES,
    check_param,
    check_params,
)

__all__ = [
    "DEFAULT_DISTANCE_CELLS",
    "DEFAULT_PERMUTATIONS",
    "DEFAULT_SEED",
    "GISTAR_COLUMNS",
    "GI_CLASSES",
    "HOTSPOT_AREA_COLUMNS",
    "MAP_POINT_INFERENCE",
    "GiStarResult",
    "auto_permutations",
    "auto_permutations_note",
    "bh_adjust",
    "binomial_grid_p",
    "check_permutations",
    "classify_gi",
    "conditional_permutation_p",
    "default_cell_size_m",
    "gistar",
    "gistar_grid_p",
    "gistar_grid_z",
    "gistar_hotspot_areas",
    "gistar_on_grid",
    "gistar_z",
    "inference_note",
    "resolve_scales",
    "study_grid",
]


CELL_ID = "cell_id"
GI_Z = "gi_z"
P_VALUE = "p_value"
P_ADJUSTED = "p_adjusted"
GI_CLASS = "gi_class"
GISTAR_COLUMNS: list[str] = [CELL_ID, S.COUNT, GI_Z, P_VALUE, P_ADJUSTED, GI_CLASS, "geometry"]

#: :attr:`GiStarResult.inference`: exact binomial tails under the map-point chance
#: model (:func:`binomial_grid_p`), conditional permutation, or the normal approximation
MAP_POINT_INFERENCE = "map points"
PERMUTATION_INFERENCE = "permutation"
NORMAL_INFERENCE = "normal"

#: Default distance band, in cells: every cell whose centre is within 3 cell
#: widths of the centre of cell i (29 cells including i: a disc of ~300 m radius
#: on a 100 m grid, about the scale of a town-centre street block).
DEFAULT_DISTANCE_CELLS = 3.0
_CELL_SIZE_CHOICES_M = (100.0, 50.0)
_MIN_CELLS_ACROSS = 20


# --------------------------------------------------------------------------- defaults
def default_cell_size_m(area: Area) -> float:
    """100 m when that gives at least 20 cells across the area's shorter side, else 50 m.

    100 m for BCP, a town or most wards; 50 m for a small place. Never finer: police.uk
    records sit on anonymised map points about 50 m or more apart, so 25 m cells only
    split one map point's records from empty neighbours.
    """
    minx, miny, maxx, maxy = area.geometry.bounds
    short = min(maxx - minx, maxy - miny)
    for c in _CELL_SIZE_CHOICES_M:
        if short / c >= _MIN_CELLS_ACROSS:
            return c
    return _CELL_SIZE_CHOICES_M[-1]


def study_grid(area: Area, cell_size_m: float) -> tuple[Grid, np.ndarray]:
    """Return the grid over ``area`` and the mask of its study cells.

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
        :attr:`hot_mask` (hot cells with ``p_adjusted < alpha``).
    area_name : the study area.
    n_records : records inside the study area.
    notes : automatic choices and warnings, in plain English.
    permutations, seed : conditional permutations per cell (0 = normal
        approximation, or none needed) and the seed of their draws.
    inference : how the p-values were obtained: :data:`MAP_POINT_INFERENCE`
        (exact, the default where records sit on police.uk map points),
        ``"permutation"`` or ``"normal"``.
    """

    grid: gpd.GeoDataFrame
    cell_size_m: float
    distance_m: float
    fdr: bool
    alpha: float
    area_name: str
    n_records: int
    notes: tuple[str, ...]
    permutations: int = DEFAULT_PERMUTATIONS
    seed: int | None = DEFAULT_SEED
    inference: str = PERMUTATION_INFERENCE

    @property
    def hot_mask(self) -> np.ndarray:
        """True for each hot cell: positive z and adjusted p below ``alpha``."""
        g = self.grid
        return ((g[GI_Z] > 0) & (g[P_ADJUSTED] < self.alpha)).to_numpy(dtype=bool)

    def class_counts(self) -> dict[str, int]:
        """Cells per Gi* class, every class present."""
        vc = self.grid[GI_CLASS].value_counts()
        return {c: int(vc.get(c, 0)) for c in GI_CLASSES}

    def to_dict(self) -> dict:
        """Return the parameters and class counts, JSON-safe."""
        return {
            "method": "gistar",
            "area": self.area_name,
            "cell_size_m": self.cell_size_m,
            "distance_m": self.distance_m,
            "fdr": self.fdr,
            "alpha": self.alpha,
            "permutations": self.permutations,
            "seed": self.seed,
            "inference": self.inference,
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
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    cell_share: np.ndarray | None = None,
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """Gi* for points (metres) on a given grid and study mask; used by hotspot change.

    Pass unique locations with ``weights`` (record counts) where possible.
    ``permutations`` and ``seed`` as :func:`gistar_grid_p` (0 = normal p-values;
    :func:`auto_permutations` gives the number :func:`gistar` uses). With
    ``cell_share`` (the map-point chance share of each grid cell) the p-values are
    the exact binomial tails of :func:`binomial_grid_p` instead, and
    ``permutations`` is not used.
    Returns the cell frame (columns :data:`GISTAR_COLUMNS`) and notes.
    """
    permutations, seed = check_permutations(permutations, seed)  # type: ignore[assignment]
    notes: list[str] = []
    counts = bin_counts(grid, x, y, weights)
    counts = np.where(mask, counts, 0.0)
    z = gistar_grid_z(counts, grid.cell_size_m, distance_m, mask)
    cells = cell_polygons(grid, mask)
    zi = z[mask]
    if cell_share is not None:
        p = binomial_grid_p(counts, cell_share, grid.cell_size_m, distance_m, mask, z=z)[mask]
    else:
        p = gistar_grid_p(
            counts,
            grid.cell_size_m,
            distance_m,
            mask,
            permutations=permutations,
            seed=seed,
        )[mask]
    p = np.where(np.isfinite(zi), p, np.nan)
    padj = bh_adjust(p) if fdr else p.copy()
    if mask.any() and counts.sum() > 0 and not np.isfinite(zi).any():
        notes.append(
            "Gi* is undefined here (every cell has the same count, or one neighbourhood "
            "covers the whole area): all cells are reported not significant.",
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


def auto_permutations_note(permutations: int, n_tests: int, fdr: bool) -> str:
    """Return the sentence that announces the automatic number of permutations."""
    why = (
        f"so that the false-discovery-rate correction over {n_tests:,} cells can pass cells "
        f"at the smallest p-value a permutation test gives once {FLOOR_CELLS} share it"
        if fdr
        else "the smallest p-value it gives is far below the levels used"
    )
    return f"permutations set to {permutations:,} per cell ({why})"


def inference_note(permutations: int, seed: int | None, inference: str | None = None) -> str:
    """Return the sentence that announces how the Gi* p-values were obtained."""
    if inference == MAP_POINT_INFERENCE:
        return (
            "p-values exact under the map-point chance model: each cell's neighbourhood "
            "count is Binomial(N, its map points' share) (tail in the direction of Gi*, "
            "doubled); no permutations"
        )
    if permutations == 0:
        return "p-values from the normal approximation of Gi* (two-sided)"
    seed_txt = "a fresh random seed" if seed is None else f"seed {seed}"
    return (
        f"p-values from {permutations:,} conditional permutations per cell (two-sided, "
        f"{seed_txt}; smallest possible p {2 / (permutations + 1):.2g})"
    )


def resolve_scales(
    area: Area,
    cell_size_m: float | None,
    distance_m: float | None,
) -> tuple[float, float, list[str]]:
    """Validate or choose (and announce) the cell size and distance band for ``area``."""
    p = check_params(
        {"cell_size_m": cell_size_m, "distance_m": distance_m},
        {"cell_size_m": [POSITIVE_METRES, None], "distance_m": [POSITIVE_METRES, None]},
    )
    cell_size_m, distance_m = p["cell_size_m"], p["distance_m"]
    notes: list[str] = []
    if cell_size_m is None:
        cell_size_m = default_cell_size_m(area)
        notes.append(
            f"cell size set to {cell_size_m:g} m (100 m when that gives at least "
            f"{_MIN_CELLS_ACROSS} cells across {area.name}, else 50 m: not finer than the "
            "police.uk map-point spacing)",
        )
    cell_size_m = float(cell_size_m)
    if distance_m is None:
        distance_m = DEFAULT_DISTANCE_CELLS * cell_size_m
        k = int(disc_kernel(cell_size_m, distance_m).sum())
        notes.append(
            f"distance band set to {distance_m:g} m ({DEFAULT_DISTANCE_CELLS:g} cells; "
            f"each cell is compared with the {k} cells, itself included, whose centres lie "
            "within it)",
        )
    distance_m = float(distance_m)
    if distance_m < cell_size_m:
        notes.append(
            f"the distance band ({distance_m:g} m) is shorter than a cell ({cell_size_m:g} m): "
            "each cell is its own only neighbour, so Gi* only rescales the counts",
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
    permutations: int | None = None,
    seed: int | None = DEFAULT_SEED,
    map_points: tuple[np.ndarray, np.ndarray] | None = None,
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
    alpha : float, default 0.05. Level used by ``hot_mask``.
    area : Area or spec, default BCP. Records outside it are ignored; study cells
        are those overlapping it (:func:`study_grid`). Pass the area clipped to
        land: cells of the sea or of a neighbouring district are then neither
        tested nor permuted.
    permutations : int, optional. Default (None): exact p-values under the
        map-point chance model (:func:`binomial_grid_p`, no permutations) when
        the records sit on police.uk map points
        (:func:`hotspots.methods.chance.chance_model`), else conditional
        permutation with :func:`auto_permutations` (99,999 for BCP at 100 m).
        A number > 0 asks for conditional permutation with that many draws per
        cell (:func:`conditional_permutation_p`, the esda test); 0 = normal
        approximation. The choice is announced in ``notes``.
    seed : int or None, default 0. Seed of the permutations, so reruns agree.
    map_points : the police.uk map-point set of the chance model (default: the
        bundled points plus the records' own, :func:`hotspots.methods.chance.map_points`).

    Returns
    -------
    GiStarResult

    Notes
    -----
    Records are binned from their distinct locations (``unique_locations``).
    Cost: one grid binning, three convolutions and the permutations (~25 ms for
    17k cells at 9,999); see ``benchmarks/hotspots.py`` for 1M records.
    :func:`gistar_hotspot_areas` turns the hot cells into street-sized hotspots.

    References
    ----------
    Getis and Ord (1992); Ord and Getis (1995); Anselin (1995); Benjamini and
    Hochberg (1995).
    """
    from hotspots.data.points import unique_locations

    records = records_frame(records)
    alpha = check_param("alpha", alpha, [LEVEL], "For example 0.05.")
    permutations, seed = check_permutations(permutations, seed, allow_none=True)
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
            _empty_grid(), cell_size_m, distance_m, bool(fdr), float(alpha), a.name, 0,
            tuple(notes), int(permutations or 0), seed,
        )  # fmt: skip
    grid, mask = study_grid(a, cell_size_m)
    pts = unique_locations(recs[S.X].to_numpy(), recs[S.Y].to_numpy())
    cell_share = None
    if permutations is None:
        from hotspots.methods.chance import MAP_POINTS, chance_model

        model = chance_model(recs, a, points=map_points)
        notes.append(model.note)
        if model.kind == MAP_POINTS:
            cell_share = np.where(mask, bin_counts(grid, model.x, model.y, model.share), 0.0)
            if cell_share.sum() <= 0:
                cell_share = None
        if cell_share is None:
            permutations = auto_permutations(int(mask.sum()), alpha, fdr)
            notes.append(auto_permutations_note(permutations, int(mask.sum()), fdr))
        else:
            permutations = 0
    permutations = int(permutations)
    if cell_share is not None:
        inference = MAP_POINT_INFERENCE
    else:
        inference = PERMUTATION_INFERENCE if permutations else NORMAL_INFERENCE
    frame, more = gistar_on_grid(
        pts.x,
        pts.y,
        grid,
        mask,
        distance_m=distance_m,
        fdr=fdr,
        weights=pts.weight,
        permutations=permutations,
        seed=seed,
        cell_share=cell_share,
    )
    notes.extend(more)
    notes.append(inference_note(permutations, seed, inference))
    if fdr:
        notes.append(
            f"p-values corrected for {len(frame):,} simultaneous tests (Benjamini-Hochberg false "
            "discovery rate); classes use the corrected values",
        )
    return GiStarResult(
        frame, cell_size_m, distance_m, bool(fdr), float(alpha), a.name, n, tuple(notes),
        permutations, seed, inference,
    )  # fmt: skip


# --------------------------------------------------------------------------- hotspots
HOTSPOT_AREA_COLUMNS: list[str] = ["n_cells", "peak_gi_z", "min_p_adjusted", S.COUNT, "geometry"]


def _empty_areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "n_cells": pd.Series(dtype="int64"),
            "peak_gi_z": pd.Series(dtype="float64"),
            "min_p_adjusted": pd.Series(dtype="float64"),
            S.COUNT: pd.Series(dtype="int64"),
        },
        geometry=gpd.GeoSeries([], crs=S.CRS_METRES),
        crs=S.CRS_METRES,
    )


def gistar_hotspot_areas(result: GiStarResult) -> gpd.GeoDataFrame:
    """Street-sized Gi* hotspots: one polygon per peak of the hot cells, with its records.

    Parameters
    ----------
    result : a :class:`GiStarResult`.

    Returns
    -------
    GeoDataFrame (EPSG:27700) with exactly :data:`HOTSPOT_AREA_COLUMNS`:
    ``n_cells`` (int64, cells in the polygon), ``peak_gi_z`` (float64, z at the
    peak), ``min_p_adjusted`` (float64, smallest adjusted p-value among the hot
    cells within the band of the peak), ``count`` (int64, records in its cells, always > 0),
    geometry (the union of its cells; may be multipart). Sorted by ``count``,
    then ``peak_gi_z``, both descending. Zero rows, same columns, when no cell is hot.

    Notes
    -----
    *The rule.* A peak is a hot cell (``z > 0`` and adjusted p < ``alpha``) whose
    z is the largest among the hot cells within the distance band of it. Peaks
    are taken in descending z (a peak of equal z within the band of one already
    taken is skipped); each peak's hotspot is the study cells within the band of
    the peak, not yet taken by a higher peak, that hold at least one record.

    *Why.* Gi* of a cell sums its whole neighbourhood (29 cells at 100 m / 300 m),
    so one busy place makes a disc of hot cells around it, most of them empty, and
    neighbouring busy places merge into one district-sized hot area (4.5 km²
    around Bournemouth centre with the normal approximation). The records that
    make a peak significant are those of the peak's own neighbourhood, so that
    neighbourhood is the hotspot: each hotspot is at most one band around its
    peak (29 cells, 0.29 km² at 100 m / 300 m), peaks of two hotspots are more
    than one band apart, and a hot district splits at its peaks (a watershed at
    the scale of the band). Hot cells on the flank of a peak, beyond its band, do
    not start hotspots of their own: a hotter cell lies within their band, and
    their z comes from its records. Empty cells are left out: they are hot only
    because a busy neighbour is within the band. A busy cell can itself be not significant
    (conditional permutation fixes its own count and asks only whether its neighbours are
    unusual) while its neighbours are hot because of it; it still belongs to their hotspot.

    Cost: one pass over the hot cells, ~10 ms for a few hundred hot cells.
    """
    g = result.grid
    hot = result.hot_mask
    if len(g) == 0 or not hot.any():
        return _empty_areas()
    c = float(result.cell_size_m)
    b = g.geometry.bounds
    col = np.rint((b["minx"].to_numpy() - b["minx"].min()) / c).astype(np.int64)
    row = np.rint((b["miny"].to_numpy() - b["miny"].min()) / c).astype(np.int64)
    kern = disc_kernel(c, result.distance_m)
    r = kern.shape[0] // 2
    di, dj = (a - r for a in np.nonzero(kern))
    shape = (int(row.max()) + 1 + 2 * r, int(col.max()) + 1 + 2 * r)
    index = np.full(shape, -1, dtype=np.int64)  # cell position in g, padded by r
    index[row + r, col + r] = np.arange(len(g))
    z = g[GI_Z].to_numpy(dtype="float64")
    padj = g[P_ADJUSTED].to_numpy(dtype="float64")
    count = g[S.COUNT].to_numpy(dtype="int64")
    # peaks: hot cells whose z is the largest of the hot cells within the band
    zhot = np.full(shape, -np.inf)
    zhot[row[hot] + r, col[hot] + r] = z[hot]
    band_max = ndimage.maximum_filter(zhot, footprint=kern > 0, mode="constant", cval=-np.inf)
    is_peak = hot & (z >= band_max[row + r, col + r])
    cand = np.flatnonzero(is_peak)
    # descending z; ties by more records, then by cell id, so reruns agree
    cand = cand[np.lexsort((g[CELL_ID].to_numpy()[cand], -count[cand], -z[cand]))]
    near_of = {int(i): index[row[i] + r + di, col[i] + r + dj] for i in cand}
    covered = np.zeros(len(g), dtype=bool)
    owner = np.full(len(g), -1, dtype=np.int64)
    peaks: list[int] = []
    min_p: list[float] = []
    for i in cand:
        if covered[i]:
            continue  # a peak of equal z within the band of a peak already taken
        near = near_of[int(i)]
        near = near[near >= 0]
        covered[near] = True
        min_p.append(float(padj[near[hot[near]]].min()))
        free = near[(owner[near] < 0) & (count[near] > 0)]
        owner[free] = len(peaks)
        peaks.append(int(i))
    taken = owner >= 0
    k = len(peaks)
    n_cells = np.bincount(owner[taken], minlength=k)
    total = np.bincount(owner[taken], weights=count[taken], minlength=k)
    keep = n_cells > 0
    if not keep.any():
        return _empty_areas()
    geoms = g.geometry.values[taken]
    parts = [shapely.union_all(geoms[owner[taken] == h]) for h in np.flatnonzero(keep)]
    out = gpd.GeoDataFrame(
        {
            "n_cells": n_cells[keep].astype("int64"),
            "peak_gi_z": z[np.asarray(peaks)[keep]].astype("float64"),
            "min_p_adjusted": np.asarray(min_p, dtype="float64")[keep],
            S.COUNT: np.rint(total[keep]).astype("int64"),
        },
        geometry=gpd.GeoSeries(parts, crs=S.CRS_METRES).values,
        crs=S.CRS_METRES,
    )
    out = out.sort_values([S.COUNT, "peak_gi_z"], ascending=False, kind="stable")
    return out.reset_index(drop=True)
