"""The relative effect of a zone against the control, and the dispersion of the zone counts.

The relative effect is the ratio of rate ratios ``(X1/X0) / (C1/C0)`` of a zone
``X`` (target or ring) against the control ``C``, before (0) and after (1), with
a log-scale Wald interval (Haldane's correction when a count is 0). It is the
zone x period interaction of a log-linear count model with zone, month and
zone x period terms; the Pearson dispersion of that model
(:func:`zone_month_dispersion`; McCullagh and Nelder 1989) widens the interval
for overdispersed counts, with Student's t quantiles (quasi-Poisson).

References
----------
Haldane, J. B. S. (1956). The estimation and significance of the logarithm of a
ratio of frequencies. Annals of Human Genetics 20(4), 309-311.
McCullagh, P. and Nelder, J. A. (1989). Generalized Linear Models, 2nd ed.
Chapman and Hall, sec. 4.5 (over-dispersion) and 6.2 (log-linear models).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from hotspots.comparison.dispersion import (
    MIN_DF,
    POISSON,
    Dispersion,
    PoissonFallback,
    glm_dispersion,
    quantile,
)

__all__ = ["RelativeEffect", "relative_effect", "zone_month_dispersion", "period_dispersion"]


@dataclass(frozen=True)
class RelativeEffect(PoissonFallback):
    """Ratio of rate ratios ``(X1/X0) / (C1/C0)`` with a log-scale Wald interval.

    ``ratio`` 0.76 means the zone ended 24% below what the control's change
    implies. ``corrected`` is True when 0.5 was added to every count because one
    was zero (Haldane's correction).
    """

    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    se_log: float
    corrected: bool
    conf: float
    poisson_ci_low: float = float("nan")
    poisson_ci_high: float = float("nan")
    poisson_p_value: float = float("nan")
    dispersion: Dispersion = POISSON

    @property
    def excludes_one(self) -> bool:
        """True when the interval excludes "no effect" (ratio 1)."""
        return self.ci_high < 1 or self.ci_low > 1

    @property
    def pct(self) -> float:
        return 100.0 * (self.ratio - 1.0)

    @property
    def pct_ci(self) -> tuple[float, float]:
        return 100.0 * (self.ci_low - 1.0), 100.0 * (self.ci_high - 1.0)


def relative_effect(
    x0: int, x1: int, c0: int, c1: int, conf: float = 0.95, dispersion: Dispersion | None = None
) -> RelativeEffect:
    """Ratio of rate ratios of a zone against the control, log-scale Wald interval.

    ``log RRR = log(x1/x0) - log(c1/c0)``, ``se = sqrt(1/x0 + 1/x1 + 1/c0 + 1/c1)``
    (independent Poisson counts; window lengths cancel). When any count is 0,
    0.5 is added to all four (Haldane 1956). The p-value is the two-sided Wald
    test of ``RRR = 1``. With a ``dispersion`` (phi > 1) the standard error is
    multiplied by ``sqrt(phi)`` and quantiles are Student's t with its degrees
    of freedom (quasi-Poisson); the Poisson interval stays in ``poisson_*``.
    This is the zone x after interaction of a log-linear count model with zone,
    month and zone x period terms (see :func:`zone_month_dispersion`).
    """
    counts = [float(v) for v in (x0, x1, c0, c1)]
    corrected = min(counts) <= 0
    if corrected:
        counts = [v + 0.5 for v in counts]
    a0, a1, b0, b1 = counts
    log_r = math.log(a1 / a0) - math.log(b1 / b0)
    se = math.sqrt(1 / a0 + 1 / a1 + 1 / b0 + 1 / b1)
    q = stats.norm.ppf(1 - (1 - conf) / 2)
    p = float(2 * stats.norm.sf(abs(log_r) / se))
    lo, hi = math.exp(log_r - q * se), math.exp(log_r + q * se)
    d = dispersion or POISSON
    if not d.estimated:
        return RelativeEffect(math.exp(log_r), lo, hi, p, se, corrected, conf, lo, hi, p, d)
    qse = se * d.scale
    qq = quantile(conf, d.df)
    qp = float(2 * stats.t.sf(abs(log_r) / qse, d.df))
    return RelativeEffect(
        math.exp(log_r), math.exp(log_r - qq * qse), math.exp(log_r + qq * qse), qp, qse,
        corrected, conf, lo, hi, p, d,
    )  # fmt: skip


def zone_month_dispersion(
    counts: np.ndarray, after: np.ndarray, source: str, months: list[str] | None = None
) -> Dispersion:
    """Dispersion of the evaluation's count model: zone, month and zone x period terms.

    ``counts`` is zones x months (control last), ``after`` flags the after
    window's months. When the two windows cover the same calendar months
    (``months`` given, e.g. Apr-Aug of two years) the model also has zone x
    month-of-year terms, so that a target whose season differs from the
    control's is not mistaken for overdispersion: ``log mu = a[zone, month of
    year] + b[after-year month] + g[zone] after``, with ``(Z - 1)(K - 1)``
    residual degrees of freedom for K calendar months, fitted by statsmodels'
    Poisson GLM with ``scale="X2"``. Otherwise the model is zone + month + zone x
    period, whose fitted values are ``row total x column total / period total``
    in each period, with ``(Z - 1)(M - 2)`` degrees of freedom. Either way the
    dispersion is the Pearson chi-square over the residual degrees of freedom,
    and the zone x after interaction is (or, with month-of-year terms, is close
    to) the log ratio of rate ratios.
    """
    counts = np.asarray(counts, dtype=float)
    after = np.asarray(after, dtype=bool)
    z, m = counts.shape
    if months is not None:
        cal_b = [mm[5:] for mm, a in zip(months, after, strict=True) if not a]
        cal_a = [mm[5:] for mm, a in zip(months, after, strict=True) if a]
        k = len(cal_b)
        if cal_b == cal_a and len(set(cal_b)) == k and (z - 1) * (k - 1) >= MIN_DF:
            return _seasonal_zone_dispersion(counts, after, k, source)
    x2 = 0.0
    for p in (False, True):
        sub = counts[:, after == p]
        tot = sub.sum()
        if tot <= 0:
            continue
        mu = np.outer(sub.sum(axis=1), sub.sum(axis=0)) / tot
        ok = mu > 0
        x2 += float(((sub[ok] - mu[ok]) ** 2 / mu[ok]).sum())
    df = (z - 1) * (m - 2)
    est = x2 / df if df > 0 else float("nan")
    return glm_dispersion(est, df, m, "quasi-Poisson count model with zone, month and "
                          "zone × period terms", source)  # fmt: skip


def _seasonal_zone_dispersion(
    counts: np.ndarray, after: np.ndarray, k: int, source: str
) -> Dispersion:
    """Pearson dispersion of the count model with zone x month-of-year terms (statsmodels GLM)."""
    import statsmodels.api as sm

    z, m = counts.shape
    zz, mm = np.meshgrid(np.arange(z), np.arange(m), indexing="ij")
    zi, mi = zz.ravel(), mm.ravel()
    pos = np.empty(m, dtype=int)  # position of each month within its window = month of year
    pos[~after] = np.arange(k)
    pos[after] = np.arange(k)
    aft = after[mi]
    cols = [((zi == a) & (pos[mi] == b)).astype(float) for a in range(z) for b in range(k)]
    cols += [(aft & (pos[mi] == b)).astype(float) for b in range(k)]
    cols += [(aft & (zi == a)).astype(float) for a in range(z - 1)]
    y = counts.ravel()
    X = np.column_stack(cols)
    keep = X[y > 0].sum(axis=0) > 0  # drop terms whose cells are all zero
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, X[:, keep], family=sm.families.Poisson()).fit(scale="X2")
    return glm_dispersion(
        float(fit.scale), float(fit.df_resid), m,
        "quasi-Poisson count model with zone × month-of-year, month and zone × period terms",
        source,
    )  # fmt: skip


def period_dispersion(series: np.ndarray, after: np.ndarray, source: str) -> Dispersion:
    """Dispersion of one zone's monthly counts around its before and after means (n - 2 df)."""
    y = np.asarray(series, dtype=float)
    after = np.asarray(after, dtype=bool)
    x2 = 0.0
    for p in (False, True):
        sub = y[after == p]
        if len(sub) and sub.mean() > 0:
            x2 += float(((sub - sub.mean()) ** 2).sum() / sub.mean())
    df = len(y) - 2
    est = x2 / df if df > 0 else float("nan")
    return glm_dispersion(est, df, len(y), "quasi-Poisson, a level before and one after", source)
