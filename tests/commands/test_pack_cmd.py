"""``hotspots pack`` on the bundled data: PDF pages, numbered map, table names, offline HTML."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.data.select import filter_records
from hotspots.data.store import open_dataset
from hotspots.methods.detect import detect
from hotspots.present.pack import load_focus_areas
from hotspots.present.tables import nest_hotspots

pypdf = pytest.importorskip("pypdf")


def _render(tmp_path_factory, name, args):
    out = tmp_path_factory.mktemp(name)
    assert main(["pack", *args, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def year_pack(tmp_path_factory):
    return _render(
        tmp_path_factory,
        "year",
        ["--month", "2024-03", "--months", "3", "--compare", "year"],
    )


@pytest.fixture(scope="module")
def previous_pack(tmp_path_factory):
    return _render(
        tmp_path_factory,
        "prev",
        ["--month", "2024-03", "--months", "1", "--compare", "previous"],
    )


def _small_numbers(page) -> list[str]:
    """Text runs drawn in the map's rank discs (bold digits under 6 pt)."""
    runs: list[str] = []

    def visit(text, cm, tm, font, size):
        if re.fullmatch(r"\d+(\.\d+)?", text.strip()) and size and size * max(abs(tm[0]), 1e-9) < 6:
            runs.append(text.strip())

    page.extract_text(visitor_text=visit)
    return runs


def _top_names(window, k=25):
    recs = filter_records(open_dataset("bundled").records(), months=window)
    return list(detect(recs, "dbscan").hotspots["name"].iloc[:k])


def _top_labels(window, k=25):
    """The numbers the dashboard's table gives the top ``k`` hotspots by rank: "1", "1.1"
    for a street-sized hotspot inside district 1 (one number per hotspot everywhere).
    """
    recs = filter_records(open_dataset("bundled").records(), months=window)
    hs = detect(recs, "dbscan").hotspots
    nested = nest_hotspots(pd.DataFrame(hs.drop(columns="geometry")))
    by_rank = dict(zip(nested["rank"].astype(int), nested["label"], strict=True))
    return [by_rank[int(r)] for r in hs["rank"].iloc[:k]]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("which", ["year_pack", "previous_pack"])
def test_pdf_pages_map_numbers_and_table_names(which, request):
    out = request.getfixturevalue(which)
    reader = pypdf.PdfReader(out / "pack.pdf")
    n_focus = len(load_focus_areas())
    assert len(reader.pages) == 5 + n_focus
    window = ("2024-01", "2024-03") if which == "year_pack" else ("2024-03", "2024-03")
    names, labels = _top_names(window), _top_labels(window)
    assert any("." in lb for lb in labels)  # street-sized hotspots numbered as on the page
    # page 2 is the map: every hotspot's number drawn in a disc ("1", "1.1": the page's
    # numbers), and listed beside it; the inset of the densest cluster draws its own again
    drawn = Counter(_small_numbers(reader.pages[1]))
    assert set(drawn) == set(labels)
    assert set(drawn.values()) <= {1, 2} and drawn["1"] == 2
    key = reader.pages[1].extract_text()
    for lb in labels:
        assert f"{lb}. " in key
    # page 3 is the ranked table: the same names as detect() on the same inputs, in order
    table = _flat(reader.pages[2].extract_text())
    pos = [table.find(f"{lb} {n}") for lb, n in zip(labels, names, strict=True)]
    assert all(p >= 0 for p in pos), [n for n, p in zip(names, pos, strict=True) if p < 0]
    assert pos == sorted(pos)
    for i, page in enumerate(reader.pages[4 : 4 + n_focus]):
        assert load_focus_areas()[i].name in page.extract_text()


def test_year_comparison_without_data_is_said_and_still_renders(year_pack):
    reader = pypdf.PdfReader(year_pack / "pack.pdf")
    cover = _flat(reader.pages[0].extract_text())
    assert "Jan 2024 – Mar 2024" in cover
    assert "no data for the comparison period" in cover
    assert "not the force's own counts" in cover and "anonymised" in cover
    assert "Oct 2018 – Feb 2019, Jan 2024 – Mar 2024" in cover
    assert "/" not in cover.split("Data:")[1].split(",")[0]  # no server path for the version
    html = (year_pack / "pack.html").read_text(encoding="utf-8")
    assert "no data for the comparison period" in html


