"""End-to-end tests in Chromium: what AppTest cannot see (the map, clicks, downloads, escaping).

One ``streamlit run`` serves every test (see conftest.py); each test opens a fresh
browser context in which every request off this machine is aborted and recorded.
Expected counts come from plain pandas on the bundled store's records.
"""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pandas as pd
import pytest
from make_xss_data import N_XSS, XSS
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page, expect

from hotspots.data import schema as S

pytestmark = pytest.mark.browser

IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
POOLE_TOWN = "E05012674"
KDE_LABEL = "Densest areas (kernel density)"
# Opened at a page's own path (/Hotspot_map), Streamlit's frontend first probes
# /Hotspot_map/_stcore/health and /host-config, gets 404, then uses /_stcore/...
STREAMLIT_PROBE = re.compile(r"^\d+ https?://[^/]+/[^/]+/_stcore/(health|host-config)$")

_JS_HOTSPOTS = """() => {
    const out = [];
    window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.hotspot_id !== undefined) out.push(p);
    });
    return out;
}"""

# Zoom to one hotspot and return a point inside it (container pixels): the inside
# point of a grid over its bounds that is nearest the centre of the bounds.
_JS_POINT_IN_HOTSPOT = """(id) => {
    let layer = null;
    let all = [];
    window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.hotspot_id !== undefined && l.getLatLngs) {
            if (p.hotspot_id === id) layer = l; else all.push(l);
        }
    });
    if (!layer) return null;
    // street-sized children (a higher level) are drawn over their district: avoid them
    const level = layer.feature.properties.level || 0;
    const others = all.filter(l => (l.feature.properties.level || 0) > level);
    window.map.fitBounds(layer.getBounds(), {animate: false, maxZoom: 17, padding: [40, 40]});
    function ringsOf(l) {
        const rings = [];
        (function flat(a) {
            if (a.length && a[0].lat !== undefined) { rings.push(a); return; }
            a.forEach(flat);
        })(l.getLatLngs());
        return rings;
    }
    const rings = ringsOf(layer);
    const otherRings = others.map(ringsOf);
    function inside(lat, lng) {
        return insideRings(rings, lat, lng) && !otherRings.some(r => insideRings(r, lat, lng));
    }
    function insideRings(rings, lat, lng) {
        let c = false;
        for (const r of rings) {
            for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
                const a = r[i], b = r[j];
                if ((a.lat > lat) !== (b.lat > lat) &&
                    lng < (b.lng - a.lng) * (lat - a.lat) / (b.lat - a.lat) + a.lng) c = !c;
            }
        }
        return c;
    }
    const b = layer.getBounds(), n = 40;
    const clat = (b.getNorth() + b.getSouth()) / 2, clng = (b.getEast() + b.getWest()) / 2;
    let best = null, bestD = Infinity;
    for (let i = 1; i < n; i++) for (let j = 1; j < n; j++) {
        const lat = b.getSouth() + (b.getNorth() - b.getSouth()) * i / n;
        const lng = b.getWest() + (b.getEast() - b.getWest()) * j / n;
        if (!inside(lat, lng)) continue;
        const d = (lat - clat) ** 2 + (lng - clng) ** 2;
        if (d < bestD) { bestD = d; best = [lat, lng]; }
    }
    if (!best) return null;
    const pt = window.map.latLngToContainerPoint(best);
    return {x: pt.x, y: pt.y};
}"""

# Pixels of the vector canvas that are drawn on (not transparent).
_JS_CANVAS_INK = """() => {
    let ink = 0;
    document.querySelectorAll('.leaflet-overlay-pane canvas').forEach(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
    });
    return ink;
}"""


# --- helpers -------------------------------------------------------------------------------------


def open_app(page: Page, path: str = "", **query: str) -> None:
    """Open a page of the app (``path`` as in the sidebar's links) and wait for its first run."""
    url = f"{page.app_url}/{path}" + ("?" + urlencode(query) if query else "")
    page.goto(url)
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state",
        "notRunning",
        timeout=180_000,
    )


