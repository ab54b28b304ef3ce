"""The pack's HTML in Chromium: nothing fetched, and printing gives one A4 landscape page per panel."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
pypdf = pytest.importorskip("pypdf")


@pytest.fixture(scope="module")
def pack_html_file(tmp_path_factory):
    from hotspots.data.store import open_dataset
    from hotspots.present.pack import build_pack
    from hotspots.present.pack_html import pack_html

    pack = build_pack(open_dataset("bundled").records(), "2024-03", 1, "previous")
    path = tmp_path_factory.mktemp("pack") / "pack.html"
    path.write_text(pack_html(pack), encoding="utf-8")
    return path, pack.n_pages


def _pack_labels() -> list[str]:
    from hotspots.data.store import open_dataset
    from hotspots.present.pack import build_pack

    pack = build_pack(open_dataset("bundled").records(), "2024-03", 1, "previous")
    return [str(x) for x in pack.table["label"]]


def test_html_prints_one_a4_landscape_page_per_panel(browser, pack_html_file, tmp_path):
    path, n_pages = pack_html_file
    page = browser.new_page()
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(path.as_uri())
    assert [u for u in requested if not u.startswith("file:")] == []
    out = tmp_path / "printed.pdf"
    page.pdf(path=str(out), prefer_css_page_size=True, print_background=True)
    page.close()
    pages = pypdf.PdfReader(out).pages
    assert len(pages) == n_pages
    w, h = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert w == pytest.approx(842, abs=2) and h == pytest.approx(595, abs=2)  # A4 landscape, pt
    assert "Hotspots, Mar 2024" in pages[1].extract_text()
    # the map page names streets as text (italic labels from police.uk map points)
    assert "Road" in pages[1].extract_text()


def test_map_labels_never_overlap_and_name_the_streets(browser, pack_html_file):
    """The map page's rank numbers, street and place names, measured as Chromium draws them
    (bounding boxes of each label in page pixels, the inset's included): no two boxes
    overlap, and at least five streets are named as text in the street-scale inset.
    """
    path, _ = pack_html_file
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.goto(path.as_uri())
        boxes = page.eval_on_selector_all(
            "svg.packmap .lbl",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom, e.textContent, e.getAttribute('class')]; })",
        )
        r = page.locator("svg.packinset rect.frame").bounding_box()
        page_inset = (r["x"], r["y"], r["x"] + r["width"], r["y"] + r["height"])
    finally:
        page.close()
    kinds = {b[5] for b in boxes}
    assert {"lbl rank", "lbl street", "lbl place"} <= kinds
    frame = page_inset

    def in_inset(b):
        return frame[0] <= b[0] and b[2] <= frame[2] and frame[1] <= b[1] and b[3] <= frame[3]

    ranks = [b for b in boxes if b[5] == "lbl rank" and not in_inset(b)]
    # every listed hotspot numbered once on the main map, as the pack's table numbers it
    # ("1", "1.1": the dashboard's numbers); the inset repeats some
    assert sorted(b[4] for b in ranks) == sorted(_pack_labels())
    assert "1" in [b[4] for b in boxes if b[5] == "lbl rank" and in_inset(b)]
    assert len(ranks) >= 10
    clashes = [
        (a[4], b[4])
        for i, a in enumerate(boxes)
        for b in boxes[:i]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]
    assert clashes == []
    streets = [b[4] for b in boxes if b[5] == "lbl street"]
    assert len(streets) >= 5 and all(s.strip() for s in streets)
    # the street-scale inset of central Bournemouth names at least five streets itself,
    # inside its frame, as text Chromium draws
    inset = [b for b in boxes if b[5] == "lbl street" and in_inset(b)]
    assert len(inset) >= 5, inset
