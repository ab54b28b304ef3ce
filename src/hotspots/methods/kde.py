"""Kernel density (KDE) hotspots on a grid in EPSG:27700 metres.

The density surface is in records per km²: every record spreads one unit of
"volume" with a kernel that integrates to 1, as in ArcGIS Kernel Density with the
quartic (biweight) kernel of Silverman (1986) — the crime-mapping default (Chainey
and Ratcliffe 2005) — or a Gaussian kernel. Hotspots are the densest cells making
up ``top_share`` of the study area *that also hold more records than chance would
put there*, dissolved into separate areas.

The chance test (on by default, ``alpha=0.05``)
-----------------------------------------------
The densest 2% of any surface exists, even for records scattered at random, so a
top-share rule alone "finds" hotspots in noise. A cell is kept only when the
records within the search radius r of its centre (the quartic radius; for the
Gaussian, the radius of the quartic kernel with the same spread, sd * sqrt(8))
number at least the smallest m with ``P(Poisson(lambda_c) >= m) <= alpha / D``.
``lambda_c`` is what chance puts in that disc under the map-point model of
:mod:`hotspots.methods.chance`: N times the summed share (Voronoi catchment on
land) of the police.uk map points within r of the cell centre — records scattered
uniformly over the land and moved to their nearest map point, as police.uk does.
Where the records do not sit on map points (exact coordinates) it is the uniform
``N pi r^2 / A`` over the study area A. D is the number of cells tested (the densest
``top_share``), or the number of separate discs the area holds, A / (pi r^2), if
larger: a Bonferroni correction for looking everywhere. (Correcting only for the
separate discs is not enough: the busiest of many overlapping discs beats it in
uniform noise, as scan statistics show.) Hotspots holding no record are dropped.

Computation (exact where binning would not be)
-----------------------------------------------
All work is on distinct weighted locations (~8k for 1M police.uk records).

``quartic``
    Exact: for every location, the kernel is evaluated at the centres of the cells
    within ``bandwidth_m`` (a (2R+1)² block, R = ceil(bandwidth / cell)) and added
    with ``np.bincount``. Binning onto the grid and convolving errs by about 5%
    near the kernel's edge for the quartic, so it is not used. Cost O(m (2R+1)²).
``gaussian``
    Truncated at 6 standard deviations, where the kernel is e^-18 (1.5e-8) of its
    peak: at 4 sd (e^-8) cells near 1% of the peak lose over 1% of their value to
    far-away heavy locations. Either the same exact scatter, or (for a standard
    deviation of at least 1.52 cells, when estimated faster) the Gaussian split in two
    whose variances add up to its own: a narrow one (sd one cell) scattered exactly onto
    the cell centres, cached per record set, then one float32 FFT convolution with the
    other sampled at the cell centres (:mod:`hotspots.methods.kde_surface`, the scheme
    of KDEpy's ``FFTKDE`` with Gaussian gridding instead of linear binning). Its error
    is at most 6e-5 of a cell's value plus 1e-6 of the peak (Poisson summation and
    float32 rounding; tested against the exact sum, scipy and scikit-learn).

Hotspot shapes
--------------
The selected cells are joined into areas by the connected components of the cell
mask (cells sharing an edge; :func:`cell_areas`), each area's polygon being the
coverage union of its own squares: the same polygons as one union of every square,
without its cost.

Automatic parameters (announced in ``notes``)
---------------------------------------------
``cell_size_m``
    ArcGIS's rule: the shorter side of the extent (the study area, else the records)
    divided by 250, rounded to 1, 2, 2.5 or 5 times a power of ten (BCP: 50 m).
``bandwidth_m``
    From the data's own spacing: the record-weighted median distance from a
    record's police.uk map point to its 4th-nearest other map point
    (:func:`spacing_bandwidth_m`; BCP, Jan–Mar 2024: 200 m), so that a KDE hotspot is
    street-sized, unless the search radius of ArcGIS (10.2.1+) is smaller. That
    radius is a spatial variant of Silverman's rule of thumb robust to spatial
    outliers (570 m over BCP for the same months, a district):
    ``0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2`` with SD the record-weighted
    standard distance, Dm the weighted median distance from the weighted mean centre
    and n the number of records; rounded to two significant figures. For the
    Gaussian kernel ``bandwidth_m`` is the standard deviation and the default is that
    radius divided by sqrt(8): the Gaussian with the same spread (variance) as the
    quartic kernel, so both kernels smooth alike at their defaults.

References
----------
Silverman, B. W. (1986) Density Estimation for Statistics and Data Analysis. Chapman & Hall.
Chainey, S. and Ratcliffe, J. (2005) GIS and Crime Mapping. Wiley.
Chainey, S., Tompson, L. and Uhlig, S. (2008) The utility of hotspot mapping for
predicting spatial patterns of crime. Security Journal 21, 4–28.
Esri, "How Kernel Density works" (ArcGIS 10.2.1 and later: default search radius).
Wand, M. P. (1994) Fast computation of multivariate kernel estimators. J. Comput.
Graph. Stat. 3, 433–445 (linear binning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.data.areas import Area, area_mask, records_in_area, resolve_area
from hotspots.data.points import WeightedPoints, unique_locations
from hotspots.data.select import select_rows
from hotspots.methods.chance import MAP_POINTS, chance_model, poisson_isf, poisson_min_count
from hotspots.methods.grid import Grid, cell_polygons, grid_for
from hotspots.methods.kde_surface import GAUSS_TRUNCATE_SD, KERNELS, kernel_density
from hotspots.methods.naming import (
    NAME_WITHIN_M,
    check_records,
    describe_hotspots,
    empty_hotspots,
)
from hotspots.validation import (
    Interval,
    Options,
    Real,
    check_params,
)

if TYPE_CHECKING:
    from hotspots.data.boundaries import Boundaries

__all__ = [
    "DEFAULT_TOP_SHARE",
    "KERNELS",
    "KdeResult",
    "auto_bandwidth_m",
    "auto_cell_size_m",
    "cell_areas",
    "chance_min_count",
    "kde_hotspots",
    "kernel_density",
    "spacing_bandwidth_m",
]

DEFAULT_TOP_SHARE = 0.02
"""Default hotspot share of the study area (BCP: 3.2 km²). At 5% the Bournemouth
hotspot of three months of BCP data runs on from the Square to Boscombe."""
DENSITY = "density_per_km2"  # column of KdeResult.cells()
PEAK = "kde_peak_per_km2"  # extra hotspot column: highest cell density in the area
N_CELLS = "n_cells"

MIN_AUTO_CELL_M = 25.0


@dataclass(frozen=True)
class KdeResult:
    """KDE surface, hotspots and the parameters actually used.

    Attributes
    ----------
    hotspots : GeoDataFrame (EPSG:27700) with
        :data:`~hotspots.data.schema.HOTSPOT_COLUMNS`, ``places``, ``n_cells`` and
        ``kde_peak_per_km2``, sorted by rank.
    density : float64 array of ``grid.shape`` (row 0 south), records per km² at
        each cell centre.
    grid : the :class:`~hotspots.methods.grid.Grid` of ``density``.
    in_area : bool array of ``grid.shape``: cells whose centre is in the study area.
    kernel : "quartic" or "gaussian".
    cell_size_m, bandwidth_m : metres (bandwidth: quartic radius or Gaussian sd).
    top_share : share of the study area's cells taken as hotspot.
    threshold_per_km2 : lowest density of a hotspot cell (nan when none).
    n_records : records used (after the area filter).
    area_name : study area ("bounding box of the records" when none was given).
    notes : automatic choices and warnings.
    """

    hotspots: gpd.GeoDataFrame
    density: np.ndarray
    grid: Grid
    in_area: np.ndarray
    kernel: str
    cell_size_m: float
    bandwidth_m: float
    top_share: float
    threshold_per_km2: float
    n_records: int
    area_name: str
    notes: tuple[str, ...] = ()
    alpha: float | None = None
    chance_min_count: int | None = None

    @property
    def parameters(self) -> dict[str, object]:
        """Return the settings used, JSON-safe."""
        return {
            "method": "kde",
            "kernel": self.kernel,
            "cell_size_m": self.cell_size_m,
            "bandwidth_m": self.bandwidth_m,
            "top_share": self.top_share,
            "threshold_per_km2": None
            if math.isnan(self.threshold_per_km2)
            else self.threshold_per_km2,
            "n_records": self.n_records,
            "area": self.area_name,
            "alpha": self.alpha,
            "chance_min_count": self.chance_min_count,
        }

    def cells(self, min_density: float = 0.0) -> gpd.GeoDataFrame:
        """Cells in the study area with density above ``min_density``, as squares.

        Columns ``cell_id``, ``row``, ``col``, ``density_per_km2``; EPSG:27700.
        """
        mask = self.in_area & (self.density > min_density)
        gdf = cell_polygons(self.grid, mask)
        gdf[DENSITY] = self.density[mask]
        return gdf


# --- automatic parameters -------------------------------------------------------


def _nice(value: float, steps: tuple[float, ...] = (1.0, 2.0, 2.5, 5.0)) -> float:
    """Round to the nearest of ``steps`` times a power of ten (on a log scale)."""
    if value <= 0 or not math.isfinite(value):
        return float("nan")
    p = 10 ** math.floor(math.log10(value))
    cands = [s * p for s in steps] + [10 * p]
    return float(min(cands, key=lambda c: abs(math.log(c / value))))


def _sig2(value: float) -> float:
    if value <= 0:
        return value
    return float(round(value, 1 - math.floor(math.log10(value))))


def auto_cell_size_m(bounds: tuple[float, float, float, float]) -> float:
    """ArcGIS default cell: shorter side of ``bounds`` (metres) / 250, rounded to a nice value.

    Never below ``MIN_AUTO_CELL_M`` (25 m): police.uk records sit on anonymised map
    points about 50 m or more apart, so finer cells only draw the kernel's shape
    round each point. Returns 25 m when the extent is empty or a single point.
    """
    minx, miny, maxx, maxy = bounds
    short = min(maxx - minx, maxy - miny)
    if not (math.isfinite(short) and short > 0):
        return MIN_AUTO_CELL_M
    return max(MIN_AUTO_CELL_M, _nice(short / 250.0))


def auto_bandwidth_m(points: WeightedPoints) -> float:
    """ArcGIS default search radius (quartic), a spatial Silverman rule robust to outliers.

    ``0.9 * min(SD, sqrt(1/ln 2) * Dm) * n**-0.2``: SD is the weighted standard
    distance (metres), Dm the weighted median distance to the weighted mean centre,
    n the number of records (sum of weights). Not rounded. Returns 0 for fewer than
    two distinct locations.
    """
    if len(points) < 2:
        return 0.0
    w = points.weight.astype("float64")
    n = float(w.sum())
    mx, my = np.average(points.x, weights=w), np.average(points.y, weights=w)
    d = np.hypot(points.x - mx, points.y - my)
    sd = math.sqrt(float(np.average((points.x - mx) ** 2 + (points.y - my) ** 2, weights=w)))
    order = np.argsort(d, kind="stable")
    cw = np.cumsum(w[order])
    dm = float(d[order][np.searchsorted(cw, cw[-1] / 2)])
    return 0.9 * min(sd, math.sqrt(1 / math.log(2)) * dm) * n**-0.2


SPACING_NEIGHBOURS = 4
"""k of :func:`spacing_bandwidth_m`: a record's map point and its 4 nearest others."""


