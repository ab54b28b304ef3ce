"""The map's polygon-drawing control: vendored assets, and reading a drawing back."""

from __future__ import annotations

import re

from hotspots.data.areas import polygon_spec, resolve_area
from hotspots.present.draw import DRAW_DIR, add_draw_control, drawn_polygon
from hotspots.present.maps import build_map, map_html, vendor_path

RING = [[-1.885, 50.715], [-1.87, 50.715], [-1.87, 50.725], [-1.885, 50.725], [-1.885, 50.715]]


def _feature(props=None, gtype="Polygon", coords=None):
    return {"type": "Feature", "properties": props or {},
            "geometry": {"type": gtype, "coordinates": coords if coords is not None else [RING]}}  # fmt: skip


# --- inputs ---------------------------------------------------------------------


def test_drawn_polygon_ignores_clicked_hotspots_and_non_polygons():
    assert drawn_polygon(None) is None
    assert drawn_polygon({}) is None
    assert drawn_polygon({"last_active_drawing": None}) is None
    assert drawn_polygon({"last_active_drawing": _feature({"hotspot_id": 3})}) is None
    assert (
        drawn_polygon({"last_active_drawing": _feature(gtype="Point", coords=[-1.8, 50.7])}) is None
    )
    assert drawn_polygon({"last_active_drawing": _feature(coords=[[[0, 0], [1, 1]]])}) is None


# --- outputs --------------------------------------------------------------------


def test_drawn_polygon_becomes_an_area_in_metres():
    ring = drawn_polygon({"last_active_drawing": _feature()})
    assert ring == RING
    spec = polygon_spec(ring)
    assert spec == "poly:-1.885,50.715;-1.87,50.715;-1.87,50.725;-1.885,50.725"
    area = resolve_area(spec)
    assert area.kind == "polygon"
    # 0.015 deg lon x 0.01 deg lat at 50.72 N is about 1.06 km x 1.11 km
    assert 1.1 < area.area_km2 < 1.25
    assert resolve_area(area.spec).area_km2 == area.area_km2


def test_draw_control_loads_only_vendored_assets():
    m = add_draw_control(build_map(tiles="none"))
    html = map_html(m)
    assert "leaflet.draw.js" in html
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert srcs, "no assets found"
    assert all(not s.startswith(("http://", "https://", "//")) for s in srcs), srcs
    assert any(s.endswith(f"{DRAW_DIR}/leaflet.draw.js") for s in srcs)
    assert any(s.endswith(f"{DRAW_DIR}/leaflet.draw.css") for s in srcs)
    draw_dir = vendor_path("leaflet.js").parents[1] / "leaflet-draw-1.0.4"
    assert (draw_dir / "leaflet.draw.js").stat().st_size > 10_000
    assert (draw_dir / "LICENSE").exists()
