"""Streets from police.uk location texts (hotspots.present.streets)."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.errors import InputError
from hotspots.present.streets import build_streets, street_name, streets_in


# --- inputs ---------------------------------------------------------------------------
def test_missing_columns_are_named():
    with pytest.raises(InputError, match="location"):
        build_streets(pd.DataFrame({"x": [1.0], "y": [2.0]}))


def test_join_distance_checked():
    df = pd.DataFrame({"x": [0.0], "y": [0.0], "location": ["On or near A Road"]})
    with pytest.raises(InputError, match="join_m"):
        build_streets(df, join_m=0)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("On or near Old Christchurch Road", "Old Christchurch Road"),
        ("on or near  High Street ", "High Street"),
        ("On or near Parking Area", None),
        ("On or near Sports/Recreation Area", None),
        ("On or near Supermarket", None),
        ("No Location", None),
        ("", None),
        (None, None),
    ],
)
def test_street_name(text, name):
    assert street_name(text) == name


# --- outputs --------------------------------------------------------------------------
def test_points_of_one_street_joined_in_order_and_split_by_distance():
    # three points of Station Road in one town (out of order), one 5 km away, one generic
    df = pd.DataFrame(
        {
            "x": [200.0, 0.0, 100.0, 5000.0, 50.0],
            "y": [0.0, 0.0, 10.0, 0.0, 0.0],
            "location": ["On or near Station Road"] * 4 + ["On or near Supermarket"],
            "count": [3, 1, 2, 7, 100],
        },
    )
    layer = build_streets(df, join_m=350)
    s = layer.streets
    assert layer.n_locations == 5 and layer.n_generic == 1
    assert list(s["street"]) == ["Station Road", "Station Road"]
    assert list(s["count"]) == [7, 6]  # busiest piece first
    assert s.geometry.iloc[0].geom_type == "Point"
    line = s.geometry.iloc[1]
    assert [tuple(c) for c in line.coords] in (
        [(0.0, 0.0), (100.0, 10.0), (200.0, 0.0)],
        [(200.0, 0.0), (100.0, 10.0), (0.0, 0.0)],
    )
    assert s["length_m"].iloc[1] == pytest.approx(2 * (100**2 + 10**2) ** 0.5)
    labels = layer.label_points(every_m=600)
    assert len(labels) == 2 and set(labels["street"]) == {"Station Road"}
    assert all(-90 <= a <= 90 for a in labels["angle_deg"])


def test_records_count_one_each_and_clip():
    import shapely

    df = pd.DataFrame(
        {"x": [0.0, 0.0, 100.0], "y": [0.0, 0.0, 0.0], "location": ["On or near A Road"] * 3},
    )
    layer = build_streets(df)
    assert list(layer.streets["count"]) == [3] and list(layer.streets["n_points"]) == [2]
    clipped = streets_in(layer, shapely.box(-10, -10, 50, 10))
    assert clipped.streets.geometry.iloc[0].length == pytest.approx(50)


def test_bundled_months_hold_central_bournemouth_streets(bundled_read):
    layer = build_streets(bundled_read.records)
    names = set(layer.names)
    assert {"Old Christchurch Road", "Gervis Place", "Poole Hill", "Exeter Road"} <= names
    assert not {"Parking Area", "Supermarket"} & names
