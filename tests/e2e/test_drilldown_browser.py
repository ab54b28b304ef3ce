"""Clicking a map point lists its records, and a street search zooms the map (in Chromium).

The Hotspot map with only the locations layer on (``?layers=points``): the busiest
location circle is clicked with the mouse; the page lists the records at that police.uk
map point (month, category, last outcome), as many as the circle's count.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_browser import IFRAME, assert_clean, map_frame, open_app

pytestmark = pytest.mark.browser

# the busiest location circle: zoom to it and return its container pixel and its count
_JS_BUSIEST = """() => {
    let best = null;
    window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.location !== undefined && l.getLatLng && (!best || p.count > best.p.count))
            best = {l: l, p: p};
    });
    if (!best) return null;
    window.map.setView(best.l.getLatLng(), 17, {animate: false});
    const pt = window.map.latLngToContainerPoint(best.l.getLatLng());
    return {x: pt.x, y: pt.y, count: best.p.count, location: best.p.location};
}"""


def test_clicking_a_map_point_lists_its_records(page, page_log):
    open_app(page, "Hotspot_map", layers="points")
    expect(page.locator(IFRAME)).to_be_visible(timeout=60_000)
    frame = map_frame(page)
    pt = frame.evaluate(_JS_BUSIEST)
    assert pt is not None and pt["count"] >= 5
    page.wait_for_timeout(500)
    frame_el = page.locator(IFRAME)
    frame_el.scroll_into_view_if_needed()
    box = frame_el.bounding_box()
    page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
    heading = page.locator("p", has_text="Records at this map point:")
    expect(heading).to_be_visible(timeout=60_000)
    expect(heading).to_contain_text(f"({pt['count']:,})")
    expect(heading).to_contain_text(pt["location"].split(" ")[-1])
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    assert_clean(page_log)
