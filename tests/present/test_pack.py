"""Pack helpers: labels, periods, focus areas, escaping and gaps in the trend chart."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest

from hotspots.comparison.windows import Window
from hotspots.data import schema as S
from hotspots.errors import FileReadError
from hotspots.present.pack import (
    FocusPanel,
    fmt_change,
    load_focus_areas,
    period_label,
    place_labels,
    runs_text,
)
from hotspots.present.pack_html import _trend_svg, pack_html


def test_period_and_runs():
    assert period_label(Window("2024-01", "2024-03")) == "Jan 2024 – Mar 2024"
    assert period_label(Window("2024-03", "2024-03")) == "Mar 2024"
    assert runs_text(["2024-02", "2018-10", "2024-01", "2018-11"]) == (
        "Oct 2018 – Nov 2018, Jan 2024 – Feb 2024"
    )
    assert fmt_change(31.25, 1.9, 69.4) == "+31% (+2% to +69%)"
    assert fmt_change(float("nan"), float("nan"), float("nan")) == "n/a"
    # small counts as counts, never "+1600% (+166% to +70946%)" (issue 19)
    assert fmt_change(1600.0, 166.0, 70946.0, 1, 17) == "from 1 to 17 records"
    assert fmt_change(50.0, -40.0, 200.0, 4, 6) == "from 4 to 6 records"
    assert fmt_change(31.25, 1.9, 69.4, 160, 210) == "+31% (+2% to +69%)"


def test_labels_never_overlap():
    pts = [(10.0, 10.0)] * 6 + [(11.0, 10.5), (50.0, 50.0)]
    out = place_labels(pts, 2.0)
    assert out[0] == (10.0, 10.0) and out[-1] == (50.0, 50.0)
    for i in range(len(out)):
        for j in range(i):
            assert math.dist(out[i], out[j]) >= 4.0 - 1e-9


def test_shipped_focus_areas_resolve(geodata_dir):
    from hotspots.data.areas import resolve_area

    fas = load_focus_areas()
    assert [f.name for f in fas] == [
        "Poole Bus Station",
        "Bournemouth Gardens and surrounds",
        "East Cliff & Springbourne",
    ]
    for f in fas:
        assert resolve_area(f.area).geometry.area > 0


def test_focus_area_file_errors(tmp_path):
    p = tmp_path / "f.toml"
    p.write_text('[[area]]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(FileReadError):
        load_focus_areas(p)
    p.write_text("[[area]\n", encoding="utf-8")
    with pytest.raises(FileReadError):
        load_focus_areas(p)


def test_trend_gaps_are_not_joined():
    trend = [("2023-12", 5), ("2024-01", None), ("2024-02", None), ("2024-03", 7), ("2024-04", 9)]
    svg = _trend_svg(trend)
    lines = re.findall(r'<polyline class="series" points="([^"]+)"', svg)
    assert [len(p.split()) for p in lines] == [1, 2]
    assert svg.count('fill="#eaeaea"') == 2


def test_every_data_string_is_escaped(bundled_pack_small):
    evil = "<script>alert(1)</script>"
    panel = FocusPanel(evil, "x", evil, evil, (("2024-03", 1),), 1, None, None, "", ((1, evil, "new"),),
                       ((evil, 1, 1.0),), ((evil, 1, 1.0),))  # fmt: skip
    pack = dataclasses.replace(bundled_pack_small, focus=(panel,), notes=(evil,))
    html = pack_html(pack)
    assert "<script" not in html and "&lt;script&gt;" in html


@pytest.fixture(scope="module")
def bundled_pack_small():
    from hotspots.data.store import open_dataset
    from hotspots.present.pack import build_pack

    recs = open_dataset("bundled").records()
    # exact counts (an analyst's pack): the tests below count records
    return build_pack(recs, "2019-02", 1, "previous", top=5, focus_areas=[], suppress_below=None)


def test_map_page_names_the_hotspots_streets(bundled_pack_small):
    """The PDF's and the HTML's map page write the streets of the hotspots as text."""
    import io

    from pypdf import PdfReader

    from hotspots.present.map_svg import hotspot_streets
    from hotspots.present.pack_pdf import pack_pdf

    pack = bundled_pack_small
    shown = pack.result.hotspots.iloc[: len(pack.table)]
    names = [n for n, _, _ in hotspot_streets(list(shown.geometry), pack.streets)]
    assert names
    text = PdfReader(io.BytesIO(pack_pdf(pack))).pages[1].extract_text()
    assert any(n in text for n in names), (names, text)
    html = pack_html(pack)
    assert any(f">{n}</text>" in html for n in names)


def test_one_count_per_hotspot_per_window(bundled_pack_small):
    """Issue 19: the table, the category mix and the change count the same records (those
    inside the outline); a method count that differs is explained in a footnote.
    """
    p = bundled_pack_small
    assert list(p.table["records_now"]) == list(p.mix["records"])
    cur = p.changes.current.iloc[: len(p.table)]
    assert list(p.table["records_now"]) == [int(v) for v in cur["count_now"]]
    differ = (
        p.result.hotspots[S.COUNT].iloc[: len(p.table)].to_numpy() != p.table["records_now"]
    ).sum()
    assert (differ > 0) == any("the method's own count" in c for c in p.caveats)
    # "gone" only when the fall is distinguishable from none; the rest are footnoted
    assert len(p.gone) == len(p.changes.gone)
    unclear = len(p.changes.former) - len(p.changes.gone)
    assert (unclear > 0) == any("not distinguishable from none" in c for c in p.caveats)
