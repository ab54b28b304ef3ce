"""Month windows: ranges, the same season across years, multi-year baselines, defaults.

A :class:`Window` is an inclusive range of calendar months (``YYYY-MM``). The
functions here know nothing of areas or categories except :func:`baseline`,
which counts records in the same window over previous years.

Seasons follow the Seasonal Response: the default comparison is April to August
of one year against April to August of another, so that like is compared with
like (crime and ASB in BCP's town centre rise every summer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hotspots.comparison.dispersion import POISSON_LABEL
from hotspots.data import schema as S
from hotspots.data.select import filter_records, month_range, parse_window
from hotspots.errors import InputError
from hotspots.validation import MONTH_NUMBER, Integral, Interval, validate_params

if TYPE_CHECKING:
    from collections.abc import Iterable

    from hotspots.comparison.ratio import RateRatio
    from hotspots.data.areas import Area

__all__ = [
    "COMPARISONS",
    "DEFAULT_MONTHS",
    "SEASON_END",
    "SEASON_START",
    "Baseline",
    "DefaultWindows",
    "Window",
    "WindowCheck",
    "baseline",
    "check_windows",
    "comparison_window",
    "dataset_months",
    "default_window",
    "default_windows",
    "previous_years",
    "season",
    "shift_years",
    "window",
]

#: The Seasonal Response season used for simulated data: April to August.
SEASON_START, SEASON_END = 4, 8

_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Window:
    """An inclusive range of months.

    Attributes
    ----------
    start, end : str, ``YYYY-MM``, ``start <= end``.
    """

    start: str
    end: str

    def __post_init__(self) -> None:
        """Check and normalise both months (``YYYY-MM``)."""
        s, e = parse_window(f"{self.start}:{self.end}")
        object.__setattr__(self, "start", s)
        object.__setattr__(self, "end", e)

    @property
    def months(self) -> list[str]:
        """Every month in the window, ``YYYY-MM``."""
        return month_range(self.start, self.end)

    @property
    def n_months(self) -> int:
        """How many months the window spans (with data or not)."""
        return len(self.months)

    @property
    def label(self) -> str:
        """For people: ``Apr–Aug 2021``, ``Nov 2023–Feb 2024``, ``Jan 2019``."""
        sy, sm = int(self.start[:4]), int(self.start[5:])
        ey, em = int(self.end[:4]), int(self.end[5:])
        if self.start == self.end:
            return f"{_MONTH_ABBR[sm - 1]} {sy}"
        if sy == ey:
            return f"{_MONTH_ABBR[sm - 1]}–{_MONTH_ABBR[em - 1]} {sy}"
        return f"{_MONTH_ABBR[sm - 1]} {sy}–{_MONTH_ABBR[em - 1]} {ey}"

    @property
    def spec(self) -> str:
        """``FROM:TO``, the form the CLI and permalinks accept."""
        return f"{self.start}:{self.end}"

    def coverage(self, available: Iterable[str]) -> tuple[list[str], list[str]]:
        """(months present, months missing) of this window in ``available``."""
        have = set(available)
        present = [m for m in self.months if m in have]
        missing = [m for m in self.months if m not in have]
        return present, missing

    def __str__(self) -> str:
        """Return the window's label ("Jan–Mar 2024")."""
        return self.label


def window(spec: str | Window | tuple[str, str], argument: str = "window") -> Window:
    """Parse ``FROM:TO`` (or one ``YYYY-MM``, or a (from, to) pair) into a :class:`Window`."""
    if isinstance(spec, Window):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2:
        spec = f"{spec[0]}:{spec[1]}"
    start, end = parse_window(str(spec), argument)
    return Window(start, end)


@validate_params({"start_month": [MONTH_NUMBER], "end_month": [MONTH_NUMBER]})
def season(year: int, start_month: int = SEASON_START, end_month: int = SEASON_END) -> Window:
    """Return the same calendar months in ``year``: ``season(2021)`` is Apr–Aug 2021.

    A season that wraps the new year (``start_month > end_month``, e.g. Nov–Feb)
    starts in ``year`` and ends in ``year + 1``.
    """
    end_year = year + 1 if start_month > end_month else year
    return Window(f"{year:04d}-{start_month:02d}", f"{end_year:04d}-{end_month:02d}")