def spacing_bandwidth_m(points: WeightedPoints, k: int = SPACING_NEIGHBOURS) -> float:
    """Quartic radius from the data's own spacing.

    The record-weighted median distance (metres) from a record's map point to the k-th nearest other
    map point.

    police.uk records sit on anonymised map points; a kernel that reaches a record's
    own map point and its ``k`` = 4 nearest neighbours spreads each record over
    the few points police.uk could have snapped it to (a street), not over a
    district. Measured on the bundled months at BCP scale: 200 m for January–March
    2024, 260 m for January 2024 (Silverman's rule: 570 m and 700 m). Returns 0 for
    fewer than ``k + 1`` distinct locations.
    """
    from hotspots.methods.neighbours import PointGrid

    if len(points) <= k:
        return 0.0
    xy = np.c_[points.x, points.y]
    d, _ = PointGrid(xy).query(xy, k=k + 1)
    dk = d[:, k]
    order = np.argsort(dk, kind="stable")
    cw = np.cumsum(points.weight[order].astype("float64"))
    return float(dk[order][np.searchsorted(cw, cw[-1] / 2)])


# --- hotspots -------------------------------------------------------------------


def _union_of_squares(squares: np.ndarray) -> object:
    """Return the union of one component's cell squares.

    ``shapely.coverage_union_all`` (fast: the squares share edges exactly); some GEOS
    versions (3.13) give an invalid ring where a hole touches the shell at a corner, so an
    invalid result is redone with the general union.
    """
    g = shapely.coverage_union_all(squares)
    return g if shapely.is_valid(g) else shapely.union_all(squares)


