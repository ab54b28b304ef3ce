"""Andresen's spatial point pattern test and S index between two periods.

Does the spatial pattern of records in period B differ from period A? For each
unit (LSOA or grid cell) Andresen's test compares the unit's share of A (the
*base*) with a 95% nonparametric interval of its share of B (the *test* data),
obtained by resampling 85% of the B records without replacement 100 times. A
unit whose base share lies inside the interval is *similar*; above it, its
share went *down*; below it, *up*. The S index is the share of similar units,
from 0 (every unit changed) to 1 (identical patterns); the robust S index
counts only units with records in A or B (Andresen 2016), so that empty units
do not make two patterns look alike.

Sampling 85% of the B records without replacement and counting them per unit
is a multivariate hypergeometric draw, done directly from the unit counts
(``numpy.random.Generator.multivariate_hypergeometric``), with a fixed seed.

References
----------
Andresen, M. A. (2009). Testing for similarity in area-based spatial patterns: a
nonparametric Monte Carlo approach. Applied Geography 29(3), 333-345.
Andresen, M. A. and Malleson, N. (2011). Testing the stability of crime
patterns: implications for theory and policy. Journal of Research in Crime and
Delinquency 48(1), 58-82.
Andresen, M. A. (2016). An area-based nonparametric spatial point pattern test:
the test, its applications, and the future. Methodological Innovations 9, 1-11.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from hotspots.comparison.windows import Window, window
from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.data.boundaries import load_boundaries
from hotspots.data.points import unique_locations
from hotspots.data.select import filter_records
from hotspots.errors import InputError
from hotspots.methods.gistar import default_cell_size_m, study_grid
from hotspots.validation import (
    LEVEL,
    POSITIVE_METRES,
    SEED,
    Integral,
    Interval,
    Options,
    Real,
    validate_params,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_SEED",
    "SINDEX_COLUMNS",
    "UNITS",
    "SIndexResult",
    "s_index",
    "sppt",
]

UNITS = ("lsoa", "grid")
DEFAULT_SEED = 20090301  # fixed: the same data always gives the same S index
SIMILAR, UP, DOWN = "similar", "up", "down"
#: The resampling arguments of :func:`sppt` and :func:`s_index`, declared once.
_SPPT_CONSTRAINTS = {
    "samples": [Interval(Integral, 10, None, unit="resamples")],
    "sample_share": [Interval(Real, 0, 1, closed="right")],
    "conf": [LEVEL],
    "seed": [SEED],
}
_SPPT_HINTS = {"samples": "Andresen uses 100.", "sample_share": "Andresen uses 0.85."}
SINDEX_COLUMNS: list[str] = [
    "unit_id", "name", "count_a", "count_b", "pct_a", "pct_b", "ci_low", "ci_high", "change",
    "geometry",
]  # fmt: skip


@validate_params(_SPPT_CONSTRAINTS, _SPPT_HINTS)
def sppt(
    base: np.ndarray,
    test: np.ndarray,
    *,
    samples: int = 100,
    sample_share: float = 0.85,
    conf: float = 0.95,
    seed: int = DEFAULT_SEED,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Andresen's test on unit counts: (base %, test-sample interval low, high, change).

    Parameters
    ----------
    base, test : int arrays of shape (k,), records per unit in the base (A) and
        test (B) periods.
    samples : resamples of the test data (default 100, Andresen 2009).
    sample_share : share of test records drawn in each resample, without
        replacement (default 0.85).
    conf : level of the nonparametric interval (default 0.95: the 2.5th and
        97.5th percentiles of the resampled percentages, linear interpolation).
    seed : random seed (fixed by default).

    Returns
    -------
    base_pct, lo, hi : float arrays (k,), percentages (0-100).
    change : object array (k,) of ``"similar"``, ``"up"`` (base share below the
        interval: the unit's share rose in B) or ``"down"``.
    """
    base = np.asarray(base, dtype=np.int64)
    test = np.asarray(test, dtype=np.int64)
    if base.shape != test.shape or base.ndim != 1:
        raise InputError("base, test", (base.shape, test.shape), "1-D count arrays of equal length")
    nb, nt = int(base.sum()), int(test.sum())
    if nb == 0 or nt == 0:
        raise InputError("records", (nb, nt), "records in both periods")
    rng = np.random.default_rng(seed)
    m = max(1, round(sample_share * nt))
    draws = np.empty((samples, len(test)), dtype=np.float64)
    for i in range(samples):
        draws[i] = rng.multivariate_hypergeometric(test, m, method="marginals")
    pct = 100.0 * draws / m
    a = (1 - conf) / 2
    lo, hi = np.quantile(pct, [a, 1 - a], axis=0)
    base_pct = 100.0 * base / nb
    change = np.full(len(base), SIMILAR, dtype=object)
    change[base_pct < lo] = UP
    change[base_pct > hi] = DOWN
    return base_pct, lo, hi, change


