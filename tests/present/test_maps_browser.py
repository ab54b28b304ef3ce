"""End-to-end: a map from build_map inside st_folium, in Chromium, with the internet cut off.

Checks what only a browser can: Leaflet loads from /app/static (the repository's
.streamlit/config.toml turns static serving on), the map draws with no request
leaving the machine, and clicking a hotspot gives its id back to the page through
``clicked_hotspot_id``. About 10 s; needs /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

APP = """
import geopandas as gpd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries
from hotspots.present.maps import build_map, clicked_hotspot_id

west, east = shapely.box(406000, 90000, 408000, 92000), shapely.box(408000, 90000, 410000, 92000)
wards = gpd.GeoDataFrame({S.WARD_CODE: ["A", "B"], S.WARD_NAME: ["West", "East"], S.TOWN: ["Poole", "Poole"]},
                         geometry=[west, east], crs=S.CRS_METRES)
empty = gpd.GeoDataFrame({"lsoa_code": [], "lsoa_name": []}, geometry=[], crs=S.CRS_METRES)
b = Boundaries(outline=shapely.union_all([west, east]), wards=wards, lsoa11=empty, lsoa21=empty, gazetteer=empty)
hotspots = gpd.GeoDataFrame(
    {S.HOTSPOT_ID: [11, 12], S.RANK: [1, 2], S.NAME: ["Lower Gardens", "<b>Quay</b>"], S.COUNT: [250, 40]},
    geometry=[shapely.Point(409000, 91000).buffer(400), shapely.Point(407000, 91000).buffer(400)],
    crs=S.CRS_METRES,
)
m = build_map(boundaries=b, hotspots=hotspots, tiles="none", height=500)
state = st_folium(m, height=500, width=700, returned_objects=["last_active_drawing"], key="map")
st.write(f"clicked={clicked_hotspot_id(state)}")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    d = tmp_path_factory.mktemp("map_app")
    (d / "static").symlink_to(REPO / "static")  # static/ sits next to the main script
    (d / "app.py").write_text(APP)
    port = _free_port()
    env = {**os.environ, "HOTSPOTS_TILES": "none"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(d / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=REPO,  # reads the repository's .streamlit/config.toml
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_map_works_offline_and_a_click_returns_the_hotspot_id(app_url, browser):
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    outside: list[str] = []
    vendor: dict[str, int] = {}
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        page = context.new_page()

        def offline(route):
            if route.request.url.startswith(app_url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", offline)
        page.on(
            "response",
            lambda r: (
                vendor.__setitem__(r.url, r.status)
                if "/app/static/vendor/" in r.url or "/app/static/js/" in r.url
                else None
            ),
        )
        page.goto(app_url)
        page.get_by_text("clicked=None").wait_for(timeout=60_000)
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
        frame.locator(".leaflet-container").wait_for(timeout=30_000)
        # the legend and the layer control are drawn; no tile was asked for
        frame.locator(".hs-legend").wait_for(timeout=10_000)
        assert frame.locator(".leaflet-control-layers").count() == 1
        iframe = page.locator('iframe[title="streamlit_folium.st_folium"]')
        map_frame = iframe.element_handle().content_frame()
        # wait until Streamlit has sized the iframe and Leaflet has finished fitting
        map_frame.wait_for_function("() => window.map && window.map.getSize().y > 400")
        page.wait_for_timeout(1000)
        clicked = False
        for _ in range(3):  # positions are read fresh each time: layout may still move
            xy = map_frame.evaluate(
                """() => { let c = null; window.map.eachLayer(l => {
                        if (l.feature && l.feature.properties.hotspot_id === 11) c = l.getCenter(); });
                    const p = window.map.latLngToContainerPoint(c); return [p.x, p.y]; }""",
            )
            box = iframe.bounding_box()
            page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
            try:
                page.get_by_text("clicked=11").wait_for(timeout=10_000)
                clicked = True
                break
            except PlaywrightTimeoutError:
                continue
        assert clicked, "clicking the hotspot did not return its id"
    finally:
        context.close()
    assert outside == []
    assert vendor and all(status == 200 for status in vendor.values())
    assert any(u.endswith("/leaflet-1.9.4/leaflet.js") for u in vendor)
    assert any(u.endswith("/app/static/js/hotspots-map.js") for u in vendor)  # our elements
