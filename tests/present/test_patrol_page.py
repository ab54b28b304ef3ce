"""Tests for hotspots.present.patrol_page: what the Patrol planning page shows.

On the real bundled records, against an independent count; the disclosure rule on a
selection of a few records; the table's columns key-first.
"""

from __future__ import annotations

import re

import pytest

from hotspots.data import schema as S
from hotspots.present.patrol_page import COVERAGE_POINTS, PLACE_COLUMNS, patrol_page
from hotspots.present.views import Filters, patrol_view

WINDOW = Filters("2024-01", "2024-03")
# 2 records of possession of weapons in Bournemouth Central in March 2024
SMALL = Filters("2024-03", "2024-03", ("Possession of weapons",), "ward:E05012653")


@pytest.fixture(scope="module")
def records():
    from hotspots.data.store import open_dataset

    return open_dataset("bundled").records()


@pytest.fixture(scope="module")
def top10(records):
    return patrol_view(records, WINDOW, top_n=10, cell_size_m=150.0)


def test_headline_counts_the_records_and_the_places(records, top10):
    page = patrol_page(top10, "2024-01", "2024-03", categories=S.CATEGORIES, suppress_below=5)
    n = int((records[S.MONTH].between("2024-01", "2024-03") & records[S.IN_BCP]).sum())
    m = re.search(r"Patrolling these (\d+) places .* of the ([\d,]+) records\*\*", page.headline)
    assert m and int(m[1]) == 10 and int(m[2].replace(",", "")) == n == top10.n_records
    assert "Jan 2024 – Mar 2024" in page.headline
    assert page.pai_caption.startswith("Predictive Accuracy Index")
    assert page.small_warning is None and page.score is None and page.time_caption is None
    assert not page.empty
    assert page.sheet_categories == ()  # every category: the sheet says "all"


def test_places_table_is_ranked_with_key_columns_first(top10):
    page = patrol_page(top10, "2024-01", "2024-03", categories=S.CATEGORIES, suppress_below=5)
    t = page.places_table
    assert tuple(t.columns) == PLACE_COLUMNS and list(t.columns[:3]) == [
        S.RANK,
        S.NAME,
        "records",
    ]
    assert t[S.RANK].tolist() == list(range(1, 11))
    assert t["records"].tolist() == [f"{v:,}" for v in top10.places[S.COUNT]]
    # the PAI column agrees with share of records / share of area
    assert t["PAI"].tolist() == top10.places["pai"].round(0).tolist()


def test_coverage_table_reads_the_curve_at_fixed_shares(top10):
    page = patrol_page(top10, "2024-01", "2024-03", categories=S.CATEGORIES, suppress_below=5)
    assert [r["area patrolled"] for r in page.coverage_table] == ["1%", "2%", "5%", "10%"]
    for row, a in zip(page.coverage_table, COVERAGE_POINTS, strict=True):
        got = top10.coverage.record_share_at(a)
        assert row["records covered"] == f"{100 * got:.0f}%"
        assert row["PAI (in-sample)"] == round(got / a, 1)
    covered = [int(r["records covered"].rstrip("%")) for r in page.coverage_table]
    assert covered == sorted(covered)  # more area, no fewer records
    assert page.coverage_title == "Share of records covered by the densest 150 m cells"


def test_a_small_selection_is_withheld_and_warned(records):
    pv = patrol_view(records, SMALL, top_n=3, cell_size_m=150.0)
    assert pv.n_records == 2
    page = patrol_page(pv, "2024-03", "2024-03", categories=SMALL.categories,
                       hours=(22, 23), suppress_below=5)  # fmt: skip
    assert "of the <5 records" in page.headline and " 2 records" not in page.headline
    assert page.small_warning.startswith("Only <5 records")
    assert set(page.places_table["records"]) == {"<5"}
    assert set(page.places_table["share"]) == {"withheld"}
    assert page.time_caption and "months only" in page.time_caption
    assert page.sheet_categories == ("Possession of weapons",)
    exact = patrol_page(pv, "2024-03", "2024-03", categories=SMALL.categories, suppress_below=None)
    assert "of the 2 records" in exact.headline and exact.small_warning.startswith("Only 2 records")


def test_no_records_is_an_empty_page(records):
    pv = patrol_view(records.iloc[:0], WINDOW, top_n=3)
    page = patrol_page(pv, "2024-01", "2024-03", categories=(), suppress_below=5)
    assert page.empty and page.headline is None and page.small_warning is None
