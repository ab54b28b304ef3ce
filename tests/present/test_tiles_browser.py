"""The screen map with a tile server set: its tiles load in Chromium and the map shows the
same attribution the printed pack and patrol sheet print.
"""

from __future__ import annotations

import pytest

from hotspots.present import maps as M
from hotspots.present.map_assets import resolve_tiles
from hotspots.present.tiles import plain_attribution

pytestmark = pytest.mark.browser


def test_screen_map_shows_the_tiles_and_the_same_attribution(
    browser,
    tile_server,
    toy_boundaries,
    tmp_path,
    monkeypatch,
):
    monkeypatch.setenv("HOTSPOTS_TILES_KEY", "s3cret-KEY-42")
    spec = resolve_tiles(tile_server.template, "© Test Tiles & Co")
    m = M.build_map(boundaries=toy_boundaries, tiles=spec, height=400)
    path = tmp_path / "map.html"
    path.write_text(M.map_html(m, inline_assets=True), encoding="utf-8")
    page = browser.new_page(viewport={"width": 800, "height": 500})
    try:
        page.goto(path.as_uri())
        page.locator("img.leaflet-tile-loaded").first.wait_for(timeout=20_000)
        loaded = page.locator("img.leaflet-tile-loaded").count()
        shown = page.locator(".leaflet-control-attribution").inner_text()
    finally:
        page.close()
    # the tiles came from the server, asked with the key (it answers 403 without it)
    assert loaded > 0 and len(tile_server.requests) >= loaded
    # the attribution the pack prints (plain text) is the one the screen map shows
    assert plain_attribution(spec) == "© Test Tiles & Co"
    assert plain_attribution(spec) in shown
