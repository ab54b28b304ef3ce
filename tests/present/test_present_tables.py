"""Tests for hotspots.present.tables (test_present_tables: comparison/ and commands/ have a tables module too)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.present.tables import (
    format_count,
    format_share,
    format_top,
    hotspot_table,
    is_suppressed,
    location_counts,
)

# --- suppression boundaries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, False),
        (1, True),
        (4, True),
        (5, False),
        (4.0, True),
        (None, False),
        (np.nan, False),
        (pd.NA, False),
    ],
)
def test_is_suppressed_withholds_one_to_four(count, expected):
    assert is_suppressed(count, 5) is expected


def test_no_suppression_when_threshold_is_none():
    assert is_suppressed(1, None) is False
    assert format_count(1, None) == "1"


@pytest.mark.parametrize(
    ("count", "k", "text"),
    [
        (1234, None, "1,234"),
        (3, 5, "<5"),
        (5, 5, "5"),
        (0, 5, "0"),
        (None, 5, "–"),
        (2.5, None, "2.5"),
    ],
)
def test_format_count(count, k, text):
    assert format_count(count, k) == text


def test_format_share_is_a_percentage_of_a_fraction():
    assert format_share(0.1234) == "12.3%"
    assert format_share(None) == "–"


# --- top categories / locations --------------------------------------------------------


def test_format_top_pairs_dicts_and_mappings_suppress_small_counts():
    assert format_top([("Drugs", 12), ("Robbery", 3)], 5) == "Drugs (12); Robbery (<5)"
    assert format_top({"Drugs": 12, "Robbery": 3}, 5) == "Drugs (12); Robbery (<5)"
    assert format_top([{"category": "Drugs", "count": 4}], 5) == "Drugs (<5)"
    assert format_top(["A", "B"], 5) == "A; B"


def test_format_top_suppresses_counts_written_in_text_but_not_percentages():
    assert format_top("Violence (30); Drugs (4)", 5) == "Violence (30); Drugs (<5)"
    assert format_top("Parking Area: 3, Nightclub: 40", 5) == "Parking Area: <5, Nightclub: 40"
    assert (
        format_top("Anti-social behaviour 28%; Drugs (12%)", 5)
        == "Anti-social behaviour 28%; Drugs (12%)"
    )
    assert format_top(None) == ""


# --- location counts ----------------------------------------------------------------------


def test_location_counts_aggregates_distinct_points_largest_first(records_factory):
    recs = records_factory(
        [
            (408000, 91000, 2, "On or near A"),
            (408100, 91000, 5, "On or near B"),
            (408000, 91000, 1, "On or near A2"),
        ],
    )
    out = location_counts(recs)
    assert list(out.columns) == [S.X, S.Y, S.LOCATION, S.COUNT]
    assert out[S.COUNT].tolist() == [5, 3]
    assert out[S.X].tolist() == [408100.0, 408000.0]
    # the location text is the first record's at that point
    assert out[S.LOCATION].tolist() == ["On or near B", "On or near A"]


def test_location_counts_of_no_records_is_an_empty_frame_with_the_columns(records_factory):
    out = location_counts(records_factory([]))
    assert len(out) == 0
    assert list(out.columns) == [S.X, S.Y, S.LOCATION, S.COUNT]


# --- hotspot table ----------------------------------------------------------------------------


def test_hotspot_table_labels_order_and_suppression(toy_hotspots):
    shuffled = toy_hotspots.iloc[::-1]
    t = hotspot_table(shuffled, suppress_below=5)
    assert list(t.columns)[:4] == ["Rank", "Name", "Records", "Ward"]  # key columns first
    assert t["Rank"].tolist() == [1, 2]
    assert t["Records"].tolist() == ["250", "<5"]
    assert t["Share of records"].tolist() == ["25.0%", "–"]  # withheld with the count
    assert t["Records per km²"].tolist() == ["1,276", "–"]
    assert t["Top categories"].tolist() == [
        "Violence and sexual offences (100); Anti-social behaviour (80)",
        "Drugs (<5)",
    ]
    assert "geometry" not in t.columns


def test_hotspot_table_without_suppression_shows_everything(toy_hotspots):
    t = hotspot_table(toy_hotspots)
    assert t["Records"].tolist() == ["250", "3"]
    assert t["Share of records"].tolist() == ["25.0%", "0.3%"]


def test_months_are_written_as_people_write_them():
    from hotspots.present.tables import format_month, format_period

    assert format_month("2024-01") == "Jan 2024"
    assert format_month(pd.Timestamp("2019-02-01")) == "Feb 2019"
    assert format_month("2024-13") == "2024-13" and format_month(None) == "–"
    assert format_period("2024-01", "2024-03") == "Jan 2024 – Mar 2024"
    assert format_period("2024-01", "2024-01") == "Jan 2024"


def test_hotspot_table_shows_children_under_their_parents():
    from hotspots.present.tables import nest_hotspots

    hot = pd.DataFrame(
        {
            S.HOTSPOT_ID: [1, 2, 3, 4, 5],
            S.RANK: [1, 2, 3, 4, 5],
            S.NAME: ["Bournemouth town centre", "Poole Quay", "The Lansdowne", "Square", "Quay"],
            S.COUNT: [926, 255, 268, 324, 3],
            "parent": pd.array([pd.NA, pd.NA, 1, 1, 2], dtype="Int64"),
            "level": [0, 0, 1, 1, 1],
        },
    )
    n = nest_hotspots(hot)
    assert n[S.HOTSPOT_ID].tolist() == [1, 4, 3, 2, 5]  # parent, its children by records
    assert n["label"].tolist() == ["1", "1.1", "1.2", "2", "2.1"]
    assert n["display_name"].tolist()[:3] == [
        "Bournemouth town centre",
        "└ Square",
        "└ The Lansdowne",
    ]
    t = hotspot_table(hot, suppress_below=5)
    assert t["Rank"].tolist() == ["1", "1.1", "1.2", "2", "2.1"]
    assert t["Name"].tolist()[1] == "└ Square" and t["Records"].tolist()[-1] == "<5"
    # a child whose parent was filtered out is listed by its own rank, not indented
    alone = nest_hotspots(hot[hot[S.HOTSPOT_ID] != 2])
    assert alone["label"].tolist()[-1] == "5" and alone["display_name"].tolist()[-1] == "Quay"


def test_top_rows_shows_25_and_says_how_many_more():
    import pandas as pd

    from hotspots.present.tables import TABLE_TOP_N, top_rows

    t = pd.DataFrame({"Rank": range(1, 31)})
    shown, more = top_rows(t)
    assert TABLE_TOP_N == 25 and len(shown) == 25 and shown["Rank"].iloc[-1] == 25
    assert more == "The 25 biggest of 30 hotspots; 5 smaller ones are in the downloads."
    assert top_rows(t.head(26))[1].endswith("1 smaller one is in the downloads.")
    assert top_rows(t.head(25))[1] is None
    # nested: 25 top-level hotspots, each with the street-sized ones under it
    ranks = [r for i in range(1, 31) for r in (str(i), f"{i}.1")]
    shown, more = top_rows(pd.DataFrame({"Rank": ranks}))
    assert len(shown) == 50 and shown["Rank"].iloc[-1] == "25.1"
    assert more == "The 25 biggest of 30 hotspots; 5 smaller ones are in the downloads."
