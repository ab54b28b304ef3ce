"""The relative effect of a zone against the control, and the dispersion of the zone counts.

The relative effect is the ratio of rate ratios ``(X1/X0) / (C1/C0)`` of a zone
``X`` (target or ring) against the control ``C``, before (0) and after (1), with
a log-scale Wald interval (Haldane's correction when a count is 0). It is the
zone x period interaction of a log-linear count model with zone, month and
zone x period terms; the Pearson dispersion of that model
(:func:`zone_month_dispersion`; McCullagh and Nelder 1989) widens the interval
for overdispersed counts, with Student's t quantiles (quasi-Poisson). The
evaluation gives each zone its own dispersion instead (:func:`subunit_dispersion`
from the zone's snap points, :func:`relative_effect_zones`): the zone model's
one dispersion rests on ``(Z - 1)(K - 1)`` = 8 df and is mostly the ring's and
target's average, too small for a target busier per snap point than its ring
(end to end, the crime interval covered the truth in 86-88% of overdispersed
seeds with it; see ``benchmarks/coverage_pipeline.py``).

References
----------
Satterthwaite, F. E. (1946). An approximate distribution of estimates of
variance components. Biometrics Bulletin 2(6), 110-114.
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
    MIN_PHI,
    POISSON,
    Dispersion,
    PoissonFallback,
    glm_dispersion,
    quantile,
)

__all__ = [
    "RelativeEffect",
    "period_dispersion",
    "relative_effect",
    "relative_effect_zones",
    "subunit_dispersion",
    "zone_month_dispersion",
]


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
        """The relative effect in percent, ``100 (ratio - 1)``."""
        return 100.0 * (self.ratio - 1.0)

    @property
    def pct_ci(self) -> tuple[float, float]:
        """The interval of :attr:`pct`, in percent."""
        return 100.0 * (self.ci_low - 1.0), 100.0 * (self.ci_high - 1.0)


def relative_effect(
    x0: int,
    x1: int,
    c0: int,
    c1: int,
    conf: float = 0.95,
    dispersion: Dispersion | None = None,
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
    counts: np.ndarray,
    after: np.ndarray,
    source: str,
    months: list[str] | None = None,
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
    counts: np.ndarray,
    after: np.ndarray,
    k: int,
    source: str,
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


def subunit_dispersion(
    counts: np.ndarray,
    after: np.ndarray,
    source: str,
    months: list[str] | None = None,
) -> Dispersion:
    """Dispersion of one zone's total from the monthly counts of its sub-units (snap points).

    ``counts`` is sub-units x months. When the sub-units' counts are independent of
    each other given the zone's month effects (as police.uk snap points' are in
    the simulator, and as a zone-wide shock is absorbed by the month terms), the
    variance of the zone's monthly total is the sum of the sub-units' variances,
    so the dispersion that widens the zone's interval is
    ``phi = sum (y - mu)^2 / sum mu (1 - h)`` over all sub-unit months: a
    mu-weighted mean of the sub-units' dispersions, which is the dispersion of
    the total even when busy points vary more than quiet ones (gamma
    location-month effects), unlike the unweighted Pearson mean over the zone's
    sub-units or a model of the zone totals with few degrees of freedom.
    ``mu`` is the fit of the log-linear model with sub-unit x stratum and
    month terms, in closed form (row total x column total / table total in each
    stratum): the strata are the calendar months when the two windows cover the
    same ones (``months`` given; sub-unit x month-of-year terms), otherwise the
    two periods. ``h`` is that model's leverage, ``mu/n_row + mu/n_col - mu/n`` in
    each stratum's independence table, so that ``E (y - mu)^2 = phi mu (1 - h)``
    (McCullagh and Nelder 1989, sec. 12.5). The degrees of freedom are
    Satterthwaite's (1946) for a weighted sum of chi-squares,
    ``(sum mu (1 - h))^2 / sum mu^2 (1 - h)``.
    """
    y = np.asarray(counts, dtype=float)
    after = np.asarray(after, dtype=bool)
    m = y.shape[1] if y.ndim == 2 else 0
    strata: list[np.ndarray] = [np.flatnonzero(~after), np.flatnonzero(after)]
    if months is not None:
        cal_b = [mm[5:] for mm, a in zip(months, after, strict=True) if not a]
        cal_a = [mm[5:] for mm, a in zip(months, after, strict=True) if a]
        if cal_b == cal_a and len(set(cal_b)) == len(cal_b):
            strata = [np.array([b, a]) for b, a in zip(strata[0], strata[1], strict=True)]
    num = den = den2 = 0.0
    for cols in strata:
        sub = y[:, cols] if y.ndim == 2 else np.zeros((0, len(cols)))
        sub = sub[sub.sum(axis=1) > 0]
        tot = sub.sum()
        if tot <= 0 or sub.shape[0] < 2:
            continue
        rs, cs = sub.sum(axis=1), sub.sum(axis=0)
        mu = np.outer(rs, cs) / tot
        ok = mu > 0
        h = np.zeros_like(mu)
        h[ok] = (mu / rs[:, None] + mu / np.where(cs > 0, cs, 1.0)[None, :] - mu / tot)[ok]
        num += float(((sub - mu) ** 2).sum())
        den += float((mu * (1 - h)).sum())
        den2 += float((mu**2 * (1 - h)).sum())
    if den <= 0:
        return glm_dispersion(float("nan"), 0.0, m, "none", source)
    phi = num / den
    df = den**2 / den2
    return glm_dispersion(
        phi, df, m,
        "mu-weighted quasi-Poisson dispersion of the zone's snap points (sub-unit x "
        "month-of-year and month terms), Satterthwaite degrees of freedom",
        source,
    )  # fmt: skip


def relative_effect_zones(
    x0: int, x1: int, c0: int, c1: int, zone: Dispersion, control: Dispersion,
    conf: float = 0.95,
) -> RelativeEffect:  # fmt: skip
    """Return the ratio of rate ratios with a separate dispersion for the zone and the control.

    ``var log RRR = phi_x (1/x0 + 1/x1) + phi_c (1/c0 + 1/c1)`` with each zone's
    own dispersion (e.g. :func:`subunit_dispersion`), and Student's t quantiles
    on Satterthwaite's (1946) degrees of freedom for that sum,
    ``(v_x + v_c)^2 / (v_x^2 / df_x + v_c^2 / df_c)``. The dispersion reported
    with the result is the effective one, ``var / Poisson var``. When neither
    dispersion is estimated this is :func:`relative_effect` (Poisson).
    """
    if not (zone.estimated and control.estimated):
        return relative_effect(x0, x1, c0, c1, conf)
    pois = relative_effect(x0, x1, c0, c1, conf)
    counts = [float(v) + (0.5 if pois.corrected else 0.0) for v in (x0, x1, c0, c1)]
    a0, a1, b0, b1 = counts
    log_r = math.log(pois.ratio)
    vx = zone.phi * (1 / a0 + 1 / a1)
    vc = control.phi * (1 / b0 + 1 / b1)
    se = math.sqrt(vx + vc)
    df = (vx + vc) ** 2 / (vx**2 / zone.df + vc**2 / control.df)
    eff = (vx + vc) / (pois.se_log**2)
    d = Dispersion(
        max(eff, MIN_PHI), eff, df, max(zone.n_months, control.n_months),
        f"separate dispersions for the zone ({zone.phi:.3g}, {zone.df:.0f} df) and the control "
        f"({control.phi:.3g}, {control.df:.0f} df), each from its snap points' monthly counts",
        zone.source,
    )  # fmt: skip
    qq = quantile(conf, df)
    qp = float(2 * stats.t.sf(abs(log_r) / se, df))
    return RelativeEffect(
        pois.ratio, math.exp(log_r - qq * se), math.exp(log_r + qq * se), qp, se,
        pois.corrected, conf, pois.ci_low, pois.ci_high, pois.p_value, d,
    )  # fmt: skip
