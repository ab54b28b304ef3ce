"""Tests for hotspots.methods.naming: hotspot columns, names from the gazetteer, dissolving cells."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.methods.naming import (
    PLACES,
    describe_hotspots,
    dissolve_cells,
    hotspots_from_cells,
)


def _polys(*geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(dict(cols), geometry=list(geoms), crs=S.CRS_METRES)


# ----------------------------------------------------------------------------- inputs


def test_inputs_are_validated(make_records, no_places):
    recs = make_records([(0, 0, 1)])
    with pytest.raises(InputError) as err:
        describe_hotspots([shapely.box(0, 0, 1, 1)], recs, gazetteer=no_places)  # type: ignore[arg-type]
    assert err.value.argument == "polygons"
    wgs = _polys(shapely.box(0, 0, 1, 1)).set_crs(S.CRS_DISPLAY, allow_override=True)
    with pytest.raises(InputError) as err:
        describe_hotspots(wgs, recs, gazetteer=no_places)
    assert "EPSG:4326" in str(err.value) and "to_crs" in str(err.value)
    with pytest.raises(InputError):
        describe_hotspots(_polys(shapely.box(0, 0, 1, 1)), recs.drop(columns=[S.CATEGORY]))
    bad = recs.copy()
    bad.loc[0, S.X] = np.nan
    with pytest.raises(InputError) as err:
        describe_hotspots(_polys(shapely.box(0, 0, 1, 1)), bad, gazetteer=no_places)
    assert "without coordinates" in str(err.value)


def test_labels_must_agree_per_location(make_records, no_places):
    recs = make_records([(0, 0, 2), (50, 0, 1)])
    polys = _polys(shapely.box(-10, -10, 60, 10))
    with pytest.raises(InputError) as err:
        describe_hotspots(polys, recs, labels=np.array([0, -1, 0]), gazetteer=no_places)
    assert "same label" in str(err.value)
    with pytest.raises(InputError):
        describe_hotspots(polys, recs, labels=np.array([0, 0, 1]), gazetteer=no_places)
    with pytest.raises(InputError):
        describe_hotspots(polys, recs, labels=np.array([0, 0]), gazetteer=no_places)


# ----------------------------------------------------------------------------- outputs


def test_columns_counts_shares_and_texts_written_out(make_records, no_places):
    # hotspot A (100 m square) holds 6 records at two locations; B holds 3; 1 outside
    recs = make_records(
        [(10, 10, 4), (60, 60, 2), (510, 10, 3), (5000, 5000, 1)],
        category=[S.ASB, "Drugs", "Shoplifting", S.ASB],
        location=[
            "On or near Gervis Place",
            "On or near Parking Area",
            "On or near Supermarket",
            "x",
        ],
        ward=["Bournemouth Central", "Bournemouth Central", "Winton East", None],
    )
    polys = _polys(shapely.box(500, 0, 520, 20), shapely.box(0, 0, 100, 100))
    out = describe_hotspots(polys, recs, gazetteer=no_places)
    assert list(out.columns) == [*S.HOTSPOT_COLUMNS[:-1], PLACES, "geometry"]
    assert out[S.RANK].tolist() == [1, 2]
    assert out[S.HOTSPOT_ID].tolist() == [1, 2]  # ids are ranks when not given
    assert out[S.COUNT].tolist() == [6, 3]
    assert out[S.SHARE].tolist() == pytest.approx([0.6, 0.3])
    assert out[S.AREA_KM2].tolist() == pytest.approx([0.01, 0.0004])
    assert out[S.DENSITY_PER_KM2].tolist() == pytest.approx([600.0, 7500.0])
    assert out[S.TOP_CATEGORIES].tolist() == [
        "Anti-social behaviour 67%; Drugs 33%",
        "Shoplifting 100%",
    ]
    assert out[S.TOP_LOCATIONS].tolist() == [
        "On or near Gervis Place (4); On or near Parking Area (2)",
        "On or near Supermarket (3)",
    ]
    assert out[S.WARD_NAME].tolist() == ["Bournemouth Central", "Winton East"]
    # no gazetteer: the top location text and the ward
    assert out[S.NAME].tolist() == [
        "On or near Gervis Place, Bournemouth Central",
        "On or near Supermarket, Winton East",
    ]
    assert out.crs == S.CRS_METRES


def test_rank_ties_go_to_the_denser_and_ids_are_kept(make_records, no_places):
    recs = make_records([(10, 10, 3), (510, 10, 3)])
    polys = _polys(
        shapely.box(0, 0, 100, 100),
        shapely.box(500, 0, 520, 20),
        hotspot_id=["a", "b"],
        extra=[1.5, 2.5],
    )
    out = describe_hotspots(polys, recs, gazetteer=no_places)
    assert out[S.HOTSPOT_ID].tolist() == ["b", "a"]
    assert out[S.RANK].tolist() == [1, 2]
    assert out["extra"].tolist() == [2.5, 1.5]  # extra columns follow their rows


def test_points_on_the_boundary_count_and_overlaps_count_twice(make_records, no_places):
    recs = make_records([(100, 50, 2), (150, 50, 1)])
    polys = _polys(shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100))
    out = describe_hotspots(polys, recs, gazetteer=no_places)
    assert sorted(out[S.COUNT].tolist()) == [2, 3]


def test_names_from_a_gazetteer(make_records, toy_places):
    places = toy_places(
        [("Lower Gardens", 0, -290), ("Far Away", 5000, 0), ("Bus Station", 1000, 0)]
    )
    recs = make_records([(0, 0, 5), (1000, 310, 4), (3000, 0, 2)])
    polys = _polys(
        shapely.box(-10, -10, 10, 10),  # 280 m from Lower Gardens
        shapely.box(990, 300, 1010, 320),  # 300 m from Bus Station: inclusive
        shapely.box(2990, -10, 3010, 10),  # 1990 m from Bus Station
    )
    out = describe_hotspots(polys, recs, gazetteer=places)
    assert out[S.NAME].tolist() == ["Lower Gardens", "Bus Station", "On or near Toy Road 2"]
    assert out[PLACES].tolist() == ["Lower Gardens", "Bus Station", ""]
    out = describe_hotspots(polys, recs, gazetteer=places, name_within_m=250)
    assert out[S.NAME].tolist() == [
        "On or near Toy Road 0",
        "On or near Toy Road 1",
        "On or near Toy Road 2",
    ]


def test_the_place_with_most_records_nearby_wins_and_a_close_second_joins(make_records, toy_places):
    # one long hotspot from x=0 to x=1000; places at both ends and in the middle
    places = toy_places([("West End", 0, 0), ("Middle", 500, 0), ("East End", 1000, 0)])
    recs = make_records([(0, 0, 10), (500, 0, 1), (1000, 0, 3)])
    poly = _polys(shapely.box(-20, -20, 1020, 20))
    # records within 300 m: West End 10, Middle 1, East End 3 -> "West End"
    out = describe_hotspots(poly, recs, gazetteer=places)
    assert out[S.NAME].tolist() == ["West End"]
    assert out[PLACES].tolist() == ["West End; East End; Middle"]
    # East End with 5 of West End's 10: both are named
    recs = make_records([(0, 0, 10), (500, 0, 1), (1000, 0, 5)])
    out = describe_hotspots(poly, recs, gazetteer=places)
    assert out[S.NAME].tolist() == ["West End & East End"]


def test_repeated_names_get_a_number(make_records, toy_places):
    places = toy_places([("Winton", 0, 0)])
    recs = make_records([(0, 100, 5), (0, -100, 3)])
    polys = _polys(shapely.box(-10, 90, 10, 110), shapely.box(-10, -110, 10, -90))
    out = describe_hotspots(polys, recs, gazetteer=places)
    assert out[S.NAME].tolist() == ["Winton", "Winton (2)"]


def test_labels_replace_point_in_polygon(make_records, no_places):
    recs = make_records([(0, 0, 2), (50, 0, 1), (900, 0, 4)])
    polys = _polys(shapely.box(-10, -10, 60, 10), shapely.box(890, -10, 910, 10))
    # the record at (50, 0) is inside polygon 0 but labelled noise
    out = describe_hotspots(
        polys, recs, labels=np.array([0, 0, -1, 1, 1, 1, 1]), gazetteer=no_places
    )
    assert out[S.COUNT].tolist() == [4, 2]


def test_empty_inputs_give_empty_frames_with_the_same_columns(make_records, no_places):
    recs = make_records([(0, 0, 1)])
    full = describe_hotspots(_polys(shapely.box(-1, -1, 1, 1)), recs, gazetteer=no_places)
    empty = describe_hotspots(_polys(), recs, gazetteer=no_places)
    assert len(empty) == 0 and list(empty.columns) == list(full.columns)
    none_in = describe_hotspots(
        _polys(shapely.box(-1, -1, 1, 1)), make_records([]), gazetteer=no_places
    )
    assert none_in[S.COUNT].tolist() == [0]
    assert none_in[S.NAME].tolist() == ["Unnamed area"]
    assert none_in[S.SHARE].tolist() == [0.0]


def test_dissolve_cells_joins_edges_not_corners():
    cells = _polys(
        shapely.box(0, 0, 10, 10),
        shapely.box(10, 0, 20, 10),
        shapely.box(20, 10, 30, 20),
        value=[1.0, 5.0, 3.0],
    )
    out = dissolve_cells(cells, value_column="value")
    assert out["n_cells"].tolist() == [2, 1]
    assert out["peak_value"].tolist() == [5.0, 3.0]
    assert out.geometry.area.tolist() == [200.0, 100.0]
    assert all(g.geom_type == "Polygon" for g in out.geometry)
    empty = dissolve_cells(cells.iloc[:0], value_column="value")
    assert len(empty) == 0 and list(empty.columns) == list(out.columns)


def test_hotspots_from_cells(make_records, no_places):
    recs = make_records([(5, 5, 3), (15, 5, 1), (25, 15, 2)])
    cells = _polys(
        shapely.box(0, 0, 10, 10),
        shapely.box(10, 0, 20, 10),
        shapely.box(20, 10, 30, 20),
        z=[2.0, 4.0, 3.0],
    )
    out = hotspots_from_cells(cells, recs, value_column="z", gazetteer=no_places)
    assert out[S.COUNT].tolist() == [4, 2]
    assert out["peak_z"].tolist() == [4.0, 3.0]


# ----------------------------------------------------------------------------- real places


def test_a_hotspot_at_poole_bus_station_is_named_so(bcp_2024):
    from hotspots.data.boundaries import load_boundaries

    gz = load_boundaries().gazetteer.set_index("name")
    pbs = gz.loc["Poole Bus Station", "geometry"]
    out = describe_hotspots(_polys(pbs.buffer(100)), bcp_2024)
    assert out[S.NAME].tolist() == ["Poole Bus Station"]
    assert out[S.WARD_NAME].tolist() == ["Poole Town"]
    assert out[S.COUNT].iloc[0] > 20


def test_a_hotspot_far_from_places_gets_its_top_location(make_records):
    # 5 km north of BCP's northern edge: no bundled place within 300 m, no ward
    recs = make_records(
        [(410_000, 106_000, 3), (410_030, 106_000, 1)], location=["On or near Far Lane", "x"]
    )
    out = describe_hotspots(_polys(shapely.box(409_900, 105_900, 410_100, 106_100)), recs)
    assert out[S.NAME].tolist() == ["On or near Far Lane"]
    assert pd.isna(out[S.WARD_NAME].iloc[0])
