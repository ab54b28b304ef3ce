"""Tests for hotspots.present.maps: tests on the generated map (its HTML/JS).

Inputs: tiles setting, geometry CRS, density and Gi* inputs. Outputs: only
vendored assets, layers present, payload size, escaping, the compact encodings
decoded back, hotspot ids for clicks, disclosure control on the map.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re

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
from hotspots.present import map_density, map_gistar
from hotspots.present import map_elements as E
from hotspots.present import maps as M
from hotspots.present import palettes as P

XSS = "<img src=x onerror=alert(1)>"
XSS_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
TO_WGS84 = Transformer.from_crs(S.CRS_METRES, S.CRS_DISPLAY, always_xy=True)


def asset_urls(html_text: str) -> list[str]:
    return re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', html_text)


def layers_of(m: folium.Map, cls: type) -> list:
    return [c for c in m._children.values() if isinstance(c, cls)]


@pytest.fixture
def toy_points(records_factory):
    return records_factory(
        [
            (407100, 91100, 7, "On or near Station Road"),
            (407300, 91200, 3, "On or near " + XSS),
            (409100, 91000, 12, "Poole Quay"),
        ],
    )


# --- assets: offline ------------------------------------------------------------------------


def test_map_html_loads_only_the_vendored_leaflet(toy_boundaries, toy_points, toy_hotspots):
    m = M.build_map(
        boundaries=toy_boundaries,
        points=toy_points,
        hotspots=toy_hotspots,
        tiles="none",
    )
    html_text = M.map_html(m)
    assert sorted(asset_urls(html_text)) == [
        "/app/static/js/hotspots-map.js",
        "/app/static/vendor/leaflet-1.9.4/leaflet.css",
        "/app/static/vendor/leaflet-1.9.4/leaflet.js",
        "/app/static/vendor/leaflet.fullscreen-5.3.3/Control.FullScreen.css",
        "/app/static/vendor/leaflet.fullscreen-5.3.3/Control.FullScreen.umd.js",
    ]
    # no CDN, no jQuery/Bootstrap/Font Awesome, and with no tiles no http(s) at all
    assert "http://" not in html_text and "https://" not in html_text
    for lib in ("jquery", "bootstrap", "fontawesome", "awesome-markers", "d3.js", "d3.v", "d3.min"):
        assert lib not in html_text.lower()


def test_streamlit_folium_collects_only_vendored_links(toy_boundaries, toy_points, toy_hotspots):
    """Reproduce st_folium's walk over JSCSSMixin elements (css_links / js_links)."""
    from folium.elements import JSCSSMixin

    m = M.build_map(
        boundaries=toy_boundaries,
        points=toy_points,
        hotspots=toy_hotspots,
        tiles="osm",
    )
    m.get_root().render()

    def walk(el):
        if isinstance(el, JSCSSMixin):
            yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)

    links = [u for el in walk(m) for _, u in [*el.default_js, *el.default_css]]
    assert links and all(u.startswith(("/app/static/vendor/", "/app/static/js/")) for u in links)


def test_streamlit_folium_renders_every_layer_script(toy_boundaries, toy_points, toy_hotspots):
    """st_folium renders each element's script macro on its own: our layers must survive that."""
    from streamlit_folium import _get_header, generate_leaflet_string

    m = M.build_map(
        boundaries=toy_boundaries,
        points=toy_points,
        hotspots=toy_hotspots,
        tiles="none",
    )
    m.get_root().render()
    header = _get_header(m)
    script = generate_leaflet_string(m)
    assert "hs-legend" in header  # our CSS survives the header filter
    assert script.count("HotspotsLeaflet.geoJson(") == 3  # wards, outline, hotspots
    assert script.count("HotspotsLeaflet.locationCounts(") == 1
    assert '"hotspot_id":11' in script and '"hotspot_id":12' in script
    assert "<script" not in script