@dataclass(frozen=True)
class SIndexResult:
    """Andresen's S index between periods A (base) and B (test).

    Attributes
    ----------
    units : GeoDataFrame (EPSG:27700) with :data:`SINDEX_COLUMNS`, one row per unit.
    s_index : share of units whose share did not change significantly (0-1).
    s_index_robust : the same over units with records in A or B.
    n_up, n_down : units whose share rose / fell.
    unit_kind : ``lsoa`` (2021 LSOAs) or ``grid``; cell_size_m for grids.
    samples, sample_share, conf, seed : the resampling used.
    """

    units: gpd.GeoDataFrame
    a: Window
    b: Window
    s_index: float
    s_index_robust: float
    n_up: int
    n_down: int
    unit_kind: str
    cell_size_m: float | None
    samples: int
    sample_share: float
    conf: float
    seed: int
    area_name: str
    categories: tuple[str, ...]
    n_a: int
    n_b: int
    notes: tuple[str, ...]

    @property
    def reading(self) -> str:
        """Plain-English sentence: the S index and how many units gained or lost share."""
        k = len(self.units)
        return (
            f"S index {self.s_index:.2f} (robust {self.s_index_robust:.2f}): {self.s_index:.0%} of "
            f"{k:,} {'LSOAs' if self.unit_kind == 'lsoa' else 'cells'} kept a similar share of "
            f"records between {self.a.label} and {self.b.label}; {self.n_up} gained share and "
            f"{self.n_down} lost share."
        )

    def to_dict(self) -> dict:
        """Return the parameters, S indices and counts, JSON-safe."""
        return {
            "method": "Andresen S index",
            "area": self.area_name,
            "categories": list(self.categories),
            "window_a": self.a.spec,
            "window_b": self.b.spec,
            "count_a": self.n_a,
            "count_b": self.n_b,
            "units": self.unit_kind,
            "cell_size_m": self.cell_size_m,
            "n_units": len(self.units),
            "s_index": self.s_index,
            "s_index_robust": self.s_index_robust,
            "n_up": self.n_up,
            "n_down": self.n_down,
            "samples": self.samples,
            "sample_share": self.sample_share,
            "conf": self.conf,
            "seed": self.seed,
            "reading": self.reading,
            "notes": list(self.notes),
        }


def _lsoa_units(area: Area) -> gpd.GeoDataFrame:
    lsoa = load_boundaries().lsoa21
    geom = area.geometry
    shapely.prepare(geom)
    rep = shapely.point_on_surface(lsoa.geometry.values)
    keep = shapely.contains(geom, rep) if area.kind != "bcp" else np.ones(len(lsoa), dtype=bool)
    u = lsoa[keep].reset_index(drop=True)
    return gpd.GeoDataFrame(
        {"unit_id": u["lsoa_code"].to_numpy(), "name": u["lsoa_name"].to_numpy()},
        geometry=u.geometry.values,
        crs=S.CRS_METRES,
    )