def cell_areas(grid: Grid, mask: np.ndarray, density: np.ndarray) -> gpd.GeoDataFrame:
    """Join the cells where ``mask`` holds into separate areas (edges join; corners do not).

    The same areas as :func:`hotspots.methods.naming.dissolve_cells` on the cells'
    squares, built from the mask instead of one union of every square: the connected
    components of the mask (cells sharing an edge; numbered as ``scipy.sparse.csgraph`` does) give each area's cells, its cell count and peak at once, and each area's
    polygon is the coverage union of its own squares only (``shapely.coverage_union_all``,
    for squares that share edges exactly, as grid cells do).

    Returns
    -------
    GeoDataFrame (EPSG:27700) with ``n_cells``, ``kde_peak_per_km2`` and one Polygon per
    area, largest first; among equal areas the higher peak density first, then the one
    whose first cell comes first in row-major order. (One union of every square gave
    equal areas in GEOS's order; the ranks of hotspots of equal count and area follow
    their peak density now.)
    """
    from hotspots.methods.neighbours import connected_components

    i, j = np.nonzero(mask)  # row-major: each component's cells in flat-id order
    n = 0
    if len(i):
        # the graph of selected cells, an edge to each selected east and north neighbour
        idx = np.full(mask.shape, -1, dtype=np.int64)
        idx[i, j] = np.arange(len(i))
        east = idx[:, 1:][mask[:, :-1] & mask[:, 1:]]
        west = idx[:, :-1][mask[:, :-1] & mask[:, 1:]]
        north = idx[1:, :][mask[:-1, :] & mask[1:, :]]
        south = idx[:-1, :][mask[:-1, :] & mask[1:, :]]
        a, b = np.r_[west, south], np.r_[east, north]
        n, lab = connected_components(len(i), a, b)
    if n == 0:
        return gpd.GeoDataFrame(
            {N_CELLS: pd.Series(dtype="int64"), PEAK: pd.Series(dtype="float64")},
            geometry=gpd.GeoSeries([], crs=S.CRS_METRES),
            crs=S.CRS_METRES,
        )
    c = grid.cell_size_m
    x = grid.x0 + j * c
    y = grid.y0 + i * c
    boxes = shapely.box(x, y, x + c, y + c)
    n_cells = np.bincount(lab, minlength=n).astype("int64")
    peak = np.full(n, -np.inf)
    np.maximum.at(peak, lab, density[i, j].astype("float64"))
    order = np.argsort(lab, kind="stable")
    starts = np.r_[0, np.cumsum(n_cells)[:-1]]
    geoms = np.array(
        [
            boxes[order[a]] if k == 1 else _union_of_squares(boxes[order[a : a + k]])
            for a, k in zip(starts, n_cells, strict=True)
        ],
        dtype=object,
    )
    first = i[order[starts]] * grid.nx + j[order[starts]]
    # area is cells times c²: larger first; among equal areas the higher peak (as Gi* ranks
    # ties by their peak z), then the position of the first cell (row-major)
    rank = np.lexsort((first, -peak, -n_cells))
    return gpd.GeoDataFrame(
        {N_CELLS: n_cells[rank], PEAK: peak[rank]},
        geometry=gpd.GeoSeries(geoms[rank], crs=S.CRS_METRES),
        crs=S.CRS_METRES,
    ).reset_index(drop=True)