def shift_years(w: Window, years: int) -> Window:
    """Return the same window ``years`` later (negative: earlier)."""
    s = pd.Period(w.start, freq="M") + 12 * years
    e = pd.Period(w.end, freq="M") + 12 * years
    return Window(str(s), str(e))


@validate_params({"n": [Interval(Integral, 1, None, unit="years")]})
def previous_years(w: Window, n: int) -> list[Window]:
    """Return the same window in each of the ``n`` previous years, most recent first."""
    return [shift_years(w, -k) for k in range(1, n + 1)]


def dataset_months(records: pd.DataFrame) -> list[str]:
    """Return the months a dataset has records for, sorted (``YYYY-MM``)."""
    if len(records) == 0:
        return []
    return sorted(str(m) for m in records[S.MONTH].dropna().unique())


# --------------------------------------------------------------------------- defaults
@dataclass(frozen=True)
class DefaultWindows:
    """Two windows chosen from the months a dataset has, with the reason in words."""

    a: Window
    b: Window
    reason: str

    def to_dict(self) -> dict:
        """Return the two windows and why they were chosen."""
        return {"a": self.a.spec, "b": self.b.spec, "reason": self.reason}


def _runs(months: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for m in sorted(months):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def default_windows(
    months: Iterable[str] | pd.DataFrame,
    simulated: bool | None = None,
) -> DefaultWindows:
    """Sensible default windows A (earlier) and B (later) from the months present.

    Rules, in order:

    1. If the two latest years with a complete April–August both exist (always so
       for simulated data), compare April–August of those two years: the
       Seasonal Response season, like with like.
    2. Otherwise take the latest year Y and, going back one year at a time, the
       first earlier year with calendar months in common with Y; compare the
       longest run of consecutive common months (the same season in both years).
       For the bundled police.uk data (Oct 2018–Feb 2019 and Jan–Mar 2024) this
       is Jan–Feb 2019 against Jan–Feb 2024: the same season five years apart.
    3. Otherwise (no common months) the two latest runs of equal length.

    Parameters
    ----------
    months : the dataset's months (``YYYY-MM``) or its records.
    simulated : bool, optional; only changes the wording of the reason.
    """
    if isinstance(months, pd.DataFrame):
        if simulated is None and len(months) and S.SIMULATED in months:
            simulated = bool(months[S.SIMULATED].all())
        months = dataset_months(months)
    have = sorted(set(months))
    if len(have) < 2:
        raise InputError(
            "records",
            f"{len(have)} month(s) of data",
            "at least two months of data to compare",
        )
    by_year: dict[int, set[int]] = {}
    for m in have:
        by_year.setdefault(int(m[:4]), set()).add(int(m[5:]))
    years = sorted(by_year)
    season_months = set(range(SEASON_START, SEASON_END + 1))
    full = [y for y in years if season_months <= by_year[y]]
    if len(full) >= 2:
        y0, y1 = full[-2], full[-1]
        what = "simulated data" if simulated else "data"
        return DefaultWindows(
            season(y0),
            season(y1),
            f"April–August {y0} against April–August {y1}: the Seasonal Response season in the "
            f"two latest years of {what} that have it complete (same months, like with like)",
        )
    latest = years[-1]
    for y in reversed(years[:-1]):
        common = sorted(by_year[y] & by_year[latest])
        if common:
            best = max(_runs(common), key=len)
            a = Window(f"{y:04d}-{best[0]:02d}", f"{y:04d}-{best[-1]:02d}")
            b = Window(f"{latest:04d}-{best[0]:02d}", f"{latest:04d}-{best[-1]:02d}")
            gap = latest - y
            return DefaultWindows(
                a,
                b,
                f"{a.label} against {b.label}: the same season {gap} year{'s' if gap != 1 else ''} "
                f"apart ({'these are' if len(best) > 1 else 'this is'} the only calendar months "
                f"present in both {y} and {latest})",
            )
    # No calendar months in common: two latest equal-length runs of months.
    periods = [pd.Period(m, freq="M") for m in have]
    ords = [p.ordinal for p in periods]
    runs = _runs(ords)
    if len(runs) >= 2:
        r0, r1 = runs[-2], runs[-1]
        k = min(len(r0), len(r1))
        r0, r1 = r0[-k:], r1[-k:]
    else:
        r = runs[-1]
        k = len(r) // 2
        r0, r1 = r[-2 * k : -k], r[-k:]
    to_m = lambda o: str(pd.Period(ordinal=o, freq="M"))  # noqa: E731
    a, b = Window(to_m(r0[0]), to_m(r0[-1])), Window(to_m(r1[0]), to_m(r1[-1]))
    return DefaultWindows(
        a,
        b,
        f"{a.label} against {b.label}: the two latest stretches of {k} month(s); they are not "
        "the same season, so seasonal differences are mixed in with any change",
    )


# --------------------------------------------------------------------------- the window model
#: Length of the default window on every page, the CLI and the pack: the latest three
#: months of data (a quarter), or fewer when the latest stretch of data is shorter.
DEFAULT_MONTHS = 3

#: The comparisons a window can be set against, in words.
COMPARISONS = {
    "year": "the same months a year earlier",
    "previous": "the previous period of the same length",
    "baseline": "the same months in earlier years",
}


@validate_params({"n_months": [Interval(Integral, 1, None, unit="months")]})
def default_window(months: Iterable[str] | pd.DataFrame, n_months: int = DEFAULT_MONTHS) -> Window:
    """Return the default window: the latest complete months of the dataset.

    The last ``n_months`` months of the latest unbroken stretch of months with data
    (all of that stretch when it is shorter), so a window never spans a gap. Every
    page, the CLI and the pack open on this window: one rule, one answer.

    Parameters
    ----------
    months : the dataset's months (``YYYY-MM``) or its records.
    n_months : the window's length, :data:`DEFAULT_MONTHS` by default.

    Raises
    ------
    InputError
        When the dataset has no months.
    """
    if isinstance(months, pd.DataFrame):
        months = dataset_months(months)
    have = sorted(set(months))
    if not have:
        raise InputError("records", "no months of data", "a dataset with at least one month")
    ords = [pd.Period(m, freq="M").ordinal for m in have]
    run = _runs(ords)[-1][-int(n_months) :]
    to_m = lambda o: str(pd.Period(ordinal=o, freq="M"))  # noqa: E731
    return Window(to_m(run[0]), to_m(run[-1]))


def comparison_window(w: Window | str, kind: str = "year") -> Window:
    """Return the window ``w`` is compared with, by ``kind``.

    ``"year"``: the same months a year earlier; ``"previous"``: the months just before it,
    of the same length.

    ``"baseline"`` (earlier years) is :func:`baseline`'s; it uses only earlier
    years in which the window is complete. A window longer than a year, compared
    with a year earlier, overlaps its comparison window: :func:`check_windows`
    then refuses the pair.
    """
    w = window(w)
    if kind == "year":
        return shift_years(w, -1)
    if kind == "previous":
        s = pd.Period(w.start, freq="M") - w.n_months
        e = pd.Period(w.start, freq="M") - 1
        return Window(str(s), str(e))
    raise InputError("comparison", kind, "'year' or 'previous'")


@dataclass(frozen=True)
class WindowCheck:
    """Whether two windows may be compared, and the one message shown when not.

    Attributes
    ----------
    a, b : the earlier (reference) and later window.
    problem : ``""`` (comparable), ``"overlap"``, ``"empty"`` or ``"partial"``.
    message : the message every page, the CLI and the pack show when there is no
        verdict (``""`` when comparable).
    """

    a: Window
    b: Window
    problem: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when a verdict may be given."""
        return not self.problem


def _months_words(months: list[str]) -> str:
    ords = [pd.Period(m, freq="M").ordinal for m in months]
    to_m = lambda o: str(pd.Period(ordinal=o, freq="M"))  # noqa: E731
    return ", ".join(Window(to_m(r[0]), to_m(r[-1])).label for r in _runs(ords))


def check_windows(
    a: Window | str,
    b: Window | str,
    available: Iterable[str],
    *,
    names: tuple[str, str] = ("", ""),
) -> WindowCheck:
    """Whether window ``a`` may be compared with window ``b`` on data with ``available`` months.

    Overlapping windows (a month cannot be both before and after), a window with no
    month of data and a window only partly covered by data give no verdict; the
    message is the same wherever it is shown. Checked in that order.

    Parameters
    ----------
    a, b : the earlier (reference) and later window.
    available : the months the dataset has.
    names : optional words for the windows in the message ("before", "after").
    """
    wa, wb = window(a, "a"), window(b, "b")
    have = set(available)
    na = f"{names[0]} window ({wa.label})" if names[0] else wa.label
    nb = f"{names[1]} window ({wb.label})" if names[1] else wb.label
    if common := sorted(set(wa.months) & set(wb.months)):
        return WindowCheck(
            wa, wb, "overlap",
            f"No verdict: {na} and {nb} overlap (both hold {_months_words(common)}); a month "
            "cannot be on both sides of a comparison.",
        )  # fmt: skip
    for n, w in ((na, wa), (nb, wb)):
        present, missing = w.coverage(have)
        if not present:
            return WindowCheck(
                wa,
                wb,
                "empty",
                f"No verdict: there are no data for {n}, so nothing to compare.",
            )
    for n, w in ((na, wa), (nb, wb)):
        present, missing = w.coverage(have)
        if missing:
            return WindowCheck(
                wa, wb, "partial",
                f"No verdict: {n} is only partly covered by the data ({_months_words(missing)} "
                "missing), so its count is incomplete.",
            )  # fmt: skip
    return WindowCheck(wa, wb)


# --------------------------------------------------------------------------- baseline
@dataclass(frozen=True)
class Baseline:
    """Counts in one window against the same window in earlier years.

    Attributes
    ----------
    window : the window of interest; ``count`` its records.
    years : the baseline windows used (complete in the data), most recent first,
        and ``counts`` their records, in the same order.
    mean, minimum, maximum : over the baseline years (NaN when there are none).
    unusual : "above the range", "below the range", "within the range" or
        "no baseline"; a year is unusual when outside the min–max of the
        baseline years (with N years, about a 2/(N+1) chance by luck alone).
    vs_mean : :class:`~hotspots.comparison.rates.RateRatio` of the window against
        the baseline years' average, allowing for the dispersion of the monthly
        counts (None without a baseline).
    gap : in words, which earlier years are loaded and which are not, e.g.
        "2019 is the only earlier year loaded (2020–2023 have no data for Jan–Feb)".
    notes : skipped years and the like.
    """

    window: Window
    count: int
    years: tuple[Window, ...]
    counts: tuple[int, ...]
    mean: float
    minimum: float
    maximum: float
    unusual: str
    area_name: str
    categories: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    vs_mean: RateRatio | None = None
    gap: str = ""

    @property
    def pct_vs_mean(self) -> float:
        """The count against the earlier years' mean, in percent (NaN when the mean is 0)."""
        return 100.0 * (self.count - self.mean) / self.mean if self.mean > 0 else float("nan")

    @property
    def reading(self) -> str:
        """Plain-English sentences: the count against earlier years; could it be chance."""
        from hotspots.comparison import wording as W
        from hotspots.comparison.ratio import depends_on_dispersion

        if not self.years:
            gap = self.gap or "no earlier years loaded"
            return f"{self.count:,} records in {self.window.label}; {gap}."
        n = len(self.years)
        span = (
            f"{self.years[0].label}"
            if n == 1
            else f"the same months of {n} earlier years (range {self.minimum:,.0f}–"
            f"{self.maximum:,.0f}; {self.unusual})"
        )
        s = (
            f"{self.count:,} records in {self.window.label} against "
            f"{self.mean:,.{1 if self.mean < 100 and n > 1 else 0}f}"
            f"{' a year on average' if n > 1 else ''} in {span}"
        )
        r = self.vs_mean
        if r is not None and math.isfinite(r.pct_change):
            lo, hi = r.pct_ci
            s += (
                f": {W.pct(r.pct_change)} ({W.between(lo, hi)}, 95% CI); "
                f"{W.verdict(hi < 0 or lo > 0, depends_on_dispersion(r))}"
            )
            if not r.dispersion.estimated:
                s += f"; the interval {POISSON_LABEL}"
        elif n > 1:
            s += f": {self.unusual}"
        return s + (f". {self.gap[:1].upper() + self.gap[1:]}." if self.gap else ".")

    def to_dict(self) -> dict:
        """Return the window, count, earlier years and comparison, JSON-safe."""
        r = self.vs_mean
        out = {
            "window": self.window.spec,
            "count": self.count,
            "baseline_windows": [w.spec for w in self.years],
            "baseline_counts": list(self.counts),
            "baseline_mean": round(self.mean, 1) if self.years else None,
            "baseline_min": self.minimum if self.years else None,
            "baseline_max": self.maximum if self.years else None,
            "pct_vs_mean": round(self.pct_vs_mean, 1) if self.years else None,
            "unusual": self.unusual,
            "area": self.area_name,
            "categories": list(self.categories),
            "gap": self.gap,
            "reading": self.reading,
            "notes": list(self.notes),
        }
        if r is not None:
            lo, hi = r.pct_ci
            plo, phi = r.poisson_pct_ci
            out.update(
                ci_low=round(lo, 1), ci_high=round(hi, 1), p_value=float(f"{r.p_value:.3g}"),
                poisson_ci_low=round(plo, 1), poisson_ci_high=round(phi, 1),
                **r.dispersion.to_dict(),
            )  # fmt: skip
        return out


def _years_words(years: list[int]) -> str:
    if not years:
        return ""
    runs = _runs(years)
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def baseline(
    records: pd.DataFrame,
    w: Window | str,
    *,
    years: int | None = None,
    area: Area | str | None = None,
    categories: str | list[str] | tuple[str, ...] | None = None,
    available_months: Iterable[str] | None = None,
    overdispersion: bool = True,
) -> Baseline:
    """Whether a window is unusual against the same window in earlier years.

    Parameters
    ----------
    years : how many earlier years to look at; None (default) goes back as far
        as the data go.

    Only baseline years whose window is complete in the data are used; the gap
    (years with no data for these months) is said in words. Records are
    restricted to ``area`` (default BCP) and ``categories`` (default all) with
    :func:`hotspots.data.select.filter_records`. ``vs_mean`` compares the
    window with the baseline years' average as a rate ratio whose interval allows
    for the dispersion of the area's monthly counts over every month of the
    dataset (:func:`hotspots.comparison.dispersion.estimate_dispersion`; the Poisson
    interval, labelled, when there are too few months), so ``records`` must hold
    all the dataset's months.
    """
    from hotspots.comparison.dispersion import POISSON, area_dispersion
    from hotspots.comparison.ratio import rate_ratio
    from hotspots.data.areas import resolve_area

    w = window(w)
    a = resolve_area(area)
    cats = S.resolve_categories(categories)
    have = set(available_months) if available_months is not None else set(dataset_months(records))
    notes: list[str] = []
    present, missing = w.coverage(have)
    if missing:
        notes.append(f"{w.label} is missing month(s) {', '.join(missing)}: its count is incomplete")
    sub = filter_records(records, categories=cats, area=a)
    month_counts = sub[S.MONTH].value_counts()

    def count(win: Window) -> int:
        return int(sum(int(month_counts.get(m, 0)) for m in win.months))

    first_year = min((int(m[:4]) for m in have), default=int(w.start[:4]))
    n_back = years if years is not None else max(0, int(w.start[:4]) - first_year)
    used: list[Window] = []
    counts: list[int] = []
    partial: list[int] = []
    absent: list[int] = []
    for bw in previous_years(w, n_back) if n_back >= 1 else []:
        got, miss = bw.coverage(have)
        if miss:
            (partial if got else absent).append(int(bw.start[:4]))
            notes.append(f"{bw.label} left out of the baseline: no data for {', '.join(miss)}")
            continue
        used.append(bw)
        counts.append(count(bw))
    season_words = w.label.rsplit(" ", 1)[0] if w.start[:4] == w.end[:4] else w.label
    missing_years = sorted(absent + partial)
    if not used:
        gap = f"no earlier year with {season_words} complete is loaded"
    elif len(used) == 1:
        gap = f"{used[0].start[:4]} is the only earlier year loaded with {season_words}"
    else:
        gap = ""
    if missing_years and used:
        gap += ("; " if gap else "") + (
            f"{_years_words(missing_years)} {'has' if len(missing_years) == 1 else 'have'} "
            f"no data for {season_words}"
        )
    c = count(w)
    vs_mean = None
    if counts:
        mean, lo, hi = float(np.mean(counts)), float(min(counts)), float(max(counts))
        unusual = (
            "above the range" if c > hi else "below the range" if c < lo else "within the range"
        )
        if present:
            disp = (
                area_dispersion(sub, sorted(have), area_kind=a.kind, what=f"records in {a.name}")
                if overdispersion
                else POISSON
            )
            vs_mean = rate_ratio(
                int(sum(counts)), c, float(len(counts) * w.n_months), float(len(present)),
                dispersion=disp,
            )  # fmt: skip
    else:
        mean = lo = hi = float("nan")
        unusual = "no baseline"
    return Baseline(
        w, c, tuple(used), tuple(counts), mean, lo, hi, unusual, a.name, cats, tuple(notes),
        vs_mean, gap,
    )  # fmt: skip
