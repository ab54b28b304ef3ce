"""Tests for hotspots.present.ward_page: what the Ward view shows, with the disclosure rule.

On the real bundled records; counts are checked against an independent pandas count
of the same records (the figures the AppTests of the page checked, now in seconds).
"""

from __future__ import annotations

import pytest

from hotspots.data import schema as S
from hotspots.present.reports import ward_report_html
from hotspots.present.views import Filters, ward_view
from hotspots.present.ward_page import outcome_table, unknown_ward_message, ward_page

CENTRAL = "E05012653"  # Bournemouth Central
POOLE_TOWN = "E05012691"
WINDOW = Filters("2024-01", "2024-03")
SMALL = Filters("2024-03", "2024-03", ("Possession of weapons",))  # 2 in Central
BCP_KM2 = 161.0


def _shown(markdown: str) -> str:
    """Markdown as a reader sees it (escapes resolved, zero-width spaces invisible)."""
    return markdown.replace("\\", "").replace("\u200b", "")


@pytest.fixture(scope="module")
def records():
    from hotspots.data.store import open_dataset

    return open_dataset("bundled").records()


def _count(records, f: Filters, ward: str, categories=None) -> int:
    r = records
    keep = r[S.MONTH].between(f.start, f.end) & (r[S.WARD_CODE] == ward)
    cats = categories if categories is not None else f.categories
    return int((keep & r[S.CATEGORY].isin(cats)).sum())


@pytest.fixture(scope="module")
def central(records):
    return ward_view(records, WINDOW, ward=CENTRAL)


@pytest.fixture(scope="module")
def small(records):
    return ward_view(records, SMALL, ward=CENTRAL)


def test_central_figures_match_an_independent_count(records, central):
    page = ward_page(central, "2024-01", "2024-03", suppress_below=5, bcp_area_km2=BCP_KM2)
    n = _count(records, WINDOW, CENTRAL)
    n_asb = _count(records, WINDOW, CENTRAL, categories=[S.ASB])
    assert (n, n_asb) == (1633, 495)
    values = {m.label: m.value for m in page.metrics}
    assert values == {
        "Records": "1,633",
        "Anti-social behaviour": "495",
        "Crime": "1,138",
        "Share of all BCP records": "17.4%",
    }
    share_help = page.metrics[3].help
    assert (
        share_help == f"The ward covers {100 * central.area.area_km2 / BCP_KM2:.1f}% of BCP's area."
    )
    assert page.heading == "Bournemouth Central: Jan 2024 – Mar 2024"
    assert _shown(page.paragraph).startswith("Bournemouth Central had 1,633 records")
    # the bundled months hold no year before Jan-Mar 2024: the page says so
    assert page.previous is None and page.comparison_note == central.comparison_note != ""
    assert page.trend_title == "Records per month in Bournemouth Central"
    assert set(page.trend_chart.columns) >= {"month", "Anti-social behaviour", "Crime"}
    assert page.categories_table["category"].tolist() == central.categories["category"].tolist()
    assert len(page.hotspots_table) == len(central.hotspots) > 0
    assert page.locations_table is not None and len(page.locations_table) == 10
    assert page.outcomes_table is not None and "outcome" in page.outcomes_table.columns


def test_the_report_gives_the_ward_the_count_the_page_gives(central):
    page = ward_page(central, "2024-01", "2024-03", suppress_below=5, bcp_area_km2=BCP_KM2)
    records = next(m.value for m in page.metrics if m.label == "Records")
    html = ward_report_html(central.report, suppress_below=5)
    assert f"<strong>{records} records" in html


def test_a_small_selection_is_withheld_everywhere_on_the_page(records, small):
    assert _count(records, SMALL, CENTRAL) == 2
    page = ward_page(small, "2024-03", "2024-03", suppress_below=5, bcp_area_km2=BCP_KM2)
    values = {m.label: m.value for m in page.metrics}
    assert values == {
        "Records": "<5",
        "Anti-social behaviour": "0",
        "Crime": "<5",
        "Share of all BCP records": "withheld",
    }
    assert "2 records" not in _shown(page.paragraph)
    assert "fewer than 5" in _shown(page.paragraph)
    assert "% of all BCP records" not in page.paragraph  # a share of a known total gives it away
    assert page.categories_table["records"].tolist() == ["<5"]
    assert len(page.categories_chart) == 0  # a bar of height 2 gives the 2 away
    march = page.trend_chart[page.trend_chart["month"] == "2024-03"]
    assert march["Crime"].isna().all()
    if page.previous is not None:
        assert "withheld" in page.previous.lower() or "<5" not in page.previous
    if page.locations_table is not None:
        assert set(page.locations_table["records"]) == {"<5"}


def test_without_the_rule_the_same_counts_are_exact(small):
    page = ward_page(small, "2024-03", "2024-03", suppress_below=None, bcp_area_km2=BCP_KM2)
    values = {m.label: m.value for m in page.metrics}
    assert values["Records"] == "2" and values["Crime"] == "2"
    assert page.categories_table["records"].tolist() == ["2"]
    assert page.categories_chart["records"].tolist() == [2]


def test_outcome_table_hides_small_counts_and_their_shares():
    import pandas as pd

    t = pd.DataFrame({"outcome": ["A", "B"], "records": [40, 3], "share (%)": [93.0, 7.0]})
    out = outcome_table(t, 5)
    assert out["records"].tolist() == ["40", "<5"]
    assert out["share (%)"].tolist()[0] == 93.0 and pd.isna(out["share (%)"].tolist()[1])
    assert outcome_table(t, None)["records"].tolist() == ["40", "3"]


def test_unknown_ward_message_escapes_the_link_text_and_names_the_closest():
    msg = unknown_ward_message("Pool *Town*", ["Poole Town"])
    assert "\\*Town\\*" in msg and "Did you mean **Poole Town**?" in msg
    assert unknown_ward_message("x" * 200, []).count("x") == 80
    assert "Did you mean" not in unknown_ward_message("Nowhere", [])


def test_the_reading_against_a_year_earlier_is_withheld_with_a_small_count(central):
    from dataclasses import replace
    from types import SimpleNamespace

    said = "12% more (95% CI 3% to 20%)"
    ratio = SimpleNamespace(pct_change=12.5, pct_ci=(3.0, 20.0))
    a = SimpleNamespace(start="2023-01", end="2023-03")

    def previous(count_a):
        return SimpleNamespace(count_a=count_a, count_b=450, reading=said, result=ratio, a=a)

    big = replace(central, previous=previous(400))
    page = ward_page(big, "2024-01", "2024-03", suppress_below=5, bcp_area_km2=BCP_KM2)
    assert page.previous == f"**Against a year earlier:** {said}" and page.comparison_note is None
    assert "it had 400: a change of +12" in _shown(page.paragraph)
    tiny = replace(central, previous=previous(3))
    page = ward_page(tiny, "2024-01", "2024-03", suppress_below=5, bcp_area_km2=BCP_KM2)
    assert said not in page.previous and "Figures withheld" in page.previous
    # the paragraph withholds the change too (a percentage on 3 gives the 3 away)
    text = _shown(page.paragraph)
    assert "it had fewer than 5: the change is withheld" in text and "+12" not in text
    page = ward_page(tiny, "2024-01", "2024-03", suppress_below=None, bcp_area_km2=BCP_KM2)
    assert said in page.previous and "it had 3: a change of +12" in _shown(page.paragraph)
