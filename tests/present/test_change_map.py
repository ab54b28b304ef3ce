"""The Seasonal change map: hotspots coloured by their change class (issue 22 item 7).

Toy tables with the columns of :data:`hotspots.comparison.hotspot_trend.CHANGE_COLUMNS`
(the classes written out), drawn on :func:`build_map`'s offline base.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import shapely

from hotspots.comparison.hotspot_trend import CHANGE_COLUMNS
from hotspots.data import schema as S
from hotspots.present import palettes as P
from hotspots.present.change_map import (
    add_change_layer,
    change_extent,
    change_legend,
    change_map,
    change_says_something,
    change_tooltip,
    classed_hotspots,
    legend_html,
)
from hotspots.present.maps import build_map, map_html

X0, Y0 = 408_000, 91_000  # central Bournemouth, metres


def changes(classes, counts=None, names=None):
    """A per-hotspot change table: one 100 m square per class, side by side; a "gone"
    row has no current rank.
    """
    n = len(classes)
    counts = counts or [(20, 30)] * n
    names = names or [f"Place {i}" for i in range(n)]
    rows = []
    for i, (cls, (then, now)) in enumerate(zip(classes, counts, strict=True)):
        gone = cls == "gone"
        rows.append(
            {
                S.HOTSPOT_ID: pd.NA if gone else i + 1,
                S.RANK: pd.NA if gone else i + 1,
                S.NAME: names[i],
                S.WARD_NAME: "Bournemouth Central",
                S.COUNT: pd.NA if gone else now,
                "count_now": now,
                "count_then": then,
                "months_now": 2,
                "months_then": 2,
                "change_pct": 100.0 * (now - then) / then if then else float("nan"),
                "change_ci_low": float("nan"),
                "change_ci_high": float("nan"),
                "p_value": float("nan"),
                "interval_basis": "x",
                "change_class": cls,
                "rank_then": i + 1 if cls != "new" else pd.NA,
                "geometry": shapely.box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 100),
            },
        )
    df = pd.DataFrame(rows, columns=CHANGE_COLUMNS).astype(
        {S.RANK: "Int64", "rank_then": "Int64", "change_class": "string"},
    )
    return gpd.GeoDataFrame(df, geometry="geometry", crs=S.CRS_METRES)


# --- inputs: which rows are classed -------------------------------------------------------------
def test_rows_without_a_class_or_outline_are_left_out():
    t = changes(["new", "persistent", "gone"])
    t.loc[1, "change_class"] = pd.NA  # the comparison period had no data
    t.loc[2, "geometry"] = None
    assert list(classed_hotspots(t)["change_class"]) == ["new"]
    assert len(classed_hotspots(changes([]))) == 0


# --- outputs: legend, fallback, extent ----------------------------------------------------------
def test_legend_counts_hotspots_per_class_in_palette_order():
    t = changes(["persistent", "new", "gone", "persistent", "too few to tell", "growing"])
    legend = change_legend(t)
    assert [(c.change_class, c.hotspots) for c in legend] == [
        ("new", 1), ("growing", 1), ("persistent", 2), ("gone", 1), ("too few to tell", 1),
    ]  # fmt: skip
    assert [c.colour for c in legend] == [P.CHANGE_COLOURS[c.change_class] for c in legend]
    html = legend_html(legend)
    assert "Persistent: 2 hotspots" in html and "New (not a hotspot before): 1 hotspot " in html
    assert html.count("aria-hidden='true'") == 5


def test_one_class_says_nothing_and_two_say_something():
    assert not change_says_something(changes(["persistent"] * 4))
    assert not change_says_something(changes([]))
    assert change_says_something(changes(["persistent", "shrinking"]))
    assert change_says_something(changes(["persistent", "gone"]))


def test_extent_covers_every_classed_hotspot_gone_ones_included():
    t = changes(["persistent", "new", "gone"])
    assert change_extent(t, margin_m=50) == (X0 - 50, Y0 - 50, X0 + 500 + 50, Y0 + 100 + 50)
    assert change_extent(changes([])) is None


def test_tooltip_escapes_names_and_withholds_small_counts():
    t = changes(["new", "gone"], counts=[(3, 40), (50, 0)],
                names=["<img src=x onerror=alert(1)>", "Old & Cold"])  # fmt: skip
    rows = t.drop(columns="geometry").to_dict("records")
    tip = change_tooltip(rows[0], 5)
    assert "<img" not in tip and "&lt;img src=x" in tip
    assert "&lt;5 records before, 40 after; change withheld" in tip
    assert "#1 " in tip and "New (not a hotspot before)" in tip
    exact = change_tooltip(rows[0], None)
    assert "3 records before, 40 after (+1233%)" in exact
    gone = change_tooltip(rows[1], 5)
    assert "Old &amp; Cold (#2 before)" in gone and "50 records before, 0 after (-100%)" in gone


def test_layer_is_defined_before_the_layer_control_lists_it_with_gone_dashed():
    m = add_change_layer(build_map(tiles="none"), changes(["persistent", "new", "gone"]))
    html = map_html(m)
    name = next(
        c.get_name()
        for c in m._children.values()
        if getattr(c, "layer_name", "") == "Hotspot change"
    )
    assert html.index(f"var {name} = ") < html.index(f'"Hotspot change" : {name}')
    for cls in ("persistent", "new", "gone"):
        assert P.CHANGE_COLOURS[cls] in html
    assert '"dashArray": "5 4"' in html or '"dashArray":"5 4"' in html


def test_no_classed_hotspot_adds_nothing():
    m = build_map(tiles="none")
    before = len(m._children)
    add_change_layer(m, changes([]))
    assert len(m._children) == before


def test_change_map_is_offline_and_fitted_to_the_hotspots():
    t = changes(["persistent", "shrinking", "gone"], names=["A", "B", "<b>C</b>"])
    html = map_html(change_map(t, suppress_below=5, tiles="none"))
    assert "tile.openstreetmap" not in html and "<b>C</b>" not in html
    assert not re.search(r"<script[^>]+src=.https?://", html)  # vendored Leaflet
    assert "&lt;b&gt;C&lt;/b&gt;" in html
