"""Street, place and ward search (hotspots.present.search)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.present.search import build_index, normalise, search
from hotspots.present.streets import build_streets


# --- inputs ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("Old Christchurch Rd.", "old christchurch road"),
        ("old christchurch rd", "old christchurch road"),
        ("High St", "high street"),
        ("St Michael'S Road", "st michael road"),
        ("Saint Michael's Road", "st michael road"),
        ("  ", ""),
        ("Rd", "rd"),  # a lone abbreviation is not a street
    ],
)
def test_normalise(text, out):
    assert normalise(text) == out


def test_empty_query_finds_nothing():
    assert search(build_index(), "old christchurch rd") == []
    assert search(build_index(wards=_wards()), "   ") == []


# --- outputs --------------------------------------------------------------------------
def _wards():
    return gpd.GeoDataFrame(
        {S.WARD_NAME: ["Bournemouth Central", "Poole Town"]},
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(5000, 0, 6000, 1000)],
        crs=S.CRS_METRES,
    )


def _streets():
    df = pd.DataFrame(
        {
            "x": [100.0, 200.0, 300.0, 5100.0, 700.0],
            "y": [100.0, 120.0, 150.0, 500.0, 700.0],
            "location": ["On or near Old Christchurch Road"] * 2
            + [
                "On or near Old Christchurch Lane",
                "On or near High Street",
                "On or near Parking Area",
            ],
        },
    )
    return build_streets(df)


def test_old_christchurch_rd_finds_old_christchurch_road_first():
    idx = build_index(_streets(), wards=_wards())
    hits = search(idx, "old christchurch rd")
    assert hits[0].name == "Old Christchurch Road" and hits[0].kind == "street"
    assert hits[0].score == 1.0
    x0, y0, x1, y1 = hits[0].bounds
    assert x0 < 100 and x1 > 200 and y0 < 100 and y1 > 120  # both points, with a margin
    assert [h.name for h in hits][:2] == ["Old Christchurch Road", "Old Christchurch Lane"]


def test_typos_places_and_wards():
    gaz = gpd.GeoDataFrame(
        {"place": ["Bournemouth Square"], "name": ["Square"]},
        geometry=[shapely.Point(500, 500)],
        crs=S.CRS_METRES,
    )
    idx = build_index(_streets(), gaz, _wards())
    assert search(idx, "old chirstchurch road")[0].name == "Old Christchurch Road"
    assert search(idx, "poole town")[0].label == "Poole Town (ward)"
    assert search(idx, "bournemouth sq")[0].name == "Bournemouth Square"
    assert search(idx, "zzzz") == []
    assert len(search(idx, "o", limit=2)) <= 2


def test_bundled_streets_gazetteer_and_wards(bundled_read):
    from hotspots.data.boundaries import load_boundaries

    b = load_boundaries()
    idx = build_index(build_streets(bundled_read.records), b.gazetteer, b.wards)
    assert search(idx, "old christchurch rd")[0].name == "Old Christchurch Road"
    assert search(idx, "lansdowne")[0].kind in ("place", "street")
    assert search(idx, "Boscombe West")[0].label == "Boscombe West (ward)"
