"""Tests for hotspots.methods.detect: one entry point, one result shape, right at every scale.

Inputs first (methods, settings, areas), then outputs: the fixed schema for every
method (empty results included), and the acceptance checks of the hotspot engine on
the bundled real months (2024-01..03) and on records scattered uniformly at random
over BCP land.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import load_boundaries
from hotspots.errors import InputError
from hotspots.methods.detect import detect, study_area
from hotspots.methods.result import RESULT_COLUMNS, HotspotResult

METHODS = ("dbscan", "kde", "gistar", "grid")
TESTED = ("dbscan", "kde", "gistar")  # the three detection methods (grid is a ranking)

# ----------------------------------------------------------------------------- inputs


def test_unknown_method_and_foreign_settings_are_refused(make_records):
    recs = make_records([(430_000, 91_000, 5)])
    with pytest.raises(InputError, match="method"):
        detect(recs, "hdbscan")
    with pytest.raises(InputError, match="eps_m"):
        detect(recs, "kde", eps_m=100)  # a DBSCAN setting: refused, never ignored
    with pytest.raises(InputError, match="overlaps BCP"):
        detect(recs, "dbscan", area="poly:-1.5,50.5;-1.49,50.5;-1.49,50.51")  # in the sea


def test_study_area_is_clipped_to_bcp_land():
    b = load_boundaries()
    circle = study_area("Bournemouth Pier@500", b)
    assert circle.geometry.area < np.pi * 500**2 * 0.8  # half of the circle is sea
    assert shapely.covers(b.outline.buffer(1), circle.geometry)
    assert study_area("bcp", b).geometry.equals(b.outline)


# ----------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("method", METHODS)
def test_every_method_returns_the_same_schema(method, bcp_2024, make_records):
    res = detect(bcp_2024, method, area="ward:Poole Town")
    assert isinstance(res, HotspotResult) and res.method == method
    assert list(res.hotspots.columns) == RESULT_COLUMNS
    assert res.hotspots.crs == S.CRS_METRES
    assert len(res.hotspots) > 0
    assert res.hotspots[S.RANK].tolist() == list(range(1, len(res.hotspots) + 1))
    assert (res.hotspots[S.COUNT] > 0).all()
    assert res.study_area.name == "Poole Town ward"
    assert res.parameters["method"] == method and res.notes
    # chance baseline beside every count: N a / A, and in-sample PAI = share / area share
    h = res.hotspots
    a_share = h.geometry.area / res.study_area.geometry.area
    np.testing.assert_allclose(h["expected"], res.n_records * a_share)
    np.testing.assert_allclose(h["pai"], (h[S.COUNT] / res.n_records) / a_share)
    # an empty selection keeps the schema
    empty = detect(bcp_2024.iloc[:0], method, area="ward:Poole Town")
    assert list(empty.hotspots.columns) == RESULT_COLUMNS and len(empty.hotspots) == 0


def _real_names(res: HotspotResult) -> list[str]:
    return res.hotspots[S.NAME].tolist()


def test_every_busy_ward_has_a_hotspot(bcp_2024):
    """Acceptance: default settings, 2024-01..03, every ward with 300+ records has one."""
    b = load_boundaries()
    busy = bcp_2024[S.WARD_NAME].value_counts()
    busy = busy[busy >= 300].index.tolist()
    assert len(busy) >= 10
    missing = [w for w in busy if len(detect(bcp_2024, area=f"ward:{w}", boundaries=b)) == 0]
    assert missing == []


@pytest.mark.parametrize("ward", ["Bournemouth Central", "Poole Town"])
def test_central_wards_have_several_differently_named_hotspots(bcp_2024, ward):
    res = detect(bcp_2024, area=f"ward:{ward}")
    names = _real_names(res)
    assert len(names) >= 2
    assert len(set(names)) == len(names)
    assert not any(re.search(r"\(\d+\)$", n) for n in names), names


def test_town_centre_has_named_hotspots_for_all_records_and_for_asb(bcp_2024):
    res = detect(bcp_2024, area="town-centre")
    names = _real_names(res)
    assert len(set(names)) >= 3, names
    asb = bcp_2024[bcp_2024[S.CATEGORY] == S.ASB]
    assert len(detect(asb, area="town-centre")) >= 1


def test_poole_bus_station_is_its_own_hotspot_within_500_m(bcp_2024):
    res = detect(bcp_2024, area="Poole Bus Station@500")
    assert any(n.startswith("Poole Bus Station") for n in _real_names(res)), _real_names(res)


def _uniform_like(records: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The same records, moved to points scattered uniformly at random over BCP land."""
    outline = load_boundaries().outline
    minx, miny, maxx, maxy = outline.bounds
    rng = np.random.default_rng(seed)
    n = len(records)
    xs, ys = [], []
    while sum(len(v) for v in xs) < n:
        x = rng.uniform(minx, maxx, 2 * n)
        y = rng.uniform(miny, maxy, 2 * n)
        ok = shapely.contains_xy(outline, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
    out = records.copy()
    out[S.X] = np.concatenate(xs)[:n]
    out[S.Y] = np.concatenate(ys)[:n]
    return out


@pytest.mark.parametrize("method", TESTED)
def test_uniform_noise_gives_almost_no_hotspots(method, bcp_2024):
    """Acceptance: as many records as a real month, scattered at random: <= 1 on average."""
    month = bcp_2024[bcp_2024[S.MONTH] == "2024-01"]
    found = [len(detect(_uniform_like(month, seed), method)) for seed in range(4)]
    assert np.mean(found) <= 1.0, found


@pytest.mark.parametrize("method", TESTED)
def test_no_hotspot_is_empty_or_outside_bcp(method, bcp_2024):
    res = detect(bcp_2024, method)
    h = res.hotspots
    assert (h[S.COUNT] > 0).all()
    assert h[S.WARD_NAME].notna().all()
    assert (h[S.AREA_KM2] < 2.5).all()  # street- or quarter-sized, not a district


def test_more_months_do_not_make_real_places_vanish(bundled_records):
    """The old rule's min points grew with the records, so widening the months hid places."""
    b = load_boundaries()
    inside = bundled_records[bundled_records[S.IN_BCP]]
    one = inside[inside[S.MONTH] == "2024-01"]
    three = inside[inside[S.MONTH].between("2024-01", "2024-03")]
    n1 = len(detect(one, area="ward:Poole Town", boundaries=b))
    n3 = len(detect(three, area="ward:Poole Town", boundaries=b))
    assert n3 >= n1 >= 1


# ------------------------------------------------------------- Gi* in an area, importance


@pytest.mark.parametrize("area", ["Bournemouth Central", "town-centre", "Poole Bus Station@500"])
def test_gistar_in_an_area_shows_the_bcp_hotspots_in_it(bcp_2024, area):
    """Acceptance (issue 18): by default Gi* in an area is BCP's inference clipped to it."""
    from hotspots.methods.gistar import gistar

    res = detect(bcp_2024, "gistar", area=area)
    assert len(res) >= 1
    assert res.parameters["scope"] == "bcp"
    assert any("the BCP hotspots in" in n for n in res.notes)
    a = study_area(area)
    assert all(a.geometry.buffer(1).contains(g) for g in res.hotspots.geometry)
    # "this area alone" is the inference inside the area, as before, and says so
    alone = detect(bcp_2024, "gistar", area=area, scope="area")
    assert alone.parameters["scope"] == "area"
    assert any("alone" in n for n in alone.notes)
    inside = bcp_2024[shapely.contains_xy(a.geometry, bcp_2024[S.X], bcp_2024[S.Y])]
    assert alone.parameters["hot_cells"] == int(gistar(inside, area=a).hot_mask.sum())


def test_gistar_scope_is_validated(make_records):
    with pytest.raises(InputError, match="scope"):
        detect(make_records([(0, 0, 1)]), "gistar", scope="ward")


def test_importance_floor_keeps_big_or_intense_hotspots():
    from hotspots.methods.detect import MIN_PAI, MIN_SHARE, importance_floor
    from hotspots.methods.result import conform_hotspots

    polys = pd.DataFrame(
        {
            S.RANK: [1, 2, 3, 4],
            S.COUNT: [50, 10, 3, 1],
            S.SHARE: [0.05, 0.01, 0.003, 0.001],
        },
    )
    import geopandas as gpd

    g = gpd.GeoDataFrame(
        polys,
        geometry=[shapely.box(0, 0, 10, 10)] * 4,
        crs=S.CRS_METRES,
    )
    hot = conform_hotspots(g, n_records=1000, area_km2=1.0)
    hot["pai"] = [5.0, 5.0, MIN_PAI, MIN_PAI - 1]
    kept, note = importance_floor(hot)
    # 1, 2: share >= 0.5%; 3: PAI at the floor; 4: neither
    assert kept[S.COUNT].tolist() == [50, 10, 3]
    assert kept[S.RANK].tolist() == [1, 2, 3]
    assert f"{MIN_SHARE:.1%}" in note and "1 smaller" in note


@pytest.mark.slow
def test_a_simulated_year_lists_at_most_about_60_hotspots():
    """Acceptance (issue 18): one year of simulated BCP records gives a readable list."""
    from hotspots.data.simulate import simulate

    recs = simulate(seed=1, start="2023-01", end="2023-12").records
    recs = recs[recs[S.IN_BCP].to_numpy(dtype=bool)]
    assert len(recs) > 35_000
    for method in TESTED:
        res = detect(recs, method)
        assert 1 <= len(res) <= 60, (method, len(res))
        assert any("importance floor" in n for n in res.notes)


def test_a_geodataframe_of_points_works_and_a_bare_one_gets_an_input_error(bcp_2024):
    """Issue 18 item 8: ``detect(GeoDataFrame)`` as documented, not ``KeyError: 'in_bcp'``."""
    import geopandas as gpd

    r = bcp_2024.iloc[:3000]
    g = gpd.GeoDataFrame(
        r[[S.CATEGORY, S.LOCATION, S.MONTH]].reset_index(drop=True),
        geometry=gpd.points_from_xy(r[S.X], r[S.Y]),
        crs=S.CRS_METRES,
    ).to_crs(S.CRS_DISPLAY)
    res = detect(g, "dbscan")
    assert res.n_records == int(r[S.IN_BCP].sum())
    with pytest.raises(InputError):
        detect(g[["geometry"]], "dbscan")