def map_frame(page: Page, timeout_s: float = 60) -> Frame:
    """The map's iframe, once Leaflet has drawn the map in it and the frame has settled.

    A rerun can replace or reload the component's iframe (it is often loaded twice
    on a page's first run), so a frame counts as ready only when a marker left in
    its document is still there a second later. A map script that throws never
    sets ``window.map`` and leaves the iframe 0 px high.
    """
    loc = page.locator(IFRAME)
    deadline = time.monotonic() + timeout_s
    last = "no map iframe"
    while time.monotonic() < deadline:
        try:
            if loc.count() == 1:
                frame = loc.element_handle(timeout=5_000).content_frame()
                ready = frame is not None and frame.evaluate(
                    "() => !!(window.map && window.map._loaded) && (window.__hsProbe = (window.__hsProbe || 0) + 1)",
                )
                box = loc.bounding_box()
                last = f"map ready: {bool(ready)}, iframe box: {box}"
                if ready and box and box["height"] > 0:
                    page.wait_for_timeout(1_000)
                    if frame.evaluate("(n) => window.__hsProbe === n && !!window.map", ready):
                        return frame
                    last = "the map's iframe was reloaded"
        except PlaywrightError as exc:  # the iframe was replaced while we looked
            last = str(exc).splitlines()[0]
        page.wait_for_timeout(250)
    raise AssertionError(f"the map was not drawn within {timeout_s} s ({last})")


def records_text(page: Page):
    """The "N records" line above the map."""
    return page.locator("strong", has_text=re.compile(r"^[\d,]+ records$")).first


def details_heading(page: Page):
    """The heading of the hotspot details panel (a markdown h3; st.subheader is an h3 too)."""
    return page.get_by_test_id("stMarkdown").locator("h3").first


def click_hotspot(page: Page, frame: Frame, hotspot_id: int) -> None:
    """Zoom the map to a hotspot and click inside it with the mouse."""
    frame_el = page.locator(IFRAME)
    frame_el.scroll_into_view_if_needed()
    box = frame_el.bounding_box()
    pt = frame.evaluate(_JS_POINT_IN_HOTSPOT, hotspot_id)
    assert pt is not None, f"no point inside hotspot {hotspot_id}"
    page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])


def combobox(page: Page, label: str):
    """A selectbox by its label (Streamlit draws it as a combobox whose input holds the choice)."""
    return page.get_by_role("combobox", name=label, exact=True)


def assert_clean(log, *, allow_console: tuple[str, ...] = ()) -> None:
    """Nothing went off-machine, no local request failed, no script error, no dialog."""
    assert log.blocked == [], f"off-machine requests: {log.blocked}"
    assert log.real_failures() == [], f"failed requests: {log.failed}"
    unexpected = [e for e in log.http_errors if not STREAMLIT_PROBE.match(e)]
    assert unexpected == [], f"HTTP errors: {unexpected}"
    assert log.page_errors == [], f"uncaught script errors: {log.page_errors}"
    console = [
        e for e in log.console_errors
        if not (e.startswith("Failed to load resource: the server responded with a status of 404")
                and "/_stcore/" in e)
        and not any(a in e for a in allow_console)
    ]  # fmt: skip
    assert console == [], f"console errors: {console}"
    assert log.dialogs == [], f"dialogs: {log.dialogs}"


@pytest.fixture(scope="module")
def bundled_counts() -> dict[str, int]:
    from hotspots.data.store import open_dataset

    r = open_dataset("bundled").records()
    bcp = r[r[S.IN_BCP]]
    q1 = bcp[bcp[S.MONTH].between("2024-01", "2024-03")]
    feb_mar = bcp[bcp[S.MONTH].between("2024-02", "2024-03")]
    return {
        "q1": len(q1),
        "q1_asb": int((q1[S.CATEGORY] == S.ASB).sum()),
        "mar_asb": int(((q1[S.MONTH] == "2024-03") & (q1[S.CATEGORY] == S.ASB)).sum()),
        "feb_mar_asb": int(
            (q1[S.MONTH].isin(["2024-02", "2024-03"]) & (q1[S.CATEGORY] == S.ASB)).sum(),
        ),
        "permalink": int(
            (
                (feb_mar[S.CATEGORY] == S.ASB) & (feb_mar[S.WARD_CODE].fillna("") == POOLE_TOWN)
            ).sum(),
        ),
    }


# --- tests ---------------------------------------------------------------------------------------