def test_vendored_leaflet_files_are_the_npm_1_9_4_release():
    js = M.vendor_path("leaflet.js").read_bytes()
    assert b"Leaflet 1.9.4" in js[:200]
    # sha256 of dist/leaflet.js and dist/leaflet.css in the npm tarball leaflet-1.9.4.tgz
    assert (
        hashlib.sha256(js).hexdigest()
        == "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a"
    )
    css = M.vendor_path("leaflet.css").read_bytes()
    assert (
        hashlib.sha256(css).hexdigest()
        == "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6"
    )
    for img in ("layers.png", "layers-2x.png"):
        assert M.vendor_path(f"images/{img}").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert M.vendor_path("LICENSE").read_text().startswith("BSD 2-Clause License")


def test_static_url_setting_moves_the_asset_urls(monkeypatch, toy_boundaries):
    monkeypatch.setenv("HOTSPOTS_STATIC_URL", "/dashboard/app/static/")
    m = M.build_map(boundaries=toy_boundaries, tiles="none")
    assert asset_urls(M.map_html(m))[0] == "/dashboard/app/static/vendor/leaflet-1.9.4/leaflet.js"


def test_inline_assets_make_a_standalone_page(toy_boundaries):
    m = M.build_map(boundaries=toy_boundaries, tiles="none")
    page = M.map_html(m, inline_assets=True)
    assert asset_urls(page) == []
    assert "/app/static" not in page
    assert "Leaflet 1.9.4" in page
    assert "url(data:image/png;base64," in page  # layer-control icons inlined
    assert "window.HotspotsLeaflet = " in page  # our elements' script (static/js/) inlined


def test_inline_assets_only_read_the_vendor_and_js_folders(toy_boundaries):
    from folium.elements import JSCSSMixin

    class Sneaky(JSCSSMixin, folium.MacroElement):
        default_js = [("sneaky", M.static_url() + "/js/../../resources.js")]

    m = M.build_map(boundaries=toy_boundaries, tiles="none")
    Sneaky().add_to(m)
    with pytest.raises(InputError, match="static/js/"):
        M.map_html(m, inline_assets=True)


# --- tiles ------------------------------------------------------------------------------------


def test_resolve_tiles_settings(monkeypatch):
    monkeypatch.delenv("HOTSPOTS_TILES", raising=False)
    assert M.resolve_tiles("auto") == M.OSM_TILES  # default: OpenStreetMap
    monkeypatch.setenv("HOTSPOTS_TILES", "none")
    assert M.resolve_tiles("auto").url is None
    assert M.resolve_tiles(None).url is None
    assert M.resolve_tiles("OSM").url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in M.OSM_TILES.attribution


def test_custom_tiles_need_a_template_and_an_attribution_which_is_escaped(monkeypatch):
    monkeypatch.delenv("HOTSPOTS_TILES_ATTRIBUTION", raising=False)
    with pytest.raises(InputError, match="attribution"):
        M.resolve_tiles("https://tiles.example.org/{z}/{x}/{y}.png")
    with pytest.raises(InputError, match=r"\{z\}"):
        M.resolve_tiles("https://tiles.example.org/tile.png", attribution="x")
    with pytest.raises(InputError):
        M.resolve_tiles("javascript:alert(1)/{z}/{x}/{y}", attribution="x")
    monkeypatch.setenv("HOTSPOTS_TILES_ATTRIBUTION", "© Council <b>GIS</b>")
    spec = M.resolve_tiles("/tiles/{z}/{x}/{y}.png")
    assert spec.url == "/tiles/{z}/{x}/{y}.png"
    assert spec.attribution == "© Council &lt;b&gt;GIS&lt;/b&gt;"


def test_no_tiles_sets_max_zoom_and_draws_no_tile_layer(toy_boundaries):
    m = M.build_map(boundaries=toy_boundaries, tiles="none")
    html_text = M.map_html(m)
    assert '"maxZoom": 19' in html_text
    assert "L.tileLayer" not in html_text
    assert any("No background tiles" in n for n in m.notes)


def test_osm_tiles_are_drawn_with_their_attribution(toy_boundaries):
    html_text = M.map_html(M.build_map(boundaries=toy_boundaries, tiles="osm"))
    assert "L.tileLayer" in html_text
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html_text
    assert "openstreetmap.org/copyright" in html_text


# --- layers ----------------------------------------------------------------------------------


