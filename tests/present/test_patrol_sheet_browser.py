"""The patrol sheet printed by Chromium: one A4 landscape page with the numbers on it.

Builds the sheet from the bundled real months (top 50 and top 10 places, 150 m
cells), opens the file offline (file://), waits for Leaflet to draw, prints it with
``page.pdf(format="A4", landscape=True)`` and reads the PDF with pypdf.
"""

from __future__ import annotations

import io
import re

import pytest

from hotspots.data import schema as S
from hotspots.present.patrol_sheet import patrol_sheet_html
from hotspots.present.views import Filters, patrol_view

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def bundled_records():
    from hotspots.data.store import open_dataset

    return open_dataset("bundled").records()


@pytest.fixture(scope="module")
def bundled_streets(bundled_records):
    from hotspots.present.streets import build_streets

    return build_streets(bundled_records)


def _overlapping(boxes: list[dict]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[:i])
        if a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]
    ]  # fmt: skip


@pytest.mark.parametrize("top_n", [10, 25, 50])
def test_patrol_sheet_prints_on_one_a4_landscape_page(
    browser,
    bundled_records,
    bundled_streets,
    tmp_path,
    top_n,
):
    from pypdf import PdfReader

    f = Filters("2024-01", "2024-03")
    pv = patrol_view(bundled_records, f, top_n=top_n, cell_size_m=150.0)
    assert len(pv.places) == top_n
    path = tmp_path / "patrol-map.html"
    path.write_text(
        patrol_sheet_html(pv.places, start=f.start, end=f.end, categories=["Anti-social behaviour"],
                          area=pv.area, streets=bundled_streets),
        encoding="utf-8",
    )  # fmt: skip
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    outside: list[str] = []
    try:
        page = ctx.new_page()
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith("file:") else (
                outside.append(r.request.url), r.abort())[1],
        )  # fmt: skip
        page.goto(path.as_uri())
        page.locator(".leaflet-tooltip.hs-rank").first.wait_for(timeout=20_000)
        labels = page.locator(".leaflet-tooltip.hs-rank").all_inner_texts()
        page.screenshot(path=f"/tmp/maps-screens/patrol-sheet-{top_n}.png")
        # every place numbered on the map without hovering, each number once
        assert sorted(int(t) for t in labels) == list(range(1, top_n + 1))
        # every number is inside the map and none covers another (clumps spread out,
        # with leader lines to their places)
        frame = page.locator(".folium-map").bounding_box()
        boxes = [b for b in (el.bounding_box() for el in page.locator(".hs-rank").all()) if b]
        assert len(boxes) == top_n
        for b in boxes:
            assert frame["x"] <= b["x"] and b["x"] + b["width"] <= frame["x"] + frame["width"]
            assert frame["y"] <= b["y"] and b["y"] + b["height"] <= frame["y"] + frame["height"]
        assert _overlapping(boxes) == [], [(boxes[i], boxes[j]) for i, j in _overlapping(boxes)]
        # street names from the data's own location texts: on the map itself when it is
        # at street scale (10 places), else in an inset that draws the clump of places in
        # central Bournemouth again at street scale, in a corner where it hides no number
        inset = page.locator(".ps-inset")
        if top_n == 10:
            assert inset.count() == 0
            streets = page.locator(".hs-street").all_inner_texts()
        else:
            assert inset.count() == 1
            ib = inset.bounding_box()
            both = [ib, *boxes]
            assert _overlapping(both) == [], [(both[i], both[j]) for i, j in _overlapping(both)]
            assert frame["x"] <= ib["x"] and ib["x"] + ib["width"] <= frame["x"] + frame["width"]
            assert frame["y"] <= ib["y"] and ib["y"] + ib["height"] <= frame["y"] + frame["height"]
            inset_boxes = [
                b for b in (el.bounding_box() for el in inset.locator(".lbl").all()) if b
            ]
            assert inset.locator(".lbl.rank").count() >= 3
            assert _overlapping(inset_boxes) == [], [
                (inset_boxes[i], inset_boxes[j]) for i, j in _overlapping(inset_boxes)
            ]
            streets = inset.locator(".lbl.street").all_text_contents()
        assert len(set(streets)) >= 5, streets
        # every row of the table is inside its box (nothing cut off)
        box = page.locator(".ps-places").bounding_box()
        last_row = page.locator(".ps-places tbody tr").last.bounding_box()
        assert page.locator(".ps-places tbody tr").count() == top_n
        assert last_row["y"] + last_row["height"] <= box["y"] + box["height"] + 0.5
        # no zoom or layer control on the sheet
        assert page.locator(".leaflet-control-zoom, .leaflet-control-layers").count() == 0
        pdf = page.pdf(format="A4", landscape=True, print_background=True)
    finally:
        ctx.close()
    assert outside == []
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = reader.pages[0].extract_text()
    assert "Patrol places" in text and "Jan 2024 – Mar 2024" in text
    assert "Anti-social behaviour" in text
    # the table's ranks and names are on the page (the last place too: nothing cut off)
    last = pv.places.sort_values(S.RANK).iloc[-1]
    squeezed = "".join(text.split())  # names wrap inside their cells
    # (long lists cut names with "…" to keep one line a row)
    name = "".join(str(last[S.NAME]).split())
    assert (name if top_n <= 20 else name[:12]) in squeezed
    tokens = text.split()
    assert any(st in squeezed for st in ("".join(n.split()) for n in streets)), streets
    assert all(str(k) in tokens for k in range(1, top_n + 1))


