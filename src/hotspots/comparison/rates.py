"""Period-against-period comparison of records for an area and set of categories.

The counts of window A and window B are compared with the exact rate ratio of
:mod:`hotspots.comparison.ratio` (which has the statistics and their references),
per category and in total, allowing for the dispersion of the monthly counts
(:mod:`hotspots.comparison.dispersion`). :class:`RateRatio`, :func:`rate_ratio` and
:func:`small_count_flag` are re-exported here, where callers have always found them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from hotspots.comparison import wording as W
from hotspots.comparison.dispersion import (
    POISSON,
    POISSON_LABEL,
    Dispersion,
    area_dispersion,
    two_figures,
)
from hotspots.comparison.ratio import (
    SMALL_COUNT,
    VERY_SMALL_COUNT,
    RateRatio,
    depends_on_dispersion,
    rate_ratio,
    small_count_flag,
)
from hotspots.comparison.windows import (
    Window,
    WindowCheck,
    check_windows,
    comparison_window,
    dataset_months,
    window,
)
from hotspots.data import schema as S
from hotspots.data.areas import Area, resolve_area
from hotspots.data.select import filter_records
from hotspots.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy as np


__all__ = [
    "COMPARISON_COLUMNS",
    "SMALL_COUNT",
    "VERY_SMALL_COUNT",
    "PeriodComparison",
    "RateRatio",
    "compare_periods",
    "compare_with_earlier",
    "rate_ratio",
    "small_count_flag",
]


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
    check: WindowCheck | None = None

    @property
    def verdict(self) -> bool:
        """False when the windows give no verdict (see :func:`.windows.check_windows`)."""
        return self.check is None or self.check.ok

    @property
    def depends_on_dispersion(self) -> bool:
        """True when the verdict turns on φ.

        That is, the interval computed with φ at the low end of its 95% range excludes no
        change and the one at the high end does not.
        """
        return depends_on_dispersion(self.result)

    @property
    def dispersion(self) -> Dispersion:
        """The dispersion the total's interval allows for (and where it came from)."""
        return self.result.dispersion

    @property
    def count_a(self) -> int:
        """Records in window A."""
        return self.result.count_a

    @property
    def count_b(self) -> int:
        """Records in window B."""
        return self.result.count_b

    @property
    def reading(self) -> str:
        """Plain-English sentences: the change, its interval, whether it could be chance."""
        r = self.result
        what = _describe(self.categories)
        if r.count_a + r.count_b == 0:
            return (
                f"No {what} recorded in {self.area_name} in either {self.a.label} "
                f"or {self.b.label}."
            )
        if r.count_a == 0:
            return (
                f"{_cap(what)} in {self.area_name}: none in {self.a.label}, "
                f"{r.count_b:,} in {self.b.label}; a percentage change cannot be given."
            )
        if self.check is not None and not self.check.ok:
            return (
                f"{_cap(what)} in {self.area_name}: {r.count_a:,} records in {self.a.label} "
                f"({self.months_a} of {self.a.n_months} months of data), {r.count_b:,} in "
                f"{self.b.label} ({self.months_b} of {self.b.n_months}). {self.check.message}"
            )
        lo, hi = r.pct_ci
        verb = "fell" if r.ratio < 1 else "rose" if r.ratio > 1 else "did not change"
        size = f" by {W.about(r.pct_change)}" if r.ratio != 1 else ""
        per = " per month of data" if self.months_a != self.months_b else ""
        if self.months_a != self.months_b:
            frm = (
                f"from {r.count_a / self.months_a:,.0f} a month in {self.a.label} ({r.count_a:,} "
                f"records in {self.months_a} of {self.a.n_months} months) to "
                f"{r.count_b / self.months_b:,.0f} a month in {self.b.label} "
                f"({r.count_b:,} records "
                f"in {self.months_b} of {self.b.n_months} months)"
            )
        else:
            frm = f"from {r.count_a:,} in {self.a.label} to {r.count_b:,} in {self.b.label}"
        flag = small_count_flag(r.count_a, r.count_b)
        warn = f" Counts are {flag}: read with care." if flag else ""
        d = r.dispersion
        dlo, dhi = d.ci
        poisson = (
            f" The interval allows for the usual month-to-month variation (dispersion "
            f"{two_figures(d.phi)}, 95% range {two_figures(dlo)} to {two_figures(dhi)}, "
            f"{d.df:g} degrees of freedom)."
            if d.estimated
            else f" The interval {POISSON_LABEL}."
        )
        return (
            f"{_cap(what)} in {self.area_name} {verb}{size}{per} ({W.between(lo, hi)}, 95% CI), "
            f"{frm}; {W.verdict(hi < 0 or lo > 0, self.depends_on_dispersion)}.{poisson}{warn}"
        )

    def to_dict(self) -> dict:
        """Return the area, windows, counts, change and interval, JSON-safe."""
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
            "pct_change": W.json_number(r.pct_change),
            "rate_ratio": W.json_number(r.ratio),
            "ci_low": W.json_number(r.ci_low),
            "ci_high": W.json_number(r.ci_high),
            "pct_ci_low": W.json_number(lo),
            "pct_ci_high": W.json_number(hi),
            "p_value": W.sig_round(r.p_value),
            **r.dispersion.to_dict(),
            "poisson_ci_low": W.json_number(r.poisson_ci_low),
            "poisson_ci_high": W.json_number(r.poisson_ci_high),
            "poisson_pct_ci_low": W.json_number(r.poisson_pct_ci[0]),
            "poisson_pct_ci_high": W.json_number(r.poisson_pct_ci[1]),
            "poisson_p_value": W.sig_round(r.poisson_p_value),
            "poisson_note": f"poisson_* keys: the exact interval that {POISSON_LABEL}",
            "small_count_flag": small_count_flag(r.count_a, r.count_b),
            "reading": self.reading,
            "verdict": self.verdict,
            "verdict_depends_on_dispersion": self.depends_on_dispersion,
            "no_verdict_reason": "" if self.verdict or self.check is None else self.check.message,
            "notes": list(self.notes),
            "by_category": [
                {k: W.json_number(v) if isinstance(v, float) else v for k, v in row.items()}
                for row in self.by_category.to_dict(orient="records")
            ],
        }


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
    categories: str | list[str] | tuple[str, ...] | None = None,
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
    (:func:`hotspots.comparison.dispersion.estimate_dispersion`); ``records`` must
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
    check = check_windows(wa, wb, have)
    if check.problem == "overlap":
        raise InputError("b", wb.spec, "a window that does not overlap window A", check.message)
    for label, present, w in (("a", pa, wa), ("b", pb, wb)):
        if not present:
            raise InputError(
                label,
                w.spec,
                "a window with at least one month of data",
                f"{check.message} The data covers {span} (months: {', '.join(have)}).",
            )
    notes: list[str] = []
    for w, present, missing in ((wa, pa, ma), (wb, pb, mb)):
        if missing:
            notes.append(
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing from the "
                "data: "
                f"{w.label} covers {len(present)} of {w.n_months} months",
            )
    if len(pa) != len(pb):
        notes.append(
            f"windows differ in length ({len(pa)} and {len(pb)} months of data): changes, the "
            "interval and the p-value compare monthly rates, not raw counts",
        )
    sub = filter_records(records, categories=cats, area=ar)
    month = sub[S.MONTH]
    in_a = month.isin(pa).to_numpy()
    in_b = month.isin(pb).to_numpy()
    cat = sub[S.CATEGORY]
    ca = cat[in_a].value_counts()
    cb = cat[in_b].value_counts()

    def disp_of(mask: np.ndarray | slice, what: str) -> Dispersion:
        if not overdispersion:
            return POISSON
        return area_dispersion(sub[mask], have, area_kind=ar.kind, what=f"{what} in {ar.name}")

    rows = [
        _row(
            c, int(ca.get(c, 0)), int(cb.get(c, 0)), len(pa), len(pb),
            disp_of((cat == c).to_numpy(), c.lower()),
        )[0]
        for c in cats
    ]  # fmt: skip
    na, nb = int(in_a.sum()), int(in_b.sum())
    total_row, result = _row(
        TOTAL_LABEL,
        na,
        nb,
        len(pa),
        len(pb),
        disp_of(slice(None), _describe(cats)),
    )
    rows.append(total_row)
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    notes.append(result.dispersion.description)
    flag = small_count_flag(na, nb)
    if flag:
        notes.append(
            f"{flag} counts ({na} and {nb}; flagged below {SMALL_COUNT}, very small below "
            f"{VERY_SMALL_COUNT}): percentage changes are unstable, see the interval",
        )
    if not check.ok:
        notes.append(check.message)
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
        check,
    )


def compare_with_earlier(
    records: pd.DataFrame,
    w: Window | str,
    *,
    kind: str = "year",
    area: Area | str | None = None,
    categories: str | list[str] | tuple[str, ...] | None = None,
    available_months: Iterable[str] | None = None,
) -> tuple[PeriodComparison | None, WindowCheck]:
    """Window ``w`` against its comparison window.

    The comparison window is :func:`~hotspots.comparison.windows.comparison_window`'s.

    Returns
    -------
    (comparison, check)
        The comparison, or None when the windows give no verdict (they overlap,
        one has no data or is only partly covered); ``check.message`` then says
        why, in the words every page, the CLI and the pack use.
    """
    wb = window(w)
    have = list(available_months) if available_months is not None else dataset_months(records)
    check = check_windows(comparison_window(wb, kind), wb, have)
    if not check.ok:
        return None, check
    return (
        compare_periods(
            records,
            check.a,
            wb,
            area=area,
            categories=categories,
            available_months=have,
        ),
        check,
    )