def test_all_layers_and_a_layer_control(toy_boundaries, toy_points, toy_hotspots):
    grid = Grid(406000.0, 90000.0, 100.0, 40, 20)
    values = np.zeros(grid.shape)
    values[10, 30] = 5.0
    cells = cell_polygons(Grid(406000.0, 90000.0, 500.0, 8, 4))
    cells["gi_bin"] = [3, 2, 1, 0, -1, -2, -3, 0] * 4
    m = M.build_map(
        boundaries=toy_boundaries, points=toy_points, density=(grid, values), hotspots=toy_hotspots,
        gistar=cells, area=shapely.box(406500, 90500, 407500, 91500), tiles="none",
    )  # fmt: skip
    html_text = M.map_html(m)
    assert html_text.count("HotspotsLeaflet.geoJson(") == 5  # wards, outline, Gi*, area, hotspots
    assert html_text.count("HotspotsLeaflet.locationCounts(") == 1
    assert html_text.count("L.imageOverlay(") == 1
    assert html_text.count("L.control.layers(") == 1
    overlays = re.search(r"overlays :\s*\{(.*?)\}", html_text, re.DOTALL).group(1)
    names = [json.loads(f'"{n}"') for n in re.findall(r'"([^"]+)" :', overlays)]
    assert names == [
        "Records per km² (surface)", "Wards", "BCP boundary", "Gi* hot and cold spots", "Area: Area",
        "Records at locations", "Hotspots", "Rank numbers",
    ]  # fmt: skip
    # hand-drawn legend, no branca colormap
    assert "hs-legend" in html_text and "Hot spot, 99% confidence" in html_text
    assert "branca" not in html_text


def test_gistar_cells_are_merged_by_class_and_not_significant_left_out(toy_boundaries):
    cells = cell_polygons(Grid(406000.0, 90000.0, 500.0, 4, 1))
    cells["gi_z"] = [3.0, 2.8, 0.1, -2.2]
    cells["p_adjusted"] = [0.002, 0.004, 0.9, 0.03]
    m = M.build_map(boundaries=toy_boundaries, gistar=cells, tiles="none")
    gi = [
        lay for lay in layers_of(m, E.GeoJsonLayer) if lay.layer_name == "Gi* hot and cold spots"
    ][0]
    feats = json.loads(gi.feats_js)
    assert [f[2]["gi_bin"] for f in feats] == [3, -2]
    assert feats[0][0] == "P"  # two adjacent hot cells merged into one polygon
    assert json.loads(gi.tips_js) == [
        "Hot spot, 99% confidence (2 cells)",
        "Cold spot, 95% confidence (1 cells)",
    ]


def test_gistar_result_grid_with_class_labels_is_accepted(toy_boundaries):
    cells = cell_polygons(Grid(406000.0, 90000.0, 500.0, 3, 1))
    cells["gi_class"] = ["Hot 95%", "Not significant", "Cold 90%"]

    class Result:  # the shape of hotspots.methods.gistar.GiStarResult
        grid = cells

    m = M.build_map(boundaries=toy_boundaries, gistar=Result(), tiles="none")
    gi = [
        lay for lay in layers_of(m, E.GeoJsonLayer) if lay.layer_name == "Gi* hot and cold spots"
    ][0]
    assert [f[2]["gi_bin"] for f in json.loads(gi.feats_js)] == [2, -1]


def test_classify_gistar_thresholds_are_strict():
    z = np.array([2.7, -2.0, 1.7, 3.0, np.nan, 2.0, -4.0])
    p = np.array([0.005, 0.04, 0.09, 0.10, 0.001, 0.01, 0.0])
    np.testing.assert_array_equal(M.classify_gistar(z, p), [3, -2, 1, 0, 0, 2, -3])


def test_classify_gistar_agrees_with_the_gistar_method_labels():
    from hotspots.methods.gistar import classify_gi

    rng = np.random.default_rng(7)
    z = rng.normal(0, 2, 500)
    p = rng.uniform(0, 0.2, 500)
    cells = gpd.GeoDataFrame(
        {"gi_class": classify_gi(z, p)},
        geometry=[shapely.Point(0, 0)] * 500,
        crs=S.CRS_METRES,
    )
    np.testing.assert_array_equal(map_gistar.gistar_codes(cells), M.classify_gistar(z, p))


# --- points: one layer, compact, exact ---------------------------------------------------------


