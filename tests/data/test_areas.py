"""Tests for hotspots.data.areas: every spec form of resolve_area, area_mask, records_in_area."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from hotspots.data import areas
from hotspots.data import schema as S
from hotspots.data.areas import (
    DEFAULT_PLACE_RADIUS_M,
    TOWN_CENTRE_PLACES,
    Area,
    area_mask,
    records_in_area,
    resolve_area,
    town_centre_area,
)
from hotspots.errors import FileReadError, InputError

# --- inputs: each spec form ------------------------------------------------------


@pytest.mark.parametrize("spec", [None, "", "bcp", "BCP", " all "])
def test_bcp(boundaries, spec):
    a = resolve_area(spec, boundaries)
    assert (a.kind, a.spec, a.name) == ("bcp", "bcp", "BCP")
    assert a.geometry.equals(boundaries.outline)
    assert a.area_km2 == pytest.approx(boundaries.outline_area_km2)


@pytest.mark.parametrize("spec", ["Poole", "poole", "town:Poole", "TOWN: poole"])
def test_town(boundaries, spec):
    a = resolve_area(spec, boundaries)
    assert (a.kind, a.spec, a.name) == ("town", "town:Poole", "Poole")
    w = boundaries.wards
    expected = w.loc[w[S.TOWN] == "Poole"].area.sum()
    assert a.geometry.area == pytest.approx(expected, rel=1e-6)


def test_the_three_towns_tile_bcp(boundaries):
    total = sum(resolve_area(t, boundaries).geometry.area for t in S.TOWNS)
    assert total == pytest.approx(boundaries.outline.area, rel=1e-6)


@pytest.mark.parametrize(
    "spec",
    ["Poole Town", "poole town", "ward:Poole Town", "E05012674", "ward:e05012674"],
)
def test_ward_by_name_or_code(boundaries, spec):
    a = resolve_area(spec, boundaries)
    assert (a.kind, a.spec, a.name) == ("ward", "ward:E05012674", "Poole Town ward")
    ward = boundaries.wards.set_index(S.WARD_CODE).loc["E05012674"]
    assert a.geometry.equals(ward.geometry)


def test_ward_named_like_a_town_resolves_to_the_ward_with_a_prefix(boundaries):
    # "Christchurch Town" is a ward; "Christchurch" is a town
    assert resolve_area("Christchurch", boundaries).kind == "town"
    assert resolve_area("Christchurch Town", boundaries).kind == "ward"
    assert resolve_area("ward:Kinson", boundaries).kind == "ward"


@pytest.mark.parametrize(
    ("spec", "code", "name"),
    [
        ("E01015431", "E01015431", "Bournemouth, Christchurch and Poole 001A"),  # both vintages
        ("lsoa:e01034271", "E01034271", "Bournemouth, Christchurch and Poole 038E"),  # 2021 only
        ("E01015282", "E01015282", "Bournemouth 019E"),  # 2011 only
    ],
)
def test_lsoa_either_vintage(boundaries, spec, code, name):
    a = resolve_area(spec, boundaries)
    assert (a.kind, a.spec) == ("lsoa", f"lsoa:{code}")
    assert a.name == f"{name} ({code})"
    assert a.geometry.area > 0


def test_place_with_radius(boundaries):
    a = resolve_area("Poole Bus Station@300", boundaries)
    assert (a.kind, a.spec, a.name) == (
        "place",
        "place:Poole Bus Station@300",
        "Poole Bus Station (300 m)",
    )
    centre = boundaries.gazetteer.set_index("name").loc["Poole Bus Station", "geometry"]
    assert a.geometry.centroid.distance(centre) < 0.5
    # a buffered point: area of a circle of 300 m within 1% (polygonal approximation)
    assert a.geometry.area == pytest.approx(math.pi * 300**2, rel=0.01)


@pytest.mark.parametrize(
    ("spec", "name", "radius"),
    [
        ("Lower Gardens", "Lower Gardens", DEFAULT_PLACE_RADIUS_M),
        ("place:lower gardens", "Lower Gardens", DEFAULT_PLACE_RADIUS_M),
        ("Lower Gardens (Bournemouth)@100", "Lower Gardens", 100),
        ("place:Poole Quay@ 150 m", "Poole Quay", 150),
        ("poole qu", "Poole Quay", DEFAULT_PLACE_RADIUS_M),  # unique substring of a place
    ],
)
def test_place_forms(boundaries, spec, name, radius):
    a = resolve_area(spec, boundaries)
    assert a.kind == "place"
    assert a.spec == f"place:{name}@{radius:g}"
    assert a.geometry.area == pytest.approx(math.pi * radius**2, rel=0.01)


@pytest.mark.parametrize("radius", ["0", "20001"])
def test_place_radius_out_of_range(boundaries, radius):
    with pytest.raises(InputError) as info:
        resolve_area(f"Poole Quay@{radius}", boundaries)
    assert info.value.argument == "area radius"


def test_town_centre(boundaries):
    a = resolve_area("town-centre", boundaries)
    assert a.kind == "town-centre"
    ref = town_centre_area(boundaries)
    assert a.geometry.equals(ref.geometry)
    gz = boundaries.gazetteer.set_index("name")
    for place in TOWN_CENTRE_PLACES:
        assert a.geometry.contains(gz.loc[place, "geometry"]), place
    # five 200 m circles overlap: less than 5 full circles, more than one
    assert math.pi * 200**2 < a.geometry.area < 5 * math.pi * 200**2
    assert boundaries.outline.buffer(1).contains(a.geometry)
    assert resolve_area("Town Centre", boundaries).kind == "town-centre"


def _square_geojson(path, lon, lat, half_deg=0.002, extra=None):
    def square(cx, cy):
        return [[
            [cx - half_deg, cy - half_deg], [cx + half_deg, cy - half_deg],
            [cx + half_deg, cy + half_deg], [cx - half_deg, cy + half_deg],
            [cx - half_deg, cy - half_deg],
        ]]  # fmt: skip

    feats = [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": square(lon, lat)},
        },
    ]
    for cx, cy in extra or []:
        feats.append(
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": square(cx, cy)},
            },
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return path


def test_polygon_file_in_wgs84(boundaries, tmp_path, places, to_bng):
    lon, lat = places["Poole Bus Station"]
    f = _square_geojson(tmp_path / "my patch.geojson", lon, lat)
    for spec in (str(f), f"file:{f}"):
        a = resolve_area(spec, boundaries)
        assert (a.kind, a.name) == ("file", "my patch")
        assert a.spec == f"file:{f}"
        x, y = to_bng(lon, lat)
        assert a.geometry.contains(shapely.Point(x, y))
        # 0.004 deg x 0.004 deg at 50.7 N: about 283 m x 445 m, in metres now
        assert 0.10 < a.area_km2 < 0.15


def test_polygon_file_polygons_are_dissolved(boundaries, tmp_path, places):
    lon, lat = places["Poole Bus Station"]
    f = _square_geojson(tmp_path / "two.geojson", lon, lat, extra=[(lon + 0.1, lat)])
    a = resolve_area(f"file:{f}", boundaries)
    assert a.geometry.geom_type == "MultiPolygon"
    assert len(a.geometry.geoms) == 2


def test_polygon_file_errors(boundaries, tmp_path):
    with pytest.raises(FileReadError, match="area file not found"):
        resolve_area(str(tmp_path / "missing.geojson"), boundaries)
    pts = tmp_path / "points.geojson"
    pts.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [-1.9, 50.7]},
                    },
                ],
            },
        ),
        encoding="utf-8",
    )
    with pytest.raises(FileReadError, match="no polygons"):
        resolve_area(f"file:{pts}", boundaries)
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not json", encoding="utf-8")
    with pytest.raises(FileReadError, match="not a readable polygon file"):
        resolve_area(str(junk), boundaries)


@pytest.mark.parametrize(
    "spec",
    ["Atlantis", "ward:Atlantis", "town:Swanage", "lsoa:E01999999", "Lower Gardens@abc"],
)
def test_unknown_spec_names_argument_and_gives_hint(boundaries, spec):
    with pytest.raises(InputError) as info:
        resolve_area(spec, boundaries)
    err = info.value
    assert err.argument == "area"
    assert err.received == spec
    assert "Poole" in err.hint and "Lower Gardens" in err.hint


def test_area_passes_through(boundaries):
    a = Area("sq", "polygon", "sq", box(0, 0, 10, 10))
    assert resolve_area(a, boundaries) is a


def test_spec_round_trips(boundaries):
    for spec in ("Poole", "Poole Town", "E01015431", "Poole Bus Station@300", "town-centre", "bcp"):
        a = resolve_area(spec, boundaries)
        b = resolve_area(a.spec, boundaries)
        assert (b.kind, b.spec) == (a.kind, a.spec)
        assert b.geometry.equals(a.geometry)


# --- outputs: masks --------------------------------------------------------------


def test_area_mask_on_a_toy_square():
    sq = Area("sq", "polygon", "sq", box(0, 0, 10, 10))
    x = np.array([5.0, 0.0, 10.0, 10.5, -0.1, 9.99, np.nan, 5.0])
    y = np.array([5.0, 5.0, 5.0, 5.0, 5.0, 0.01, 5.0, np.inf])
    # boundary points are outside (contains, not covers); non-finite are outside
    assert area_mask(x, y, sq).tolist() == [True, False, False, False, False, True, False, False]
    assert area_mask(np.array([]), np.array([]), sq).tolist() == []
    assert sq.area_km2 == pytest.approx(1e-4)


def test_records_in_area_tests_each_location_once():
    recs = S.conform(
        pd.DataFrame(
            {
                S.X: [5.0, 5.0, 20.0, 1.0, 20.0],
                S.Y: [5.0, 5.0, 5.0, 9.0, 5.0],
                S.IN_BCP: [True, False, True, False, True],
            },
        ),
    )
    sq = Area("sq", "polygon", "sq", box(0, 0, 10, 10))
    assert records_in_area(recs, sq).tolist() == [True, True, False, True, False]
    # for BCP the stored flag is used, not the coordinates
    bcp = Area("BCP", "bcp", "bcp", box(0, 0, 10, 10))
    assert records_in_area(recs, bcp).tolist() == [True, False, True, False, True]


# --- links by name, slug or code (issue 24) -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("Poole Town", "ward:E05012674"),
        ("poole-town", "ward:E05012674"),
        ("POOLE TOWN", "ward:E05012674"),
        ("E05012674", "ward:E05012674"),
        ("e05012674", "ward:E05012674"),
        ("ward:poole-town", "ward:E05012674"),
        ("ward:E05012674", "ward:E05012674"),
        ("Poole", "town:Poole"),
        ("town:christchurch", "town:Christchurch"),
        ("Poole Bus Station", "place:Poole Bus Station"),
        ("poole-bus-station@300", "place:Poole Bus Station@300"),
        ("place:lower-gardens", "place:Lower Gardens"),
        ("bcp", "bcp"),
        ("town-centre", "town-centre"),
        ("Town centre", "town-centre"),
    ],
)
def test_link_area_names_slugs_and_codes(text, spec):
    assert areas.link_area_spec(text) == spec


@pytest.mark.parametrize(
    "text",
    ["Nowhere", "Pool Town", "", "ward:", "lsoa:E01015431", "E01015431", "file:a.geojson",
     "/etc/passwd", "poly:1,2;3,4;5,6"],
)  # fmt: skip
def test_link_area_refuses_unknown_names_files_and_lsoas(text):
    assert areas.link_area_spec(text) is None


def test_link_area_never_reads_a_file(tmp_path, monkeypatch):
    f = tmp_path / "area.geojson"
    f.write_text('{"type": "FeatureCollection", "features": []}')
    called = []
    monkeypatch.setattr(areas, "_from_file", lambda *a: called.append(a))
    assert areas.link_area_spec(str(f)) is None and called == []


def test_cli_area_accepts_slugs_like_links():
    assert areas.resolve_area("poole-town").spec == "ward:E05012674"
    assert areas.resolve_area("westbourne-and-west-cliff").spec == "ward:E05012680"
    assert areas.resolve_area("Westbourne & West Cliff").spec == "ward:E05012680"
