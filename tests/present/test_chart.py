"""Tests for hotspots.present.chart: the chart model and its SVG and PDF renderers."""

from __future__ import annotations

import re

import pytest

from hotspots.errors import InputError
from hotspots.present.chart import Chart, chart_pdf, chart_svg, month_chart, month_label, nice_axis
from hotspots.present.pdf_text import use_fonts

XSS = "<img src=x onerror=alert(1)>"


# --- inputs ----------------------------------------------------------------------------------
def test_labels_values_and_band_must_line_up():
    with pytest.raises(InputError):
        Chart("bar", ("a", "b"), (1,))
    with pytest.raises(InputError):
        Chart("line", ("a", "b"), (1, 2), band=((0, 2),))
    with pytest.raises(InputError):
        Chart("pie", ("a",), (1,))  # type: ignore[arg-type]


def test_month_labels_are_short_and_keep_text_that_is_not_a_month():
    c = month_chart([("2024-03", 1), ("2023-12", None)], "bar")
    assert c.labels == ("Mar '24", "Dec '23") and c.values == (1, None)
    assert month_chart([("2024-03", 1)], "line", apostrophe="\u2019").labels == ("Mar \u201924",)
    assert month_label("2024-01") == "Jan 2024"
    assert month_label("2024-13") == "2024-13" and month_label("soon") == "soon"


# --- the model -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "vmax, expected",
    [(0, (1.0, 1.0)), (3, (3.0, 1.0)), (40, (40.0, 10.0)), (41, (50.0, 10.0)), (60, (60.0, 20.0)),
     (1234, (1500.0, 500.0))],
)  # fmt: skip
def test_nice_axis_steps_are_1_2_or_5_times_a_power_of_ten(vmax, expected):
    assert nice_axis(vmax) == expected


def test_axis_makes_room_for_the_band_and_skips_withheld_bars():
    line = Chart("line", ("a", "b"), (10, 20), band=((5, 15), (12, 60)))
    assert line.axis() == nice_axis(60)
    bars = Chart("bar", ("a", "b", "c"), (3, 40, None), suppress_below=5)
    assert bars.shown() == [40] and bars.withheld(3) and not bars.withheld(0)
    assert bars.axis() == (40.0, 10.0)
    # disclosure control applies to bars of counts, not to a line
    assert Chart("line", ("a",), (3,), suppress_below=5).shown() == [3]


# --- SVG -------------------------------------------------------------------------------------
def test_svg_bars_withhold_small_counts_and_escape_text():
    svg = chart_svg(Chart("bar", (XSS, "b", "c"), (3, None, 40), title=XSS, suppress_below=5))
    assert "<img" not in svg and "&lt;img" in svg
    assert svg.count("<rect") == 1  # only the 40 is drawn
    assert ">&lt;5<" in svg and ">no data<" in svg and ">40<" in svg


def test_svg_line_is_never_drawn_across_a_gap_and_draws_band_and_source():
    c = Chart("line", ("a", "b", "c", "d"), (1, None, 3, 4), title="T")
    svg = chart_svg(c)
    assert svg.count("<polyline") == 2 and "<polygon" not in svg and "source" not in svg
    banded = Chart("line", ("a", "b", "c", "d"), (1, None, 3, 4), title="T", source="Source: " + XSS,
                   band=((0, 2), (None, None), (2, 5), (3, 6)))  # fmt: skip
    svg = chart_svg(banded, 620, 260)
    # one band run (c, d): the run of one point (a) cannot make an area
    assert svg.count("<polygon") == 1
    pts = re.search(r'<polygon class="band" points="([^"]+)"', svg).group(1).split()
    assert len(pts) == 4
    assert 'viewBox="0 0 620 276"' in svg and "Source: &lt;img" in svg


# --- PDF -------------------------------------------------------------------------------------
def _pdf_with(chart: Chart) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_compression(False)
    family, t = use_fonts(pdf, "/nonexistent")  # core Helvetica: text is written as it is
    pdf.add_page()
    chart_pdf(pdf, chart, 14, 20, 180, 60, family=family, text=t)
    return bytes(pdf.output())


def test_pdf_bars_and_line_write_their_labels_notes_and_source():
    bars = Chart("bar", ("Mar '24", "Apr '24", "May '24"), (3, None, 40), suppress_below=5,
                 x_label="Month", y_label="Records", source="Source: police.uk \u2013 2024")  # fmt: skip
    out = _pdf_with(bars)
    for text in (b"(<5)", b"(no data)", b"(40)", b"(Month)", b"(Records)", b"(Mar '24)"):
        assert text in out
    assert b"(Source: police.uk - 2024)" in out  # transliterated for the core font
    line = Chart("line", ("a", "b", "c"), (1, None, 3), gap_note="Shaded: no data.")
    assert b"(Shaded: no data.)" in _pdf_with(line)
    no_gap = Chart("line", ("a", "b", "c"), (1, 2, 3), gap_note="Shaded: no data.")
    assert b"(Shaded: no data.)" not in _pdf_with(no_gap)


def test_pdf_band_is_drawn_as_a_pale_filled_area():
    plain = Chart("line", ("a", "b", "c"), (1, 2, 3))
    banded = Chart("line", ("a", "b", "c"), (1, 2, 3), band=((0, 2), (1, 3), (2, 4)))
    pale = b"0.7804 0.8784 0.9333 rg"  # #0072B2 mixed with 78% white: (199, 224, 238)
    assert pale not in _pdf_with(plain) and pale in _pdf_with(banded)
