"""Per-hotspot change: this period's hotspots against a comparison period.

For each hotspot of the current period (a :class:`~hotspots.methods.result.HotspotResult`)
the records inside its polygon are counted now and in the comparison period (the
previous months of the same length, or the same months a year earlier). The change
is the rate ratio of the two counts per month of data
(:func:`hotspots.comparison.rates.rate_ratio`), with an interval that allows for
overdispersion: the dispersion is estimated from the hotspot's own monthly series
over the months of both periods and the 13 to the end of the current one
(a quasi-Poisson GLM with a level for each period, so the change being measured
is not counted as noise) where at least ``MIN_DF`` residual
degrees of freedom exist; otherwise the exact Poisson interval is used and labelled
as such.

The same method is run on the comparison period in the same study area, and each
hotspot is classed:

``new``
    it overlaps no hotspot of the comparison period and the whole interval of its
    change is above "no change" (12 records then and 14 now is not new);
``persistent``
    it overlaps one, and the interval of the change includes "no change";
``growing`` / ``shrinking``
    it overlaps one and the whole interval is above / below "no change";
``gone``
    a hotspot of the comparison period that overlaps no current hotspot and whose
    whole interval of change is below "no change" (listed with its counts then and
    now, in the comparison period's rank order);
``too few to tell``
    it (or a hotspot of the comparison period) overlaps no hotspot of the other
    period, but its change is not distinguishable from none: too few records to
    tell whether it is new (or gone). Hillcrest Road at 15 records then and 15 now
    is not gone.

When the comparison period holds no data the class is missing (NA) and the notes
say so; counts then are missing too, never 0.

References
----------
Breslow, N. E. and Day, N. E. (1987). Statistical Methods in Cancer Research,
vol. II. IARC, Lyon (rate ratios of Poisson counts).
McCullagh, P. and Nelder, J. A. (1989). Generalized Linear Models, 2nd ed.,
sec. 4.5 (over-dispersion).
Ratcliffe, J. H. and McCullagh, M. J. (2001). Chasing ghosts? Police perception of
high crime areas. British Journal of Criminology 41(2), 330-341 (persistent and
emerging hotspots as the question a briefing answers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.comparison.dispersion import (
    MIN_DF,
    POISSON_LABEL,
    Dispersion,
    glm_dispersion,
    monthly_series,
    pearson_scale,
)
from hotspots.comparison.rates import rate_ratio
from hotspots.comparison.windows import Window, dataset_months, window
from hotspots.data import schema as S
from hotspots.data.select import filter_records
from hotspots.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from hotspots.methods.result import HotspotResult

__all__ = [
    "CHANGE_CLASSES",
    "CHANGE_COLUMNS",
    "COMPARE_CHOICES",
    "UNCLEAR",
    "HotspotChanges",
    "comparison_window",
    "count_in_polygons",
    "hotspot_changes",
]

#: values of ``change_class`` (NA when the comparison period has no data)
#: the class of a hotspot without a counterpart whose change is not distinguishable from none
UNCLEAR = "too few to tell"
CHANGE_CLASSES: tuple[str, ...] = ("new", "persistent", "growing", "shrinking", "gone", UNCLEAR)
#: ``--compare`` choices and what they mean for people
COMPARE_CHOICES: dict[str, str] = {
    "previous": "the previous period of the same length",
    "year": "the same months a year earlier",
}
#: columns of :attr:`HotspotChanges.table`, in order
CHANGE_COLUMNS: list[str] = [
    S.HOTSPOT_ID,
    S.RANK,
    S.NAME,
    S.WARD_NAME,
    S.COUNT,
    "count_now",
    "count_then",
    "months_now",
    "months_then",
    "change_pct",
    "change_ci_low",
    "change_ci_high",
    "p_value",
    "interval_basis",
    "change_class",
    "rank_then",
    "geometry",
]


def comparison_window(now: Window | str | tuple[str, str], compare: str) -> Window:
    """Return the comparison period of ``now``: ``"previous"`` (just before) or ``"year"``.

    :func:`hotspots.comparison.windows.comparison_window`, the one window model.
    """
    from hotspots.comparison.windows import comparison_window as _comparison_window

    if compare not in ("previous", "year"):
        raise InputError(
            "compare",
            compare,
            "previous or year",
            "previous: the months just before.",
        )
    return _comparison_window(window(now, "now"), compare)


def count_in_polygons(
    x: np.ndarray,
    y: np.ndarray,
    polygons: Iterable[shapely.Geometry | None],
) -> list[np.ndarray]:
    """For each polygon, the indices of the points (x, y metres) inside or on its edge."""
    out = []
    for poly in polygons:
        if poly is None or poly.is_empty:
            out.append(np.zeros(0, dtype=np.int64))
            continue
        x0, y0, x1, y1 = poly.bounds
        cand = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        inside = shapely.intersects_xy(poly, x[cand], y[cand]) if len(cand) else cand
        out.append(cand[np.asarray(inside, dtype=bool)] if len(cand) else cand)
    return out


@dataclass(frozen=True)
class HotspotChanges:
    """Per-hotspot change between the current period and a comparison period.

    Attributes
    ----------
    table : GeoDataFrame (EPSG:27700) with exactly :data:`CHANGE_COLUMNS`: the
        current hotspots in rank order, then the ``gone`` ones. ``count`` is the
        method's own count (NA for gone rows); ``count_now`` and ``count_then`` are
        the records inside the polygon in each period (the change compares these);
        ``change_pct`` ``100 (R - 1)`` of the monthly rate ratio and
        ``change_ci_low``/``change_ci_high`` its interval in percent (NaN where it
        cannot be given, e.g. none then); ``interval_basis`` says which dispersion
        the interval allows for; ``rank_then`` the overlapping hotspot's rank in
        the comparison period.
    now, then : the two windows; months_now / months_then the months with data.
    then_result : the method's result on the comparison period (None without data).
    notes : sentences for people.
    """

    table: gpd.GeoDataFrame
    now: Window
    then: Window
    months_now: tuple[str, ...]
    months_then: tuple[str, ...]
    then_result: Any = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    @property
    def has_comparison(self) -> bool:
        """True when the comparison period has months of data."""
        return len(self.months_then) > 0

    @property
    def current(self) -> gpd.GeoDataFrame:
        """Rows of the current hotspots (not the comparison period's)."""
        return self.table[self.table[S.RANK].notna().to_numpy(dtype=bool)]

    @property
    def former(self) -> gpd.GeoDataFrame:
        """Hotspots of the comparison period that overlap none now (gone or too few to tell)."""
        return self.table[self.table[S.RANK].isna().to_numpy(dtype=bool)]

    @property
    def gone(self) -> gpd.GeoDataFrame:
        """Former hotspots whose fall is distinguishable from none."""
        return self.table[self.table["change_class"].fillna("") == "gone"]

    def class_counts(self) -> dict[str, int]:
        """Hotspots per change class, every class present."""
        vc = self.table["change_class"].value_counts()
        return {c: int(vc.get(c, 0)) for c in CHANGE_CLASSES}


def _overlaps(
    geoms_a: Iterable[shapely.Geometry | None],
    geoms_b: Iterable[shapely.Geometry],
) -> list[list[int]]:
    """For each geometry of a, the positions in b whose polygons share some area with it."""
    b = list(geoms_b)
    if not b:
        return [[] for _ in geoms_a]
    tree = shapely.STRtree(b)
    out = []
    for g in geoms_a:
        hits = tree.query(g, predicate="intersects") if g is not None else []
        out.append([int(j) for j in hits if shapely.intersection(g, b[j]).area > 0])
    return out


def _period_dispersion(
    series: pd.Series,
    then_months: list[str],
    now_months: list[str],
    source: str,
) -> Dispersion:
    """φ of a hotspot's monthly series with one level per period (then, now, other months).

    The change between the periods is what is measured, so it must not count as noise:
    a trend line through a step (3 records then, 83 now) would call the step
    overdispersion and hide the change. Quasi-Poisson GLM with a level for each period,
    Pearson chi-square over its residual df (statsmodels ``fit(scale="X2")``).
    """
    s = pd.Series(series, dtype=float).sort_index()
    if len(s) == 0 or s.sum() <= 0:
        return glm_dispersion(float("nan"), 0.0, len(s), "none", source)
    idx = list(s.index)
    groups = [set(then_months), set(now_months)]
    member = [np.array([m in g for m in idx], dtype=float) for g in groups]
    other = 1.0 - np.clip(member[0] + member[1], 0, 1)
    cols = [c for c in (*member, other) if c.sum() > 0]
    X = np.column_stack(cols)
    if len(s) - X.shape[1] < MIN_DF:
        return glm_dispersion(float("nan"), 0.0, len(s), "none", source)
    est, df = pearson_scale(s.to_numpy(), X)
    return glm_dispersion(est, df, len(s), "quasi-Poisson GLM, a level for each period", source)


def _change(
    n_then: int,
    n_now: int,
    t_then: int,
    t_now: int,
    series: pd.Series,
    label: str,
    conf: float,
    then_months: list[str] | None = None,
    now_months: list[str] | None = None,
) -> dict:
    """Rate ratio now vs then with a dispersion from the monthly series, as table fields."""
    disp = _period_dispersion(
        series,
        then_months or [],
        now_months or [],
        f"monthly counts in {label}",
    )
    rr = rate_ratio(n_then, n_now, t_then, t_now, conf=conf, dispersion=disp)

    def pct(v: float) -> float:
        return 100.0 * (v - 1.0) if math.isfinite(v) else float("nan")

    basis = (
        f"dispersion {disp.phi:.2g} from {disp.n_months} months"
        if disp.estimated
        else POISSON_LABEL
    )
    return {
        "change_pct": pct(rr.ratio),
        "change_ci_low": pct(rr.ci_low),
        "change_ci_high": pct(rr.ci_high),
        "p_value": rr.p_value,
        "interval_basis": basis,
        "_excludes": (rr.ci_low > 1.0) - (rr.ci_high < 1.0),
    }


def hotspot_changes(
    records: pd.DataFrame,
    result: HotspotResult,
    now: Window | str | tuple[str, str],
    then: Window | str | tuple[str, str],
    *,
    categories: tuple[str, ...] | list[str] | str | None = None,
    params: dict | None = None,
    then_result: HotspotResult | None = None,
    conf: float = 0.95,
) -> HotspotChanges:
    """Change in each current hotspot against a comparison period, with its class.

    Parameters
    ----------
    records : canonical records covering both periods (other months are ignored);
        only BCP records of ``categories`` inside the result's study area count.
    result : :class:`~hotspots.methods.result.HotspotResult` of the current period
        (``now``), from :func:`hotspots.methods.detect.detect`.
    now, then : windows (``FROM:TO``, a (from, to) pair or a Window); ``then`` is
        usually :func:`comparison_window` of ``now``.
    categories : the categories the result was found for (default all).
    params : the method settings given to ``detect`` for the current period
        (``None``: automatic); the comparison period is searched with the same.
    then_result : the comparison period's result, if already computed.
    conf : confidence level of the intervals.

    Returns
    -------
    HotspotChanges
    """
    from hotspots.methods.detect import detect

    w_now, w_then = window(now, "now"), window(then, "then")
    if set(w_now.months) & set(w_then.months):
        raise InputError("then", w_then.spec, "a period that does not overlap " + w_now.label)
    area = result.study_area
    last13 = Window(str(pd.Period(w_now.end, freq="M") - 12), w_now.end).months
    recs = filter_records(
        records,
        months=(min(w_then.start, last13[0]), max(w_then.end, w_now.end)),
        categories=categories,
        area=area,
    )
    have = set(dataset_months(records))
    m_now = [m for m in w_now.months if m in have]
    m_then = [m for m in w_then.months if m in have]
    notes: list[str] = []
    hs = result.hotspots.reset_index(drop=True)
    if then_result is None and m_then:
        rec_then = recs[recs[S.MONTH].isin(m_then).to_numpy()]
        then_result = detect(rec_then, result.method, area=area, **(params or {}))
    then_hs = (
        then_result.hotspots.reset_index(drop=True) if then_result is not None else hs.iloc[:0]
    )
    x, y = recs[S.X].to_numpy(dtype=float), recs[S.Y].to_numpy(dtype=float)
    month = recs[S.MONTH].astype(str).to_numpy()
    in_now, in_then = np.isin(month, m_now), np.isin(month, m_then)
    # the dispersion series: both periods and the 13 months to the end of this one, with data
    both = sorted(set(m_now) | set(m_then) | (set(last13) & have))

    def counts(idx: np.ndarray) -> tuple[int, int, pd.Series]:
        ms = pd.Series(month[idx])
        return int(in_now[idx].sum()), int(in_then[idx].sum()), monthly_series(ms, both)

    rows = []
    over_now = _overlaps(hs.geometry, then_hs.geometry)
    for i, idx in enumerate(count_in_polygons(x, y, hs.geometry)):
        r = hs.iloc[i]
        n_now, n_then, series = counts(idx)
        row = {
            S.HOTSPOT_ID: r.get(S.HOTSPOT_ID, pd.NA),
            S.RANK: r[S.RANK],
            S.NAME: r[S.NAME],
            S.WARD_NAME: r[S.WARD_NAME],
            S.COUNT: r[S.COUNT],
            "count_now": n_now,
            "geometry": r.geometry,
        }
        if m_then:
            ch = _change(
                n_then, n_now, len(m_then), len(m_now), series, f"hotspot {r[S.RANK]}", conf,
                m_then, m_now,
            )  # fmt: skip
            hit = over_now[i]
            if hit:
                cls = {1: "growing", -1: "shrinking"}.get(ch["_excludes"], "persistent")
            else:  # new only when the rise is distinguishable from none
                cls = "new" if ch["_excludes"] > 0 else UNCLEAR
            row |= ch | {
                "count_then": n_then,
                "change_class": cls,
                "rank_then": min(int(then_hs.iloc[j][S.RANK]) for j in hit) if hit else pd.NA,
            }
        rows.append(row)
    if len(then_hs):
        matched = {j for hit in over_now for j in hit}
        gone = [j for j in range(len(then_hs)) if j not in matched]
        polys = then_hs.geometry.iloc[gone]
        for j, idx in zip(gone, count_in_polygons(x, y, polys), strict=True):
            r = then_hs.iloc[j]
            n_now, n_then, series = counts(idx)
            ch = _change(
                n_then, n_now, len(m_then), len(m_now), series, f"former hotspot {r[S.RANK]}",
                conf, m_then, m_now,
            )  # fmt: skip
            rows.append(
                {
                    S.HOTSPOT_ID: pd.NA,
                    S.RANK: pd.NA,
                    S.NAME: r[S.NAME],
                    S.WARD_NAME: r[S.WARD_NAME],
                    S.COUNT: pd.NA,
                    "count_now": n_now,
                    "count_then": n_then,
                    "change_class": "gone" if ch["_excludes"] < 0 else UNCLEAR,
                    "rank_then": int(r[S.RANK]),
                    "geometry": r.geometry,
                    **ch,
                },
            )
    table = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    table["months_now"] = len(m_now)
    table["months_then"] = len(m_then)
    dtypes = {
        S.HOTSPOT_ID: "Int64", S.RANK: "Int64", S.NAME: "string", S.WARD_NAME: "string",
        S.COUNT: "Int64", "count_now": "Int64", "count_then": "Int64", "months_now": "int64",
        "months_then": "int64", "change_pct": "float64", "change_ci_low": "float64",
        "change_ci_high": "float64", "p_value": "float64", "interval_basis": "string",
        "change_class": "string", "rank_then": "Int64",
    }  # fmt: skip
    table = table.astype(dtypes)
    gdf = gpd.GeoDataFrame(table, geometry="geometry", crs=S.CRS_METRES)

    miss_now = [m for m in w_now.months if m not in have]
    if miss_now:
        notes.append(
            f"{len(miss_now)} of the {w_now.n_months} months of {w_now.label} have no data; "
            "rates are per month of data.",
        )
    if not m_then:
        notes.append(
            f"The comparison period, {w_then.label}, has no data in this dataset: no change "
            "or class can be given (counts then are left blank, not 0).",
        )
    else:
        miss_then = [m for m in w_then.months if m not in have]
        if miss_then:
            notes.append(
                f"{len(miss_then)} of the {w_then.n_months} months of {w_then.label} have no "
                "data; the change compares records per month of data.",
            )
        notes.append(
            f"Change compares records per month inside each hotspot's outline, {w_now.label} "
            f"against {w_then.label}. A hotspot is new when it overlaps no hotspot found by the "
            "same method in the comparison period and the 95% interval of its change is wholly "
            "above no change; growing or shrinking when it overlaps one and the interval excludes "
            "no change, persistent otherwise; gone hotspots were hotspots then that overlap none "
            "now and whose interval is wholly below no change. A hotspot without a counterpart "
            "whose change is not distinguishable from none is 'too few to tell'.",
        )
        notes.append(
            "Intervals allow for overdispersion estimated from each hotspot's monthly counts "
            "(both periods and the 13 months to the end of this one) where there are enough "
            f"months; where there are not, the interval {POISSON_LABEL}.",
        )
    return HotspotChanges(
        gdf,
        w_now,
        w_then,
        tuple(m_now),
        tuple(m_then),
        then_result,
        tuple(notes),
    )
