"""The busiest grid cells, for patrol planning, judged in-sample and on later months.

A patrol plan is a list of small places. The simplest honest plan is the N grid
cells holding most records in the chosen months (a ranking, not a significance
test). What a plan is really judged on is the *next* months: the share of later
records its cells capture (the hit rate or recapture rate) and the prospective PAI
(Chainey, Tompson and Uhlig 2008; Adepeju, Rosser and Cheng 2016), because cells
chosen and scored on the same months always look good (in-sample PAI is biased up
by regression to the mean).

References
----------
Chainey, S., Tompson, L. and Uhlig, S. (2008) The utility of hotspot mapping for
predicting spatial patterns of crime. Security Journal 21, 4–28.
Adepeju, M., Rosser, G. and Cheng, T. (2016) Novel evaluation metrics for sparse
spatio-temporal point process hotspot predictions. IJGIS 30(11), 2133–2154.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area
from hotspots.data.select import select_rows
from hotspots.methods.grid import Grid, bin_counts, cell_polygons, grid_for
from hotspots.methods.metrics import pai
from hotspots.validation import Integral, Interval, check_param

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["SMALL_COUNT", "PlanScore", "TopCellsResult", "score_cells", "top_cells"]

SMALL_COUNT = 20
"""Below this many records a PAI or hit rate swings widely from month to month."""


@dataclass(frozen=True)
class TopCellsResult:
    """The chosen cells (flat ids on ``grid``, busiest first) and their polygons."""

    grid: Grid
    cell_ids: np.ndarray
    counts: np.ndarray
    polygons: gpd.GeoDataFrame  # cell_id and geometry, busiest first
    cell_size_m: float
    top_n: int


def top_cells(
    records: pd.DataFrame,
    area: Area,
    *,
    top_n: int = 10,
    cell_size_m: float = 150.0,
) -> TopCellsResult:
    """Return the ``top_n`` cells of a ``cell_size_m`` grid over ``area`` with most records.

    Records are assumed already inside ``area``. Ties are broken by cell id, so the
    plan is the same on every run. Cells without records are never chosen.
    """
    top_n = check_param("top_n", top_n, [Interval(Integral, 1, None, unit="cells")])
    g = grid_for(area.geometry.bounds, cell_size_m)
    counts = bin_counts(g, records[S.X].to_numpy(), records[S.Y].to_numpy()).ravel()
    order = np.lexsort((np.arange(len(counts)), -counts))
    order = order[counts[order] > 0][:top_n]
    mask = np.zeros(g.n_cells, dtype=bool)
    mask[order] = True
    cells = cell_polygons(g, mask.reshape(g.shape)).set_index("cell_id").loc[order].reset_index()
    return TopCellsResult(g, order, counts[order], cells, g.cell_size_m, top_n)


@dataclass(frozen=True)
class PlanScore:
    """How a set of cells chosen on one window does on another.

    Attributes
    ----------
    months : the scoring window, "YYYY-MM..YYYY-MM".
    n_records : N, records in the study area in the scoring window.
    captured : n, of those, records inside the chosen cells.
    hit_rate : n / N (the recapture rate).
    area_share : a / A, the chosen cells' share of the study area.
    pai : prospective PAI, hit_rate / area_share.
    chance_hit_rate : what cells of the same area placed at random would capture on
        average (= area_share).
    small : True when N or n is under :data:`SMALL_COUNT` (the figures are unstable).
    """

    months: str
    n_records: int
    captured: int
    hit_rate: float
    area_share: float
    pai: float
    chance_hit_rate: float
    small: bool

    def sentence(self) -> str:
        """Say in one sentence how the plan scored (or that there were no records)."""
        if self.n_records == 0:
            return f"No records in {self.months} to judge the plan on."
        s = (
            f"Chosen on the earlier months, these places held {self.captured:,} of the "
            f"{self.n_records:,} records of {self.months} ({self.hit_rate:.0%}) on "
            f"{self.area_share:.1%} of the area; places picked at random would hold about "
            f"{self.chance_hit_rate:.1%} (prospective PAI {self.pai:.1f})."
        )
        if self.small:
            s += f" Few records (under {SMALL_COUNT}): read this loosely."
        return s


def score_cells(
    chosen: TopCellsResult,
    records: pd.DataFrame,
    area: Area,
    months: str,
) -> PlanScore:
    """Score cells chosen on one window against ``records`` of another (same area).

    Parameters
    ----------
    chosen : from :func:`top_cells` on the earlier window.
    records : canonical records of the scoring window (any area: filtered here).
    area : the study area the cells were chosen in.
    months : label of the scoring window, for the sentence.
    """
    inside = select_rows(records, records_in_area(records, area)) if len(records) else records
    counts = bin_counts(chosen.grid, inside[S.X].to_numpy(), inside[S.Y].to_numpy()).ravel()
    n_all = len(inside)
    got = int(counts[chosen.cell_ids].sum()) if len(chosen.cell_ids) else 0
    a_cells = float(
        shapely.area(shapely.intersection(chosen.polygons.geometry.values, area.geometry)).sum(),
    )
    a_share = a_cells / float(area.geometry.area) if area.geometry.area > 0 else math.nan
    hit = got / n_all if n_all else math.nan
    p = pai(got, n_all, a_cells, float(area.geometry.area)) if n_all and a_cells > 0 else math.nan
    return PlanScore(
        months,
        n_all,
        got,
        hit,
        a_share,
        p,
        a_share,
        n_all < SMALL_COUNT or got < SMALL_COUNT,
    )
