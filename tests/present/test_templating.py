"""HTML templates: shipped in the package, autoescape on, hostile text escaped in each."""

from __future__ import annotations

import dataclasses
from importlib.resources import files

import pytest

from hotspots.present import reports as R
from hotspots.present.templating import render, trusted

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'
TEMPLATES = ("pack.html.j2", "patrol_sheet.html.j2", "ward_report.html.j2")


def test_the_templates_are_package_data():
    folder = files("hotspots") / "templates"
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".j2")) == sorted(TEMPLATES)


def test_autoescape_is_on_and_only_trusted_markup_passes(tmp_path):
    from jinja2 import UndefinedError

    page = render(
        "ward_report.html.j2",
        r=R.WardReport(ward_name=EVIL, window=("2024-01", "2024-01"), generated="x"),
        css=trusted("b{}"), window=EVIL, previous_window="", n_months=1, total_line=EVIL,
        rows=[(EVIL, "1", "2", "3")], chart=trusted("<svg></svg>"), locations=[(EVIL, "<5")],
        hotspots=[(1, EVIL, "7")], notes=[EVIL],
    )  # fmt: skip
    assert "<script" not in page and "<img" not in page
    assert page.count("&lt;script&gt;") >= 6 and "<svg></svg>" in page and "&lt;5" in page
    with pytest.raises(UndefinedError):  # a missing value is an error, not an empty cell
        render("ward_report.html.j2", r=None)


def test_hostile_text_is_escaped_in_the_ward_report():
    rep = R.WardReport(
        ward_name=EVIL, window=("2024-01", "2024-02"), title=EVIL,
        categories=(R.CategoryRow(EVIL, 10, 12),), trend=(("2024-01", 6), ("2024-02", 4)),
        top_locations=((EVIL, 9),), hotspots=((1, EVIL, 9),), notes=(EVIL,), generated=EVIL,
    )  # fmt: skip
    page = R.ward_report_html(rep)
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page


@pytest.fixture(scope="module")
def small_pack():
    from hotspots.data.store import open_dataset
    from hotspots.present.pack import build_pack

    return build_pack(open_dataset("bundled").records(), "2019-02", 1, "previous", top=5,
                      focus_areas=[])  # fmt: skip


@pytest.mark.slow  # builds a real pack (DBSCAN, naming, changes): tens of seconds
def test_hostile_text_is_escaped_in_the_pack(small_pack):
    from hotspots.present.pack_html import pack_html

    table = small_pack.table.assign(name=EVIL, ward=EVIL)
    gone = small_pack.gone.assign(name=EVIL) if len(small_pack.gone) else small_pack.gone
    pack = dataclasses.replace(
        small_pack, title=EVIL, table=table, gone=gone, cover_lines=(EVIL,), caveats=(EVIL,),
        settings=((EVIL, EVIL),), notes=(EVIL,), mix=small_pack.mix.assign(categories=EVIL),
    )  # fmt: skip
    html = pack_html(pack)
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") >= 8