def _decode_points(layer: E.LocationCountLayer) -> pd.DataFrame:
    d = json.loads(layer.payload_js)
    lon = (d["x0"] + np.cumsum(d["x"])) / 1e5
    lat = (d["y0"] + np.asarray(d["y"])) / 1e5
    labels = [(d["p"] + t) if i < d["np"] else t for i, t in enumerate(d["t"])]
    return pd.DataFrame(
        {"lon": lon, "lat": lat, "count": d["n"], "location": [labels[i] for i in d["l"]]},
    )


def test_points_layer_decodes_back_to_the_locations_and_counts(toy_boundaries, toy_points):
    m = M.build_map(boundaries=toy_boundaries, points=toy_points, tiles="none")
    (layer,) = layers_of(m, E.LocationCountLayer)
    got = _decode_points(layer).sort_values("count").reset_index(drop=True)
    lon, lat = TO_WGS84.transform([407300, 407100, 409100], [91200, 91100, 91000])
    np.testing.assert_allclose(got["lon"], lon, atol=0.6e-5)
    np.testing.assert_allclose(got["lat"], lat, atol=0.6e-5)
    assert got["count"].tolist() == [3, 7, 12]
    assert got["location"].tolist() == [
        "On or near " + XSS_ESCAPED,
        "On or near Station Road",
        "Poole Quay",
    ]


def test_location_table_input_is_drawn_as_given(toy_boundaries):
    locs = pd.DataFrame(
        {
            S.X: [407000.0, 408000.0],
            S.Y: [91000.0, 91000.0],
            S.LOCATION: ["A", "B"],
            S.COUNT: [4, 9],
        },
    )
    m = M.build_map(boundaries=toy_boundaries, points=locs, tiles="none")
    (layer,) = layers_of(m, E.LocationCountLayer)
    assert sorted(_decode_points(layer)["count"]) == [4, 9]


def test_too_many_locations_drops_the_smallest_and_says_so(toy_boundaries, records_factory):
    recs = records_factory(
        [
            (407000, 91000, 5, "A"),
            (407100, 91000, 3, "B"),
            (407200, 91000, 3, "C"),
            (407300, 91000, 1, "D"),
        ],
    )
    m = M.build_map(boundaries=toy_boundaries, points=recs, tiles="none", max_locations=2)
    (layer,) = layers_of(m, E.LocationCountLayer)
    # counts >= 3 would give 3 > 2 locations, so the cut is >= 4: one location kept
    assert _decode_points(layer)["count"].tolist() == [5]
    assert any("3 of 4 locations with fewer than 4 records each (7 records)" in n for n in m.notes)


def test_empty_inputs_give_a_map_with_boundaries_only(
    toy_boundaries,
    records_factory,
    toy_hotspots,
):
    m = M.build_map(
        boundaries=toy_boundaries,
        points=records_factory([]),
        hotspots=toy_hotspots.iloc[0:0],
        tiles="none",
    )
    html_text = M.map_html(m)
    assert html_text.count("HotspotsLeaflet.geoJson(") == 2
    assert "HotspotsLeaflet.locationCounts(" not in html_text
    assert not layers_of(m, E.LocationCountLayer)


def test_payload_of_8000_locations_from_a_million_records_stays_under_300_kib(real_boundaries):
    """The issue's budget: the whole map HTML for 1M records on ~8k locations < 300 KiB."""
    rng = np.random.default_rng(42)
    k = 8000
    x = rng.uniform(400000, 422000, k).round(2)
    y = rng.uniform(88000, 97000, k).round(2)
    counts = rng.multinomial(1_000_000 - k, rng.dirichlet(np.full(k, 0.3))) + 1
    streets = [f"{w} {s}" for w, s in zip(rng.choice(["Christchurch", "Old", "Poole", "Ashley", "St Mary's", "Wimborne"], 5000),
                                           rng.choice(["Road", "Avenue", "Close", "Lane", "Gardens"], 5000), strict=True)]  # fmt: skip
    names = [f"On or near {s} {i}" if i % 10 else f"{s} {i}" for i, s in enumerate(streets)]
    locs = pd.DataFrame({S.X: x, S.Y: y, S.LOCATION: rng.choice(names, k), S.COUNT: counts})
    assert locs[S.COUNT].sum() == 1_000_000
    m = M.build_map(boundaries=real_boundaries, points=locs, tiles="osm")
    size = len(M.map_html(m).encode("utf-8"))
    print(f"map HTML for 8,000 locations / 1M records: {size / 1024:.1f} KiB")
    assert size < 300 * 1024
    assert not any("left off" in n for n in m.notes)  # all 8,000 drawn


