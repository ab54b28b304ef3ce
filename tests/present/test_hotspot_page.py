"""The Hotspot map page's view-model (``present/hotspot_page.py``), on the real bundled records.

What the page's AppTests checked through Streamlit, checked here on the pure function the
page only renders: the records sentence, the ranked table (children numbered "1.1" under
their parents, key columns first), the picker's labels, the change columns and the gone
hotspots, the downloads, and the disclosure rule (counts of 1-4 read "<5" for a viewer,
exactly for an analyst). The map's rank badges and the CLI's text table use the same
numbers as the table.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from hotspots.comparison.hotspot_trend import comparison_window, hotspot_changes
from hotspots.data import schema as S
from hotspots.present import hotspot_page as hp
from hotspots.present.map_hotspots import rank_labels
from hotspots.present.tables import TABLE_TOP_N
from hotspots.present.views import Filters, hotspot_view

DEFAULT = Filters("2024-01", "2024-03")
MARCH = Filters("2024-03", "2024-03")
WARD = "E05012653"  # Bournemouth Central: 2 records of possession of weapons in March 2024
SMALL = Filters("2024-03", "2024-03", ("Possession of weapons",), f"ward:{WARD}")


@pytest.fixture(scope="module")
def records():
    from hotspots.data.store import open_dataset

    return open_dataset("bundled").records()


def _view(records, f: Filters, method: str = "dbscan"):
    return hotspot_view(records, f, method=method, layers=("hotspots",))


@pytest.fixture(scope="module")
def default_view(records):
    return _view(records, DEFAULT)


@pytest.fixture(scope="module")
def march_view(records):
    return _view(records, MARCH)


def _changes(records, view, f: Filters, compare: str):
    return hotspot_changes(
        records, view.result, f.window, comparison_window(f.window, compare),
        categories=f.categories,
    )  # fmt: skip


def _count(records, f: Filters) -> int:
    r = records
    keep = (r[S.MONTH] >= f.start) & (r[S.MONTH] <= f.end) & r[S.CATEGORY].isin(f.categories)
    return int((keep & r[S.IN_BCP].astype(bool)).sum())


# ----------------------------------------------------------------------------- outputs


def test_records_line_counts_the_window(records, default_view):
    page = hp.hotspot_page(default_view, DEFAULT, dataset="bundled", changes=None, k=5)
    n = _count(records, DEFAULT)
    assert n == 9373
    assert page.records_line == (
        f"**{n:,} records** in BCP, "
        "Jan 2024 – Mar 2024; method: Clusters of busy map points (DBSCAN)."
    )
    assert page.parameters["method"] == "dbscan" and page.parameters["n_records"] == n
    assert page.empty is None


def test_ranked_table_nests_children_and_puts_key_columns_first(default_view):
    page = hp.hotspot_page(default_view, DEFAULT, dataset="bundled", changes=None, k=5)
    table = page.ranked.table
    assert list(table.columns)[:3] == ["Rank", "Name", "Records"]
    ranks = [str(r) for r in table["Rank"]]
    top = [r for r in ranks if "." not in r]
    assert top == [str(i) for i in range(1, len(top) + 1)] and len(top) <= TABLE_TOP_N
    # each child right under its parent, numbered within it
    children = [r for r in ranks if "." in r]
    assert children, "the bundled DBSCAN result has street-sized hotspots"
    for i, r in enumerate(ranks):
        if "." in r:
            parent, idx = r.split(".")
            prev = ranks[i - 1]
            assert prev == parent if idx == "1" else prev == f"{parent}.{int(idx) - 1}"
            assert table["Name"].iloc[i].startswith("└ ")
    # the picker lists the table's rows, in its order, with the same numbers and names
    labels = list(page.picker.values())
    assert len(labels) == len(table)
    assert [lb.split(". ")[0] for lb in labels] == ranks
    assert list(page.picker) == [int(h) for h in table["Hotspot ID"]]
    assert (
        sum(
            int(c.replace(",", ""))
            for c, r in zip(table["Records"], ranks, strict=True)
            if "." not in r
        )
        <= 9373
    )


def test_table_widths_keep_numbers_narrow(default_view):
    rt = hp.hotspot_page(default_view, DEFAULT, dataset="bundled", changes=None, k=5).ranked
    assert set(rt.widths) == set(rt.table.columns)
    # at 1366 px the table is ~900 px wide: rank, name, records, change and class fit in it
    key = ("Rank", "Name", "Records", "Change (95% interval)", "Class")
    assert sum(hp._WIDTHS[c] for c in key) <= 700
    assert rt.widths["Top categories"] == "large"


def test_compare_previous_adds_change_columns_after_the_key_columns(records, march_view):
    changes = _changes(records, march_view, MARCH, "previous")
    page = hp.hotspot_page(march_view, MARCH, dataset="bundled", changes=changes, k=5)
    table = page.ranked.table
    assert list(table.columns)[:6] == [
        "Rank", "Name", "Records", "Change (95% interval)", "Class", "Records Feb 2024",
    ]  # fmt: skip
    assert set(table["Class"]) <= {"new", "persistent", "growing", "shrinking", "too few to tell"}
    assert "persistent" in set(table["Class"])
    assert page.ranked.gone_title is not None
    assert page.ranked.gone_title.startswith("Gone since Feb 2024: ")
    assert {"Name", "Records then", "Class"} <= set(page.ranked.gone.columns)
    # the change of the row labelled 1 is the change of the rank-1 hotspot
    cur = changes.current.set_index(S.HOTSPOT_ID)
    first = int(table["Hotspot ID"].iloc[0])
    assert table["Class"].iloc[0] == (cur.at[first, "change_class"] or "")


def test_compare_with_no_data_then_leaves_class_blank(records, default_view):
    changes = _changes(records, default_view, DEFAULT, "year")
    page = hp.hotspot_page(default_view, DEFAULT, dataset="bundled", changes=changes, k=5)
    assert set(page.ranked.table["Class"]) == {""}
    assert page.ranked.change_note is not None and "has no data" in page.ranked.change_note
    assert page.ranked.gone_title is None


def test_downloads_are_the_one_exporter_with_the_page_settings(default_view):
    page = hp.hotspot_page(default_view, DEFAULT, dataset="bundled", changes=None, k=5)
    assert list(page.downloads) == ["csv", "geojson", "kml", "gpx", "csv-json"]
    assert page.downloads["csv"].name == "hotspots-dbscan.csv"
    meta = json.loads(page.downloads["csv-json"].text)
    text = json.dumps(meta)
    assert "2024-01..2024-03" in text and "bundled" in text


def test_methods_name_the_method_in_the_records_line(records):
    view = _view(records, MARCH, "kde")
    page = hp.hotspot_page(view, MARCH, dataset="bundled", changes=None, k=5)
    assert page.records_line.endswith("method: Densest areas (kernel density).")
    assert page.parameters["kernel"] == "quartic" and page.parameters["bandwidth_m"] > 0


def test_no_records_says_so(records):
    f = Filters("2024-03", "2024-03", ("Bicycle theft",), "ward:E05012649")
    page = hp.hotspot_page(_view(records, f), f, dataset="bundled", changes=None, k=5)
    assert page.records_line.startswith("**0 records**")
    assert page.picker == {} and page.empty and "No hotspots" in page.empty


# ----------------------------------------------------------------------------- disclosure


def test_viewer_sees_small_counts_withheld_and_analyst_exactly(records):
    view = _view(records, SMALL)
    assert view.n_records == 2
    viewer = hp.hotspot_page(view, SMALL, dataset="bundled", changes=None, k=5)
    analyst = hp.hotspot_page(view, SMALL, dataset="bundled", changes=None, k=None)
    assert viewer.records_line.startswith("**<5 records**")
    assert analyst.records_line.startswith("**2 records**")

    def counts(page) -> list[str]:
        return [str(c) for c in page.ranked.table.get("Records", pd.Series(dtype=str))]

    assert all(c == "<5" or int(c.replace(",", "")) >= 5 for c in counts(viewer))
    assert "<5" not in counts(analyst)
    shown = " ".join(viewer.notes) + viewer.ranked.table.to_string()
    assert not re.search(r"\b[1-4] records\b", shown)


# ----------------------------------------------------------------------------- one numbering


def test_map_badges_use_the_tables_numbers(default_view):
    page = hp.hotspot_page(default_view, DEFAULT, dataset="bundled", changes=None, k=5)
    badges = rank_labels(default_view.hotspots)
    table = page.ranked.table
    assert {
        int(h): str(r) for h, r in zip(table["Hotspot ID"], table["Rank"], strict=True)
    }.items() <= (badges.items())
    assert any("." in b for b in badges.values())


def test_permalink_params_carry_manual_values_only_when_manual():
    vals = {"eps": 200, "minpts": 10, "kernel": "quartic"}
    auto = hp.permalink_params("dbscan", ("hotspots",), False, "none", None, vals)
    assert auto == {"method": "dbscan", "layers": "hotspots", "manual": False, "compare": "none"}
    by_hand = hp.permalink_params("dbscan", ("density", "hotspots"), True, "previous", "area", vals)
    assert by_hand["eps"] == 200 and by_hand["giscope"] == "area"
    assert by_hand["layers"] == "density,hotspots" and by_hand["gicell"] is None


def test_map_numbers_read_as_whole_numbers_from_a_float_rank_column(default_view):
    """A change table's rank column is float (gone hotspots have none): "3", never "3.0"."""
    h = default_view.hotspots.head(3).copy()
    h[S.RANK] = h[S.RANK].astype(float)
    gone = h.head(1).assign(**{S.RANK: float("nan"), S.HOTSPOT_ID: 999})
    numbers = rank_labels(pd.concat([h, gone], ignore_index=True))
    assert 999 not in numbers
    assert all(not n.endswith(".0") for n in numbers.values()), numbers


def test_map_writes_numbers_on_the_top_districts_and_their_children(default_view):
    """The badges are the table's: the top districts (here 3) and the street-sized hotspots
    inside them, in the table's order, none of a fourth district's; the notes say so.
    """
    import folium

    from hotspots.present.map_elements import RankLabels
    from hotspots.present.map_hotspots import add_hotspots

    h = default_view.hotspots
    m = folium.Map()
    drawn = add_hotspots(m, h, max_labels=3)
    (layer,) = [c for c in m._children.values() if isinstance(c, RankLabels)]
    written = [a[2] for a in json.loads(layer.labels_js)]
    table = [n for n in rank_labels(h).values() if int(n.split(".")[0]) <= 3]
    assert written == table and any("." in n for n in written)
    assert any("street-sized ones inside them" in n for n in drawn.notes)
