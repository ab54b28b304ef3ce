"""Tests for hotspots.present.filters: the filters every page shares."""

from __future__ import annotations

import pandas as pd

from hotspots.data import schema as S
from hotspots.present.filters import VIEW_COLUMNS, Filters, apply_filters, narrow


def _timed(records_factory, hours, dates):
    rec = records_factory([(401000, 90500, len(hours), "A")], month="2024-01")
    rec[S.HOUR] = pd.array(hours, dtype="Int64")
    rec[S.DATE] = pd.to_datetime(pd.Series(dates, dtype="object"))
    return rec


def test_hours_wrap_past_midnight_and_days_are_weekdays(records_factory):
    # 2024-01-01 was a Monday
    rec = _timed(records_factory, [23, 1, 12, 22],
                 ["2024-01-01", "2024-01-02", "2024-01-06", "2024-01-07"])  # fmt: skip
    f = Filters("2024-01", "2024-01")
    assert len(apply_filters(rec, f)) == 4
    assert apply_filters(rec, f.with_(hours=(22, 2)))[S.HOUR].tolist() == [23, 1, 22]
    assert apply_filters(rec, f.with_(hours=(10, 13)))[S.HOUR].tolist() == [12]
    weekend = apply_filters(rec, f.with_(days=(5, 6)))
    assert weekend[S.HOUR].tolist() == [12, 22]
    assert len(apply_filters(rec, f.with_(start="2024-02", end="2024-02"))) == 0


def test_records_without_times_are_kept_by_hour_and_day_filters(records_factory):
    rec = records_factory([(401000, 90500, 3, "A")], month="2024-01")  # police.uk: no times
    f = Filters("2024-01", "2024-01", hours=(22, 2), days=(5,))
    assert len(apply_filters(rec, f)) == 3


def test_narrow_keeps_the_page_columns_in_order(records_factory):
    rec = records_factory([(401000, 90500, 2, "A")])
    out = narrow(rec)
    assert list(out.columns) == [c for c in VIEW_COLUMNS if c in rec.columns]
    full = rec.reindex(columns=VIEW_COLUMNS)
    assert narrow(full) is full  # already narrow: no copy
    assert hash(Filters("2024-01", "2024-02")) == hash(Filters("2024-01", "2024-02"))
