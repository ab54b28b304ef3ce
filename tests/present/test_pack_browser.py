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
