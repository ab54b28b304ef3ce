"""Tests for hotspots.data.select: months, windows and filter_records."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.data.select import filter_records, month_range, parse_month, parse_window
from hotspots.errors import InputError

# --- months and windows ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["2024-01", " 2024-12 ", "1999-07"])
def test_parse_month_ok(value):
    assert parse_month(value) == value.strip()


@pytest.mark.parametrize(
    "value",
    ["2024-13", "2024-00", "2024-1", "Jan 2024", "2024/01", "", "202401"],
)
def test_parse_month_bad(value):
    with pytest.raises(InputError) as info:
        parse_month(value, "--from")
    assert info.value.argument == "--from"
    assert "YYYY-MM" in str(info.value)


def test_parse_window():
    assert parse_window("2024-01:2024-03") == ("2024-01", "2024-03")
    assert parse_window("2019-02") == ("2019-02", "2019-02")
    with pytest.raises(InputError, match="FROM not after TO"):
        parse_window("2024-03:2024-01")
    with pytest.raises(InputError) as info:
        parse_window("2024-01:2024-13", "before")
    assert info.value.argument == "before"


def test_month_range():
    assert month_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert month_range("2024-01", "2024-01") == ["2024-01"]
    assert month_range("2024-02", "2024-01") == []
    assert len(month_range("2019-03", "2023-12")) == 58


# --- filter_records ------------------------------------------------------------------------


@pytest.fixture
def recs(places, to_bng):
    pbs = to_bng(*places["Poole Bus Station"])
    sq = to_bng(*places["Bournemouth Square"])
    dor = to_bng(*places["Dorchester"])
    return S.conform(
        pd.DataFrame(
            {
                S.RECORD_ID: ["a", "b", "c", "d", "e", "f"],
                S.MONTH: ["2024-01", "2024-02", "2024-03", "2024-02", "2024-02", "2024-04"],
                S.CATEGORY: [S.ASB, "Burglary", S.ASB, "Robbery", S.ASB, "Drugs"],
                S.X: [pbs[0], pbs[0], sq[0], sq[0], dor[0], pbs[0]],
                S.Y: [pbs[1], pbs[1], sq[1], sq[1], dor[1], pbs[1]],
                S.IN_BCP: [True, True, True, True, False, True],
            },
        ),
    )


def _ids(df):
    return df[S.RECORD_ID].tolist()


def test_filter_defaults_to_bcp_only(recs):
    assert _ids(filter_records(recs)) == ["a", "b", "c", "d", "f"]
    assert _ids(filter_records(recs, bcp_only=False)) == ["a", "b", "c", "d", "e", "f"]


def test_filter_month_window_is_inclusive(recs):
    assert _ids(filter_records(recs, months=("2024-02", "2024-03"))) == ["b", "c", "d"]
    assert _ids(filter_records(recs, months=("2024-02", "2024-02"), bcp_only=False)) == [
        "b",
        "d",
        "e",
    ]


def test_filter_categories(recs):
    assert _ids(filter_records(recs, categories="asb")) == ["a", "c"]
    assert _ids(filter_records(recs, categories="crime")) == ["b", "d", "f"]
    assert _ids(filter_records(recs, categories=["Robbery", "burglary"])) == ["b", "d"]
    assert _ids(filter_records(recs, categories="all")) == ["a", "b", "c", "d", "f"]
    with pytest.raises(InputError):
        filter_records(recs, categories="Littering")


def test_filter_area(recs, boundaries):
    assert _ids(filter_records(recs, area="Poole Town")) == ["a", "b", "f"]
    assert _ids(filter_records(recs, area="town:Bournemouth")) == ["c", "d"]
    assert _ids(filter_records(recs, area="Poole Bus Station@50")) == ["a", "b", "f"]
    assert _ids(filter_records(recs, area="bcp")) == ["a", "b", "c", "d", "f"]


def test_filter_everything_together(recs):
    out = filter_records(
        recs,
        months=("2024-01", "2024-02"),
        categories="asb,burglary",
        area="Poole",
    )
    assert _ids(out) == ["a", "b"]


def test_filter_to_nothing_keeps_columns(recs):
    out = filter_records(recs, months=("2030-01", "2030-12"))
    assert len(out) == 0 and list(out.columns) == S.RECORD_COLUMNS
    out = filter_records(recs.iloc[:0], area="Poole Town")
    assert len(out) == 0 and list(out.columns) == S.RECORD_COLUMNS


def test_filter_bundled_window(bundled_read):
    rec = bundled_read.records
    jan_feb_2019 = filter_records(rec, months=("2019-01", "2019-02"))
    assert len(jan_feb_2019) == 3575 + 3374
    asb = filter_records(rec, months=("2018-10", "2018-10"), categories="asb")
    assert len(asb) == 1237


def test_filter_open_ended_window(recs):
    # the CLI passes "0000-01" / "9999-12" for a missing --from / --to
    assert _ids(filter_records(recs, months=("0000-01", "2024-02"))) == ["a", "b", "d"]
    assert _ids(filter_records(recs, months=("2024-03", "9999-12"))) == ["c", "f"]
    assert _ids(filter_records(recs, months=("2024-03", "2024-02"))) == []