def test_previous_comparison_has_classes_and_gone(previous_pack):
    table = _flat(pypdf.PdfReader(previous_pack / "pack.pdf").pages[2].extract_text())
    assert "persistent" in table and "Gone:" in table
    assert re.search(r"[+-]\d+% \([+-]?\d+% to [+-]\d+%\)", table)


@pytest.mark.parametrize("which", ["year_pack", "previous_pack"])
def test_html_is_self_contained(which, request):
    html = (request.getfixturevalue(which) / "pack.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", html)
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert html.count("<section>") == 5 + len(load_focus_areas())
    assert "@page { size: A4 landscape" in html
    # the top 25, or all when the importance floor keeps fewer (24 for Jan-Mar, 19 for Mar 2024)
    window = ("2024-01", "2024-03") if which == "year_pack" else ("2024-03", "2024-03")
    labels = _top_labels(window)
    assert 15 <= len(labels) <= 25
    main, inset = html.split('<svg class="packinset"', 1)  # the inset repeats its ranks
    assert re.findall(r'class="lbl rank">.*?>([\d.]+)</text>', main) == labels
    assert "1" in re.findall(r'class="lbl rank">.*?>([\d.]+)</text>', inset)


def test_bad_arguments_are_refused(tmp_path, capsys):
    assert main(["pack", "--month", "2031-01", "--out", str(tmp_path)]) == 2
    assert "holds" in capsys.readouterr().err
    assert main(["pack", "--month", "2024-03", "--months", "20", "--out", str(tmp_path)]) == 2


def test_pack_without_month_opens_on_the_pages_default_window(tmp_path_factory):
    """Issue 19: with no --month the pack covers the window every page opens on."""
    from hotspots.comparison.windows import default_window

    out = _render(tmp_path_factory, "default", ["--compare", "none"])
    dw = default_window(open_dataset("bundled").months())
    html = (out / "pack.html").read_text(encoding="utf-8")
    assert dw.spec == "2024-01:2024-03" and "Period: Jan 2024 – Mar 2024 (3 months)." in html


@pytest.mark.slow
def test_pack_with_a_tile_server_fetches_once_and_says_so(tmp_path, capsys, monkeypatch):
    """``hotspots pack`` with HOTSPOTS_TILES set (a local tile server): the first run
    fetches the tiles, the second reads them all from the cache; stderr says which, and
    the key is neither printed nor written.
    """
    from tile_server import TileServer  # tests/tile_server.py

    srv = TileServer(key="s3cret-KEY-42")
    try:
        monkeypatch.setenv("HOTSPOTS_TILES", srv.template)
        monkeypatch.setenv("HOTSPOTS_TILES_ATTRIBUTION", "© Test Tiles")
        monkeypatch.setenv("HOTSPOTS_TILES_KEY", "s3cret-KEY-42")
        monkeypatch.setenv("HOTSPOTS_TILE_CACHE", str(tmp_path / "cache"))
        args = ["pack", "--month", "2024-03", "--top", "10"]
        assert main([*args, "--out", str(tmp_path / "a")]) == 0
        first = capsys.readouterr().err
        n = len(srv.requests)
        got = re.search(r"background map: (\d+) tiles fetched, 0 from the cache", first)
        assert got and 0 < int(got.group(1)) <= n  # the map's tiles (the inset's are more)
        assert main([*args, "--out", str(tmp_path / "b")]) == 0
        second = capsys.readouterr().err
        assert len(srv.requests) == n and "background map: 0 tiles fetched" in second
        assert "s3cret" not in first + second
        for f in ("a/pack.html", "a/pack.pdf"):
            assert b"s3cret" not in (tmp_path / f).read_bytes()
    finally:
        srv.close()
