"""What is new and unusual this month: a control chart of monthly counts, a rolling 12-month total.

A month is *unusual for its series* when its count lies outside limits that allow for the
series' trend, its season and its overdispersion. Per category, the monthly counts are
fitted by a quasi-Poisson GLM (log link) with a linear trend and, where every calendar
month appears at least twice, an annual season (one cosine-sine harmonic, as in Serfling's
model: eleven month-of-year dummies would absorb a third of a one-off spike in three years of
data) (statsmodels ``GLM``, Poisson family,
dispersion ``phi`` = Pearson chi-square / residual degrees of freedom, at least 1). The
limits of a month are quantiles of a negative binomial with the fitted mean ``mu`` and
variance ``phi * mu``: 95% (0.025 and 0.975, *warning*) and 99.8% (0.001 and 0.999,
*action*), the two limit pairs of a Shewhart chart. A month outside the 99.8% limits is
flagged as unusual (listed); one outside only the 95% limits is marked on the chart.

The fit is made robust to the very months it should find: months outside the 99.8%
limits of a first fit are left out of a second fit, whose limits are used.

References
----------
Serfling, R. E. (1963). Methods for current statistical analysis of excess pneumonia-influenza
deaths. *Public Health Reports* 78, 494-506 (trend + annual harmonic baseline).
Shewhart, W. A. (1931). *Economic Control of Quality of Manufactured Product*.
McCullagh, P. and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed., ch. 6
(quasi-likelihood; Pearson estimate of the dispersion).
Farrington, C. P., Andrews, N. J., Beale, A. D. and Catchpole, M. A. (1996). A statistical
algorithm for the early detection of outbreaks of infectious disease. *JRSS A* 159, 547-563
(quasi-Poisson trend model, reweighting out earlier outbreaks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "LEVELS",
    "MIN_MONTHS",
    "ControlChart",
    "control_chart",
    "rolling_12_months",
]

LEVELS = {"95%": (0.025, 0.975), "99.8%": (0.001, 0.999)}
MIN_MONTHS = 12  # fewer months of a series: no chart (a trend needs a year to be told from season)
COLUMNS = [
    "category",
    "month",
    "count",
    "expected",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "flag",
]


@dataclass(frozen=True)
class ControlChart:
    """One row per (category, month) with its count, fitted mean, limits and flag.

    Columns: ``count``, ``expected`` (the fitted mean), the 95% and 99.8% limits, and
    ``flag``: ``"high"``/``"low"`` outside the 99.8% limits, ``"high (95%)"``/``"low (95%)"``
    outside only the 95% ones, else ``""``.

    ``model`` per category says what was fitted ("trend + season", "trend") and
    ``dispersion`` its ``phi``; ``notes`` say what could not be charted.
    """

    table: pd.DataFrame
    model: dict[str, str] = field(default_factory=dict)
    dispersion: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def unusual(self) -> pd.DataFrame:
        """Return the months outside the 99.8% limits, newest first."""
        t = self.table
        out = t[t["flag"].isin(["high", "low"])]
        return out.sort_values(["month", "category"], ascending=[False, True]).reset_index(
            drop=True,
        )


def _month_index(months: pd.Index) -> np.ndarray:
    """Months since the first, from ``YYYY-MM`` labels (gaps stay gaps)."""
    y = np.array([int(m[:4]) for m in months])
    m = np.array([int(m[5:7]) for m in months])
    k = y * 12 + m - 1
    return k - k.min()


def _design(months: pd.Index, season: bool) -> np.ndarray:
    t = _month_index(months) / 12.0  # years
    cols = [np.ones(len(months)), t]
    if season:  # one annual harmonic (Serfling 1963): 2 parameters, not 11 month dummies
        moy = np.array([int(m[5:7]) for m in months])
        cols += [np.cos(2 * np.pi * moy / 12), np.sin(2 * np.pi * moy / 12)]
    return np.column_stack(cols)


def _fit(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """Fitted means and dispersion of a quasi-Poisson GLM (log link)."""
    import statsmodels.api as sm

    res = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
    return np.asarray(res.predict(X)), max(float(res.scale), 1.0)


def _limits(mu: np.ndarray, phi: float, q: float) -> np.ndarray:
    """Quantile ``q`` of a count with mean ``mu`` and variance ``phi * mu``."""
    from scipy import stats  # on first use: a server's first page shows kept values without it

    if phi <= 1.0 + 1e-9:
        return stats.poisson.ppf(q, mu)
    n = mu / (phi - 1.0)
    return stats.nbinom.ppf(q, n, n / (n + mu))


def _chart_one(y: np.ndarray, X: np.ndarray, robust: bool = True):
    mu, phi = _fit(y, X)
    if robust:
        lo, hi = _limits(mu, phi, 0.001), _limits(mu, phi, 0.999)
        keep = (y >= lo) & (y <= hi)
        if (~keep).sum() > 0 and keep.sum() > X.shape[1] + 1:
            import statsmodels.api as sm

            res = sm.GLM(y[keep], X[keep], family=sm.families.Poisson()).fit(scale="X2")
            mu, phi = np.asarray(res.predict(X)), max(float(res.scale), 1.0)
    return mu, phi


def control_chart(counts: pd.DataFrame, *, min_months: int = MIN_MONTHS) -> ControlChart:
    """Control chart of monthly counts per category (see the module docstring).

    Parameters
    ----------
    counts : DataFrame indexed by month (``YYYY-MM``; the months of the dataset, gaps
        allowed, a month with no record of a category counted 0), one column per category,
        integer counts.
    min_months : a series with fewer months gets no chart (said in ``notes``).

    Returns
    -------
    ControlChart
    """
    counts = counts.sort_index()
    months = pd.Index([str(m) for m in counts.index])
    rows: list[pd.DataFrame] = []
    model: dict[str, str] = {}
    disp: dict[str, float] = {}
    notes: list[str] = []
    if len(months) < min_months:
        notes.append(
            f"{len(months)} months of data: a control chart needs at least {min_months} "
            "(to tell a trend from the season)",
        )
        return ControlChart(pd.DataFrame(columns=COLUMNS), model, disp, notes)
    moy = pd.Series([m[5:7] for m in months]).value_counts()
    season = len(moy) == 12 and int(moy.min()) >= 2
    X = _design(months, season)
    for cat in counts.columns:
        y = counts[cat].to_numpy(dtype="float64")
        if y.sum() < 5 * len(y) ** 0.5:
            notes.append(f"{cat}: too few records to chart")
            continue
        mu, phi = _chart_one(y, X)
        model[str(cat)] = "trend + season" if season else "trend"
        disp[str(cat)] = phi
        lo95, hi95 = _limits(mu, phi, 0.025), _limits(mu, phi, 0.975)
        lo998, hi998 = _limits(mu, phi, 0.001), _limits(mu, phi, 0.999)
        flag = np.where(
            y > hi998,
            "high",
            np.where(
                y < lo998,
                "low",
                np.where(y > hi95, "high (95%)", np.where(y < lo95, "low (95%)", "")),
            ),
        )
        rows.append(
            pd.DataFrame(
                {
                    "category": str(cat),
                    "month": months,
                    "count": y.astype("int64"),
                    "expected": mu,
                    "lower_95": lo95,
                    "upper_95": hi95,
                    "lower_998": lo998,
                    "upper_998": hi998,
                    "flag": flag,
                },
            ),
        )
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COLUMNS)
    if not season:
        notes.append(
            "no seasonal (month-of-year) term: it needs every calendar month at least twice "
            "(the limits then allow for the trend only)",
        )
    return ControlChart(table, model, disp, notes)


def rolling_12_months(totals: pd.Series) -> pd.Series:
    """Return the total of the 12 calendar months ending at each month, where all 12 are present.

    ``totals`` is indexed by month (``YYYY-MM``); a month whose 12-month window has a gap
    gets NA (a total over fewer months would not be comparable).
    """
    totals = totals.sort_index()
    k = pd.Series(_month_index(pd.Index([str(m) for m in totals.index])), index=totals.index)
    out = pd.Series(np.nan, index=totals.index, dtype="float64")
    by_k = dict(zip(k.to_numpy(), totals.to_numpy(dtype="float64"), strict=True))
    for month, kk in k.items():
        window = [by_k.get(kk - j) for j in range(12)]
        if all(v is not None for v in window):
            out[month] = float(sum(float(v) for v in window if v is not None))
    return out