@pytest.mark.slow
def test_a_million_raw_records_are_aggregated_not_drawn_one_by_one(toy_boundaries):
    rng = np.random.default_rng(1)
    px = rng.uniform(406000, 410000, 8000).round(2)
    py = rng.uniform(90000, 92000, 8000).round(2)
    idx = rng.integers(0, 8000, 1_000_000)
    recs = pd.DataFrame({S.X: px[idx], S.Y: py[idx], S.LOCATION: pd.array(["On or near Road"] * 1_000_000, dtype="string"),
                         S.CATEGORY: S.ASB})  # fmt: skip
    m = M.build_map(boundaries=toy_boundaries, points=recs, tiles="none")
    html_text = M.map_html(m)
    # one layer built in the browser by one pointToLayer, not a marker per record
    assert html_text.count("HotspotsLeaflet.locationCounts(") == 1
    assert "L.circleMarker(" not in html_text
    (layer,) = layers_of(m, E.LocationCountLayer)
    assert sum(json.loads(layer.payload_js)["n"]) == 1_000_000
    assert len(html_text.encode()) < 300 * 1024


# --- escaping ----------------------------------------------------------------------------------


def test_text_from_data_is_escaped_everywhere(toy_boundaries, toy_points, toy_hotspots):
    m = M.build_map(
        boundaries=toy_boundaries, points=toy_points, hotspots=toy_hotspots, tiles="none",
        area=type("A", (), {"geometry": shapely.box(406500, 90500, 407500, 91500), "name": XSS})(),
        density_label=XSS, density=(Grid(406000.0, 90000.0, 100.0, 4, 4), np.ones((4, 4))),
    )  # fmt: skip
    html_text = M.map_html(m)
    assert "<img" not in html_text
    assert XSS_ESCAPED in html_text  # location, hotspot name, area name, density label
    assert "West &amp; &lt;Ward&gt; ward" in html_text  # ward name tooltip
    assert "</script><" not in html_text.replace("</script>\n", "")


def test_hotspot_popup_and_tooltip_text(toy_boundaries, toy_hotspots):
    m = M.build_map(boundaries=toy_boundaries, hotspots=toy_hotspots, tiles="none")
    hs = [lay for lay in layers_of(m, E.GeoJsonLayer) if lay.layer_name == "Hotspots"][0]
    tips, pops = json.loads(hs.tips_js), json.loads(hs.pops_js)
    # drawn in reverse rank order so that rank 1 is on top
    assert tips == [f"#2 {XSS_ESCAPED}: 3 records", "#1 Lower Gardens: 250 records"]
    assert "<tr><th>Hotspot ID</th><td>11</td></tr>" in pops[1]
    assert (
        "<tr><th>Top categories</th><td>Violence and sexual offences (100); Anti-social behaviour (80)</td></tr>"
        in pops[1]
    )
    assert "<tr><th>Top locations</th><td>On or near " + XSS_ESCAPED + "</td></tr>" in pops[0]


# --- clicks ---------------------------------------------------------------------------------------


def test_each_hotspot_feature_carries_its_id(toy_boundaries, toy_hotspots):
    m = M.build_map(boundaries=toy_boundaries, hotspots=toy_hotspots, tiles="none")
    hs = [lay for lay in layers_of(m, E.GeoJsonLayer) if lay.layer_name == "Hotspots"][0]
    props = [f[2] for f in json.loads(hs.feats_js)]
    assert props == [
        {
            "hotspot_id": 12,
            "rank": 2,
            "name": XSS_ESCAPED,
            "count": 3,
            "level": 0,
            "parent": None,
            "style": "hotspot|0",
        },
        {
            "hotspot_id": 11,
            "rank": 1,
            "name": "Lower Gardens",
            "count": 250,
            "level": 0,
            "parent": None,
            "style": "hotspot|0",
        },
    ]