@validate_params(
    {
        **_SPPT_CONSTRAINTS,
        "units": [Options(UNITS)],
        "cell_size_m": [POSITIVE_METRES, None],
    },
    _SPPT_HINTS,
)
def s_index(
    records: pd.DataFrame,
    a: Window | str,
    b: Window | str,
    *,
    units: str = "lsoa",
    cell_size_m: float | None = None,
    area: Area | str | None = None,
    categories: str | list[str] | tuple[str, ...] | None = None,
    samples: int = 100,
    sample_share: float = 0.85,
    conf: float = 0.95,
    seed: int = DEFAULT_SEED,
) -> SIndexResult:
    """Andresen's S index of similarity between the spatial patterns of two periods.

    Parameters
    ----------
    records : canonical records.
    a, b : base and test windows (``FROM:TO``); B is resampled.
    units : ``"lsoa"`` (2021 LSOAs whose interior point lies in the area; records
        placed by point-in-polygon, since police.uk switched LSOA vintage in
        2022) or ``"grid"`` (square cells, :func:`hotspots.methods.gistar.study_grid`).
    cell_size_m : grid cell width, metres (default as Gi*, announced in notes).
    area, categories : area spec (default BCP) and ``--types`` value (default all).
    samples, sample_share, conf, seed : see :func:`sppt`.

    Returns
    -------
    SIndexResult
    """
    wa, wb = window(a, "a"), window(b, "b")
    ar = resolve_area(area)
    cats = S.resolve_categories(categories)
    notes: list[str] = []
    recs = filter_records(records, categories=cats)
    if len(recs):
        recs = recs[records_in_area(recs, ar)]
    month = recs[S.MONTH].astype(str).to_numpy()
    in_a = (month >= wa.start) & (month <= wa.end)
    in_b = (month >= wb.start) & (month <= wb.end)
    recs_ab = recs[in_a | in_b]
    per_a = in_a[in_a | in_b]
    pts = unique_locations(recs_ab[S.X].to_numpy(), recs_ab[S.Y].to_numpy())
    if units == "lsoa":
        u = _lsoa_units(ar)
        loc_unit = np.full(len(pts), -1, dtype=np.int64)
        if len(pts):
            tree = shapely.STRtree(u.geometry.values)
            qp, qu = tree.query(shapely.points(pts.x, pts.y), predicate="within")
            loc_unit[qp] = qu
        size = None
    else:
        if cell_size_m is None:
            cell_size_m = default_cell_size_m(ar)
            notes.append(f"cell size set to {cell_size_m:g} m")
        grid, mask = study_grid(ar, float(cell_size_m))
        flat_ids = np.flatnonzero(mask.ravel())
        lookup = np.full(grid.n_cells, -1, dtype=np.int64)
        lookup[flat_ids] = np.arange(len(flat_ids))
        i, j, inside = grid.index_of(pts.x, pts.y)
        loc_unit = np.full(len(pts), -1, dtype=np.int64)
        loc_unit[inside] = lookup[i[inside] * grid.nx + j[inside]]
        from hotspots.methods.grid import cell_polygons

        cells = cell_polygons(grid, mask)
        u = gpd.GeoDataFrame(
            {
                "unit_id": cells["cell_id"].astype(str).to_numpy(),
                "name": cells["cell_id"].astype(str).to_numpy(),
            },
            geometry=cells.geometry.values,
            crs=S.CRS_METRES,
        )
        size = float(cell_size_m)
    rec_unit = loc_unit[pts.inverse] if len(recs_ab) else np.empty(0, dtype=np.int64)
    ok = rec_unit >= 0
    if (~ok).any():
        notes.append(f"{int((~ok).sum()):,} records fall outside every unit and are left out")
    k = len(u)
    base = np.bincount(rec_unit[ok & per_a], minlength=k)
    test = np.bincount(rec_unit[ok & ~per_a], minlength=k)
    for w, n, lab in ((wa, base.sum(), "a"), (wb, test.sum(), "b")):
        if n == 0:
            raise InputError(
                lab,
                w.spec,
                "a window with records in the area",
                "Choose other months or a larger area.",
            )
    base_pct, lo, hi, change = sppt(
        base,
        test,
        samples=samples,
        sample_share=sample_share,
        conf=conf,
        seed=seed,
    )
    test_pct = 100.0 * test / test.sum()
    frame = gpd.GeoDataFrame(
        {
            "unit_id": u["unit_id"].to_numpy(),
            "name": u["name"].to_numpy(),
            "count_a": base,
            "count_b": test,
            "pct_a": base_pct,
            "pct_b": test_pct,
            "ci_low": lo,
            "ci_high": hi,
            "change": change,
        },
        geometry=u.geometry.values,
        crs=S.CRS_METRES,
    )
    similar = change == SIMILAR
    nonempty = (base + test) > 0
    s = float(similar.mean()) if k else float("nan")
    s_rob = float(similar[nonempty].mean()) if nonempty.any() else float("nan")
    if k and (~nonempty).mean() > 0.5:
        notes.append(
            f"{int((~nonempty).sum()):,} of {k:,} units have no records in either period; they "
            "count "
            "as similar in the S index but not in the robust S index",
        )
    return SIndexResult(
        frame, wa, wb, s, s_rob, int((change == UP).sum()), int((change == DOWN).sum()), units,
        size, int(samples), float(sample_share), float(conf), int(seed), ar.name, cats,
        int(base.sum()), int(test.sum()), tuple(notes),
    )  # fmt: skip
