"""Figures computed from records for the reports and pages: counts, changes, small tables.

No drawing and no text for people here: :mod:`hotspots.present.reports` lays a
:class:`WardReport` out as HTML and PDF (with disclosure control), and
:mod:`hotspots.present.views` shows the other tables on the dashboard pages.

* :func:`ward_report_figures`: a ward's records by category in a window and in the
  same months a year earlier, its monthly trend, top locations and hotspots
  (a :class:`WardReport`); :func:`coerce_report` takes the same figures as a dict.
* :func:`location_counts`: records per distinct map point, largest first.
* :func:`trend_by_month`: records per month, ASB and crime.
* :func:`outcome_mix`: police.uk last outcomes as counts and shares.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hotspots.data import schema as S
from hotspots.data.boundaries import ATTRIBUTION
from hotspots.data.points import unique_locations
from hotspots.data.select import month_range
from hotspots.errors import InputError

__all__ = [
    "NO_OUTCOME",
    "CategoryRow",
    "WardReport",
    "coerce_report",
    "location_counts",
    "outcome_mix",
    "trend_by_month",
    "ward_report_figures",
]


@dataclass(frozen=True)
class CategoryRow:
    """Records of one category in the window and in the same months a year earlier."""

    category: str
    count: int
    previous: int | None = None


@dataclass(frozen=True)
class WardReport:
    """The figures of a one-page ward report.

    Attributes
    ----------
    ward_name : the ward, as written in the boundaries.
    window : (first, last) month ``YYYY-MM``, inclusive.
    categories : records by category, largest first.
    previous_window : the months compared with (a year earlier), None if no data.
    trend : (month, records) pairs, oldest first; None for months with no data.
    top_locations : (location text, records) pairs.
    hotspots : (rank, name, records) of hotspots in or touching the ward.
    attribution : data attribution printed at the foot.
    simulated : draw the "SIMULATED DATA" banner.
    notes : extra lines printed above the attribution.
    generated : date of the report (ISO), default today.
    title : heading above the ward name.
    """

    ward_name: str
    window: tuple[str, str]
    categories: tuple[CategoryRow, ...] = ()
    previous_window: tuple[str, str] | None = None
    trend: tuple[tuple[str, int | None], ...] = ()
    top_locations: tuple[tuple[str, int], ...] = ()
    hotspots: tuple[tuple[int, str, int], ...] = ()
    attribution: str = ATTRIBUTION
    simulated: bool = False
    notes: tuple[str, ...] = ()
    generated: str = field(default_factory=lambda: _dt.date.today().isoformat())
    title: str = "Crime and anti-social behaviour: ward summary"

    @property
    def total(self) -> int:
        """Records in the window over all categories."""
        return int(sum(c.count for c in self.categories))

    @property
    def previous_total(self) -> int | None:
        """Records in the previous window, or None when it is not known for every category."""
        if self.previous_window is None or any(c.previous is None for c in self.categories):
            return None
        return int(sum(c.previous or 0 for c in self.categories))


def _pairs(value: Any, n: int, argument: str) -> tuple[tuple, ...]:
    out = []
    for item in value or ():
        if isinstance(item, Mapping):
            item = tuple(item.values())
        item = tuple(item)
        if len(item) != n:
            raise InputError(argument, item, f"items of {n} values")
        out.append(item)
    return tuple(out)


def coerce_report(report: WardReport | Mapping[str, Any]) -> WardReport:
    """Return a :class:`WardReport` from itself or from a plain dict with the same keys.

    ``categories`` may be a list of :class:`CategoryRow`, of dicts with
    ``category``, ``count`` and ``previous``, of ``(category, count[, previous])``
    tuples, or a ``{category: count}`` / ``{category: (count, previous)}`` mapping.
    """
    if isinstance(report, WardReport):
        return report
    if not isinstance(report, Mapping):
        raise InputError("report", type(report).__name__, "a WardReport or a dict of figures")
    d = dict(report)
    for key in ("ward_name", "window"):
        if key not in d:
            raise InputError("report", sorted(d), f"a dict with '{key}'")
    cats = d.get("categories") or ()
    rows: list[CategoryRow] = []
    items = list(cats.items()) if isinstance(cats, Mapping) else list(cats)
    for item in items:
        if isinstance(item, CategoryRow):
            rows.append(item)
        elif isinstance(item, Mapping):
            rows.append(
                CategoryRow(
                    str(item["category"]),
                    int(item["count"]),
                    _opt_int(item.get("previous")),
                ),
            )
        else:
            name = item[0]
            val: tuple[Any, ...] = tuple(item[1:])
            if len(val) == 1 and isinstance(val[0], (tuple, list)):
                val = tuple(val[0])
            rows.append(
                CategoryRow(str(name), int(val[0]), _opt_int(val[1]) if len(val) > 1 else None),
            )
    window = tuple(d["window"])
    prev = d.get("previous_window")
    return WardReport(
        ward_name=str(d["ward_name"]),
        window=(str(window[0]), str(window[-1])),
        categories=tuple(rows),
        previous_window=None if prev is None else (str(prev[0]), str(prev[-1])),
        trend=tuple((str(m), _opt_int(v)) for m, v in _pairs(d.get("trend"), 2, "trend")),
        top_locations=tuple(
            (str(t), int(v)) for t, v in _pairs(d.get("top_locations"), 2, "top_locations")
        ),
        hotspots=tuple(
            (int(r), str(nm), int(v)) for r, nm, v in _pairs(d.get("hotspots"), 3, "hotspots")
        ),
        attribution=str(d.get("attribution", ATTRIBUTION)),
        simulated=bool(d.get("simulated", False)),
        notes=tuple(str(n) for n in d.get("notes", ())),
        generated=str(d.get("generated") or _dt.date.today().isoformat()),
        title=str(d.get("title", WardReport.__dataclass_fields__["title"].default)),
    )


def _opt_int(v: Any) -> int | None:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return int(v)


# --- ward report figures ---------------------------------------------------------------
def _shift_year(month: str, years: int = -1) -> str:
    y, m = month.split("-")
    return f"{int(y) + years:04d}-{m}"


def ward_report_figures(
    records: pd.DataFrame,
    ward: str,
    window: tuple[str, str],
    *,
    hotspots: pd.DataFrame | None = None,
    available_months: Sequence[str] | None = None,
    top_n: int = 5,
    trend_months: int = 12,
    generated: str | None = None,
) -> WardReport:
    """Compute the figures of a ward report from canonical records.

    Parameters
    ----------
    records : canonical records (any area; the ward is selected by ``ward_name`` or
        ``ward_code``).
    ward : a ward name or code (case-insensitive).
    window : (first, last) month, inclusive.
    hotspots : hotspot table (:data:`hotspots.data.schema.HOTSPOT_COLUMNS`); rows whose
        ``ward_name`` is the ward are listed.
    available_months : months the data covers (default: months present in
        ``records``). A comparison a year back is made only if every month of it is
        covered; otherwise it reads "no data" rather than a misleading zero.
    top_n : number of top locations.
    trend_months : months shown in the trend, ending with the window's last month;
        months not covered are shown as "no data".
    """
    start, end = window
    if start > end:
        raise InputError("window", window, "(first, last) months with first not after last")
    names = records[S.WARD_NAME].astype("string")
    codes = records[S.WARD_CODE].astype("string")
    key = str(ward).strip().lower()
    in_ward = (
        ((names.str.lower() == key) | (codes.str.lower() == key)).fillna(False).to_numpy(dtype=bool)
    )
    if not in_ward.any():
        known = sorted(set(names.dropna()))
        raise InputError(
            "ward",
            ward,
            "a ward name or code present in the records",
            f"Wards: {', '.join(known)}.",
        )
    ward_name = str(names[in_ward].iloc[0])
    recs = records[in_ward]
    months = recs[S.MONTH].astype("string")
    covered = (
        set(available_months)
        if available_months is not None
        else set(records[S.MONTH].dropna().astype(str))
    )
    win_months = month_range(start, end)
    prev_months = [_shift_year(m) for m in win_months]
    from hotspots.comparison.windows import Window, check_windows, comparison_window

    w_now = Window(start, end)
    prev_check = check_windows(comparison_window(w_now, "year"), w_now, covered)
    has_prev = prev_check.ok
    now = recs[months.isin(win_months).fillna(False).to_numpy(dtype=bool)]
    before = (
        recs[months.isin(prev_months).fillna(False).to_numpy(dtype=bool)]
        if has_prev
        else recs.iloc[0:0]
    )
    c_now = now[S.CATEGORY].value_counts()
    c_before = before[S.CATEGORY].value_counts()
    cats = [c for c in S.CATEGORIES if c_now.get(c, 0) > 0 or (has_prev and c_before.get(c, 0) > 0)]
    rows = [
        CategoryRow(c, int(c_now.get(c, 0)), int(c_before.get(c, 0)) if has_prev else None)
        for c in cats
    ]
    rows.sort(key=lambda r: (-r.count, r.category))
    trend_list = month_range(_add_months(end, 1 - max(1, int(trend_months))), end)
    per_month = months.value_counts()
    trend_list = trend_list[
        next((i for i, m in enumerate(trend_list) if m in covered), len(trend_list)) :
    ]
    trend = tuple((m, int(per_month.get(m, 0)) if m in covered else None) for m in trend_list)
    locs = location_counts(now).head(top_n)
    top = tuple(
        (str(t), int(n))
        for t, n in zip(locs[S.LOCATION].fillna("Unknown location"), locs[S.COUNT], strict=True)
    )
    hs: tuple[tuple[int, str, int], ...] = ()
    if hotspots is not None and len(hotspots) and S.WARD_NAME in hotspots.columns:
        h = hotspots[
            hotspots[S.WARD_NAME].astype("string").str.lower().fillna("") == ward_name.lower()
        ]
        if S.RANK in h.columns:
            h = h.sort_values(S.RANK)
        hs = tuple((int(r[S.RANK]), str(r[S.NAME]), int(r[S.COUNT])) for _, r in h.iterrows())
    notes = []
    if not has_prev:
        notes.append(prev_check.message)
    simulated = (
        bool(recs[S.SIMULATED].fillna(False).astype(bool).any())
        if S.SIMULATED in recs.columns
        else False
    )
    return WardReport(
        ward_name=ward_name,
        window=(start, end),
        categories=tuple(rows),
        previous_window=(prev_months[0], prev_months[-1]) if has_prev else None,
        trend=trend,
        top_locations=top,
        hotspots=hs,
        simulated=simulated,
        notes=tuple(notes),
        generated=generated or _dt.date.today().isoformat(),
    )


def _add_months(month: str, k: int) -> str:
    y, m = (int(v) for v in month.split("-"))
    t = y * 12 + (m - 1) + k
    return f"{t // 12:04d}-{t % 12 + 1:02d}"


# --- tables of counts ----------------------------------------------------------------------
def location_counts(records: pd.DataFrame) -> pd.DataFrame:
    """Return records per distinct location (x, y in metres), largest first.

    Parameters
    ----------
    records : canonical records (:data:`hotspots.data.schema.RECORD_COLUMNS`; only
        ``x``, ``y`` and ``location`` are read).

    Returns
    -------
    DataFrame with ``x``, ``y`` (EPSG:27700 metres), ``location`` (the location text of
    the first record seen there, as given) and ``count``; ties keep first-seen order.
    O(n) via :func:`hotspots.data.points.unique_locations`.
    """
    cols = [S.X, S.Y, S.LOCATION, S.COUNT]
    if len(records) == 0:
        return pd.DataFrame(
            {S.X: pd.Series(dtype="float64"), S.Y: pd.Series(dtype="float64"),
             S.LOCATION: pd.Series(dtype="string"), S.COUNT: pd.Series(dtype="int64")},
        )  # fmt: skip
    pts = unique_locations(records[S.X].to_numpy(), records[S.Y].to_numpy())
    n, k = len(pts.inverse), len(pts)
    first = np.empty(k, dtype=np.int64)
    first[pts.inverse[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int64)
    labels = records[S.LOCATION].astype("string").to_numpy()[first]
    out = pd.DataFrame(
        {S.X: pts.x, S.Y: pts.y, S.LOCATION: pd.array(labels, dtype="string"), S.COUNT: pts.weight},
    )
    return out.sort_values(S.COUNT, ascending=False, kind="stable").reset_index(drop=True)[cols]


NO_OUTCOME = "No outcome recorded (ASB, or not yet given)"


def outcome_mix(records: pd.DataFrame, top: int = 8) -> pd.DataFrame:
    """police.uk's ``Last outcome category`` of the records: outcome, records, share (%).

    ASB rows carry no outcome on police.uk; they, and crimes with no outcome yet,
    count as :data:`NO_OUTCOME`. Outcomes beyond the ``top`` largest are summed as
    "Other outcomes". Largest first.
    """
    if S.OUTCOME not in records.columns or len(records) == 0:
        return pd.DataFrame({"outcome": pd.Series(dtype="string"),
                             "records": pd.Series(dtype="int64"),
                             "share (%)": pd.Series(dtype="float64")})  # fmt: skip
    out = records[S.OUTCOME].astype("string").str.strip().replace("", pd.NA).fillna(NO_OUTCOME)
    counts = out.value_counts()
    if len(counts) > top:
        counts = pd.concat(
            [counts.iloc[:top], pd.Series({"Other outcomes": int(counts.iloc[top:].sum())})],
        )
    n = int(counts.sum())
    return pd.DataFrame(
        {
            "outcome": counts.index.astype(str),
            "records": counts.to_numpy().astype("int64"),
            "share (%)": (100 * counts.to_numpy() / max(n, 1)).round(1),
        },
    )


def trend_by_month(records: pd.DataFrame, months: list[str] | None = None) -> pd.DataFrame:
    """Return records per month split into ASB and crime (month, ASB, Crime); 0 for none."""
    if months is None:
        present = sorted(records[S.MONTH].unique()) if len(records) else []
        months = present
    is_asb = records[S.CATEGORY] == S.ASB
    asb = records.loc[is_asb, S.MONTH].value_counts()
    crime = records.loc[~is_asb, S.MONTH].value_counts()
    out = pd.DataFrame({"month": months})
    out["Anti-social behaviour"] = [asb.get(m, 0) for m in months]
    out["Crime"] = [crime.get(m, 0) for m in months]
    return out