def test_rank_numbers_are_permanent_labels_inside_their_hotspots(toy_boundaries, toy_hotspots):
    m = M.build_map(boundaries=toy_boundaries, hotspots=toy_hotspots, tiles="none")
    (lab,) = layers_of(m, E.RankLabels)
    labels = json.loads(lab.labels_js)
    assert sorted(a[2] for a in labels) == ["1", "2"]
    assert "HotspotsLeaflet.rankLabels(" in M.map_html(m)
    html_text = M.map_html(m, inline_assets=True)  # with static/js/hotspots-map.js
    assert "permanent: true" in html_text and "hs-rank" in html_text
    wgs = toy_hotspots.to_crs(4326).set_index("rank").geometry
    for lat, lon, rank, selected, name in labels:
        assert name  # read out to keyboard users
        assert wgs[int(rank)].contains(shapely.Point(lon, lat))
        assert selected is False
    # no labels when asked for none
    m2 = M.build_map(boundaries=toy_boundaries, hotspots=toy_hotspots, tiles="none", labels=False)
    assert layers_of(m2, E.RankLabels) == []


def test_a_selected_hotspot_is_outlined_and_zoomed_to(toy_boundaries, toy_hotspots):
    whole = M.build_map(boundaries=toy_boundaries, hotspots=toy_hotspots, tiles="none")
    m = M.build_map(boundaries=toy_boundaries, hotspots=toy_hotspots, tiles="none", selected=11)
    hs = [lay for lay in layers_of(m, E.GeoJsonLayer) if lay.layer_name == "Hotspots"][0]
    styles = {f[2]["hotspot_id"]: f[2]["style"] for f in json.loads(hs.feats_js)}
    assert styles == {11: "hotspot|1", 12: "hotspot|0"}
    assert json.loads(hs.styles_js)["hotspot|1"]["color"] == "#000000"
    (lab,) = layers_of(m, E.RankLabels)
    assert {a[2]: a[3] for a in json.loads(lab.labels_js)} == {"1": True, "2": False}

    def fitted(mm):
        (fb,) = [c for c in mm._children.values() if type(c).__name__ == "FitBounds"]
        return np.asarray(fb.bounds)

    box = fitted(m)
    h11 = toy_hotspots.set_index("hotspot_id").to_crs(4326).geometry[11]
    lon0, lat0, lon1, lat1 = h11.bounds
    assert box[0][0] < lat0 and box[1][0] > lat1 and box[0][1] < lon0 and box[1][1] > lon1
    # tighter than the whole-area view
    assert np.ptp(box[:, 0]) < np.ptp(fitted(whole)[:, 0])
    # an unknown id changes nothing
    unknown = M.build_map(
        boundaries=toy_boundaries,
        hotspots=toy_hotspots,
        tiles="none",
        selected=99,
    )
    assert np.allclose(fitted(unknown), fitted(whole))


def test_hotspots_are_coloured_by_change_class_when_given(toy_boundaries, toy_hotspots):
    h = toy_hotspots.assign(change_class=["new", "persistent"])
    m = M.build_map(boundaries=toy_boundaries, hotspots=h, tiles="none")
    hs = [lay for lay in layers_of(m, E.GeoJsonLayer) if lay.layer_name == "Hotspots"][0]
    keys = sorted(f[2]["style"] for f in json.loads(hs.feats_js))
    assert keys == ["new|0", "persistent|0"]
    styles = json.loads(hs.styles_js)
    assert styles["new|0"]["color"] == P.CHANGE_COLOURS["new"]
    html_text = M.map_html(m)
    assert "Hotspots: change" in html_text and "New (not a hotspot before)" in html_text
    assert "Gone (a hotspot before" not in html_text  # only the classes present


