"""Tests for hotspots.present.reports: figures from records, disclosure control, HTML and PDF."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.present import reports as R

XSS = "<img src=x onerror=alert(1)>"


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def pdf_title(pdf: bytes) -> str:
    """The /Title of the info dictionary: a literal string or UTF-16BE hex."""
    m = re.search(rb"/Title\s*(\((.*?)\)|<[Ff][Ee][Ff][Ff]([0-9A-Fa-f]*)>)", pdf)
    if m.group(2) is not None:
        return m.group(2).decode("latin-1")
    return bytes.fromhex(m.group(3).decode()).decode("utf-16-be")


@pytest.fixture
def report() -> R.WardReport:
    return R.WardReport(
        ward_name="Poole Town",
        window=("2024-01", "2024-03"),
        previous_window=("2023-01", "2023-03"),
        categories=(
            R.CategoryRow("Violence and sexual offences", 50, 40),
            R.CategoryRow("Anti-social behaviour", 20, 25),
            R.CategoryRow("Drugs", 3, 6),
            R.CategoryRow("Robbery", 0, 2),
        ),
        trend=(("2023-12", None), ("2024-01", 30), ("2024-02", 3), ("2024-03", 40)),
        top_locations=(("On or near " + XSS, 12), ("On or near Bus Station", 4)),
        hotspots=((1, "Poole High Street", 31),),
        generated="2024-04-02",
    )


# --- inputs ----------------------------------------------------------------------------------


def test_a_plain_dict_is_accepted(report):
    d = {
        "ward_name": "Poole Town",
        "window": ["2024-01", "2024-03"],
        "previous_window": ["2023-01", "2023-03"],
        "categories": {"Violence and sexual offences": (50, 40), "Anti-social behaviour": (20, 25),
                       "Drugs": (3, 6), "Robbery": (0, 2)},
        "trend": [["2023-12", None], ["2024-01", 30], ["2024-02", 3], ["2024-03", 40]],
        "top_locations": [("On or near " + XSS, 12), ("On or near Bus Station", 4)],
        "hotspots": [{"rank": 1, "name": "Poole High Street", "count": 31}],
        "generated": "2024-04-02",
    }  # fmt: skip
    assert R.coerce_report(d) == report
    with pytest.raises(InputError, match="window"):
        R.coerce_report({"ward_name": "x"})
    with pytest.raises(InputError):
        R.coerce_report(
            {"ward_name": "x", "window": ("2024-01", "2024-01"), "hotspots": [(1, "a")]},
        )


# --- disclosure control -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "before", "k", "text"),
    [(12, 10, 5, "+2 (+20%)"), (8, 10, None, "-2 (-20%)"), (5, 0, 5, "new"), (0, 0, 5, "0"),
     (3, 10, 5, "–"), (10, 4, 5, "–"), (3, 10, None, "-7 (-70%)"), (10, None, 5, "no data")],
)  # fmt: skip
def test_format_change(now, before, k, text):
    assert R.format_change(now, before, k) == text


def test_small_categories_are_combined_until_the_total_cannot_reveal_them(report):
    rows = R.category_rows(report, 5)
    # Drugs (3 now) and Robbery (2 a year earlier) are small; together 3 now, so the
    # smallest other category (Anti-social behaviour, 20/25) joins: 23 now, 33 before.
    assert rows == [
        ("Violence and sexual offences", "50", "40", "+10 (+25%)"),
        ("Other categories (3 combined)", "23", "33", "-10 (-30%)"),
        ("All categories", "73", "73", "+0 (+0%)"),
    ]


def test_without_suppression_every_category_is_shown(report):
    rows = R.category_rows(report, None)
    assert [r[0] for r in rows] == [
        "Violence and sexual offences", "Anti-social behaviour", "Drugs", "Robbery", "All categories",
    ]  # fmt: skip
    assert rows[2] == ("Drugs", "3", "6", "-3 (-50%)")


def test_no_comparison_reads_no_data_not_zero():
    r = R.WardReport("Kinson", ("2024-01", "2024-01"), categories=(R.CategoryRow("Drugs", 9),))
    assert R.category_rows(r, 5) == [
        ("Drugs", "9", "–", "no data"),
        ("All categories", "9", "–", "no data"),
    ]


# --- figures from records ------------------------------------------------------------------------


def test_ward_report_figures_from_records(records_factory):
    pt = [(401000, 90500, 1, "On or near Quay")]
    recs = [
        records_factory(pt * 6, category=S.ASB, month="2024-01", ward="Poole Town"),
        records_factory(pt * 2, category="Drugs", month="2024-02", ward="Poole Town"),
        records_factory([(401100, 90500, 7, "On or near Bus Station")], category=S.ASB, month="2024-03", ward="Poole Town"),
        records_factory(pt * 4, category=S.ASB, month="2023-02", ward="Poole Town"),
        records_factory(pt * 9, category=S.ASB, month="2024-01", ward="Kinson"),
        records_factory(pt * 1, category=S.ASB, month="2023-01", ward="Kinson"),
        records_factory(pt * 1, category=S.ASB, month="2023-03", ward="Kinson"),
    ]  # fmt: skip
    records = pd.concat(recs, ignore_index=True)
    r = R.ward_report_figures(records, "poole town", ("2024-01", "2024-03"), generated="2024-04-02")
    assert r.ward_name == "Poole Town"
    assert r.previous_window == ("2023-01", "2023-03")
    assert r.categories == (R.CategoryRow(S.ASB, 13, 4), R.CategoryRow("Drugs", 2, 0))
    assert r.total == 15 and r.previous_total == 4
    # the 12 months ending 2024-03, from the first one the data cover
    assert r.trend == (("2024-01", 6), ("2024-02", 2), ("2024-03", 7))
    assert r.top_locations == (("On or near Quay", 8), ("On or near Bus Station", 7))


def test_ward_report_figures_without_the_previous_year(records_factory):
    recs = records_factory([(401000, 90500, 6, "A")], month="2024-01", ward="Poole Town")
    r = R.ward_report_figures(recs, "Poole Town", ("2024-01", "2024-01"))
    assert r.previous_window is None and r.previous_total is None
    assert r.categories == (R.CategoryRow(S.ASB, 6, None),)
    assert "No verdict: there are no data for Jan 2023, so nothing to compare." in r.notes
    assert r.trend == (("2024-01", 6),)
    with pytest.raises(InputError, match="ward"):
        R.ward_report_figures(recs, "Atlantis", ("2024-01", "2024-01"))


def test_simulated_records_mark_the_report(records_factory):
    recs = records_factory(
        [(401000, 90500, 6, "A")],
        month="2024-01",
        ward="Poole Town",
        simulated=True,
    )
    assert R.ward_report_figures(recs, "Poole Town", ("2024-01", "2024-01")).simulated


# --- HTML ------------------------------------------------------------------------------------------


def test_html_report_is_self_contained_escaped_and_printable(report):
    page = R.ward_report_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"',
        "",
    )
    assert "<img" not in page and "On or near &lt;img src=x onerror=alert(1)&gt;" in page
    assert "@media print" in page and "@page" in page
    assert "<h1>Poole Town ward</h1>" in page
    assert "Other categories (3 combined)" in page
    assert "SIMULATED DATA" not in page
    assert ">&lt;5</text>" in page  # Feb 2024 (3 records) withheld in the chart
    assert "<title>Records per month, Poole Town</title>" in page
    assert ">Month</text>" in page and ">Records</text>" in page


def test_html_report_banner_for_simulated_data(report):
    from dataclasses import replace

    assert "SIMULATED DATA" in R.ward_report_html(replace(report, simulated=True))


def test_svg_bar_chart_scales_bars_to_a_round_axis():
    svg = R.svg_bar_chart(
        ["a", "b", "c"],
        [40, None, 3],
        title="T",
        x_label="X",
        y_label="Y",
        suppress_below=5,
    )
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)]
    assert len(heights) == 1  # "no data" and "<5" draw no bar
    assert heights[0] == pytest.approx(220 - 28 - 46)  # 40 reaches the axis top (40)
    assert "no data" in svg and "&lt;5" in svg


# --- PDF ------------------------------------------------------------------------------------------------


def test_pdf_report_is_one_page_with_the_ward_name(report):
    pdf = R.ward_report_pdf(report)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert pdf_pages(pdf) == 1
    assert pdf_title(pdf) == "Poole Town ward report, Jan 2024 – Mar 2024"


def test_pdf_with_core_fonts_transliterates_text_outside_latin1(report):
    from dataclasses import replace

    r = replace(report, ward_name="Łódź – £5 © ward", simulated=True)
    pdf = R.ward_report_pdf(r, font_dir="/nonexistent")
    assert pdf.startswith(b"%PDF-") and pdf_pages(pdf) == 1


def test_a_full_report_still_fits_one_page():
    cats = tuple(R.CategoryRow(c, 100 - i, 90) for i, c in enumerate(S.CATEGORIES))
    months = [f"2023-{m:02d}" for m in range(4, 13)] + ["2024-01", "2024-02", "2024-03"]
    r = R.WardReport(
        "Bournemouth Central", ("2024-01", "2024-03"), categories=cats, previous_window=("2023-01", "2023-03"),
        trend=tuple((m, 300 + i) for i, m in enumerate(months)),
        top_locations=tuple((f"On or near Long Street Name Number {i}", 50 - i) for i in range(10)),
        hotspots=tuple((i, f"Hotspot {i}", 100 - i) for i in range(1, 11)),
        notes=("A note.",), simulated=True,
    )  # fmt: skip
    assert pdf_pages(R.ward_report_pdf(r)) == 1