def chance_min_count(
    n_records: int,
    radius_m: float,
    area_m2: float,
    alpha: float,
    n_tests: int = 1,
) -> tuple[int, float, float]:
    """Return records a disc of ``radius_m`` must hold to beat chance (module docstring).

    Returns
    -------
    (m, mean, tests): the smallest m with ``P(Poisson(mean) >= m) <= alpha / tests``,
    the Poisson mean ``N pi r^2 / A`` and the number of tests corrected for,
    ``max(n_tests, A / (pi r^2), 1)``.
    """
    disc = math.pi * radius_m**2
    mean = n_records * disc / area_m2 if area_m2 > 0 else 0.0
    discs = max(1.0, float(n_tests), area_m2 / disc)
    m = int(poisson_isf(alpha / discs, mean)) + 1 if mean > 0 else 1
    return max(1, m), mean, discs


def _disc_counts(
    pts: WeightedPoints,
    cx: np.ndarray,
    cy: np.ndarray,
    radius_m: float,
) -> np.ndarray:
    """Return records within ``radius_m`` (inclusive) of each centre, from distinct locations."""
    from hotspots.methods.neighbours import PointGrid

    if len(pts) == 0 or len(cx) == 0:
        return np.zeros(len(cx))
    tree = PointGrid(np.c_[pts.x, pts.y])
    hits = tree.query_ball_point(np.c_[cx, cy], r=radius_m * (1 + 1e-9))
    w = pts.weight.astype("float64")
    return np.array([w[h].sum() for h in hits])


