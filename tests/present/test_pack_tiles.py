"""The pack's map page with a tile server (a local one), without one, and with one that fails."""

from __future__ import annotations

import dataclasses
import io

import pytest

from hotspots.present.map_assets import resolve_tiles
from hotspots.present.map_streets import NO_STREET_MAP
from hotspots.present.pack_draw import map_view
from hotspots.present.pack_html import pack_html
from hotspots.present.pack_pdf import pack_pdf
from hotspots.present.tiles import TileCache

pypdf = pytest.importorskip("pypdf")

KEY = "s3cret-KEY-42"
ATTR = "© Test Tiles & Co"


@pytest.fixture(scope="module")
def small_pack():
    from hotspots.data.store import open_dataset
    from hotspots.present.pack import build_pack

    recs = open_dataset("bundled").records()
    return build_pack(recs, "2024-03", 1, "previous", top=25, focus_areas=[], tiles="none")


def _map_page_text(pdf: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[1].extract_text()


def test_map_view_tiles_once_attributed_and_no_key(tile_server, small_pack, tmp_path):
    """The map page's tiles (map and inset) are fetched once and cached; the HTML and the
    PDF draw them under the vectors and print the attribution, and hold no key.
    """
    spec = resolve_tiles(tile_server.template, ATTR)
    cache = TileCache(tmp_path)
    view = map_view(small_pack, spec, cache=cache, api_key=KEY)
    assert view.background.ok and view.inset_background.ok and view.attribution == ATTR
    n = len(tile_server.requests)
    assert n == view.background.fetched + view.inset_background.fetched > 0
    pack = dataclasses.replace(small_pack, view=view)
    html = pack_html(pack)
    assert html.count('<image class="tiles"') == 2
    assert "Background map: © Test Tiles &amp; Co." in html and KEY not in html
    pdf = pack_pdf(pack)
    assert KEY.encode() not in pdf
    assert "Background map: © Test Tiles & Co." in _map_page_text(pdf)
    again = map_view(small_pack, spec, cache=cache, api_key=KEY)
    assert len(tile_server.requests) == n and again.background.fetched == 0
    assert again.inset_background.image == view.inset_background.image


@pytest.mark.slow
def test_tiles_fetched_once_at_pack_time_and_attributed(
    tile_server,
    small_pack,
    tmp_path,
    monkeypatch,
):
    """The setting (HOTSPOTS_TILES, its attribution and key) is read at pack time; the
    tiles are fetched once, cached, drawn under the vectors of the map and the inset,
    and the attribution is printed in the HTML and the PDF; the key is in neither.
    """
    from hotspots.data.store import open_dataset
    from hotspots.present.pack import build_pack

    monkeypatch.setenv("HOTSPOTS_TILES", tile_server.template)
    monkeypatch.setenv("HOTSPOTS_TILES_ATTRIBUTION", ATTR)
    monkeypatch.setenv("HOTSPOTS_TILES_KEY", KEY)
    monkeypatch.setenv("HOTSPOTS_TILE_CACHE", str(tmp_path / "cache"))
    recs = open_dataset("bundled").records()
    pack = build_pack(recs, "2024-03", 1, "previous", top=25, focus_areas=[])
    view = pack.view
    assert view.background.ok and view.inset is not None and view.inset_background.ok
    n = len(tile_server.requests)
    assert n == view.background.fetched + view.inset_background.fetched > 0
    html = pack_html(pack)
    assert html.count('<image class="tiles"') == 2  # under the map and under the inset
    assert "Background map: © Test Tiles &amp; Co." in html
    assert KEY not in html
    pdf = pack_pdf(pack)
    assert KEY.encode() not in pdf
    assert "Background map: © Test Tiles & Co." in _map_page_text(pdf)
    # the second pack of the same map asks the server for nothing
    again = map_view(pack)
    assert len(tile_server.requests) == n
    assert again.background.fetched == 0 and again.background.cached == view.background.fetched
    assert again.background.image == view.background.image


def test_failing_tile_server_falls_back_and_says_so(tile_server, small_pack, tmp_path):
    tile_server.fail = True
    spec = resolve_tiles(tile_server.template, ATTR)
    view = map_view(small_pack, spec, cache=TileCache(tmp_path), api_key=KEY)
    assert not view.background.ok
    pack = dataclasses.replace(small_pack, view=view)
    html = pack_html(pack)
    assert '<image class="tiles"' not in html
    assert "No background map: the tile server did not give" in html
    assert 'class="lbl street"' in html  # the offline street layer is drawn instead
    assert KEY not in html
    assert "No background map" in _map_page_text(pack_pdf(pack))


def test_no_tiles_and_no_streets_says_no_street_map(small_pack):
    pack = dataclasses.replace(small_pack, streets=None)
    html = pack_html(pack)
    assert NO_STREET_MAP in html.replace("&#39;", "'")
    assert NO_STREET_MAP in _map_page_text(pack_pdf(pack)).replace("\n", " ")


def test_no_tile_setting_means_no_tiles(small_pack, monkeypatch):
    monkeypatch.delenv("HOTSPOTS_TILES", raising=False)
    view = map_view(small_pack)
    assert view.background is None and view.attribution == ""
    html = pack_html(dataclasses.replace(small_pack, view=view))
    assert "No background map: drawn from the bundled boundaries" in html.replace("&#39;", "'")


def test_inset_is_central_bournemouth_at_street_scale(small_pack):
    """The inset is the cluster with most records (the town centre on the bundled data),
    about a kilometre across, and names at least five streets as text in both outputs.
    """
    view = small_pack.view
    assert view.inset is not None and 1 in view.inset_ranks
    x0, y0, x1, y1 = view.inset
    assert 900 <= x1 - x0 <= 1500 and x0 < 408_800 < x1 and y0 < 91_200 < y1  # the Square
    assert "Bournemouth town centre" in view.inset_name
    html = pack_html(small_pack)
    inset = html[html.index('<svg class="packinset"') :]
    assert inset.count('class="lbl street"') >= 5
    text = _map_page_text(pack_pdf(small_pack))
    assert sum(s in text for s in ("Old Christchurch Road", "Gervis Place", "Exeter Road",
                                   "Westover Road", "Post Office Road", "Richmond Hill")) >= 5  # fmt: skip


# --- the inset's helpers on toy inputs ------------------------------------------------
def test_densest_cluster_weighs_records():
    import numpy as np

    from hotspots.present.pack_draw import densest_cluster

    pts = np.array([[0, 0], [100, 0], [200, 0], [5000, 0], [5100, 0]], dtype=float)
    # by count: the three at the origin; by records: the two at 5 km (500 + 400 > 3 x 10)
    assert densest_cluster(pts, within_m=450).tolist() == [0, 1, 2]
    assert densest_cluster(pts, [10, 10, 10, 500, 400], within_m=450).tolist() == [3, 4]
    assert densest_cluster(np.empty((0, 2))).tolist() == []


def test_inset_box_takes_a_free_corner():
    import numpy as np

    from hotspots.present.pack_draw import inset_box

    bounds = (0.0, 0.0, 1000.0, 1000.0)  # drawn 1:1 in a 100 x 100 box (0.1 unit per m)
    side = 40.0
    assert inset_box(bounds, np.empty((0, 2)), 0, 0, 100, 100, side) == (60.0, 60.0)
    # a point in the bottom right (x 900 m, y 100 m): the bottom left is next
    assert inset_box(bounds, np.array([[900.0, 100.0]]), 0, 0, 100, 100, side) == (0.0, 60.0)
    every = np.array([[100.0, 100.0], [900.0, 100.0], [100.0, 900.0], [900.0, 900.0]])
    assert inset_box(bounds, every, 0, 0, 100, 100, side) is None


def test_a_wards_pack_is_at_street_scale_and_names_its_streets():
    """A pack for one ward (Bournemouth Central, about 2.7 km across) needs no inset: its
    own map names the streets in view, in the HTML and the PDF.
    """
    from hotspots.data.store import open_dataset
    from hotspots.present.pack import build_pack

    recs = open_dataset("bundled").records()
    pack = build_pack(recs, "2024-03", 1, "previous", area="Bournemouth Central", top=5,
                      focus_areas=[], tiles="none")  # fmt: skip
    assert pack.view.inset is None
    html = pack_html(pack)
    assert html.count('class="lbl street"') >= 5 and "Old Christchurch Road" in html
    assert "Old Christchurch Road" in _map_page_text(pack_pdf(pack))
