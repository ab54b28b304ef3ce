"""The Overview and Seasonal view-models: what the pages show, with the disclosure rule.

Fast tests of the functions the pages only render (``overview_page``, ``seasonal_page``),
on the real bundled records: a selection with counts of 1-4 shows none of them, nor a
change computed from them, under the rule; without it (an analyst asking for exact
counts) the same numbers are shown exactly.
"""

from __future__ import annotations

import re

import pytest

from hotspots.data import schema as S
from hotspots.present.overview_page import coverage_for_people, overview_page
from hotspots.present.seasonal_page import seasonal_page
from hotspots.present.views import Filters, overview_view, seasonal_view

WARD = "E05012653"  # Bournemouth Central: 2 records of possession of weapons in March 2024
SMALL = Filters("2024-03", "2024-03", ("Possession of weapons",), f"ward:{WARD}")


@pytest.fixture(scope="module")
def records():
    from hotspots.data.store import open_dataset

    return open_dataset("bundled").records()


@pytest.fixture(scope="module")
def small_overview(records):
    return overview_view(records, SMALL)


def _expected(records, f: Filters) -> int:
    r = records
    keep = (r[S.MONTH] >= f.start) & (r[S.MONTH] <= f.end) & r[S.CATEGORY].isin(f.categories)
    return int((keep & (r[S.WARD_CODE] == WARD)).sum())


def test_overview_withholds_a_small_count_and_its_readings(records, small_overview):
    n = _expected(records, SMALL)
    assert 1 <= n <= 4 and small_overview.n_records == n  # independent count: pandas
    page = overview_page(small_overview, "2024-03", "2024-03", suppress_below=5)
    values = {m.label: m.value for m in page.metrics}
    assert values == {"Records": "<5", "Anti-social behaviour": "0", "Crime": "<5"}
    assert all(m.delta is None for m in page.metrics)
    assert all("withheld" in r for r in page.readings)
    month = page.trend_table[page.trend_table["month"] == "Mar 2024"]
    assert month["Crime"].tolist() == ["<5"]
    assert page.trend_chart.loc[page.trend_chart["month"] == "2024-03", "Crime"].isna().all()
    assert page.categories_table["records"].tolist() == ["<5"]
    assert len(page.categories_chart) == 0  # a bar of height 2 would give the 2 away
    assert page.disclosure and "<5" in page.disclosure


def test_overview_shows_exact_counts_without_the_rule(records, small_overview):
    n = _expected(records, SMALL)
    page = overview_page(small_overview, "2024-03", "2024-03", suppress_below=None)
    assert {m.label: m.value for m in page.metrics}["Records"] == str(n)
    assert page.categories_table["records"].tolist() == [n]
    assert page.disclosure is None
    assert any(re.search(rf"\b{n} records\b", r) for r in page.readings)


def test_overview_complementary_suppression(records):
    """ASB and possession of weapons in the ward: one part small and the total shown would give it away."""
    ov = overview_view(
        records,
        Filters("2024-03", "2024-03", (S.ASB, "Possession of weapons"), f"ward:{WARD}"),
    )
    n_rob = ov.n_crime
    if not 1 <= n_rob <= 4:
        pytest.skip(f"weapons in the ward in 2024-03 is {n_rob}, not a small count")
    page = overview_page(ov, "2024-03", "2024-03", suppress_below=5)
    values = {m.label: m.value for m in page.metrics}
    assert values["Crime"] == "<5" and values["Anti-social behaviour"] == "withheld"
    assert values["Records"] == f"{ov.n_records:,}"


def test_coverage_table_for_people(records):
    from hotspots.data.coverage import collapse_missing, coverage_table

    t = collapse_missing(coverage_table(records[records[S.WARD_CODE] == WARD]))
    shown = coverage_for_people(t, suppress_below=5)
    small = [(c, i) for c in t.columns if c != "missing" and t[c].dtype.kind == "i"
             for i, v in enumerate(t[c]) if 1 <= v <= 4]  # fmt: skip
    assert small, "the ward's coverage must hold small counts for this test"
    assert all(shown[c].iloc[i] == "<5" for c, i in small)
    assert coverage_for_people(t, suppress_below=None) is t


@pytest.fixture(scope="module")
def robbery_view(records):
    """The issue's case: robbery in the town-centre open spaces, Jan-Feb 2019 vs 2024."""
    f = Filters("2024-01", "2024-02", ("Robbery",), "bcp")
    return seasonal_view(
        records,
        f,
        before="2019-01:2019-02",
        after="2024-01:2024-02",
        with_change=False,
    )


def test_seasonal_withholds_a_group_with_a_small_zone_count(robbery_view):
    g = robbery_view.evaluation.groups[0]
    counts = [g.target_before, g.target_after, g.buffer_before, g.buffer_after]
    assert any(1 <= c <= 4 for c in counts), counts
    page = seasonal_page(robbery_view, suppress_below=5)
    panel = page.groups[0]
    assert panel.withheld and "withheld" in panel.reading and "withheld" in panel.wdd
    assert "%" not in panel.reading and "WDQ" in panel.wdd and "**" not in panel.wdd
    values = [m.value for m in panel.metrics]
    assert values[3] == "withheld"
    assert all(m.delta is None for m in panel.metrics)
    for m, (before, after) in zip(
        panel.metrics[:3],
        [(g.target_before, g.target_after), (g.buffer_before, g.buffer_after),
         (g.control_before, g.control_after)],
        strict=True,
    ):  # fmt: skip
        assert m.value == ("<5" if 1 <= after <= 4 else f"{after:,}")
        assert m.help.startswith("<5 before" if 1 <= before <= 4 else f"{before:,} before")
    row = page.table.iloc[0]
    assert row["relative_effect_pct"] == "withheld" and row["wdq"] == "withheld"
    for c in ("target_before", "target_after", "buffer_before", "buffer_after"):
        assert row[c] == ("<5" if 1 <= getattr(g, c) <= 4 else f"{getattr(g, c):,}")
    assert all(v not in ("1", "2", "3", "4") for v in page.yearly_table["Crime"].astype(str))


def test_seasonal_reads_in_full_without_the_rule(robbery_view):
    page = seasonal_page(robbery_view, suppress_below=None)
    panel = page.groups[0]
    g = robbery_view.evaluation.groups[0]
    assert not panel.withheld and "withheld" not in panel.reading
    assert "rose" in panel.reading and "%" in panel.metrics[3].value
    assert panel.metrics[0].value == f"{g.target_after:,}"
    assert page.table.iloc[0]["target_before"] == g.target_before