def test_fullscreen_control_is_vendored_and_inlined_for_offline_files(toy_boundaries, toy_hotspots):
    m = M.build_map(boundaries=toy_boundaries, hotspots=toy_hotspots, tiles="none")
    page = M.map_html(m)
    assert "/app/static/vendor/leaflet.fullscreen-5.3.3/Control.FullScreen.umd.js" in page
    assert "L.Control.FullScreen(" in page
    for name in ("Control.FullScreen.umd.js", "Control.FullScreen.css", "LICENSE.md"):
        assert M.vendor_path(name, package="vendor/leaflet.fullscreen-5.3.3").is_file()
    offline = M.map_html(m, inline_assets=True)
    assert "/app/static/" not in offline
    assert "leaflet-fullscreen-icon" in offline and "requestFullscreen" in offline
    # a printed sheet has no controls
    bare = M.map_html(
        M.build_map(boundaries=toy_boundaries, hotspots=toy_hotspots, tiles="none", controls=False),
    )
    assert "FullScreen" not in bare and "L.control.layers(" not in bare
    assert '"zoomControl": false' in bare


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (None, None),
        ({}, None),
        ({"last_active_drawing": None}, None),
        (
            {
                "last_active_drawing": {
                    "type": "Feature",
                    "properties": {"hotspot_id": 12, "rank": 2},
                },
            },
            12,
        ),
        (
            {
                "last_active_drawing": {
                    "type": "Feature",
                    "properties": {"count": 4, "location": "A"},
                },
            },
            None,
        ),
        ({"last_active_drawing": {"properties": {"hotspot_id": "x"}}}, None),
        # without last_active_drawing in returned_objects: the popup text
        ({"last_object_clicked_popup": "#1 Lower Gardens Ward East Hotspot ID 11"}, 11),
        ({"last_active_drawing": None, "last_object_clicked_popup": "Hotspot ID 11"}, None),
    ],
)
def test_clicked_hotspot_id(result, expected):
    assert M.clicked_hotspot_id(result) == expected


# --- disclosure control on the map ------------------------------------------------------------------


def test_suppression_hides_small_counts_from_the_page_source(
    toy_boundaries,
    toy_points,
    toy_hotspots,
):
    m = M.build_map(
        boundaries=toy_boundaries,
        points=toy_points,
        hotspots=toy_hotspots,
        tiles="none",
        suppress_below=5,
    )
    (pts,) = layers_of(m, E.LocationCountLayer)
    assert sorted(json.loads(pts.payload_js)["n"]) == [0, 7, 12]  # 3 -> 0: "fewer than 5"
    hs = [lay for lay in layers_of(m, E.GeoJsonLayer) if lay.layer_name == "Hotspots"][0]
    props = [f[2] for f in json.loads(hs.feats_js)]
    assert props[0]["count"] is None
    tips, pops = json.loads(hs.tips_js), json.loads(hs.pops_js)
    assert tips[0] == f"#2 {XSS_ESCAPED}: &lt;5 records"
    assert "<td>3</td>" not in pops[0] and "Drugs (&lt;5)" in pops[0]
    assert "<tr><th>Share of records</th><td>–</td></tr>" in pops[0]


def test_simulated_records_get_a_banner(toy_boundaries, records_factory):
    sim = records_factory([(407000, 91000, 2, "A")], simulated=True)
    assert "SIMULATED DATA" in M.map_html(
        M.build_map(boundaries=toy_boundaries, points=sim, tiles="none"),
    )
    real = records_factory([(407000, 91000, 2, "A")])
    assert "SIMULATED DATA" not in M.map_html(
        M.build_map(boundaries=toy_boundaries, points=real, tiles="none"),
    )


# --- inputs -------------------------------------------------------------------------------------------


def test_hotspots_in_another_crs_are_refused_naming_both(toy_boundaries, toy_hotspots):
    with pytest.raises(InputError) as e:
        M.build_map(boundaries=toy_boundaries, hotspots=toy_hotspots.to_crs(4326), tiles="none")
    assert "EPSG:4326" in str(e.value) and "EPSG:27700" in str(e.value)
    with pytest.raises(InputError, match="no CRS"):
        M.build_map(
            boundaries=toy_boundaries,
            hotspots=toy_hotspots.set_crs(None, allow_override=True),
            tiles="none",
        )


def test_density_input_shapes(toy_boundaries):
    grid = Grid(406000.0, 90000.0, 100.0, 4, 3)
    with pytest.raises(InputError, match="shape"):
        M.build_map(boundaries=toy_boundaries, density=(grid, np.zeros((4, 3))), tiles="none")
    with pytest.raises(InputError):
        M.build_map(boundaries=toy_boundaries, density=np.zeros((3, 4)), tiles="none")

    class KdeLike:  # the shape of hotspots.methods.kde.KdeResult
        def __init__(self):
            self.grid, self.density = grid, np.ones((3, 4))

    m = M.build_map(boundaries=toy_boundaries, density=KdeLike(), tiles="none")
    assert M.map_html(m).count("L.imageOverlay(") == 1


