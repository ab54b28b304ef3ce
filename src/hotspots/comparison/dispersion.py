"""Overdispersion of monthly counts: how much wider than Poisson an interval must be.

Real police.uk monthly counts vary more from month to month than Poisson counts
would (variance over mean of about 10 for all of BCP, 2-3 in a ward). An
interval that assumes Poisson counts is then too narrow by about ``sqrt(phi)``.

The dispersion ``phi`` is estimated from the monthly series of the same area and
categories with a quasi-Poisson GLM (McCullagh and Nelder 1989, sec. 4.5): a
log-linear model with an intercept, a linear trend in months and, when at least
two years of months exist, month-of-year terms; ``phi`` is the Pearson
chi-square over its residual degrees of freedom (statsmodels ``GLM(...,
family=Poisson()).fit(scale="X2")``). Intervals then scale the Poisson standard
error by ``sqrt(phi)`` and use Student's t with the residual degrees of freedom,
because ``phi`` is itself estimated (quasi-likelihood F/t inference).

An estimate below 1 (counts less variable than Poisson: on Poisson counts half
the estimates are, by chance) is used as it is, as quasi-likelihood inference
does: with the t quantile the interval is then still wider than the Poisson one
unless the estimate is below ``(z / t_df)^2`` (0.72 with 8 degrees of freedom).
Flooring ``phi`` at 1 instead makes the intervals too wide on Poisson counts
(coverage about 98% instead of 95-97%, measured on simulated data; see
:mod:`hotspots.comparison.calibration`). Only estimates below :data:`MIN_PHI` are
raised to it (no real monthly series of records is that regular). With fewer
than ``MIN_DF`` residual degrees of freedom no estimate is made and the Poisson
interval is shown, labelled as assuming Poisson counts.

References
----------
McCullagh, P. and Nelder, J. A. (1989). Generalized Linear Models, 2nd ed.
Chapman and Hall, sec. 4.5 (over-dispersion) and 9.2 (quasi-likelihood).
Wedderburn, R. W. M. (1974). Quasi-likelihood functions, generalized linear
models, and the Gauss-Newton method. Biometrika 61(3), 439-447.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "MIN_DF",
    "MIN_POOLED_DF",
    "POISSON",
    "POISSON_LABEL",
    "Dispersion",
    "PoissonFallback",
    "area_dispersion",
    "estimate_dispersion",
    "glm_dispersion",
    "monthly_series",
    "pearson_scale",
    "pooled_dispersion",
    "quantile",
    "two_figures",
]

#: Fewest residual degrees of freedom for a pooled estimate to be used (below this the
#: area's own monthly series is used, and the description says so).
MIN_POOLED_DF = 20
#: Fewest units (wards or LSOAs with records) for pooling.
MIN_UNITS = 3

#: Fewest residual degrees of freedom for an estimate of the dispersion.
MIN_DF = 3
#: Lowest dispersion used: a smaller estimate (a series far more regular than Poisson
#: counts) comes from too few months, and is raised to this.
MIN_PHI = 0.25
#: Months needed before month-of-year terms enter the model (two full years).
SEASONAL_MONTHS = 24
#: How a Poisson-only interval is labelled wherever it is shown.
POISSON_LABEL = "assumes Poisson counts (likely too narrow)"


@dataclass(frozen=True)
class Dispersion:
    """The dispersion used by an interval, and where it came from.

    Attributes
    ----------
    phi : the value used: the estimate (at least :data:`MIN_PHI`); 1 when not
        estimated.
    estimate : the Pearson chi-square / df estimate (NaN when not estimated).
    df : residual degrees of freedom of the estimate (``inf`` when not estimated:
        the Poisson case, normal quantiles).
    n_months : months in the series; ``model`` the terms of the GLM;
    source : in words, e.g. ``"monthly counts of crime in BCP, 8 months"``.
    """

    phi: float
    estimate: float
    df: float
    n_months: int
    model: str
    source: str

    @property
    def estimated(self) -> bool:
        """True when ``phi`` was estimated from data (not assumed Poisson)."""
        return math.isfinite(self.estimate)

    @property
    def ci(self) -> tuple[float, float]:
        """95% interval of ``phi``: ``phi df / chi2_{df}`` at the 97.5% and 2.5% points.

        The Pearson statistic of a correct quasi-Poisson model is about ``phi`` times
        a chi-square on the residual df (McCullagh and Nelder 1989, sec. 4.5.2), so
        this is the interval for ``phi`` that statistic gives. ``(1, 1)`` when
        ``phi`` is not estimated (the Poisson case, ``phi`` fixed at 1). Bounds are
        at least :data:`MIN_PHI`, as ``phi`` itself is.
        """
        if not self.estimated:
            return 1.0, 1.0
        from scipy import stats

        x2 = self.estimate * self.df
        lo = x2 / float(stats.chi2.ppf(0.975, self.df))
        hi = x2 / float(stats.chi2.ppf(0.025, self.df))
        return max(lo, MIN_PHI), max(hi, MIN_PHI)

    def at(self, phi: float) -> Dispersion:
        """Return the same dispersion with ``phi`` replaced (to ask how a verdict depends on it)."""
        from dataclasses import replace

        return replace(self, phi=max(float(phi), MIN_PHI))

    @property
    def scale(self) -> float:
        """Factor on the Poisson standard error, ``sqrt(phi)``."""
        return math.sqrt(self.phi)

    @property
    def description(self) -> str:
        """One sentence for people: the value used and where it came from."""
        if not self.estimated:
            return (
                f"Too few months to estimate the overdispersion ({self.source}): the interval "
                f"{POISSON_LABEL}."
            )
        lo, hi = self.ci
        rng = f"95% range {two_figures(lo)} to {two_figures(hi)}"
        if self.estimate >= 1:
            used = f"dispersion {two_figures(self.phi)} ({rng})"
        elif self.phi > self.estimate:
            used = (
                f"dispersion {two_figures(self.phi)} (the estimate, {two_figures(self.estimate)}, "
                f"raised to the lowest value used; {rng})"
            )
        else:
            used = (
                f"dispersion {two_figures(self.phi)} "
                f"(below 1: consistent with Poisson counts; {rng})"
            )
        return (
            f"Intervals allow for {used}, estimated from {self.source} ({self.model}; "
            f"{self.df:g} degrees of freedom)."
        )

    def to_dict(self, prefix: str = "dispersion") -> dict:
        """``phi``, its estimate, interval and degrees of freedom under ``prefix``, JSON-safe."""
        lo, hi = self.ci
        return {
            prefix: round(self.phi, 3),
            f"{prefix}_estimate": round(self.estimate, 3) if self.estimated else None,
            f"{prefix}_ci_low": round(lo, 3) if self.estimated else None,
            f"{prefix}_ci_high": round(hi, 3) if self.estimated else None,
            f"{prefix}_df": self.df if math.isfinite(self.df) else None,
            f"{prefix}_pooled": self.model.startswith("pooled"),
            f"{prefix}_months": self.n_months,
            f"{prefix}_source": self.description,
        }


class PoissonFallback:
    """Mixin of the interval results: ``poisson_*`` default to the interval itself.

    A result built without ``poisson_ci_low/high/p_value`` (the Poisson case)
    gets them from ``ci_low``, ``ci_high`` and ``p_value``.
    """

    # Declared for the type checker only; the dataclasses using the mixin define the fields.
    ci_low: float
    ci_high: float
    p_value: float
    poisson_ci_low: float
    poisson_ci_high: float
    poisson_p_value: float

    def __post_init__(self) -> None:
        """Without separate Poisson figures, the Poisson ones are the ones given."""
        if math.isnan(self.poisson_p_value):
            object.__setattr__(self, "poisson_ci_low", self.ci_low)
            object.__setattr__(self, "poisson_ci_high", self.ci_high)
            object.__setattr__(self, "poisson_p_value", self.p_value)

    @property
    def poisson_pct_ci(self) -> tuple[float, float]:
        """The Poisson-only interval as percentage changes."""
        return 100.0 * (self.poisson_ci_low - 1.0), 100.0 * (self.poisson_ci_high - 1.0)


#: The Poisson case: no overdispersion, normal quantiles.
POISSON = Dispersion(1.0, float("nan"), float("inf"), 0, "none", "not estimated")


def quantile(conf: float, df: float) -> float:
    """Two-sided critical value: normal when ``df`` is infinite, else Student's t."""
    from scipy import stats

    p = 1 - (1 - conf) / 2
    return float(stats.norm.ppf(p) if not math.isfinite(df) else stats.t.ppf(p, df))