def kde_hotspots(
    records: pd.DataFrame,
    *,
    kernel: str = "quartic",
    cell_size_m: float | None = None,
    bandwidth_m: float | None = None,
    top_share: float = DEFAULT_TOP_SHARE,
    alpha: float | None = 0.05,
    area: Area | str | None = None,
    gazetteer: gpd.GeoDataFrame | None = None,
    boundaries: Boundaries | None = None,
    name_within_m: float = NAME_WITHIN_M,
    map_points: tuple[np.ndarray, np.ndarray] | None = None,
) -> KdeResult:
    """Kernel density surface and its densest cells as hotspots.

    Parameters
    ----------
    records : canonical records (``x``, ``y`` metres, EPSG:27700).
    kernel : "quartic" (default, crime-mapping convention) or "gaussian".
    cell_size_m : grid cell side, metres. Default: automatic (module docstring).
    bandwidth_m : quartic radius / Gaussian standard deviation, metres. Default:
        automatic (module docstring).
    top_share : share of the study area taken as hotspot, in (0, 0.5]; default 0.02,
        the densest 2% of the study area's cells (Chainey et al. 2008 compare
        methods at fixed area shares).
    alpha : family-wise level of the chance test (module docstring), default 0.05;
        ``None`` keeps every top-share cell (the plain ArcGIS-style surface cut).
    area : study area (:class:`~hotspots.data.areas.Area` or spec). Records outside
        are dropped; the grid covers its extent; ``top_share`` counts cells whose
        centre is inside. Default: the bounding box of the records.
    gazetteer, boundaries, name_within_m : naming, see
        :func:`hotspots.methods.naming.describe_hotspots`.
    map_points : the police.uk map-point set of the chance test (default: the
        bundled points plus the records' own, :func:`hotspots.methods.chance.map_points`).

    Returns
    -------
    KdeResult
    """
    records = check_records(records)
    p = check_params(
        {"kernel": kernel, "cell_size_m": cell_size_m, "bandwidth_m": bandwidth_m, "alpha": alpha,
             "top_share": top_share},
        {
            "kernel": [Options(KERNELS)],
            "cell_size_m": [Interval(Real, 0, 10_000, closed="right", unit="metres"), None],
            "bandwidth_m": [Interval(Real, 0, 50_000, closed="right", unit="metres"), None],
            "alpha": [Interval(Real, 0, 0.5, closed="right"), None],
            "top_share": [Interval(Real, 0, 0.5, closed="right", unit="of the area")],
        },
    )  # fmt: skip
    cell_size_m, bandwidth_m, alpha = p["cell_size_m"], p["bandwidth_m"], p["alpha"]
    top_share = p["top_share"]

    notes: list[str] = []
    study = resolve_area(area, boundaries) if area is not None else None
    if study is not None:
        records = select_rows(records, records_in_area(records, study))
    n = len(records)
    pts = unique_locations(
        records[S.X].to_numpy(dtype="float64"),
        records[S.Y].to_numpy(dtype="float64"),
    )

    if study is not None:
        bounds = tuple(float(b) for b in study.geometry.bounds)
        area_name = study.name
    elif len(pts):
        bounds = (float(pts.x.min()), float(pts.y.min()), float(pts.x.max()), float(pts.y.max()))
        area_name = "bounding box of the records"
    else:
        bounds = (0.0, 0.0, 0.0, 0.0)
        area_name = "bounding box of the records"

    if cell_size_m is None:
        cell_size_m = auto_cell_size_m(bounds)  # type: ignore[arg-type]
        notes.append(
            f"cell size set to {cell_size_m:g} m: shorter side of the extent of {area_name} / 250 "
            f"(ArcGIS rule), rounded, at least {MIN_AUTO_CELL_M:g} m.",
        )
    c = float(cell_size_m)

    if bandwidth_m is None:
        silverman = _sig2(auto_bandwidth_m(pts))
        spacing = _sig2(spacing_bandwidth_m(pts))
        radius = min(silverman, spacing) if spacing > 0 else silverman
        rule = (
            f"the record-weighted median distance from a record's map point to its "
            f"{SPACING_NEIGHBOURS}th-nearest other map point (the data's own spacing; "
            f"Silverman's rule would give {silverman:g} m)"
            if radius == spacing and spacing > 0
            else "ArcGIS spatial variant of Silverman's rule of thumb (below the data's spacing)"
        )
        if radius <= 0:
            radius = 10 * c
            notes.append(
                f"fewer than two distinct locations: quartic radius set to 10 cells ({radius:g} m).",
            )
        if kernel == "quartic":
            bandwidth_m = radius
            notes.append(
                f"bandwidth (quartic radius) set to {radius:g} m: {rule}, over {n:,} records.",
            )
        else:
            bandwidth_m = _sig2(radius / math.sqrt(8))
            notes.append(
                f"bandwidth (Gaussian standard deviation) set to {bandwidth_m:g} m: the Gaussian "
                f"with the spread of a quartic kernel of radius {radius:g} m ({rule}, over "
                f"{n:,} records).",
            )
        if kernel == "quartic" and bandwidth_m < c:
            bandwidth_m = c
            notes.append(
                f"bandwidth raised to the cell size ({c:g} m) so that every record reaches a cell.",
            )
    h = float(bandwidth_m)

    reach = h if kernel == "quartic" else GAUSS_TRUNCATE_SD * h
    minx, miny, maxx, maxy = bounds
    grid = grid_for((minx, miny, maxx, maxy), c, pad_m=reach if n else 0.0)

    if study is not None:
        cx, cy = grid.centres()
        in_area = area_mask(cx.ravel(), cy.ravel(), study).reshape(grid.shape)
    else:
        cx, cy = grid.centres()
        in_area = (cx >= minx) & (cx <= maxx) & (cy >= miny) & (cy <= maxy)
        if not in_area.any():
            in_area = np.zeros(grid.shape, dtype=bool)
            i, j, ok = grid.index_of(np.array([minx]), np.array([miny]))
            if ok[0]:
                in_area[i[0], j[0]] = True

    density = kernel_density(pts.x, pts.y, pts.weight, grid, bandwidth_m=h, kernel=kernel)
    extra = {N_CELLS: "int64", PEAK: "float64"}
    params: dict[str, Any] = {
        "kernel": kernel,
        "cell_size_m": c,
        "bandwidth_m": h,
        "top_share": top_share,
        "alpha": alpha,
    }
    n_area = int(in_area.sum())
    if n == 0 or n_area == 0:
        notes.append(
            "no records: no hotspots." if n == 0 else "the study area holds no cell centre.",
        )
        return KdeResult(
            empty_hotspots(extra),
            density,
            grid,
            in_area,
            threshold_per_km2=float("nan"),
            n_records=n,
            area_name=area_name,
            notes=tuple(notes),
            **params,
        )

    k_top = max(1, math.ceil(top_share * n_area - 1e-9))
    vals = density[in_area]
    threshold = float(np.partition(vals, n_area - k_top)[n_area - k_top])
    selected = in_area & (density >= threshold) & (density > 0)
    if threshold <= 0:
        threshold = float(density[selected].min()) if selected.any() else float("nan")
        notes.append(
            f"only {int(selected.sum())} cells of the study area have any density: fewer than "
            f"{top_share:.0%} of the area is marked.",
        )
    elif int(selected.sum()) > k_top:
        notes.append(f"{int(selected.sum()) - k_top} extra cells tie with the threshold density.")
    m_crit = None
    if alpha is not None and selected.any():
        radius = h if kernel == "quartic" else h * math.sqrt(8)
        a_m2 = float(study.geometry.area) if study is not None else n_area * c * c
        si, sj = np.nonzero(selected)
        gx, gy = grid.centres()
        region = study or Area(area_name, "polygon", "", shapely.box(*bounds))
        model = chance_model(
            records,
            region,
            boundaries=boundaries,
            points=map_points,
            area_m2=a_m2,
        )
        notes.append(model.note)
        m_crit, mean, discs = chance_min_count(n, radius, a_m2, alpha, len(si))
        held = _disc_counts(pts, gx[si, sj], gy[si, sj], radius)
        if model.kind == MAP_POINTS:
            # per cell: what chance puts on the map points within the radius
            means = n * model.disc_share(gx[si, sj], gy[si, sj], radius)
            need = np.maximum(1, poisson_min_count(means, alpha / discs))
            beat = held >= need
            m_crit = int(need.min())
            what = (
                f"at least {m_crit}–{int(need.max())} records within {radius:g} m (per cell: "
                f"what chance puts on the map points within {radius:g} m, {means.min():.1f}–"
                f"{means.max():.1f} on average)"
            )
        else:
            beat = held >= m_crit
            what = (
                f"at least {m_crit} records within {radius:g} m; records scattered at random "
                f"over {area_name} would put {mean:.1f} there on average"
            )
        selected[si[~beat], sj[~beat]] = False
        notes.append(
            f"chance test: a hotspot cell needs {what} ({alpha:.0%} family-wise over "
            f"{discs:,.0f} tests, Poisson). {int(beat.sum()):,} of the {len(beat):,} densest "
            "cells pass.",
        )
        if not beat.any():
            threshold = float("nan")
    params["chance_min_count"] = m_crit
    polys = cell_areas(grid, selected, density)
    hot = describe_hotspots(
        polys,
        records,
        gazetteer=gazetteer,
        boundaries=boundaries,
        name_within_m=name_within_m,
        points=pts,
    )
    if len(hot) and (hot[S.COUNT] == 0).any():
        hot = hot[hot[S.COUNT] > 0].reset_index(drop=True)
        hot[S.RANK] = np.arange(1, len(hot) + 1)
    return KdeResult(
        hot,
        density,
        grid,
        in_area,
        threshold_per_km2=threshold,
        n_records=n,
        area_name=area_name,
        notes=tuple(notes),
        **params,
    )
