"""Exact comparison of two counts, and period-against-period comparisons for an area.

Two counts ``a`` (window A, exposure ``t_a`` months) and ``b`` (window B,
exposure ``t_b``) are compared through their rate ratio
``R = (b / t_b) / (a / t_a)``. Conditional on the total ``n = a + b``, ``b``
is Binomial(n, pi) with ``pi = t_b R / (t_a + t_b R)`` when both counts are
Poisson (Przyborowski and Wilenski 1940; Breslow and Day 1987, sec. 2.2).
The exact (Clopper-Pearson) interval for ``pi`` transformed back gives an exact
interval for ``R``; the exact two-sided binomial test of ``pi = t_b / (t_a + t_b)``
gives the p-value of "no change in the monthly rate". Unequal window lengths
(a month missing from the data) enter through the exposures.

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
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from hotspots.compare import wording as W
from hotspots.compare.dispersion import (
    POISSON,
    POISSON_LABEL,
    Dispersion,
    PoissonFallback,
    estimate_dispersion,
    monthly_series,
    quantile,
)
from hotspots.compare.windows import Window, dataset_months, window
from hotspots.data import schema as S
from hotspots.data.areas import Area, resolve_area
from hotspots.data.select import filter_records
from hotspots.errors import InputError

__all__ = [
    "RateRatio",
    "rate_ratio",
    "clopper_pearson",
    "binomial_p_two_sided",
    "small_count_flag",
    "SMALL_COUNT",
    "VERY_SMALL_COUNT",
    "PeriodComparison",
    "compare_periods",
    "COMPARISON_COLUMNS",
]

#: Counts below these are flagged, never hidden. With fewer than 10 records one
#: record moves a percentage change by 10% or more and the 95% interval of a
#: ratio spans roughly a factor of 4; under 30 it still spans about ±50%.
VERY_SMALL_COUNT = 10
SMALL_COUNT = 30

_RTOL = 1 + 1e-7  # scipy.stats.binomtest's tolerance for "as or less likely"


def clopper_pearson(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson 1934) interval for a binomial proportion, k of n.

    Equal to ``scipy.stats.binomtest(k, n).proportion_ci(conf, "exact")``;
    (0, 1) when ``n == 0``.
    """
    if n == 0:
        return 0.0, 1.0
    alpha = 1.0 - conf
    lo = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def binomial_p_two_sided(k: int, n: int, p: float) -> float:
    """Exact two-sided binomial p-value: the probability of outcomes no likelier than ``k``.

    The "minimum likelihood" method, as ``scipy.stats.binomtest(k, n, p).pvalue``.
    """
    if n == 0:
        return 1.0
    if p <= 0.0:
        return 1.0 if k == 0 else 0.0
    if p >= 1.0:
        return 1.0 if k == n else 0.0
    ks = np.arange(n + 1)
    pmf = stats.binom.pmf(ks, n, p)
    d = stats.binom.pmf(k, n, p)
    return float(min(1.0, pmf[pmf <= d * _RTOL].sum()))


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
    dispersion : the :class:`~hotspots.compare.dispersion.Dispersion` the
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
        return 100.0 * (self.ci_low - 1.0), 100.0 * (self.ci_high - 1.0)


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
    dispersion : :class:`~hotspots.compare.dispersion.Dispersion`, optional.
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
    for name, v in (("count_a", count_a), ("count_b", count_b)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise InputError(name, v, "a whole number of records, 0 or more")
    for name, v in (("exposure_a", exposure_a), ("exposure_b", exposure_b)):
        if not (
            isinstance(v, (int, float, np.integer, np.floating)) and math.isfinite(v) and v > 0
        ):
            raise InputError(name, v, "a positive length of time (months)")
    if not (0 < conf < 1):
        raise InputError("conf", conf, "a confidence level between 0 and 1", "For example 0.95.")
    a, b = int(count_a), int(count_b)
    ta, tb = float(exposure_a), float(exposure_b)
    n = a + b
    if n == 0:
        return RateRatio(a, b, ta, tb, float("nan"), 0.0, float("inf"), 1.0, conf)
    ratio = float("inf") if a == 0 else (b / tb) / (a / ta)
    lo_pi, hi_pi = clopper_pearson(b, n, conf)

    def to_ratio(pi: float) -> float:
        if pi >= 1.0:
            return float("inf")
        return pi * ta / ((1.0 - pi) * tb)

    p = binomial_p_two_sided(b, n, tb / (ta + tb))
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


# --------------------------------------------------------------------------- periods
#: Columns of :attr:`PeriodComparison.by_category` (one row per category + total).
COMPARISON_COLUMNS: list[str] = [
    "category",
    "count_a",
    "count_b",
    "rate_a",
    "rate_b",
    "abs_change",
    "pct_change",
    "rate_ratio",
    "ci_low",
    "ci_high",
    "pct_ci_low",
    "pct_ci_high",
    "p_value",
    "dispersion",
    "poisson_ci_low",
    "poisson_ci_high",
    "poisson_p_value",
    "small_count_flag",
]
TOTAL_LABEL = "Total (selected categories)"


def _fmt_pct(v: float) -> str:
    if not math.isfinite(v):
        return "n/a"
    return f"{v:+.0f}%"


@dataclass(frozen=True)
class PeriodComparison:
    """Records in window A against window B for one area and set of categories.

    Attributes
    ----------
    area_name, area_spec : the area (see :func:`hotspots.data.areas.resolve_area`).
    categories : police.uk categories included.
    a, b : the windows; months_a, months_b : months of data in each (exposure);
        missing_a, missing_b : months of the window absent from the data.
    result : :class:`RateRatio` of the totals (B against A, per month of data).
    by_category : DataFrame with :data:`COMPARISON_COLUMNS`, one row per
        category and a total row last.
    notes : missing months, exposure adjustment, small counts, in plain English.
    """

    area_name: str
    area_spec: str
    categories: tuple[str, ...]
    a: Window
    b: Window
    months_a: int
    months_b: int
    missing_a: tuple[str, ...]
    missing_b: tuple[str, ...]
    result: RateRatio
    by_category: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def dispersion(self) -> Dispersion:
        """The dispersion the total's interval allows for (and where it came from)."""
        return self.result.dispersion

    @property
    def count_a(self) -> int:
        return self.result.count_a

    @property
    def count_b(self) -> int:
        return self.result.count_b

    @property
    def reading(self) -> str:
        """Plain-English sentences: the change, its interval, whether it could be chance."""
        r = self.result
        what = _describe(self.categories)
        if r.count_a + r.count_b == 0:
            return f"No {what} recorded in {self.area_name} in either {self.a.label} or {self.b.label}."
        if r.count_a == 0:
            return (
                f"{_cap(what)} in {self.area_name}: none in {self.a.label}, "
                f"{r.count_b:,} in {self.b.label}; a percentage change cannot be given."
            )
        lo, hi = r.pct_ci
        verb = "fell" if r.ratio < 1 else "rose" if r.ratio > 1 else "did not change"
        size = f" by {W.about(r.pct_change)}" if r.ratio != 1 else ""
        per = " per month of data" if self.months_a != self.months_b else ""
        if self.months_a != self.months_b:
            frm = (
                f"from {r.count_a / self.months_a:,.0f} a month in {self.a.label} ({r.count_a:,} "
                f"records in {self.months_a} of {self.a.n_months} months) to "
                f"{r.count_b / self.months_b:,.0f} a month in {self.b.label} ({r.count_b:,} records "
                f"in {self.months_b} of {self.b.n_months} months)"
            )
        else:
            frm = f"from {r.count_a:,} in {self.a.label} to {r.count_b:,} in {self.b.label}"
        flag = small_count_flag(r.count_a, r.count_b)
        warn = f" Counts are {flag}: read with care." if flag else ""
        d = r.dispersion
        poisson = (
            f" The interval allows for the usual month-to-month variation (dispersion "
            f"{d.phi:.1f}, from {d.n_months} months)."
            if d.estimated
            else f" The interval {POISSON_LABEL}."
        )
        return (
            f"{_cap(what)} in {self.area_name} {verb}{size}{per} ({W.between(lo, hi)}, 95% CI), "
            f"{frm}; {W.chance(hi < 0 or lo > 0)}.{poisson}{warn}"
        )

    def to_dict(self) -> dict:
        r = self.result
        lo, hi = r.pct_ci
        return {
            "area": self.area_name,
            "area_spec": self.area_spec,
            "categories": list(self.categories),
            "window_a": self.a.spec,
            "window_b": self.b.spec,
            "label_a": self.a.label,
            "label_b": self.b.label,
            "months_a": self.months_a,
            "months_b": self.months_b,
            "missing_months_a": list(self.missing_a),
            "missing_months_b": list(self.missing_b),
            "count_a": r.count_a,
            "count_b": r.count_b,
            "rate_a": round(r.count_a / self.months_a, 2),
            "rate_b": round(r.count_b / self.months_b, 2),
            "abs_change": r.count_b - r.count_a,
            "pct_change": _num(r.pct_change),
            "rate_ratio": _num(r.ratio),
            "ci_low": _num(r.ci_low),
            "ci_high": _num(r.ci_high),
            "pct_ci_low": _num(lo),
            "pct_ci_high": _num(hi),
            "p_value": W.sig_round(r.p_value),
            **r.dispersion.to_dict(),
            "poisson_ci_low": _num(r.poisson_ci_low),
            "poisson_ci_high": _num(r.poisson_ci_high),
            "poisson_pct_ci_low": _num(r.poisson_pct_ci[0]),
            "poisson_pct_ci_high": _num(r.poisson_pct_ci[1]),
            "poisson_p_value": W.sig_round(r.poisson_p_value),
            "poisson_note": f"poisson_* keys: the exact interval that {POISSON_LABEL}",
            "small_count_flag": small_count_flag(r.count_a, r.count_b),
            "reading": self.reading,
            "notes": list(self.notes),
            "by_category": [
                {k: _num(v) if isinstance(v, float) else v for k, v in row.items()}
                for row in self.by_category.to_dict(orient="records")
            ],
        }


def _num(v: float) -> float | None:
    """JSON-safe number rounded to 4 significant figures: NaN and infinities become None."""
    if isinstance(v, (int, float, np.integer, np.floating)) and math.isfinite(v):
        return W.sig_round(float(v), 4)
    return None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _describe(categories: tuple[str, ...]) -> str:
    cats = set(categories)
    if cats == set(S.CATEGORIES):
        return "crime and ASB"
    if cats == set(S.CRIME_CATEGORIES):
        return "crime"
    if cats == {S.ASB}:
        return "anti-social behaviour"
    if len(categories) == 1:
        return categories[0].lower()
    return f"{len(categories)} selected categories"


def _row(label: str, a: int, b: int, ta: int, tb: int, disp: Dispersion) -> tuple[dict, RateRatio]:
    """One row of the comparison table, rounded for people (and the RateRatio behind it)."""
    r = rate_ratio(a, b, ta, tb, dispersion=disp)
    lo, hi = r.pct_ci

    def n(v: float, digits: int = 1) -> float:
        return round(v, digits) if math.isfinite(v) else v

    return {
        "category": label,
        "count_a": a,
        "count_b": b,
        "rate_a": n(a / ta, 2),
        "rate_b": n(b / tb, 2),
        "abs_change": b - a,
        "pct_change": n(r.pct_change),
        "rate_ratio": W.sig_round(r.ratio, 4),
        "ci_low": W.sig_round(r.ci_low, 4),
        "ci_high": W.sig_round(r.ci_high, 4),
        "pct_ci_low": n(lo),
        "pct_ci_high": n(hi),
        "p_value": W.sig_round(r.p_value),
        "dispersion": round(disp.phi, 2),
        "poisson_ci_low": W.sig_round(r.poisson_ci_low, 4),
        "poisson_ci_high": W.sig_round(r.poisson_ci_high, 4),
        "poisson_p_value": W.sig_round(r.poisson_p_value),
        "small_count_flag": small_count_flag(a, b),
    }, r


def compare_periods(
    records: pd.DataFrame,
    a: Window | str,
    b: Window | str,
    *,
    area: Area | str | None = None,
    categories=None,
    available_months: Iterable[str] | None = None,
    overdispersion: bool = True,
) -> PeriodComparison:
    """Compare records in window A with window B for an area and set of categories.

    Parameters
    ----------
    records : canonical records (all the dataset's records: the months present
        in it define each window's exposure, unless ``available_months`` is given).
    a, b : windows (``FROM:TO`` or :class:`Window`); A is the earlier/reference one.
    area : BCP (default), a town, ward, LSOA, named place with radius or polygon file.
    categories : ``--types`` value (``crime``, ``asb``, names...), default all.
    available_months : the months the dataset covers, when known better than from
        the records (e.g. a month with no records at all).
    overdispersion : estimate the dispersion of each monthly series (default) or
        assume Poisson counts (False).

    Returns
    -------
    PeriodComparison
        Counts, absolute and percentage change per month of data, the 95%
        interval for the rate ratio and its p-value allowing for the dispersion
        of the monthly counts, and the exact Poisson ones, per category and in total.

    Notes
    -----
    The dispersion of each category (and of the total) is estimated from its
    monthly series over every month of the dataset in the area
    (:func:`hotspots.compare.dispersion.estimate_dispersion`); ``records`` must
    therefore hold all the dataset's months, not only the windows'.

    A month missing from the data shortens that window's exposure: the rates
    are per month of data, and the notes say which month is missing.
    """
    wa, wb = window(a, "a"), window(b, "b")
    ar = resolve_area(area)
    cats = S.resolve_categories(categories)
    have = list(available_months) if available_months is not None else dataset_months(records)
    pa, ma = wa.coverage(have)
    pb, mb = wb.coverage(have)
    span = f"{have[0]} to {have[-1]}" if have else "no months"
    for label, present, w in (("a", pa, wa), ("b", pb, wb)):
        if not present:
            raise InputError(
                label,
                w.spec,
                "a window with at least one month of data",
                f"The data covers {span} (months: {', '.join(have)}).",
            )
    notes: list[str] = []
    for w, present, missing in ((wa, pa, ma), (wb, pb, mb)):
        if missing:
            notes.append(
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing from the data: "
                f"{w.label} covers {len(present)} of {w.n_months} months"
            )
    if len(pa) != len(pb):
        notes.append(
            f"windows differ in length ({len(pa)} and {len(pb)} months of data): changes, the "
            "interval and the p-value compare monthly rates, not raw counts"
        )
    sub = filter_records(records, categories=cats, area=ar)
    month = sub[S.MONTH]
    in_a = month.isin(pa).to_numpy()
    in_b = month.isin(pb).to_numpy()
    cat = sub[S.CATEGORY]
    ca = cat[in_a].value_counts()
    cb = cat[in_b].value_counts()

    def disp_of(mask, what: str) -> Dispersion:
        if not overdispersion:
            return POISSON
        return estimate_dispersion(
            monthly_series(month[mask], have), source=f"monthly counts of {what} in {ar.name}"
        )

    rows = [
        _row(
            c, int(ca.get(c, 0)), int(cb.get(c, 0)), len(pa), len(pb),
            disp_of((cat == c).to_numpy(), c.lower()),
        )[0]
        for c in cats
    ]  # fmt: skip
    na, nb = int(in_a.sum()), int(in_b.sum())
    total_row, result = _row(
        TOTAL_LABEL, na, nb, len(pa), len(pb), disp_of(slice(None), _describe(cats))
    )
    rows.append(total_row)
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    notes.append(result.dispersion.description)
    flag = small_count_flag(na, nb)
    if flag:
        notes.append(
            f"{flag} counts ({na} and {nb}; flagged below {SMALL_COUNT}, very small below "
            f"{VERY_SMALL_COUNT}): percentage changes are unstable, see the interval"
        )
    if overlap := sorted(set(pa) & set(pb)):
        notes.append(f"the windows overlap ({', '.join(overlap)}): the test assumes they do not")
    return PeriodComparison(
        ar.name,
        ar.spec,
        cats,
        wa,
        wb,
        len(pa),
        len(pb),
        tuple(ma),
        tuple(mb),
        result,
        table,
        tuple(notes),
    )
