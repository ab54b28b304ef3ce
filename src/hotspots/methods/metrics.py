"""Evaluating hotspots: the Predictive Accuracy Index and the coverage curve.

PAI (Chainey, Tompson and Uhlig 2008) compares the share of records captured by
hotspots with the share of the study area they cover::

    PAI = (n / N) / (a / A)

n records in the hotspots out of N in the study area, a the hotspots' area out of
the study area A. PAI 1 is what a random patch of the same size captures on
average; PAI 10 means ten times that.

The coverage curve ranks units (grid cells or hotspots) from the densest down and
accumulates their records and area, so a planner can read "patrolling 2% of the
area covers 30% of ASB" (the curve behind PAI, and behind Weisburd's law of crime
concentration).

References
----------
Chainey, S., Tompson, L. and Uhlig, S. (2008) The utility of hotspot mapping for
predicting spatial patterns of crime. Security Journal 21, 4–28.
Weisburd, D. (2015) The law of crime concentration and the criminology of place.
Criminology 53, 133–157.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.data.points import unique_locations
from hotspots.data.select import select_rows
from hotspots.errors import InputError
from hotspots.methods.grid import bin_counts, cell_polygons, grid_for
from hotspots.methods.naming import check_records
from hotspots.validation import Interval, Real, check_param

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from hotspots.data.boundaries import Boundaries
    from hotspots.methods.grid import Grid


__all__ = [
    "CURVE_COLUMNS",
    "CoverageResult",
    "area_share_for",
    "coverage_curve",
    "grid_coverage",
    "pai",
    "record_share_at",
]

CURVE_COLUMNS = [
    "rank",
    "unit",
    "count",
    "area",
    "cum_count",
    "cum_area",
    "area_share",
    "record_share",
    "pai",
]


def pai(n: ArrayLike, N: float, a: ArrayLike, A: float):
    """Predictive Accuracy Index, ``(n / N) / (a / A)`` (Chainey et al. 2008).

    Parameters
    ----------
    n : records inside the hotspots (scalar or array).
    N : records in the study area, > 0.
    a : area of the hotspots, > 0, in the same unit as ``A``.
    A : study area, > 0.

    Returns
    -------
    float (or float array for array input); dimensionless.

    Examples
    --------
    >>> pai(30, 100, 2, 100)   # 30% of records on 2% of the area
    15.0
    """
    n_arr = np.asarray(n, dtype="float64")
    a_arr = np.asarray(a, dtype="float64")
    for name, v in (("N", N), ("A", A)):
        check_param(name, v, [Interval(Real, 0, None, closed="neither")])
    if np.any(~np.isfinite(n_arr)) or np.any(n_arr < 0):
        raise InputError("n", n, "zero or more records")
    if np.any(~np.isfinite(a_arr)) or np.any(a_arr <= 0):
        raise InputError("a", a, "a positive area", "PAI is undefined for an empty hotspot area.")
    out = (n_arr / float(N)) / (a_arr / float(A))
    return float(out) if out.ndim == 0 else out


def coverage_curve(
    counts_per_unit: ArrayLike,
    area_per_unit: ArrayLike,
    total_area: float | None = None,
    *,
    total_count: float | None = None,
    order: str = "density",
) -> pd.DataFrame:
    """Share of records captured against share of area, units ranked densest first.

    Parameters
    ----------
    counts_per_unit : records in each unit (grid cell or hotspot), shape (k,).
    area_per_unit : area of each unit, shape (k,), > 0, any unit (km², m², cells).
    total_area : A, the study area in the same unit; default the sum of the units.
    total_count : N, records in the study area; default the sum of the units
        (pass it when some records fall outside every unit).
    order : "density" (default: count / area, highest first; ties keep input order)
        or "given" (the input order, e.g. hotspots by rank).

    Returns
    -------
    DataFrame with one row per unit in ranked order and columns :data:`CURVE_COLUMNS`:
    ``rank`` (1-based), ``unit`` (input position), ``count``, ``area``,
    ``cum_count``, ``cum_area``, ``area_share`` = cum_area / A, ``record_share`` =
    cum_count / N and ``pai`` = record_share / area_share (the PAI of the top units).
    Zero rows for zero units.
    """
    counts = np.asarray(counts_per_unit, dtype="float64").ravel()
    areas = np.asarray(area_per_unit, dtype="float64").ravel()
    if counts.shape != areas.shape:
        raise InputError(
            "area_per_unit",
            f"{areas.shape[0]} values",
            f"one area per unit ({counts.shape[0]})",
        )
    if np.any(~np.isfinite(counts)) or np.any(counts < 0):
        raise InputError("counts_per_unit", "negative or missing values", "counts of zero or more")
    if np.any(~np.isfinite(areas)) or np.any(areas <= 0):
        raise InputError("area_per_unit", "zero, negative or missing areas", "positive areas")
    if order not in ("density", "given"):
        raise InputError("order", order, "'density' or 'given'")
    A = float(areas.sum()) if total_area is None else float(total_area)
    N = float(counts.sum()) if total_count is None else float(total_count)
    if len(counts) == 0:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="int64" if c in ("rank", "unit") else "float64")
                for c in CURVE_COLUMNS
            },
        )
    if not A > 0:
        raise InputError("total_area", total_area, "a positive area")
    if areas.sum() * (1 - 1e-9) > A:
        raise InputError("total_area", A, f"at least the units' total area ({areas.sum():g})")
    if counts.sum() * (1 - 1e-9) > N:
        raise InputError("total_count", N, f"at least the units' total count ({counts.sum():g})")
    idx = (
        np.argsort(-(counts / areas), kind="stable")
        if order == "density"
        else np.arange(len(counts))
    )
    c, a = counts[idx], areas[idx]
    cum_c, cum_a = np.cumsum(c), np.cumsum(a)
    area_share = cum_a / A
    record_share = cum_c / N if N > 0 else np.zeros_like(cum_c)
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(c) + 1),
            "unit": idx,
            "count": c,
            "area": a,
            "cum_count": cum_c,
            "cum_area": cum_a,
            "area_share": area_share,
            "record_share": record_share,
            "pai": record_share / area_share,
        },
    )


def record_share_at(curve: pd.DataFrame, area_share: float) -> float:
    """Share of records covered by the densest ``area_share`` of the area.

    Linear interpolation along the curve from (0, 0); beyond its last point the
    record share stays at its final value. E.g. 0.30 for "2% of the area covers 30%".
    """
    if not (isinstance(area_share, (int, float)) and 0 <= area_share <= 1):
        raise InputError("area_share", area_share, "a share between 0 and 1")
    if len(curve) == 0:
        return 0.0
    xs = np.r_[0.0, curve["area_share"].to_numpy()]
    ys = np.r_[0.0, curve["record_share"].to_numpy()]
    return float(np.interp(area_share, xs, ys))


def area_share_for(curve: pd.DataFrame, record_share: float) -> float:
    """Smallest share of the area whose densest units cover ``record_share`` of records.

    Linear interpolation along the curve; nan when the curve never reaches it.
    """
    if not (isinstance(record_share, (int, float)) and 0 <= record_share <= 1):
        raise InputError("record_share", record_share, "a share between 0 and 1")
    if len(curve) == 0:
        return float("nan") if record_share > 0 else 0.0
    xs = np.r_[0.0, curve["area_share"].to_numpy()]
    ys = np.r_[0.0, curve["record_share"].to_numpy()]
    if record_share > ys[-1] + 1e-12:
        return float("nan")
    k = int(np.searchsorted(ys, record_share - 1e-12, side="left"))
    if k == 0:
        return 0.0
    y0, y1, x0, x1 = ys[k - 1], ys[k], xs[k - 1], xs[k]
    return float(x0 + (x1 - x0) * (record_share - y0) / (y1 - y0)) if y1 > y0 else float(x1)


@dataclass(frozen=True)
class CoverageResult:
    """Grid coverage curve and the parameters used.

    Attributes
    ----------
    curve : DataFrame (:data:`CURVE_COLUMNS`), one row per cell holding records,
        densest first; ``area`` in km² (cell area inside the study area), ``unit``
        the flat cell id of the grid.
    cell_size_m : metres.
    n_records : N, records in the study area.
    total_area_km2 : A.
    area_name : the study area.
    notes : choices made, for people.
    """

    curve: pd.DataFrame
    cell_size_m: float
    n_records: int
    total_area_km2: float
    area_name: str
    notes: tuple[str, ...] = ()
    chance: pd.DataFrame | None = None

    def record_share_at(self, area_share: float) -> float:
        """Share of records in the densest ``area_share`` of the area (interpolated)."""
        return record_share_at(self.curve, area_share)

    def chance_share_at(self, area_share: float) -> float:
        """Return the same for records scattered at random (NaN when not computed)."""
        if self.chance is None or len(self.chance) == 0:
            return float("nan")
        return record_share_at(self.chance, area_share)

    def area_share_for(self, record_share: float) -> float:
        """Share of the area needed to cover ``record_share`` of the records."""
        return area_share_for(self.curve, record_share)


def grid_coverage(
    records: pd.DataFrame,
    cell_size_m: float = 100.0,
    area: Area | str | None = None,
    *,
    boundaries: Boundaries | None = None,
    chance: bool = False,
    chance_runs: int = 5,
    seed: int = 0,
) -> CoverageResult:
    """Coverage curve of grid cells over a study area: the share of records on each share of area.

    Parameters
    ----------
    records : canonical records (x, y metres).
    cell_size_m : cell side in metres (default 100 m).
    area : study area (:class:`~hotspots.data.areas.Area` or spec); default all of
        BCP. Records outside it are ignored; each cell counts only its part inside
        the area, so the areas add up to A exactly.
    boundaries : for resolving ``area`` (default: bundled).
    chance : also compute the chance line: the same number of records scattered
        uniformly at random over the study area (each cell gets records in
        proportion to its area inside the study area: a multinomial draw), binned
        on the same cells and ranked the same way; the mean curve over
        ``chance_runs`` seeded draws is in ``CoverageResult.chance``. Even random
        records look concentrated on a fine grid (one month of ASB over BCP: the
        busiest 2% of 100 m cells hold about a third of them), so a coverage figure
        means little without this line.

    Returns
    -------
    CoverageResult; cells without records are left out of the curve (they would
    only add area at the top record share).
    """
    records = check_records(records)
    cell_size_m = check_param(
        "cell_size_m",
        cell_size_m,
        [Interval(Real, 0, 10_000, closed="right", unit="metres")],
    )
    study = resolve_area(area, boundaries)
    inside = records_in_area(records, study)
    rec = select_rows(records, inside)
    A_m2 = float(study.geometry.area)
    pts = unique_locations(rec[S.X].to_numpy(dtype="float64"), rec[S.Y].to_numpy(dtype="float64"))
    notes = [
        f"{len(rec):,} records in {study.name} ({A_m2 / 1e6:.2f} km²), {cell_size_m:g} m cells.",
    ]
    grid = grid_for(tuple(study.geometry.bounds), float(cell_size_m))
    counts = bin_counts(grid, pts.x, pts.y, pts.weight)
    mask = counts > 0
    cells = cell_polygons(grid, mask)
    clipped = shapely.area(shapely.intersection(cells.geometry.values, study.geometry)) / 1e6
    cnt = counts[mask]
    # a record on a cell's edge can sit in a cell whose inside part is empty; give it a sliver
    clipped = np.where(clipped > 0, clipped, 1e-12)
    curve = coverage_curve(cnt, clipped, A_m2 / 1e6, total_count=float(len(rec)))
    curve["unit"] = cells["cell_id"].to_numpy()[curve["unit"].to_numpy()]
    chance_curve = None
    if chance and len(rec):
        chance_curve = _chance_curve(grid, study, len(rec), A_m2, chance_runs, seed)
        notes.append(
            f"chance line: {len(rec):,} records scattered at random over {study.name} "
            f"(mean of {chance_runs} draws).",
        )
    return CoverageResult(
        curve,
        float(cell_size_m),
        len(rec),
        A_m2 / 1e6,
        study.name,
        tuple(notes),
        chance_curve,
    )


def _chance_curve(
    grid: Grid,
    study: Area,
    n: int,
    a_m2: float,
    runs: int,
    seed: int,
) -> pd.DataFrame:
    """Mean coverage curve of ``n`` records scattered uniformly over ``study`` on ``grid``."""
    cells = cell_polygons(grid)
    boxes = cells.geometry.values
    shapely.prepare(study.geometry)
    hit = shapely.intersects(study.geometry, boxes)
    inside = shapely.area(shapely.intersection(boxes[hit], study.geometry))
    keep = inside > 0
    inside = inside[keep]
    p = inside / inside.sum()
    rng = np.random.default_rng(seed)
    grid_shares = np.linspace(0.0, 1.0, 401)
    acc = np.zeros_like(grid_shares)
    for _ in range(max(1, runs)):
        k = rng.multinomial(n, p).astype("float64")
        nz = k > 0
        cur = coverage_curve(k[nz], inside[nz] / 1e6, a_m2 / 1e6, total_count=float(n))
        xs = np.r_[0.0, cur["area_share"].to_numpy()]
        ys = np.r_[0.0, cur["record_share"].to_numpy()]
        acc += np.interp(grid_shares, xs, ys, right=1.0)
    ys = acc / max(1, runs)
    return pd.DataFrame({"area_share": grid_shares, "record_share": ys})