def test_patrol_sheet_with_a_tile_server(
    browser,
    bundled_records,
    bundled_streets,
    tile_server,
    tmp_path,
    monkeypatch,
):
    """With a tile server set, the sheet draws its tiles under the map and the inset
    (fetched once: a second sheet asks the server for nothing), prints the provider's
    attribution on the map, keeps the API key out of the file and still prints on one
    page; with the server down it says so and draws the street layer.
    """
    from pypdf import PdfReader

    from hotspots.present.map_assets import resolve_tiles

    monkeypatch.setenv("HOTSPOTS_TILES_KEY", "s3cret-KEY-42")
    monkeypatch.setenv("HOTSPOTS_TILE_CACHE", str(tmp_path / "cache"))
    spec = resolve_tiles(tile_server.template, "© Test Tiles & Co")
    f = Filters("2024-01", "2024-03")
    pv = patrol_view(bundled_records, f, top_n=25, cell_size_m=150.0)

    def sheet() -> str:
        return patrol_sheet_html(pv.places, start=f.start, end=f.end, categories=["Anti-social behaviour"],
                                 area=pv.area, streets=bundled_streets, tiles=spec)  # fmt: skip

    html = sheet()
    n = len(tile_server.requests)
    assert n > 0 and "Background map: \u00a9 Test Tiles &amp; Co" in html
    assert "s3cret-KEY-42" not in html and f":{tile_server.port}" not in html
    assert html.count('<image class="tiles"') == 1  # under the inset
    again = sheet()  # the same tiles, from the cache: zero requests
    assert len(tile_server.requests) == n
    assert re.findall(r"data:image/jpeg;base64,[^\"']+", again) == re.findall(
        r"data:image/jpeg;base64,[^\"']+",
        html,
    )
    # no street layer: the tiles are the street map; with neither, the map says so
    kw = {
        "start": f.start,
        "end": f.end,
        "categories": ["Anti-social behaviour"],
        "area": pv.area,
        "streets": None,
    }
    assert "No street map available" not in patrol_sheet_html(pv.places, tiles=spec, **kw)
    assert "No street map available" in patrol_sheet_html(pv.places, tiles="none", **kw)
    path = tmp_path / "sheet.html"
    path.write_text(html, encoding="utf-8")
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    outside: list[str] = []
    try:
        page = ctx.new_page()
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else (
                outside.append(r.request.url), r.abort())[1],
        )  # fmt: skip
        page.goto(path.as_uri())
        page.locator(".leaflet-tooltip.hs-rank").first.wait_for(timeout=20_000)
        img = page.locator(".leaflet-tile-pane img.leaflet-image-layer")
        assert img.count() == 1
        assert img.evaluate("e => e.complete && e.naturalWidth") > 0
        # the picture covers the whole map
        frame = page.locator(".folium-map").bounding_box()
        ib = img.bounding_box()
        assert ib["x"] <= frame["x"] and ib["y"] <= frame["y"]
        assert ib["x"] + ib["width"] >= frame["x"] + frame["width"]
        assert ib["y"] + ib["height"] >= frame["y"] + frame["height"]
        att = page.locator(".leaflet-control-attribution")
        assert "Background map: © Test Tiles & Co" in att.inner_text()
        ab = att.bounding_box()
        assert frame["y"] <= ab["y"] and ab["y"] + ab["height"] <= frame["y"] + frame["height"]
        pdf = page.pdf(format="A4", landscape=True, print_background=True)
    finally:
        ctx.close()
    assert outside == []
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "Background map: © Test Tiles & Co" in reader.pages[0].extract_text()
    # the server down: no picture, a note, the streets still drawn
    tile_server.fail = True
    monkeypatch.setenv("HOTSPOTS_TILE_CACHE", str(tmp_path / "cache2"))
    down = sheet()
    assert "data:image/jpeg" not in down and '<image class="tiles"' not in down
    assert "No background map: the tile server did not give" in down
    assert 'class="lbl street"' in down
