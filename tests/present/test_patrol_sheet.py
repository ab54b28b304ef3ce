"""Tests for hotspots.present.patrol_sheet: the sheet comes from its template, escaped.

The printed layout (one A4 landscape page, every number visible) is checked in
Chromium by tests/present/test_patrol_sheet_browser.py; these tests read the HTML.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import shapely

from hotspots.data import schema as S
from hotspots.present.patrol_sheet import SHEET_MAP_PX, patrol_sheet_html, sheet_rows

HOSTILE = [
    '<script>alert("x")</script>',
    'Tom & Jerry\'s "Bar"',
    "<img src=x onerror=alert(1)>",
]


class _Text(HTMLParser):
    """Elements and text of a page, outside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


@pytest.fixture
def hostile_places(toy_hotspots):
    """Three places named with markup, quotes and ampersands; one of 3 records."""
    places = toy_hotspots.iloc[[0, 1, 1]].reset_index(drop=True)
    places[S.RANK] = [1, 2, 3]
    places[S.HOTSPOT_ID] = [1, 2, 3]
    places[S.NAME] = HOSTILE
    places[S.WARD_NAME] = ["East Ward", "West & <Ward>", None]
    places["cumulative_share"] = [0.4, 0.45, 0.5]
    return places.set_geometry(
        [shapely.Point(409000 + 200 * i, 91000).buffer(75) for i in range(3)],
        crs=S.CRS_METRES,
    )


def _sheet(places, toy_boundaries, **kw):
    args = {'start': "2024-01", 'end': "2024-03", 'categories': ["Anti-social behaviour"],
                'boundaries': toy_boundaries}  # fmt: skip
    return patrol_sheet_html(places, **{**args, **kw})


def test_hostile_place_names_are_text_never_markup(hostile_places, toy_boundaries):
    page = _sheet(hostile_places, toy_boundaries, title='Evening <b>"patrol"</b> & more')
    p = _Text()
    p.feed(page)
    # no element came from the data: the only <img> or <b> would be the hostile ones
    assert "img" not in p.tags
    body = page[page.index("<body>") : page.index("</body>")]
    assert '<script>alert("x")' not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
    assert "Tom &amp; Jerry&#39;s &#34;Bar&#34;" in body
    assert "West &amp; &lt;Ward&gt;" in body
    # the parsed text reads as the names were written
    for name in HOSTILE:
        assert name in p.text
    assert 'Evening <b>"patrol"</b> & more' in p.text  # the heading, as text
    assert "<title>Evening &lt;b&gt;&#34;patrol&#34;&lt;/b&gt; &amp; more</title>" in page


def test_sheet_rows_follow_rank_and_the_disclosure_rule(hostile_places):
    rows = sheet_rows(hostile_places.iloc[::-1], suppress_below=5)
    assert [r["rank"] for r in rows] == ["1", "2", "3"]
    assert [r["records"] for r in rows] == ["250", "<5", "<5"]
    assert [r["ward"] for r in rows] == ["East Ward", "West & <Ward>", "outside BCP"]
    assert [r["cumulative"] for r in rows][0].startswith("40")
    exact = sheet_rows(hostile_places, suppress_below=None)
    assert [r["records"] for r in exact] == ["250", "3", "3"]


def test_the_sheet_is_one_page_with_its_map_header_table_and_sizes(hostile_places, toy_boundaries):
    page = _sheet(hostile_places, toy_boundaries, simulated=True, suppress_below=5)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert page.count("<html") == 1 and page.count("<body>") == 1 and page.count("</html>") == 1
    # the folium map is inside the page: its div, and its script after the body
    div = re.search(r'<div class="folium-map" id="(map_[0-9a-f]+)"', page)
    assert div is not None and f"var {div[1]} = L.map(" in page
    assert page.index("</body>") < page.index(f"var {div[1]} = L.map(")
    # offline: nothing is loaded from elsewhere
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)
    mw, mh = SHEET_MAP_PX
    assert f"grid-template-columns: {mw}px 400px" in page and f"height: {mh}px !important" in page
    assert '<span class="ps-sim">SIMULATED DATA</span>' in page
    assert "Jan 2024 – Mar 2024" in page and "Anti-social behaviour" in page
    assert "&lt;5" in page  # 3 records, withheld
    assert page.count('<td class="rk">') == 3
    # the sheet's CSS comes after the map's own styles, so it overrides them
    head = page[: page.index("</head>")]
    assert head.index(".ps-head {") > head.index(".leaflet-container")


def test_long_lists_get_smaller_type(toy_hotspots, toy_boundaries):
    import pandas as pd

    many = pd.concat([toy_hotspots.iloc[[0]]] * 30, ignore_index=True)
    many[S.RANK] = range(1, 31)
    many[S.HOTSPOT_ID] = range(1, 31)
    page = _sheet(many.set_crs(S.CRS_METRES, allow_override=True), toy_boundaries)
    assert 'class="ps-places long"' in page and "font-size: 9px" in page
    short = _sheet(toy_hotspots, toy_boundaries)
    assert 'class="ps-places"' in short and "font-size: 11px" in short