def _fit_scale(y: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    """(Pearson chi2 / df, df) of a Poisson GLM, via statsmodels."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
        except (ValueError, np.linalg.LinAlgError):  # e.g. a perfectly regular series
            return float("nan"), float(len(y) - X.shape[1])
    return float(fit.scale), float(fit.df_resid)


def pearson_scale(y: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    """(Pearson chi-square / residual df, residual df) of a Poisson GLM of ``y`` on ``X``.

    As statsmodels' ``GLM(y, X, family=Poisson()).fit(scale="X2")``; NaN when it cannot be
    fitted.
    """
    return _fit_scale(np.asarray(y, dtype=float), np.asarray(X, dtype=float))


def _design(months: Sequence[str]) -> tuple[np.ndarray, str]:
    per = pd.PeriodIndex(list(months), freq="M")
    t = np.array([p.ordinal for p in per], dtype=float)
    t = (t - t.mean()) / 12.0
    cols = [np.ones(len(t)), t]
    model = "quasi-Poisson GLM, intercept and linear trend"
    moy = np.array([p.month for p in per])
    if len(months) >= SEASONAL_MONTHS and all((moy == m).sum() >= 2 for m in range(1, 13)):
        cols += [(moy == m).astype(float) for m in range(2, 13)]
        model = "quasi-Poisson GLM, trend and month-of-year terms"
    return np.column_stack(cols), model


def estimate_dispersion(counts: pd.Series | dict, *, source: str = "monthly counts") -> Dispersion:
    """Estimate the dispersion of a monthly count series (quasi-Poisson GLM).

    Parameters
    ----------
    counts : records per month, indexed by ``YYYY-MM`` (months with no records
        must be present as 0).
    source : words for where the series comes from (area and categories).

    Returns
    -------
    Dispersion
        ``phi = X2 / df`` (see :class:`Dispersion` for its floor) from a Poisson GLM with
        intercept and trend
        (and month-of-year terms with two or more full years); the Poisson case
        when the residual df is below :data:`MIN_DF` or there are no records.
    """
    s = pd.Series(counts, dtype=float).sort_index()
    n = len(s)
    src = f"{source}, {n} month{'s' if n != 1 else ''}"
    if n == 0 or s.sum() <= 0:
        return Dispersion(1.0, float("nan"), float("inf"), n, "none", src)
    X, model = _design(list(s.index))
    if n - X.shape[1] < MIN_DF:
        return Dispersion(1.0, float("nan"), float("inf"), n, "none", src)
    est, df = _fit_scale(s.to_numpy(), X)
    if not math.isfinite(est):
        return Dispersion(1.0, float("nan"), float("inf"), n, "none", src)
    return Dispersion(_floor(est, df), est, df, n, model, src)


def glm_dispersion(estimate: float, df: float, n: int, model: str, source: str) -> Dispersion:
    """Return a :class:`Dispersion` from a fitted model's Pearson estimate (Poisson: df<MIN_DF)."""
    if not (math.isfinite(estimate) and df >= MIN_DF):
        return Dispersion(1.0, float("nan"), float("inf"), n, "none", source)
    return Dispersion(_floor(estimate, df), estimate, df, n, model, source)


def _floor(estimate: float, df: float) -> float:
    """Return the dispersion used: the estimate, at least :data:`MIN_PHI`."""
    return max(float(estimate), MIN_PHI)


def monthly_series(month_column: pd.Series, months: Iterable[str]) -> pd.Series:
    """Return records per month over ``months`` (0 where none) from a column of ``YYYY-MM``."""
    months = list(months)
    return month_column.value_counts().reindex(months, fill_value=0).astype(float)


def two_figures(v: float) -> str:
    """``v`` to two significant figures, for people: 10.04 -> "10", 2.345 -> "2.3"."""
    if not math.isfinite(v):
        return "n/a"
    if v == 0:
        return "0"
    digits = max(0, 1 - math.floor(math.log10(abs(v))))
    return f"{round(v, digits):.{digits}f}"


def pooled_dispersion(
    units: pd.Series,
    month_column: pd.Series,
    months: Iterable[str],
    *,
    source: str,
) -> Dispersion:
    """Dispersion pooled over the monthly series of several units (wards or LSOAs).

    One quasi-Poisson GLM of the counts ``y[u, t]`` of every unit ``u`` in every
    month ``t`` with a unit effect and a month effect, ``log E y = a_u + b_t``, in
    each unbroken stretch of months (a unit's level may differ between stretches
    years apart: that is change, not noise). ``phi`` is its Pearson chi-square over
    the residual df, ``sum (U_s - 1)(T_s - 1)`` for ``U_s`` units with records and
    ``T_s`` months in stretch ``s``: 192 for BCP's 33 wards over the bundled 8 months,
    where the area's own series has 6. The maximum-likelihood fit of this log-linear
    model is the independence fit ``row total x column total / total`` of each
    stretch, computed in closed form; the tests check it against statsmodels'
    ``GLM(..., family=Poisson()).fit(scale="X2")``.

    The month effects take out what all units share in a month (a busy summer, a
    recording change), so ``phi`` measures the extra-Poisson variation left in the
    units' counts. A shock shared by every unit in one month is not in it: that is
    the price of the many df, and why the area's own series is still reported in
    the dispersion's description when pooling is not used.

    Parameters
    ----------
    units : the unit of each record (ward or LSOA code); records without one are left out.
    month_column : the month (``YYYY-MM``) of each record, aligned with ``units``.
    months : every month of the dataset (months with no records count as 0).
    source : words for where the series come from.

    Returns
    -------
    Dispersion
        ``model`` starts with ``"pooled"``; the Poisson case when there are fewer
        than :data:`MIN_DF` residual df.
    """
    months = list(months)
    keep = units.notna().to_numpy() & month_column.isin(months).to_numpy()
    u = units[keep].astype(str).to_numpy()
    m = month_column[keep].astype(str).to_numpy()
    codes, u_idx = np.unique(u, return_inverse=True)
    m_idx = pd.Index(months).get_indexer(m)
    y = np.zeros((len(codes), len(months)))
    np.add.at(y, (u_idx, m_idx), 1.0)
    # blocks: unbroken runs of months (the bundled data: Oct 2018-Feb 2019 and Jan-Mar 2024)
    ords = pd.PeriodIndex(months, freq="M").asi8
    block = np.concatenate([[0], np.cumsum(np.diff(ords) != 1)]) if len(ords) else ords
    x2, df, n_t, n_u = 0.0, 0, 0, 0
    for b in np.unique(block):
        yb = y[:, block == b]
        yb = yb[yb.sum(axis=1) > 0][:, yb.sum(axis=0) > 0]  # empty units/months add nothing
        if yb.size == 0:
            continue
        # unit and month effects within a stretch: the independence model, fitted in closed form
        mu = np.outer(yb.sum(axis=1), yb.sum(axis=0)) / yb.sum()
        x2 += float(((yb - mu) ** 2 / mu).sum())
        df += (yb.shape[0] - 1) * (yb.shape[1] - 1)
        n_t += yb.shape[1]
        n_u = max(n_u, yb.shape[0])
    src = f"{source}: {n_u} series of {n_t} months"
    if df < MIN_DF:
        return Dispersion(1.0, float("nan"), float("inf"), n_t, "none", src)
    return glm_dispersion(
        x2 / df,
        float(df),
        n_t,
        "pooled quasi-Poisson GLM, unit and month effects",
        src,
    )


def area_dispersion(
    records: pd.DataFrame,
    months: Iterable[str],
    *,
    area_kind: str,
    what: str,
) -> Dispersion:
    """Return the dispersion for an area's counts: pooled over its wards or LSOAs when defensible.

    Pools the wards in the area (its LSOAs when the area is a ward or smaller)
    with :func:`pooled_dispersion`; pooling is used when at least
    :data:`MIN_UNITS` units have records and the pooled fit has at least
    :data:`MIN_POOLED_DF` residual df. Otherwise the area's own monthly series
    (:func:`estimate_dispersion`), and the description says why.

    Parameters
    ----------
    records : the area's records (already restricted to its categories).
    months : every month of the dataset.
    area_kind : the area's kind (``"ward"``, ``"lsoa"`` pool LSOAs; others wards).
    what : words for the records, e.g. ``"crime in BCP"``.
    """
    from hotspots.data import schema as S

    months = list(months)
    col, unit = (
        (S.LSOA_CODE, "LSOAs")
        if area_kind in ("ward", "lsoa", "place", "polygon", "file", "town-centre")
        else (S.WARD_CODE, "wards")
    )
    why = ""
    if col in records.columns and len(records):
        n_units = int(records[col].dropna().nunique())
        if n_units >= MIN_UNITS:
            d = pooled_dispersion(
                records[col], records["month"], months,
                source=f"monthly counts of {what}, pooled over {n_units} {unit}",
            )  # fmt: skip
            if d.estimated and d.df >= MIN_POOLED_DF:
                return d
            why = f"pooling its {n_units} {unit} leaves {d.df:g} df, too few"
        else:
            unit_word = unit[:-1] if n_units == 1 else unit
            why = f"only {n_units} {unit_word} with records, too few to pool"
    return estimate_dispersion(
        monthly_series(records["month"], months),
        source=f"monthly counts of {what}" + (f" (not pooled: {why})" if why else ""),
    )