def _map_draws_offline(page, page_log, bundled_counts) -> Frame:
    expect(records_text(page)).to_have_text(f"{bundled_counts['q1']:,} records")
    frame = map_frame(page)
    expect(frame.locator(".leaflet-container")).to_be_visible()
    expect(frame.locator(".leaflet-control-zoom")).to_be_visible()
    expect(frame.locator(".hs-legend")).to_contain_text(
        "Hotspot (number = rank; click for details)",
    )
    expect(frame.locator("img.leaflet-image-layer")).to_have_count(1)  # the density surface
    # prefer_canvas: the outline, wards, locations and hotspots are drawn on one canvas
    assert frame.locator(".leaflet-overlay-pane canvas").count() >= 1
    assert frame.evaluate(_JS_CANVAS_INK) > 5_000
    # one map feature per row of the ranked table
    hotspots = frame.evaluate(_JS_HOTSPOTS)
    grid = page.get_by_test_id("stDataFrame").first.locator("table[role=grid]")
    assert len(hotspots) == int(grid.get_attribute("aria-rowcount")) - 1 > 0
    assert sorted(h["rank"] for h in hotspots) == list(range(1, len(hotspots) + 1))
    # everything came from this server; the vendored Leaflet arrived
    vendor = page_log.vendor_requests()
    assert any(u.endswith("/app/static/vendor/leaflet-1.9.4/leaflet.js") for u in vendor), vendor
    assert any(u.endswith("/app/static/vendor/leaflet-1.9.4/leaflet.css") for u in vendor), vendor
    return frame


def _rank_numbers_without_hovering_and_fullscreen(frame) -> None:
    labels = frame.locator(".leaflet-tooltip.hs-rank")
    expect(labels.first).to_be_visible()  # no hover: permanent labels
    texts = labels.all_inner_texts()
    numbers = sorted(int(t) for t in texts if "." not in t)
    assert numbers[:3] == [1, 2, 3] and len(numbers) <= 26
    # street-sized hotspots read as the table numbers them: "1.1", "1.2" inside district 1
    children = [t for t in texts if "." in t]
    assert "1.1" in children and all(int(c.split(".")[0]) in numbers for c in children)
    button = frame.locator("a.leaflet-fullscreen-icon, .leaflet-control-fullscreen a").first
    expect(button).to_be_visible()
    before = frame.evaluate("() => window.map.getSize().x")
    button.click()
    frame.wait_for_function("() => window.map._isFullscreen === true", timeout=10_000)
    expect(button).to_have_class(re.compile("leaflet-fullscreen-on"))
    # the map now fills the screen (the Fullscreen API, or the plugin's pseudo-fullscreen)
    frame.wait_for_function(f"() => window.map.getSize().x > {before}", timeout=10_000)
    button.click()
    frame.wait_for_function("() => window.map._isFullscreen === false", timeout=10_000)


def _csv_download(page) -> None:
    grid = page.get_by_test_id("stDataFrame").first.locator("table[role=grid]")
    n_rows = int(grid.get_attribute("aria-rowcount")) - 1
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    dl = info.value
    assert dl.suggested_filename == "hotspots-dbscan.csv"
    # the CSV opens with pandas' defaults; its parameters come in the companion JSON
    table = pd.read_csv(dl.path())
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV settings (JSON)").click()
    meta = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert meta["parameters"]["method"] == "dbscan"
    assert meta["parameters"]["months"] == "2024-01..2024-03"
    assert len(table) == n_rows > 0
    assert list(table[S.RANK]) == list(range(1, n_rows + 1))
    # districts ranked by records; street-sized hotspots (level 1) rank after them
    assert table.loc[table["level"] == 0, S.COUNT].is_monotonic_decreasing
    assert (table["parent"].dropna().isin(table[S.HOTSPOT_ID])).all()
    # a point inside each hotspot, in WGS84 degrees, inside BCP's bounding box
    assert table["lon"].between(-2.05, -1.65).all() and table["lat"].between(50.68, 50.81).all()


def _clicking_a_hotspot_shows_its_details(page, frame) -> None:
    hotspots = sorted(frame.evaluate(_JS_HOTSPOTS), key=lambda h: h["rank"])
    first = hotspots[0]
    # the next hotspot with no street-sized hotspot drawn over it (a district whose one
    # child covers nearly all of it leaves only slivers under the child's rank label)
    parents = {h.get("parent") for h in hotspots}
    second = next(h for h in hotspots[1:] if h["hotspot_id"] not in parents)
    expect(details_heading(page)).to_have_text(html.unescape(first["name"]))
    click_hotspot(page, frame, second["hotspot_id"])
    # the popup opens in the map, and the page's details panel follows the click
    expect(frame.locator(".leaflet-popup-content")).to_contain_text(
        f"Hotspot ID{second['hotspot_id']}",
    )
    expect(details_heading(page)).to_have_text(html.unescape(second["name"]), timeout=60_000)
    picker = combobox(page, "Hotspot details (or click one on the map)")
    expect(picker).to_have_value(f"{second['rank']}. {html.unescape(second['name'])}")