# --- density image -------------------------------------------------------------------------------------


def test_density_overlay_puts_the_peak_cell_where_it_belongs():
    from PIL import Image

    grid = Grid(406000.0, 90000.0, 100.0, 20, 10)
    values = np.zeros(grid.shape)
    values[2, 7] = 10.0  # cell centre (406750, 90250)
    values[6, 15] = 5.0  # half the peak, centre (407550, 90650)
    img = M.density_overlay(grid, values, levels=32)
    assert img.vmax == 10.0
    png = Image.open(io.BytesIO(base64.b64decode(img.data_uri.split(",", 1)[1])))
    assert png.mode == "P" and png.size == img.size
    idx = np.asarray(png)
    (s, w), (n, e) = img.bounds
    to_merc = Transformer.from_crs(S.CRS_DISPLAY, "EPSG:3857", always_xy=True)
    (mx0, mx1), (my0, my1) = to_merc.transform([w, e], [s, n])

    def pixel(x, y):
        lon, lat = TO_WGS84.transform(x, y)
        mx, my = to_merc.transform(lon, lat)
        return int((my1 - my) / (my1 - my0) * png.size[1]), int(
            (mx - mx0) / (mx1 - mx0) * png.size[0],
        )

    assert idx[pixel(406750, 90250)] == 31  # top class, last palette entry
    assert idx[pixel(407550, 90650)] == 15  # ceil(0.5 * 32) = class 16 -> index 15
    assert idx[pixel(406250, 90850)] == 0  # zero: class index 0
    palette = png.getpalette()[: 3 * 32]
    assert tuple(palette[3 * 31 : 3 * 32]) == P.hex_to_rgb(P.VIRIDIS[-1])
    alpha = png.info["transparency"]
    assert alpha[0] == 0 and alpha[31] == 255 and alpha[4] == round(255 * 4 / 8)


def test_density_overlay_of_all_zeros_is_transparent_and_options_are_checked():
    grid = Grid(406000.0, 90000.0, 100.0, 5, 5)
    img = M.density_overlay(grid, np.zeros(grid.shape))
    assert img.vmax == 0.0
    with pytest.raises(InputError):
        M.density_overlay(grid, np.zeros(grid.shape), palette="jet")
    with pytest.raises(InputError):
        M.density_overlay(grid, np.zeros(grid.shape), levels=1)


def test_density_outside_the_study_area_is_not_drawn():
    from PIL import Image

    grid = Grid(406000.0, 90000.0, 100.0, 10, 4)
    in_area = np.ones(grid.shape, dtype=bool)
    in_area[:, :5] = False  # western half outside

    class KdeLike:
        def __init__(self):
            self.grid, self.density, self.in_area = grid, np.ones(grid.shape), in_area

    g, values = map_density.density_arrays(KdeLike())
    assert values[:, :5].sum() == 0 and values[:, 5:].sum() == 20
    img = M.density_overlay(g, values)
    idx = np.asarray(Image.open(io.BytesIO(base64.b64decode(img.data_uri.split(",", 1)[1]))))
    row = idx[idx.shape[0] // 2]
    assert set(row[: len(row) // 2 - 1]) == {0} and set(row[len(row) // 2 + 1 :]) == {31}


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("height", 0),
        ("height", "600px"),
        ("max_locations", 0),
        ("suppress_below", 1),
        ("suppress_below", True),
    ],
)
def test_settings_are_validated(toy_boundaries, argument, value):
    with pytest.raises(InputError, match=argument):
        M.build_map(boundaries=toy_boundaries, tiles="none", **{argument: value})


def test_hotspots_need_an_id_on_every_row(toy_boundaries, toy_hotspots):
    with pytest.raises(InputError, match="hotspot_id"):
        M.build_map(
            boundaries=toy_boundaries,
            hotspots=toy_hotspots.drop(columns=S.HOTSPOT_ID),
            tiles="none",
        )
