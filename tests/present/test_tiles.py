"""Background tiles for printed maps: fetched once from a local tile server, cached, lined up."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from hotspots.present.map_assets import resolve_tiles
from hotspots.present.map_geometry import TO_WGS84
from hotspots.present.tiles import (
    TileCache,
    choose_zoom,
    fetch_background,
    fit_extent,
    pack_tiles,
    plain_attribution,
    redact,
    tile_range,
)

KEY = "s3cret-KEY-42"
# about 1 km of central Bournemouth (the Square), EPSG:27700
CENTRAL = (408_300.0, 90_900.0, 409_300.0, 91_700.0)


def _spec(srv):
    return resolve_tiles(srv.template, "© Test Tiles & Co")


def _pixels(bg):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(bg.image)).convert("RGB")).astype(int)


# --- inputs ---------------------------------------------------------------------------
def test_pack_tiles_setting(monkeypatch):
    monkeypatch.delenv("HOTSPOTS_TILES", raising=False)
    assert pack_tiles().url is None  # printing never bulk-downloads OSM by default
    monkeypatch.setenv("HOTSPOTS_TILES", "https://t.example.org/{z}/{x}/{y}.png?key={key}")
    monkeypatch.setenv("HOTSPOTS_TILES_ATTRIBUTION", "© Council GIS")
    spec = pack_tiles()
    assert spec.url.endswith("key={key}") and plain_attribution(spec) == "© Council GIS"
    assert plain_attribution(resolve_tiles("osm")) == "© OpenStreetMap contributors"


def test_redact():
    assert redact("GET /a?key=ab%2Fc and ab/c", "ab/c") == "GET /a?key=*** and ***"
    assert redact("nothing", None) == "nothing"


def test_fit_extent_matches_the_box_aspect():
    x0, y0, x1, y1 = fit_extent((0.0, 0.0, 100.0, 50.0), 300, 300)
    assert (x0, x1) == (0.0, 100.0) and (y0, y1) == (-25.0, 75.0)


def test_zoom_fits_the_picture_and_the_tile_limit():
    bcp = (400_000.0, 86_000.0, 424_000.0, 100_000.0)
    z = choose_zoom(bcp, 1520, max_tiles=64)
    a, b, c, d = tile_range(bcp, z)
    assert (b - a + 1) * (d - c + 1) <= 64
    # one more zoom level would need more than 64 tiles
    a2, b2, c2, d2 = tile_range(bcp, z + 1)
    assert (b2 - a2 + 1) * (d2 - c2 + 1) > 64
    # street scale: tile pixels at least as fine as the picture's
    z = choose_zoom(CENTRAL, 600)
    lat = math.radians(50.72)
    assert 2 * math.pi * 6378137 * math.cos(lat) / (256 * 2**z) <= 1000 / 600


# --- outputs --------------------------------------------------------------------------
def test_fetched_once_then_read_from_the_cache(tile_server, tmp_path):
    cache = TileCache(tmp_path / "tiles")
    bg = fetch_background(_spec(tile_server), CENTRAL, (600, 480), cache=cache, api_key=KEY)
    assert bg.ok and bg.note == "" and bg.attribution == "© Test Tiles & Co"
    a, b, c, d = tile_range(CENTRAL, bg.zoom)
    n = (b - a + 1) * (d - c + 1)
    assert bg.fetched == n == len(tile_server.requests) and bg.cached == 0
    again = fetch_background(_spec(tile_server), CENTRAL, (600, 480), cache=cache, api_key=KEY)
    assert len(tile_server.requests) == n  # zero requests the second time
    assert again.fetched == 0 and again.cached == n and again.image == bg.image
    # the key is in no cached path and no file name
    assert all(KEY not in str(p) for p in (tmp_path / "tiles").rglob("*"))


def test_picture_lines_up_with_the_metres(tile_server, tmp_path):
    """The colour at a point of the picture is the colour of the tile holding that point
    (the mosaic is resampled from Web Mercator onto EPSG:27700).
    """
    cache = TileCache(tmp_path / "tiles")
    bg = fetch_background(
        _spec(tile_server),
        CENTRAL,
        (500, 400),
        cache=cache,
        api_key=KEY,
        wash=0.0,
    )
    px = _pixels(bg)
    x0, y0, x1, y1 = CENTRAL
    n = 2**bg.zoom
    checked = 0
    for fx in np.linspace(0.05, 0.95, 7):
        for fy in np.linspace(0.05, 0.95, 7):
            x, y = x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)
            lon, lat = TO_WGS84.transform(x, y)
            tx = (lon + 180) / 360 * n
            r = math.radians(lat)
            ty = (1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n
            if min(tx % 1, 1 - tx % 1, ty % 1, 1 - ty % 1) < 0.05:
                continue  # too near a tile edge (bilinear blend)
            col = int(fx * 500)
            row = int((1 - fy) * 400)
            want = tile_server.colour(bg.zoom, int(tx), int(ty))
            assert np.abs(px[row, col] - np.array(want)).max() <= 6, (x, y)
            checked += 1
    assert checked >= 20


def test_failing_server_gives_a_note_and_no_picture(tile_server, tmp_path):
    tile_server.fail = True
    bg = fetch_background(
        _spec(tile_server),
        CENTRAL,
        (600, 480),
        cache=TileCache(tmp_path),
        api_key=KEY,
    )
    assert not bg.ok and "tile server" in bg.note and "500" in bg.note
    assert len(tile_server.requests) == 1  # a server that is down is asked once
    assert KEY not in bg.note


def test_wrong_key_and_missing_key(tile_server, tmp_path, caplog):
    bg = fetch_background(
        _spec(tile_server),
        CENTRAL,
        (600, 480),
        cache=TileCache(tmp_path),
        api_key="wrong-key-9",
    )
    assert not bg.ok and "403" in bg.note and "wrong-key-9" not in bg.note
    assert "wrong-key-9" not in caplog.text and "403" in caplog.text
    bg = fetch_background(
        _spec(tile_server),
        CENTRAL,
        (600, 480),
        cache=TileCache(tmp_path),
        api_key="",
    )
    assert not bg.ok and "HOTSPOTS_TILES_KEY" in bg.note


def test_unreachable_server(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens
    spec = resolve_tiles(f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png", "© X")
    bg = fetch_background(spec, CENTRAL, (300, 240), cache=TileCache(tmp_path), timeout_s=2)
    assert not bg.ok and "No background map" in bg.note


def test_no_tiles_setting_gives_no_picture_and_no_note():
    bg = fetch_background(resolve_tiles("none"), CENTRAL, (300, 240))
    assert not bg.ok and bg.note == ""


def test_cache_is_bounded(tmp_path):
    import os
    import time

    cache = TileCache(tmp_path, max_bytes=2500)
    for k in range(5):
        cache.put("http://t/{z}/{x}/{y}", 1, k, 0, bytes(1000))
        os.utime(cache.path("http://t/{z}/{x}/{y}", 1, k, 0), (time.time() + k, time.time() + k))
    assert cache.prune() == 3 and cache.size_bytes() == 2000
    # the most recently used stay
    assert cache.get("http://t/{z}/{x}/{y}", 1, 4, 0) is not None
    assert cache.get("http://t/{z}/{x}/{y}", 1, 0, 0) is None


@pytest.mark.parametrize("bad", ["ftp://x/{z}/{x}/{y}", "https://x/{z}/{x}.png"])
def test_bad_template_is_refused(bad):
    from hotspots.errors import InputError

    with pytest.raises(InputError):
        resolve_tiles(bad, "© X")


def test_leaflet_subdomain_and_retina_marks(tile_server, tmp_path):
    """A template written for Leaflet (``{s}``, ``{r}``) works for printing too."""
    template = tile_server.template.replace("/tiles/", "/tiles-{s}/").replace(".png", "{r}.png")
    bg = fetch_background(
        resolve_tiles(template, "© X"), CENTRAL, (300, 240), cache=TileCache(tmp_path),
        api_key=KEY,
    )  # fmt: skip
    assert bg.ok, bg.note
    assert all(p.startswith("/tiles-a/") and p.endswith(".png") for p in tile_server.requests)
