"""Tests for the layer functions that build_map composes, each on a bare folium map.

hotspots.present.map_layers (base, boundaries, area, records, banner, legend),
map_density.add_density, map_gistar.add_gistar and map_hotspots.add_hotspots: what
each draws, and the legend entries, notes and bounds it hands back.
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.methods.grid import Grid, cell_polygons
from hotspots.present import map_layers as L
from hotspots.present.map_assets import NO_TILES, OSM_TILES
from hotspots.present.map_density import add_density
from hotspots.present.map_elements import Fullscreen, GeoJsonLayer, LocationCountLayer, MapControl
from hotspots.present.map_gistar import add_gistar
from hotspots.present.map_hotspots import add_hotspots, change_key, hotspot_texts

XSS = "<img src=x onerror=alert(1)>"
XSS_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
TO_WGS84 = Transformer.from_crs(S.CRS_METRES, S.CRS_DISPLAY, always_xy=True)


def children(m: folium.Map, cls: type) -> list:
    return [c for c in m._children.values() if isinstance(c, cls)]


def test_base_without_tiles_says_so_and_controls_add_fullscreen():
    m = folium.Map(tiles=None)
    drawn = L.add_base(m, NO_TILES, controls=True)
    assert drawn.notes == ("No background tiles (offline): ward boundaries only.",)
    assert len(children(m, Fullscreen)) == 1 and not children(m, folium.TileLayer)
    m2 = folium.Map(tiles=None)
    assert L.add_base(m2, OSM_TILES, controls=False).notes == ()
    assert len(children(m2, folium.TileLayer)) == 1 and not children(m2, Fullscreen)


def test_boundaries_draw_wards_with_escaped_names_and_the_outline(toy_boundaries):
    m = folium.Map(tiles=None)
    assert L.add_boundaries(m, toy_boundaries) == L.Drawn()
    wards, outline = children(m, GeoJsonLayer)
    assert (wards.layer_name, outline.layer_name) == ("Wards", "BCP boundary")
    assert json.loads(wards.tips_js) == ["West &amp; &lt;Ward&gt; ward", "East Ward ward"]
    assert outline.interactive_js == "false"
    assert L.boundary_layers(toy_boundaries)[0] is L.boundary_layers(toy_boundaries)[0]  # cached


def test_area_geometry_accepts_areas_geometries_and_frames_in_metres():
    box = shapely.box(406500, 90500, 407500, 91500)
    assert L.area_geometry(None) == (None, None)
    assert L.area_geometry(box) == (box, "Area")
    named = type("A", (), {"geometry": box, "name": "Lower Gardens"})()
    assert L.area_geometry(named) == (box, "Lower Gardens")
    frame = gpd.GeoDataFrame(geometry=[box], crs=S.CRS_METRES)
    assert L.area_geometry(frame)[0].equals(box)
    with pytest.raises(InputError, match="EPSG:27700"):
        L.area_geometry(frame.to_crs(4326))
    with pytest.raises(InputError):
        L.area_geometry("Boscombe")


def test_area_outline_and_escaped_legend():
    m = folium.Map(tiles=None)
    assert L.add_area(m, None, None) == L.Drawn() and not children(m, GeoJsonLayer)
    drawn = L.add_area(m, shapely.box(406500, 90500, 407500, 91500), XSS)
    (layer,) = children(m, GeoJsonLayer)
    assert layer.layer_name == f"Area: {XSS_ESCAPED}"
    assert XSS not in drawn.legend[0] and XSS_ESCAPED in drawn.legend[0]


def test_points_layer_counts_locations_and_draws_legend_circles(records_factory):
    recs = records_factory([(407100, 91100, 7, "On or near A"), (409100, 91000, 70, "B")])
    m = folium.Map(tiles=None)
    drawn = L.add_points(m, recs, max_locations=10, suppress_below=None)
    (layer,) = children(m, LocationCountLayer)
    assert sorted(layer.payload["n"]) == [7, 70] and layer.payload["nmax"] == 70
    # legend circles for 1, 7 (nmax // 10) and 70 records, radii as drawn in the browser
    assert [L.marker_radius(s, 70) for s in (1, 7, 70)] == [4, 6, 16]
    assert drawn.legend[0].count("<circle") == 3 and 'r="16"' in drawn.legend[0]
    assert drawn.notes == ()
    assert L.add_points(folium.Map(tiles=None), recs.iloc[0:0], max_locations=10,
                        suppress_below=None) == L.Drawn()  # fmt: skip


def test_location_table_takes_counts_as_given_and_counts_records(records_factory):
    table = pd.DataFrame(
        {S.X: [1.0, 2.0], S.Y: [3.0, 4.0], S.LOCATION: ["a", "b"], S.COUNT: [2, 9]},
    )
    assert L.location_table(table)[S.COUNT].tolist() == [9, 2]
    recs = records_factory([(407100, 91100, 2, "A"), (409100, 91000, 5, "B")])
    assert L.location_table(recs)[S.COUNT].tolist() == [5, 2]


def test_points_payload_leaves_off_the_smallest_locations_with_a_note():
    locs = pd.DataFrame(
        {S.X: 407000.0 + np.arange(5) * 100, S.Y: 91000.0, S.LOCATION: list("abcde"),
         S.COUNT: [9, 5, 3, 1, 1]},
    )  # fmt: skip
    payload, bounds, notes = L.points_payload(locs, 3, suppress_below=5)
    assert sorted(payload["n"]) == [0, 5, 9]  # 3 -> 0: "fewer than 5"
    assert notes and "2 of 5 locations with fewer than 2 records" in notes[0]
    lon, lat = TO_WGS84.transform(407000.0, 91000.0)
    assert bounds[0][1] == pytest.approx(lon) and bounds[0][0] == pytest.approx(lat)


def test_legend_and_banner_controls():
    m = folium.Map(tiles=None)
    assert L.add_legend(m, [], controls=True) == L.Drawn() and not children(m, MapControl)
    L.add_legend(m, ["<h4>x</h4>"], controls=True)
    L.add_legend(m, ["<h4>y</h4>"], controls=False)
    L.add_banner(m)
    open_, flat, banner = (json.loads(c.html_js) for c in children(m, MapControl))
    assert open_.startswith("<details open><summary>Legend</summary><h4>x</h4>")
    assert flat.startswith("<h4>y</h4>") and "anonymised map points" in flat
    assert banner == "SIMULATED DATA"


def test_density_layer_has_an_escaped_legend_and_a_note():
    grid = Grid(406000.0, 90000.0, 100.0, 4, 4)
    m = folium.Map(tiles=None)
    drawn = add_density(m, (grid, np.arange(16.0).reshape(4, 4)), palette="cividis", label=XSS)
    (overlay,) = children(m, folium.raster_layers.ImageOverlay)
    assert overlay.layer_name == f"{XSS_ESCAPED} (surface)"
    assert XSS not in drawn.legend[0] and "<span>15.00</span>" in drawn.legend[0]
    assert (
        drawn.notes[0].startswith("Density drawn as a ") and "top colour is 15.00" in drawn.notes[0]
    )


def test_gistar_layer_lists_only_the_classes_present():
    cells = cell_polygons(Grid(406000.0, 90000.0, 500.0, 3, 1))
    cells["gi_bin"] = [3, 0, -2]
    m = folium.Map(tiles=None)
    drawn = add_gistar(m, cells)
    (layer,) = children(m, GeoJsonLayer)
    assert [f[2]["gi_bin"] for f in json.loads(layer.feats_js)] == [3, -2]
    assert "Hot spot, 99% confidence" in drawn.legend[0]
    assert "Not significant" not in drawn.legend[0] and "Hot spot, 95%" not in drawn.legend[0]
    m2 = folium.Map(tiles=None)
    add_gistar(m2, cells, show_nonsignificant=True)
    assert len(json.loads(children(m2, GeoJsonLayer)[0].feats_js)) == 3


def test_hotspot_layer_fits_to_the_selected_one_or_to_all(toy_hotspots):
    assert add_hotspots(folium.Map(tiles=None), toy_hotspots).fit is None
    everything = add_hotspots(folium.Map(tiles=None), toy_hotspots, fit_to_hotspots=True).fit
    chosen = add_hotspots(folium.Map(tiles=None), toy_hotspots, selected=12).fit
    assert everything is not None and chosen is not None
    # the selected hotspot (#12, radius 150 m) with 300 m around it; all: 250 m around both
    (s, w), (n, e) = chosen
    centre_lon, centre_lat = TO_WGS84.transform(407000.0, 91000.0)
    assert s < centre_lat < n and w < centre_lon < e
    assert e < everything[1][1] and n - s < everything[1][0] - everything[0][0] + 1e-3
    assert (e - w) < (everything[1][1] - everything[0][1]) / 2
    kept = add_hotspots(folium.Map(tiles=None), toy_hotspots, selected=12, zoom_to_selected=False)
    assert kept.fit is None


def test_hotspot_layer_needs_ids_and_colours_by_change(toy_hotspots):
    with pytest.raises(InputError, match="hotspot_id"):
        add_hotspots(folium.Map(tiles=None), toy_hotspots.drop(columns=S.HOTSPOT_ID))
    h = toy_hotspots.assign(change_class=["New", "vanished"])
    drawn = add_hotspots(folium.Map(tiles=None), h, labels=False)
    assert [change_key(v) for v in h["change_class"]] == ["new", "hotspot"]
    assert drawn.legend[0].startswith("<h4>Hotspots: change</h4>")
    tip, popup = hotspot_texts(toy_hotspots.iloc[1].to_dict(), 5)
    assert tip == f"#2 {XSS_ESCAPED}: &lt;5 records" and XSS not in popup