def test_hotspot_map_draws_offline_numbers_its_hotspots_downloads_and_follows_a_click(
    page,
    page_log,
    bundled_counts,
):
    """The Hotspot map's default view, opened once for four checks (each was a test of its
    own opening the same page): the map draws offline with one feature per table row; rank
    numbers show without hovering and the map goes full screen and back; the CSV download
    and its settings; then (last, as it changes the details panel) a click on a hotspot.
    """
    open_app(page, "Hotspot_map")
    frame = _map_draws_offline(page, page_log, bundled_counts)
    _rank_numbers_without_hovering_and_fullscreen(frame)
    _csv_download(page)
    _clicking_a_hotspot_shows_its_details(page, map_frame(page))  # (a download button reruns)
    assert_clean(page_log)


def test_asb_button_then_a_window_change_change_counts(page, page_log, bundled_counts):
    """One load of the Hotspot map (issue 20: these were two tests opening the same page):
    the sidebar's ASB button, then a window change, each changes the records counted.
    """
    open_app(page, "Hotspot_map")
    expect(records_text(page)).to_have_text(f"{bundled_counts['q1']:,} records")
    page.get_by_test_id("stSidebar").get_by_role("button", name="ASB", exact=True).click()
    expect(records_text(page)).to_have_text(f"{bundled_counts['q1_asb']:,} records", timeout=60_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert parse_qs(urlparse(page.url).query)["cats"] == ["asb"]
    combobox(page, "From").click()
    page.get_by_role("option", name="2024-03", exact=True).click()
    expect(records_text(page)).to_have_text(
        f"{bundled_counts['mar_asb']:,} records",
        timeout=60_000,
    )
    assert parse_qs(urlparse(page.url).query)["from"] == ["2024-03"]
    assert parse_qs(urlparse(page.url).query)["cats"] == ["asb"]  # the window keeps the choice
    map_frame(page)  # the map is drawn again for the new filters
    assert_clean(page_log)


def test_choices_follow_sidebar_navigation(page, page_log, bundled_counts):
    """Window and categories chosen on the Overview are where the Hotspot map starts."""
    open_app(page)
    combobox(page, "From").click()
    page.get_by_role("option", name="2024-02", exact=True).click()
    expect(combobox(page, "From")).to_have_value("2024-02")
    page.get_by_test_id("stSidebar").get_by_role("button", name="ASB", exact=True).click()
    expect(page.get_by_test_id("stMultiSelect").first.locator("[data-tag]")).to_have_text(
        ["Anti-social behaviour"],
    )
    expect(page).to_have_url(re.compile(r"[?&]cats=asb(&|$)"))
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Hotspot map").click()
    expect(page.get_by_role("heading", name="Hotspot map")).to_be_visible()
    expect(records_text(page)).to_be_visible(timeout=60_000)
    expect(combobox(page, "From")).to_have_value("2024-02")
    # the Overview opens on the one default window (Jan–Mar 2024): "To" stays March
    expect(combobox(page, "To")).to_have_value("2024-03")
    cats = page.get_by_test_id("stMultiSelect").filter(has=combobox(page, "Categories"))
    expect(cats.locator("[data-tag]")).to_have_text(["Anti-social behaviour"])
    expect(records_text(page)).to_have_text(f"{bundled_counts['feb_mar_asb']:,} records")
    assert_clean(page_log)


def test_permalink_restores_state(page, page_log, bundled_counts):
    query = {
        "from": "2024-02",
        "to": "2024-03",
        "cats": "asb",
        "area": f"ward:{POOLE_TOWN}",
        "method": "kde",
    }
    open_app(page, "Hotspot_map", **query)
    expect(combobox(page, "From")).to_have_value("2024-02")
    expect(combobox(page, "To")).to_have_value("2024-03")
    cats = page.get_by_test_id("stMultiSelect").filter(has=combobox(page, "Categories"))
    tags = cats.locator("[data-tag]")  # the chosen values
    expect(tags).to_have_count(1)
    expect(tags).to_have_text("Anti-social behaviour")
    expect(combobox(page, "Area")).to_have_value("Ward: Poole Town")
    expect(page.get_by_role("radio", name=KDE_LABEL)).to_be_checked()
    expect(records_text(page)).to_have_text(f"{bundled_counts['permalink']:,} records")
    expect(page.get_by_text("method: Densest areas (kernel density)", exact=False)).to_be_visible()
    # the link the page shows is the link it was opened with (plus its defaults)
    got = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    assert {k: got.get(k) for k in query} == query
    map_frame(page)
    assert_clean(page_log)


def test_script_in_a_location_is_shown_as_text(page, page_log):
    """The uploaded dataset has N_XSS records at Poole Bus Station located at '<img src=x onerror=alert(1)>'."""
    open_app(
        page,
        "Hotspot_map",
        dataset="uploaded",
        layers="points,density,hotspots",  # locations are off by default
        **{"from": "2024-03", "to": "2024-03"},
    )
    frame = map_frame(page)
    hotspots = frame.evaluate(_JS_HOTSPOTS)
    # the street-sized hotspot at the bus station (inside the Poole town centre district)
    target = [h for h in hotspots if "Poole Bus Station" in html.unescape(h["name"])]
    assert len(target) == 1, [h["name"] for h in hotspots]
    name = html.unescape(target[0]["name"])
    # the location's marker: its tooltip shows the text, escaped in the HTML
    tip = frame.evaluate(
        """(needle) => {
            let shown = null;
            window.map.eachLayer(l => {
                const p = l.feature && l.feature.properties;
                if (p && typeof p.location === 'string' && p.location.indexOf(needle) >= 0) {
                    l.openTooltip();
                    const el = l.getTooltip().getElement();
                    shown = {text: el.textContent, html: el.innerHTML};
                }
            });
            return shown;
        }""",
        "img src=x",
    )
    assert tip is not None
    assert tip["text"] == f"{XSS}: {N_XSS} records"
    assert "&lt;img src=x onerror=alert(1)&gt;" in tip["html"]
    # the hotspot's popup (a real click) lists it as its top location, as text
    click_hotspot(page, frame, target[0]["hotspot_id"])
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(f"{XSS} ({N_XSS})")
    assert "&lt;img src=x onerror=alert(1)&gt;" in popup.inner_html()
    # the details panel follows the click; its top-locations table shows the text
    expect(details_heading(page)).to_have_text(name, timeout=60_000)
    # (the grid is drawn on a canvas; its accessible table holds the same cells as text)
    cells = page.get_by_test_id("stDataFrame").locator("td", has_text=XSS)
    expect(cells.first).to_be_attached()
    assert cells.first.text_content() == XSS
    assert "&lt;img src=x onerror=alert(1)&gt;" in cells.first.inner_html()
    # nothing ran: no <img src=x> anywhere, no dialog, no script error
    assert page.locator('img[src="x"]').count() == 0
    frame = map_frame(page)  # the map is drawn again around the chosen hotspot
    assert frame.locator('img[src="x"]').count() == 0
    page.wait_for_timeout(500)  # an onerror handler would have fired by now
    assert page_log.dialogs == []
    assert_clean(page_log)


def _map_draws(page: Page) -> Frame:
    """Leaflet in a sized frame: the page's first map has drawn (returns its frame)."""
    frame_el = page.locator(IFRAME).first
    expect(frame_el).to_be_visible(timeout=60_000)
    frame = map_frame(page)
    expect(frame.locator(".leaflet-container")).to_be_visible()
    assert frame_el.bounding_box()["height"] > 300
    return frame


@pytest.mark.parametrize("path", ["Ward_view", "Patrol_planning"], ids=lambda p: p.lower())
def test_every_page_map_draws(page, page_log, path):
    """The maps of the other pages draw too (not only the hotspot map): Leaflet in a sized
    frame, and no script error anywhere on the page (the Seasonal page's map: in
    ``test_seasonal_page_draws_its_change_map_then_a_dataset_switch_gives_no_bad_verdict``).
    """
    open_app(page, path)
    _map_draws(page)
    assert_clean(page_log)


_JS_CHANGE_CLASSES = """() => {
    const out = {};
    window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.change_class !== undefined && l.options) {
            (out[p.change_class] = out[p.change_class] || []).push(l.options.fillColor);
        }
    });
    return out;
}"""


def _wait_run(page: Page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state",
        "notRunning",
        timeout=180_000,
    )


def _pick(page: Page, label: str, option: str) -> None:
    """Choose in a selectbox by typing (long option lists are drawn only in part).

    Waits for the previous rerun first: while it runs, the old widget can still be in the
    page beside its replacement.
    """
    _wait_run(page)
    box = combobox(page, label)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    _wait_run(page)
    # a short rerun may never show as running in a busy browser: wait for the value itself;
    # until the rerun ends the old widget can still stand beside the new one (a fresh-clone
    # run found two "Before: from" boxes, both showing the choice), so the newest is read and
    # then the old one must go
    expect(combobox(page, label).last).to_have_value(option, timeout=60_000)
    expect(combobox(page, label)).to_have_count(1, timeout=60_000)


def test_seasonal_page_draws_its_change_map_then_a_dataset_switch_gives_no_bad_verdict(
    page,
    page_log,
):
    """One load of the Seasonal page (issue 20: one page load per page).

    Its map draws: Leaflet in a sized frame, and no script error anywhere on the page (a layer
    defined after the layer control once left this map empty).

    Issue 22 item 7: the change map draws the hotspots (over the whole comparison area, gone
    ones included) each in its class's colour, several classes, and the legend under it gives
    the number of hotspots per class.

    Switching dataset then resets the windows to the new data's default evaluation (never all
    to one month), and overlapping windows get a message, no verdict.
    """
    from hotspots.present.palettes import CHANGE_COLOURS
    from hotspots.ui.cache import DATASET_LABELS

    open_app(page, "Seasonal_comparison")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Jan–Feb 2019 → Jan–Feb 2024")).to_be_visible(timeout=60_000)
    heading = main.get_by_text("Hotspot change (DBSCAN, before vs after)")
    expect(heading).to_be_visible(timeout=60_000)
    frame = _map_draws(page)
    drawn = frame.evaluate(_JS_CHANGE_CLASSES)
    assert len(drawn) >= 2 and "gone" in drawn, drawn
    for cls, colours in drawn.items():
        assert set(colours) == {CHANGE_COLOURS[cls]}, cls
    legend = main.get_by_text(re.compile(r"Persistent: \d+ hotspots"))
    expect(legend).to_be_visible()
    n = {c: len(v) for c, v in drawn.items()}
    assert f"Persistent: {n['persistent']} hotspots" in legend.inner_text()
    assert_clean(page_log)

    _pick(page, "Dataset", DATASET_LABELS["simulated"])
    for label, value in (("Before: from", "2021-04"), ("Before: to", "2021-08"),
                         ("After: from", "2022-04"), ("After: to", "2022-08")):  # fmt: skip
        expect(combobox(page, label).last).to_have_value(value, timeout=60_000)
    expect(main.get_by_text("Apr–Aug 2021 → Apr–Aug 2022")).to_be_visible(timeout=60_000)
    expect(main.get_by_text("Effect vs control").first).to_be_visible()
    assert "no verdict" not in main.inner_text().lower()
    # overlapping windows: a clear message and no verdict
    _pick(page, "Before: from", "2022-04")
    _pick(page, "Before: to", "2022-06")
    expect(main.get_by_text("No verdict:").first).to_be_visible(timeout=60_000)
    assert "overlap" in main.inner_text()
    assert main.get_by_text("Effect vs control").count() == 0
    assert main.get_by_text("Net effect").count() == 0
    assert_clean(page_log)


def test_misspelt_ward_link_names_the_closest_ward(page, page_log):
    open_app(page, "Ward_view", ward="Pool Town")
    expect(page.get_by_text("Did you mean").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Poole Town").first).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    assert_clean(page_log)


@pytest.mark.parametrize(
    ("path", "query"),
    [("Seasonal_comparison", {"buffer": "-5"}), ("Hotspot_map", {"manual": "1", "eps": "5000"})],
)
def test_out_of_range_links_show_no_traceback(page, page_log, path, query):
    open_app(page, path, **query)
    expect(page.get_by_text("outside what this page allows").first).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in page.content()
    assert_clean(page_log)


def test_dataset_chosen_on_the_data_page_survives_every_page(page, page_log):
    open_app(page, "Data")
    _pick(page, "Dataset", "Uploaded data (Data page)")
    expect(page).to_have_url(re.compile(r"[?&]dataset=uploaded(&|$)"))
    nav = page.get_by_test_id("stSidebarNav")
    for name in (
        "Overview",
        "Hotspot map",
        "Seasonal comparison",
        "Ward view",
        "Patrol planning",
        "Data",
    ):
        nav.get_by_role("link", name=name).click()
        _wait_run(page)
        expect(combobox(page, "Dataset")).to_have_value("Uploaded data (Data page)", timeout=60_000)
        if name in ("Overview", "Hotspot map", "Ward view", "Patrol planning"):
            expect(page).to_have_url(re.compile(r"[?&]dataset=uploaded(&|$)"), timeout=60_000)
    assert_clean(page_log)
