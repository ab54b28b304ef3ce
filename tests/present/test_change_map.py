"""The hotspot-change layer added to a map from build_map."""

from __future__ import annotations

import geopandas as gpd
import shapely

from hotspots.data import schema as S
from hotspots.present.change_map import CHANGE_COLOURS, add_change_layer
from hotspots.present.maps import build_map, map_html


def _grid(labels):
    x0, y0 = 407_000, 91_000
    geoms = [
        shapely.box(x0 + 100 * i, y0, x0 + 100 * (i + 1), y0 + 100) for i in range(len(labels))
    ]
    return gpd.GeoDataFrame({"change": labels}, geometry=geoms, crs=S.CRS_METRES)


def test_change_layer_is_defined_before_the_layer_control_lists_it():
    m = add_change_layer(
        build_map(tiles="none"), _grid(["persistent", "emerging", "former", "none"])
    )
    html = map_html(m)
    name = next(c.get_name() for c in m._children.values() if c.__class__.__name__ == "GeoJson")
    defined = html.index(f"var {name} = ")
    listed = html.index(f'"Hotspot change" : {name}')
    assert defined < listed


def test_change_classes_are_merged_and_coloured_and_none_is_left_out():
    m = add_change_layer(build_map(tiles="none"), _grid(["persistent", "persistent", "none"]))
    html = map_html(m)
    assert CHANGE_COLOURS["persistent"] in html
    assert html.count('"change": "persistent"') == 1  # two cells, one merged feature
    assert '"change": "none"' not in html


def test_no_change_cells_adds_nothing():
    m = build_map(tiles="none")
    before = len(m._children)
    add_change_layer(m, _grid(["none", "none"]))
    assert len(m._children) == before


def test_one_class_says_nothing_and_extent_covers_every_classed_cell():
    from hotspots.present.change_map import change_extent, change_says_something

    solid = _grid(["persistent"] * 4 + ["none"])
    assert not change_says_something(solid)
    assert not change_says_something(_grid([]))
    mixed = _grid(["persistent", "none", "none", "emerging"])
    assert change_says_something(mixed)
    x0, y0, x1, y1 = change_extent(mixed, margin_m=50)
    assert (x0, y0, x1, y1) == (407_000 - 50, 91_000 - 50, 407_400 + 50, 91_100 + 50)
    assert change_extent(_grid(["none"])) is None
