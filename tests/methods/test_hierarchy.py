"""Tests for hotspots.methods.hierarchy: street-sized children inside district-sized hotspots."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import load_boundaries
from hotspots.data.named_areas import load_named_areas
from hotspots.data.select import filter_records
from hotspots.errors import FileReadError
from hotspots.methods import hierarchy as H
from hotspots.methods.detect import detect
from hotspots.methods.result import RESULT_COLUMNS

X0, Y0 = 409_000.0, 91_000.0  # central Bournemouth, EPSG:27700


def _clump(cx: float, cy: float, n_points: int, records_each: int, spacing_m: float = 30.0):
    """A square block of map points ``spacing_m`` apart, ``records_each`` records at each."""
    side = int(np.ceil(np.sqrt(n_points)))
    ij = np.array([(i, j) for i in range(side) for j in range(side)][:n_points], dtype=float)
    x = cx + (ij[:, 0] - (side - 1) / 2) * spacing_m
    y = cy + (ij[:, 1] - (side - 1) / 2) * spacing_m
    return x, y, np.full(n_points, records_each, dtype=float)


def _two_peaks(chain_records: int):
    """Two clumps 600 m apart joined by a chain of map points 50 m apart."""
    ax, ay, aw = _clump(X0, Y0, 9, 20)
    bx, by, bw = _clump(X0 + 600, Y0, 9, 12)
    cx = X0 + np.arange(100, 550, 50.0)
    cy = np.full(len(cx), Y0)
    cw = np.full(len(cx), float(chain_records))
    return np.r_[ax, bx, cx], np.r_[ay, by, cy], np.r_[aw, bw, cw]


def _records(x, y, w, location="On or near High Street"):
    rx, ry = np.repeat(x, w.astype(int)), np.repeat(y, w.astype(int))
    return S.conform(
        pd.DataFrame(
            {
                S.X: rx,
                S.Y: ry,
                S.CATEGORY: "Anti-social behaviour",
                S.LOCATION: location,
                S.MONTH: "2024-01",
            },
        ),
    )


# --- inputs -----------------------------------------------------------------------


def test_split_mask_by_area_and_by_named_places(toy_places):
    small = shapely.box(X0, Y0, X0 + 400, Y0 + 400)  # 0.16 km²
    big = shapely.box(X0, Y0, X0 + 600, Y0 + 500)  # 0.30 km²
    gz = toy_places([("A", X0 + 50, Y0 + 50), ("B", X0 + 150, Y0 + 50)])
    assert H.split_mask(np.array([small, big]), gz).tolist() == [False, True]
    gz3 = toy_places([("A", X0 + 50, Y0 + 50), ("B", X0 + 150, Y0 + 50), ("C", X0 + 250, Y0 + 50)])
    assert H.split_mask(np.array([small]), gz3).tolist() == [True]  # three named places
    assert H.split_mask(np.array([small]), None).tolist() == [False]


def test_two_peaks_with_a_valley_give_two_crests_busier_first():
    x, y, w = _two_peaks(chain_records=1)
    crests = H.peak_crests(x, y, w)
    assert len(crests) == 2
    (a, pa), (b, pb) = crests
    assert set(range(9)) <= set(a.tolist()) and pa in range(9)  # the busier clump first
    assert set(range(9, 18)) <= set(b.tolist()) and pb in range(9, 18)
    assert not set(a.tolist()) & set(b.tolist())
    # the middle of the chain (the valley floor) is in neither crest
    valley = np.flatnonzero((x > X0 + 200) & (x < X0 + 400) & (np.arange(len(x)) >= 18))
    assert len(valley) and not (set(a.tolist()) | set(b.tolist())) & set(valley.tolist())


def test_a_bump_on_a_slope_is_not_a_valley():
    """A smaller clump 120 m from a bigger one: the density has no valley deep enough
    (sqrt(peak) - sqrt(saddle) < 1), so the bump merges into the big peak.
    """
    ax, ay, aw = _clump(X0, Y0, 9, 20)
    bx, by, bw = _clump(X0 + 120, Y0, 4, 6)
    crests = H.peak_crests(np.r_[ax, bx], np.r_[ay, by], np.r_[aw, bw])
    assert len(crests) == 1


def test_a_small_bump_is_not_a_crest():
    """A peak under 10 records or 5% of the parent is left out (CHILD_MIN_*)."""
    ax, ay, aw = _clump(X0, Y0, 9, 20)
    bx, by, bw = np.array([X0 + 800.0]), np.array([Y0]), np.array([8.0])
    crests = H.peak_crests(np.r_[ax, bx], np.r_[ay, by], np.r_[aw, bw])
    assert len(crests) == 1 and 9 not in crests[0][0]
    assert H.peak_crests(np.empty(0), np.empty(0), np.empty(0)) == []


def test_named_areas_are_checked_like_the_gazetteer(tmp_path):
    gz = load_boundaries().gazetteer
    areas = load_named_areas(gz)
    assert "Bournemouth town centre" in areas["name"].tolist()
    assert areas.crs.equals(S.CRS_METRES) and (areas.geometry.area > 0).all()
    bad = tmp_path / "areas.csv"
    bad.write_text("area,places,radius_m\nX,Bournemouth Square,200\nY,Nowhere,200\n")
    with pytest.raises(FileReadError, match=r"row 3, field places: 'Nowhere'"):
        load_named_areas(gz, bad)
    bad.write_text("area,places,radius_m\nX,Bournemouth Square,far\n")
    with pytest.raises(FileReadError, match=r"row 2, field radius_m: not a number"):
        load_named_areas(gz, bad)
    bad.write_text("area,places,radius_m\nX,Bournemouth Square,0\n")
    with pytest.raises(FileReadError, match=r"row 2, field radius_m"):
        load_named_areas(gz, bad)
    bad.write_text("area,radius_m\nX,10\n")
    with pytest.raises(FileReadError, match=r"missing \['places'\]"):
        load_named_areas(gz, bad)


# --- outputs ----------------------------------------------------------------------


def test_add_children_on_toy_district(toy_places):
    x, y, w = _two_peaks(chain_records=1)
    recs = _records(x, y, w)
    parent = shapely.box(X0 - 300, Y0 - 300, X0 + 900, Y0 + 300)  # 0.72 km²
    assert parent.area / 1e6 > H.SPLIT_AREA_KM2
    hot = gpd.GeoDataFrame(
        {S.HOTSPOT_ID: [1], S.RANK: [1], S.NAME: ["High Street"], S.COUNT: [len(recs)]},
        geometry=[parent],
        crs=S.CRS_METRES,
    )
    gz = toy_places([("West Place", X0 + 10, Y0), ("East Place", X0 + 590, Y0)])
    out = H.add_children(hot, recs, gazetteer=gz)
    assert out[H.LEVEL].tolist() == [0, 1, 1]
    assert out[H.PARENT].isna().tolist() == [True, False, False]
    kids = out[out[H.LEVEL] == 1]
    assert kids[H.PARENT].tolist() == [1, 1]
    assert kids[S.HOTSPOT_ID].tolist() == [2, 3] and kids[S.RANK].tolist() == [2, 3]
    # each child holds its crest's records: its clump (9 x 20, 9 x 12) and the chain
    # points (1 record each) close enough to stand above the saddle
    crests = H.peak_crests(x, y, w)
    assert kids[S.COUNT].tolist() == [int(w[c].sum()) for c, _ in crests]
    assert 180 <= kids[S.COUNT].iloc[0] <= 185 and 108 <= kids[S.COUNT].iloc[1] <= 113
    assert kids[S.NAME].tolist() == ["West Place", "East Place"]  # the place at each peak
    assert (kids.geometry.within(parent.buffer(1e-6))).all()
    # the parent is named by its extent, west to east
    assert out[S.NAME].iloc[0] == "West Place to East Place"


def test_add_children_keeps_small_hotspots_and_empty_frames():
    x, y, w = _clump(X0, Y0, 4, 5)
    recs = _records(x, y, w)
    hot = gpd.GeoDataFrame(
        {S.HOTSPOT_ID: [1], S.RANK: [1], S.NAME: ["High Street"], S.COUNT: [20]},
        geometry=[shapely.buffer(shapely.multipoints(np.c_[x, y]), 40)],
        crs=S.CRS_METRES,
    )
    out = H.add_children(hot, recs, gazetteer=None)
    assert len(out) == 1 and out[H.LEVEL].tolist() == [0] and out[H.PARENT].isna().all()
    empty = detect(recs.iloc[:0], "dbscan")
    assert list(empty.hotspots.columns) == RESULT_COLUMNS and len(empty.hotspots) == 0
    assert str(empty.hotspots[H.PARENT].dtype) == "Int64"


# --- acceptance on the bundled real months -------------------------------------------


@pytest.fixture(scope="module")
def one_and_three(bundled_records):
    three = filter_records(bundled_records, months=("2024-01", "2024-03"))
    one = filter_records(bundled_records, months=("2024-01", "2024-01"))
    return one, three


@pytest.mark.parametrize("method", ["dbscan", "kde", "gistar", "grid"])
def test_no_large_hotspot_without_children(one_and_three, method):
    """Acceptance: Jan–Mar 2024, all records: nothing over 0.3 km² without children."""
    _, three = one_and_three
    h = detect(three, method).hotspots
    parents = set(h[H.PARENT].dropna().astype(int))
    big = h[(h[S.AREA_KM2] > 0.3) & ~h[S.HOTSPOT_ID].isin(parents)]
    assert big.empty, big[[S.NAME, S.AREA_KM2, H.LEVEL]]
    assert (h.loc[h[H.LEVEL] == 1, S.AREA_KM2] <= H.MAX_CHILD_KM2 + 1e-9).all()
    # children lie in their parents and hold no more than them
    for _, kid in h[h[H.LEVEL] == 1].iterrows():
        par = h[h[S.HOTSPOT_ID] == kid[H.PARENT]].iloc[0]
        assert par[H.LEVEL] == 0 and kid[S.COUNT] <= par[S.COUNT]
        assert kid.geometry.difference(par.geometry).area < 1.0
    assert (h[h[H.LEVEL] == 0][S.RANK] == np.arange(1, (h[H.LEVEL] == 0).sum() + 1)).all()


@pytest.mark.parametrize("method", ["dbscan", "kde", "gistar"])
def test_the_square_is_named_for_itself_or_the_town_centre(one_and_three, method):
    """Acceptance: the hotspot holding Bournemouth Square is named for the Square or the
    town centre and, when it is split, has the Square as a child.
    """
    _, three = one_and_three
    h = detect(three, method).hotspots
    gz = load_boundaries().gazetteer
    square = gz.loc[gz["name"] == "Bournemouth Square"].geometry.iloc[0]
    tops = h[h[H.LEVEL] == 0]
    dist = tops.geometry.distance(square)
    assert dist.min() <= 50  # the Square is in (or at the edge of) a hotspot
    top = tops.loc[dist.idxmin()]
    assert top[S.NAME] in ("Bournemouth Square", "Bournemouth town centre")
    kids = h[h[H.PARENT] == top[S.HOTSPOT_ID]]
    if len(kids):
        assert "Bournemouth Square" in kids[S.NAME].tolist()
        sq = kids[kids[S.NAME] == "Bournemouth Square"].iloc[0]
        assert sq.geometry.distance(square) <= H.PLACE_FROM_PEAK_M
        assert "The Lansdowne" in kids[S.NAME].tolist()
    if method == "dbscan":  # the README's example: town centre, 1.1 the Square, 1.2 the Lansdowne
        assert top[S.NAME] == "Bournemouth town centre"
        busiest = kids.sort_values(S.COUNT, ascending=False)[S.NAME].tolist()
        assert busiest[:2] == ["Bournemouth Square", "The Lansdowne"]


def _iou(a, b) -> float:
    return a.intersection(b).area / a.union(b).area


@pytest.mark.parametrize("method", ["dbscan", "kde", "gistar", "grid"])
def test_names_stay_put_with_one_month(one_and_three, method):
    """Acceptance: the same hotspot (same level, outlines overlapping by half or more)
    holding the same gazetteer place has the same name with 1 and with 3 months.
    """
    one, three = one_and_three
    a, b = detect(three, method).hotspots, detect(one, method).hotspots
    gz = load_boundaries().gazetteer
    compared, differ = 0, []
    for place, g in zip(gz["name"], gz.geometry, strict=True):
        for level in (0, 1):
            ha = a[(a[H.LEVEL] == level) & a.geometry.contains(g)]
            hb = b[(b[H.LEVEL] == level) & b.geometry.contains(g)]
            if len(ha) != 1 or len(hb) != 1:
                continue
            if _iou(ha.geometry.iloc[0], hb.geometry.iloc[0]) < 0.5:
                continue  # different hotspots (e.g. clusters that merge in one month)
            compared += 1
            # a district with one peak is "around <its peak's name>": same place, same name
            na, nb = (str(h[S.NAME].iloc[0]).removeprefix("around ") for h in (ha, hb))
            if na != nb:
                differ.append((place, level, na, nb))
    assert compared >= 2 and differ == []
