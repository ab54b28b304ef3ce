"""Tests for hotspots.present.map_elements and its script, static/js/hotspots-map.js.

Each element's template calls a function of ``window.HotspotsLeaflet`` with JSON data;
the script must define them, load through the app's static folder, and decode the
compact geometries exactly as :func:`hotspots.present.map_geometry.encode_geometry`
encodes them (checked by running the script in Node.js when it is installed).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import folium
import numpy as np
import pytest
import shapely

from hotspots.present import map_elements as E
from hotspots.present.map_assets import script_path, script_url
from hotspots.present.map_geometry import encode_geometry

SCRIPT = script_path(E.MAP_SCRIPT)


def test_the_script_is_a_package_file_served_under_static_js():
    assert SCRIPT.is_file()
    assert SCRIPT.parent.name == "js" and SCRIPT.parent.parent.name == "static"
    assert script_url(E.MAP_SCRIPT) == "/app/static/js/hotspots-map.js"


def test_every_element_calls_a_function_the_script_defines():
    exported = re.search(r"window\.HotspotsLeaflet = \{(.*?)\};", SCRIPT.read_text(), re.DOTALL)
    assert exported is not None
    defined = set(re.findall(r"(\w+): (\w+)", exported.group(1)))
    assert all(k == v for k, v in defined) and len(defined) == 7
    m = folium.Map(tiles=None)
    E.GeoJsonLayer([shapely.box(-1.9, 50.7, -1.8, 50.8)], [{}], name="g", style={}).add_to(m)
    E.LocationCountLayer({"n": []}, name="p", bounds=[[None, None], [None, None]]).add_to(m)
    E.MapControl("legend").add_to(m)
    E.RankLabels([]).add_to(m)
    E.StreetFallback([E.StreetLabels({"t": [], "a": [], "z": 15}).add_to(m)]).add_to(m)
    called = set(re.findall(r"HotspotsLeaflet\.(\w+)\(", m.get_root().render()))
    assert called == {k for k, _ in defined} - {"decode"}


def test_elements_load_the_script_once_per_page():
    m = folium.Map(tiles=None)
    E.MapControl("<b>a</b>").add_to(m)
    E.MapControl("<b>b</b>", position="topleft").add_to(m)
    E.RankLabels([[50.7, -1.9, "1", False]]).add_to(m)
    page = m.get_root().render()
    assert page.count('<script src="/app/static/js/hotspots-map.js"></script>') == 1
    assert page.count("HotspotsLeaflet.control(") == 2


def test_user_text_reaches_the_script_as_json_not_code():
    text = "</script><script>alert(1)</script>\u2028"
    c = E.MapControl(text)
    assert "<" not in c.html_js and "\u2028" not in c.html_js
    assert json.loads(c.html_js) == text
    assert E.esc("<b>&") == "&lt;b&gt;&amp;" and E.esc(None) == ""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_script_decodes_the_python_encoding_in_node():
    geoms = [
        shapely.Polygon(
            [(-1.9, 50.7), (-1.89, 50.7), (-1.89, 50.71), (-1.9, 50.7)],
            [[(-1.897, 50.702), (-1.893, 50.702), (-1.895, 50.705), (-1.897, 50.702)]],
        ),
        shapely.MultiPolygon([shapely.box(-1.88, 50.72, -1.87, 50.73), shapely.box(-1.86, 50.72, -1.85, 50.73)]),
        shapely.LineString([(-1.9, 50.7), (-1.85, 50.75), (-1.8, 50.7)]),
        shapely.MultiLineString([[(-1.9, 50.7), (-1.85, 50.75)], [(-1.8, 50.7), (-1.81, 50.71)]]),
    ]  # fmt: skip
    origin = (-190000, 5070000)
    feats = []
    for k, g in enumerate(geoms):
        enc = encode_geometry(g, origin)
        assert enc is not None
        feats.append([enc[0], enc[1], {"k": k}])
    program = (
        "var window = {};\n" + SCRIPT.read_text(encoding="utf-8")
        + "\nprocess.stdout.write(JSON.stringify(window.HotspotsLeaflet.decode("
        + f"{json.dumps(list(origin))}, {json.dumps(feats)})));"
    )  # fmt: skip
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True)
    fc = json.loads(out.stdout)
    assert [f["properties"]["k"] for f in fc["features"]] == [0, 1, 2, 3]
    assert [f["id"] for f in fc["features"]] == [0, 1, 2, 3]
    for g, f in zip(geoms, fc["features"], strict=True):
        back = shapely.geometry.shape(f["geometry"])
        assert back.geom_type == g.geom_type
        # rounded to 1e-5 degree (about 1 m)
        assert shapely.hausdorff_distance(back, g) <= 1e-5
        np.testing.assert_allclose(back.bounds, g.bounds, atol=1e-5)
