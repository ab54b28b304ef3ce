"""Exact comparison of two counts: the rate ratio, its interval and p-value.

Two counts ``a`` (window A, exposure ``t_a`` months) and ``b`` (window B,
exposure ``t_b``) are compared through their rate ratio
``R = (b / t_b) / (a / t_a)``. Conditional on the total ``n = a + b``, ``b``
is Binomial(n, pi) with ``pi = t_b R / (t_a + t_b R)`` when both counts are
Poisson (Przyborowski and Wilenski 1940; Breslow and Day 1987, sec. 2.2).
The exact (Clopper-Pearson) interval for ``pi`` transformed back gives an exact
interval for ``R``; the exact two-sided binomial test of ``pi = t_b / (t_a + t_b)``
gives the p-value of "no change in the monthly rate". Both come from
``scipy.stats.binomtest``. Unequal window lengths (a month missing from the
data) enter through the exposures. With overdispersed counts the interval is the
quasi-Poisson one (:mod:`hotspots.comparison.dispersion`).

References
----------
Clopper, C. J. and Pearson, E. S. (1934). The use of confidence or fiducial
limits illustrated in the case of the binomial. Biometrika 26(4), 404-413.
Przyborowski, J. and Wilenski, H. (1940). Homogeneity of results in testing
samples from Poisson series. Biometrika 31, 313-323.
Breslow, N. E. and Day, N. E. (1987). Statistical Methods in Cancer Research,
vol. II. IARC, Lyon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotspots.comparison.dispersion import POISSON, Dispersion, PoissonFallback, quantile
from hotspots.validation import LEVEL, RECORD_COUNT, Interval, Real, validate_params

__all__ = [
    "SMALL_COUNT",
    "VERY_SMALL_COUNT",
    "RateRatio",
    "depends_on_dispersion",
    "rate_ratio",
    "small_count_flag",
]

#: Counts below these are flagged, never hidden. With fewer than 10 records one
#: record moves a percentage change by 10% or more and the 95% interval of a
#: ratio spans roughly a factor of 4; under 30 it still spans about ±50%.
VERY_SMALL_COUNT = 10
SMALL_COUNT = 30


def small_count_flag(*counts: int) -> str:
    """``"very small"`` if any count < 10, ``"small"`` if any < 30, else ``""``."""
    m = min(counts) if counts else 0
    if m < VERY_SMALL_COUNT:
        return "very small"
    if m < SMALL_COUNT:
        return "small"
    return ""


@dataclass(frozen=True)
class RateRatio(PoissonFallback):
    """Exact comparison of two Poisson counts with exposures.

    Attributes
    ----------
    count_a, count_b : the counts; exposure_a, exposure_b : their exposures
        (months of data; any unit, the same for both).
    ratio : ``(count_b / exposure_b) / (count_a / exposure_a)``; ``inf`` when
        ``count_a == 0 < count_b``; NaN when both are 0.
    ci_low, ci_high : exact interval for the ratio at ``conf``.
    p_value : exact two-sided p-value for "the rate did not change".
    dispersion : the :class:`~hotspots.comparison.dispersion.Dispersion` the
        interval and p-value allow for. With ``phi > 1`` they are the quasi-Poisson
        ones (log-scale Wald, standard error times ``sqrt(phi)``, Student's t with
        the dispersion's degrees of freedom); ``poisson_ci_low``,
        ``poisson_ci_high`` and ``poisson_p_value`` always hold the exact
        Poisson (conditional binomial) ones.
    """

    count_a: int
    count_b: int
    exposure_a: float
    exposure_b: float
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    conf: float
    poisson_ci_low: float = float("nan")
    poisson_ci_high: float = float("nan")
    poisson_p_value: float = float("nan")
    dispersion: Dispersion = POISSON

    @property
    def pct_change(self) -> float:
        """Percentage change in the rate, ``100 (ratio - 1)``."""
        return 100.0 * (self.ratio - 1.0)

    @property
    def pct_ci(self) -> tuple[float, float]:
        """The interval of :attr:`pct_change`, in percent."""
        return 100.0 * (self.ci_low - 1.0), 100.0 * (self.ci_high - 1.0)


@validate_params(
    {
        "count_a": [RECORD_COUNT],
        "count_b": [RECORD_COUNT],
        "exposure_a": [Interval(Real, 0, None, closed="neither", unit="months")],
        "exposure_b": [Interval(Real, 0, None, closed="neither", unit="months")],
        "conf": [LEVEL],
    },
    {"conf": "For example 0.95."},
)
def rate_ratio(
    count_a: int,
    count_b: int,
    exposure_a: float = 1.0,
    exposure_b: float = 1.0,
    conf: float = 0.95,
    dispersion: Dispersion | None = None,
) -> RateRatio:
    """Interval and test for the ratio of two rates: exact for Poisson counts, scaled otherwise.

    Parameters
    ----------
    count_a, count_b : non-negative integers, records in windows A and B.
    exposure_a, exposure_b : positive numbers, the windows' lengths (months of data).
    conf : confidence level of the interval, default 0.95.
    dispersion : :class:`~hotspots.comparison.dispersion.Dispersion`, optional.
        ``None`` or not estimated: the exact Poisson interval and p-value.
        Otherwise the quasi-Poisson ones: ``log R -/+ t_df sqrt(phi (1/a + 1/b))``
        (0.5 added to both counts when one is 0) and the two-sided t test; the
        exact Poisson ones are kept in ``poisson_*``.

    Returns
    -------
    RateRatio

    Notes
    -----
    Given ``n = a + b``, ``b ~ Binomial(n, pi)``, ``pi = t_b R / (t_a + t_b R)``.
    The Clopper-Pearson interval ``(pi_lo, pi_hi)`` maps to
    ``R = pi t_a / ((1 - pi) t_b)``; the p-value is the exact two-sided binomial
    test of ``pi0 = t_b / (t_a + t_b)``. When ``a = 0`` the upper limit is
    infinite; when ``b = 0`` the lower limit is 0.
    """
    a, b = int(count_a), int(count_b)
    ta, tb = float(exposure_a), float(exposure_b)
    n = a + b
    if n == 0:
        return RateRatio(a, b, ta, tb, float("nan"), 0.0, float("inf"), 1.0, conf)
    ratio = float("inf") if a == 0 else (b / tb) / (a / ta)
    from scipy import stats  # on first use: a server's first page shows kept values without it

    test = stats.binomtest(b, n, tb / (ta + tb))
    ci = test.proportion_ci(conf, method="exact")  # Clopper and Pearson (1934)
    lo_pi, hi_pi = float(ci.low), float(ci.high)

    def to_ratio(pi: float) -> float:
        if pi >= 1.0:
            return float("inf")
        return pi * ta / ((1.0 - pi) * tb)

    p = float(test.pvalue)  # two-sided, "minimum likelihood" (as or less likely than b)
    lo, hi = to_ratio(lo_pi), to_ratio(hi_pi)
    disp = dispersion or POISSON
    if not disp.estimated:
        return RateRatio(a, b, ta, tb, ratio, lo, hi, p, conf, lo, hi, p, disp)
    a_, b_ = (a + 0.5, b + 0.5) if min(a, b) == 0 else (a, b)
    log_r = math.log((b_ / tb) / (a_ / ta))
    se = math.sqrt(disp.phi * (1.0 / a_ + 1.0 / b_))
    q = quantile(conf, disp.df)
    z = abs(log_r) / se
    qp = float(2 * (stats.norm.sf(z) if not math.isfinite(disp.df) else stats.t.sf(z, disp.df)))
    return RateRatio(
        a, b, ta, tb, ratio, math.exp(log_r - q * se), math.exp(log_r + q * se), qp, conf,
        lo, hi, p, disp,
    )  # fmt: skip


def depends_on_dispersion(r: RateRatio) -> bool:
    """Return True when the verdict on ``r`` turns on the dispersion's uncertainty.

    The interval is recomputed with φ at the low and the high end of its 95% range
    (:attr:`~hotspots.comparison.dispersion.Dispersion.ci`): the verdict depends on φ
    when the first excludes no change and the second does not.
    """
    d = r.dispersion
    if not d.estimated:
        return False
    lo, hi = d.ci
    r_lo = rate_ratio(r.count_a, r.count_b, r.exposure_a, r.exposure_b, dispersion=d.at(lo))
    r_hi = rate_ratio(r.count_a, r.count_b, r.exposure_a, r.exposure_b, dispersion=d.at(hi))

    def excludes(x: RateRatio) -> bool:
        return x.ci_high < 1 or x.ci_low > 1

    return excludes(r_lo) and not excludes(r_hi)
