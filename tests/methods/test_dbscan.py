"""Tests for hotspots.methods.dbscan: inputs, then outputs pinned to scikit-learn on raw records."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from scipy import stats as scipy_stats
from sklearn.cluster import DBSCAN

from hotspots.data import schema as S
from hotspots.data.points import unique_locations
from hotspots.errors import InputError
from hotspots.methods.dbscan import (
    DbscanResult,
    auto_eps_m,
    auto_min_points,
    dbscan_hotspots,
)

# ----------------------------------------------------------------------------- inputs


@pytest.mark.parametrize("eps", [0, -5, float("nan"), float("inf"), "100", True])
def test_bad_eps_is_refused(make_records, no_places, eps):
    recs = make_records([(0, 0, 5)])
    with pytest.raises(InputError) as err:
        dbscan_hotspots(recs, eps_m=eps, min_points=3, gazetteer=no_places)
    assert err.value.argument == "eps_m"


@pytest.mark.parametrize("mp", [0, -1, 2.5, "5"])
def test_bad_min_points_is_refused(make_records, no_places, mp):
    recs = make_records([(0, 0, 5)])
    with pytest.raises(InputError) as err:
        dbscan_hotspots(recs, eps_m=10, min_points=mp, gazetteer=no_places)
    assert err.value.argument == "min_points"


def test_bad_buffer_and_records_are_refused(make_records, no_places):
    recs = make_records([(0, 0, 5)])
    with pytest.raises(InputError):
        dbscan_hotspots(recs, eps_m=10, min_points=3, buffer_m=-1, gazetteer=no_places)
    with pytest.raises(InputError) as err:
        dbscan_hotspots(recs.drop(columns=[S.X]), eps_m=10, min_points=3, gazetteer=no_places)
    assert "missing" in str(err.value)
    with pytest.raises(InputError):
        dbscan_hotspots([(0, 0)], eps_m=10, min_points=3)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- outputs


def test_toy_labels_written_out(make_records, no_places):
    # two groups 1 km apart and a lone location
    recs = make_records(
        [(0, 0, 5), (10, 0, 3), (0, 10, 2), (1000, 1000, 6), (500, 500, 1), (1015, 1000, 1)],
    )
    res = dbscan_hotspots(recs, eps_m=20, min_points=5, buffer_m=10, gazetteer=no_places)
    # locations in first-seen order; (0,0),(10,0),(0,10) all hold 10 records within 20 m
    assert res.labels.tolist() == [0, 0, 0, 1, -1, 1]
    assert res.core.tolist() == [True, True, True, True, False, True]
    assert res.points.weight.tolist() == [5, 3, 2, 6, 1, 1]
    assert res.record_labels().tolist() == [0] * 10 + [1] * 6 + [-1] + [1]
    hot = res.hotspots
    assert hot[S.COUNT].tolist() == [10, 7]
    assert hot[S.RANK].tolist() == [1, 2]
    assert hot["cluster"].tolist() == [0, 1]
    assert hot[S.SHARE].tolist() == pytest.approx([10 / 18, 7 / 18])
    assert hot["n_locations"].tolist() == [3, 2]
    # cluster 0: hull is the right triangle of legs 10 m, buffered by 10 m:
    # area = 50 + perimeter*10 + pi*100 (polygonal circle approximation: within 0.5%)
    perim = 10 + 10 + math.sqrt(200)
    assert hot[S.AREA_KM2].iloc[0] * 1e6 == pytest.approx(50 + perim * 10 + math.pi * 100, rel=5e-3)
    assert hot[S.DENSITY_PER_KM2].iloc[0] == pytest.approx(10 / hot[S.AREA_KM2].iloc[0])
    assert res.eps_m == 20 and res.min_points == 5 and res.buffer_m == 10
    assert res.notes == ()  # nothing chosen automatically
    assert isinstance(res, DbscanResult)


def test_columns_start_with_hotspot_columns(make_records, no_places):
    res = dbscan_hotspots(make_records([(0, 0, 5)]), eps_m=5, min_points=5, gazetteer=no_places)
    cols = list(res.hotspots.columns)
    assert cols[: len(S.HOTSPOT_COLUMNS) - 1] == S.HOTSPOT_COLUMNS[:-1]
    assert cols[-1] == "geometry"
    assert res.hotspots.crs == S.CRS_METRES


def test_eps_is_inclusive_like_scikit_learn(make_records, no_places):
    # 3 + 2 records exactly 100 m apart: with eps = 100 each location sees 5 records
    recs = make_records([(0, 0, 3), (100, 0, 2)])
    res = dbscan_hotspots(recs, eps_m=100, min_points=5, gazetteer=no_places)
    assert res.labels.tolist() == [0, 0]
    assert res.core.tolist() == [True, True]
    res = dbscan_hotspots(recs, eps_m=99.999, min_points=5, gazetteer=no_places)
    assert res.labels.tolist() == [-1, -1]
    assert len(res.hotspots) == 0
    assert any("no clusters" in n for n in res.notes)
    # min_points counts the location's own records: 3 records alone reach min_points 3
    res = dbscan_hotspots(recs, eps_m=50, min_points=3, gazetteer=no_places)
    assert res.labels.tolist() == [0, -1]


def _raw_vs_weighted(x, y, eps, mp):
    """Compare scikit-learn DBSCAN on every record with ours on distinct locations."""
    raw = DBSCAN(eps=eps, min_samples=mp).fit(np.c_[x, y])
    pts = unique_locations(x, y)
    raw_core_rec = np.zeros(len(x), dtype=bool)
    raw_core_rec[raw.core_sample_indices_] = True
    return raw, raw_core_rec, pts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_core_and_noise_as_scikit_learn_on_raw_records(make_records, no_places, seed):
    rng = np.random.default_rng(seed)
    # 250 snap points in three towns plus background; 3,000 records, skewed counts
    centres = np.array([[0, 0], [1500, 300], [600, 1800]])
    locs = np.vstack(
        [c + rng.normal(0, 150, size=(70, 2)) for c in centres]
        + [rng.uniform(-500, 2500, (40, 2))],
    ).round(0)
    p = rng.pareto(1.2, len(locs)) + 0.2
    which = rng.choice(len(locs), size=3000, p=p / p.sum())
    x, y = locs[which, 0], locs[which, 1]
    recs = make_records(np.c_[x, y, np.ones(len(x))])
    eps, mp = 90.0, 40
    res = dbscan_hotspots(recs, eps_m=eps, min_points=mp, gazetteer=no_places)
    raw, raw_core_rec, _pts = _raw_vs_weighted(x, y, eps, mp)
    inv = res.points.inverse
    # identical core sets: every record at a core location is core, and only those
    assert np.array_equal(res.core[inv], raw_core_rec)
    # identical noise sets
    assert np.array_equal(res.labels[inv] == -1, raw.labels_ == -1)
    # identical partition of core records (labels may be numbered differently)
    ours, theirs = res.labels[inv][raw_core_rec], raw.labels_[raw_core_rec]
    pairs = set(zip(ours.tolist(), theirs.tolist(), strict=True))
    assert len(pairs) == len(set(ours.tolist())) == len(set(theirs.tolist()))
    mapping = dict(pairs)
    # border records: a different cluster only where the location is within eps of
    # core locations of both clusters (order-dependent in DBSCAN itself)
    border = (~raw_core_rec) & (raw.labels_ >= 0)
    xy = np.c_[res.points.x, res.points.y]
    for i in np.flatnonzero(border):
        loc = inv[i]
        if mapping[res.labels[loc]] != raw.labels_[i]:
            d = np.hypot(*(xy[res.core] - xy[loc]).T)
            near = set(res.labels[res.core][d <= eps].tolist())
            assert len(near) >= 2
    assert res.core.sum() > 5 and (res.labels == -1).sum() > 5  # the case is not trivial


def _chance_min_points_by_hand(n, eps, area, locations, alpha=0.05):
    """Independent reference: walk m upwards until the Palm tail is small enough.

    The record itself is always within eps of itself, so m records within eps means
    m - 1 others: P(Poisson(lambda) >= m - 1) = sf(m - 2).
    """
    lam = n * math.pi * eps**2 / area
    m = 0
    while scipy_stats.poisson.sf(m - 2, lam) > alpha / locations:
        m += 1
    return max(m, 3)


def test_automatic_eps_on_a_lattice(make_records, no_places):
    # 10 x 10 lattice, 100 m spacing, 1 record each: the 2nd-nearest location is
    # 100 m away everywhere (corners included) -> weighted median 100 m
    g = np.arange(10) * 100.0
    xx, yy = np.meshgrid(g, g)
    recs = make_records(np.c_[xx.ravel(), yy.ravel(), np.ones(100)])
    res = dbscan_hotspots(recs, gazetteer=no_places)
    assert res.eps_m == 100.0
    # A = convex hull 900 m x 900 m: lambda = 100 pi 100^2 / 810000 = 3.88 records
    # within eps by chance; the record itself is always there (Palm), so m records
    # means m - 1 others: P(Poisson(3.88) >= 13) = 1.2e-4 <= 0.05 / 100 < P(>= 12)
    assert res.min_points == 14
    assert res.min_points == _chance_min_points_by_hand(100, 100.0, 810_000.0, 100)
    assert res.buffer_m == 50.0
    assert any("eps set to 100 m" in n for n in res.notes)
    assert any("min points set to 14" in n for n in res.notes)
    assert any("uniformly over convex hull" in n for n in res.notes)
    assert len(res.hotspots) == 0  # a uniform lattice has no hotspot


def test_auto_rules_by_hand():
    assert auto_min_points(100, 100.0, 810_000.0, 100) == 14  # Palm: 13 others
    assert auto_min_points(2, 100.0, 810_000.0, 2) == 3  # floor
    for n, eps, area, locs in [(1_000_000, 100.0, 162e6, 8000), (3126, 160.0, 162e6, 1344)]:
        assert auto_min_points(n, eps, area, locs) == _chance_min_points_by_hand(n, eps, area, locs)
    # more records: the threshold grows slower than the records
    assert auto_min_points(4000, 150, 162e6, 1000) < 4 * auto_min_points(1000, 150, 162e6, 1000)
    pts = unique_locations(np.array([0.0, 10.0]), np.array([0.0, 0.0]))
    assert auto_eps_m(pts) == 50.0  # too few locations: the lower bound
    # weighted median: the heavy location's k-distance wins. Locations on a line:
    # 0, 30, 60, 90 m (k=2 distances 60, 30, 30, 60) and 1000..1300 m every 100 m
    # (k=2 distances 200, 100, 100, 200) with 10 records at 1300 m. Unweighted the
    # median would be 80 m; weighted (17 records) it is 200 m.
    x = np.array([0.0, 30, 60, 90, 1000, 1100, 1200] + [1300] * 10)
    pts = unique_locations(x, np.zeros(len(x)))
    assert pts.weight.tolist() == [1, 1, 1, 1, 1, 1, 1, 10]
    assert auto_eps_m(pts) == 200.0
    assert auto_eps_m(unique_locations(x * 10, np.zeros(len(x)))) == 400.0  # clipped


def test_area_filters_records_and_sets_min_points(make_records, no_places):
    from hotspots.data.areas import Area

    square = Area("toy square", "polygon", "toy", shapely.box(-50, -50, 150, 150))
    recs = make_records([(0, 0, 20), (100, 0, 20), (5000, 5000, 50)])
    res = dbscan_hotspots(recs, eps_m=100, area=square, gazetteer=no_places)
    assert res.n_records == 40  # the 50 records outside the square are dropped
    # lambda = 40 pi 100^2 / 40,000 m^2 = 31.4: the whole square is one neighbourhood,
    # so 40 records there are what chance gives; 2 locations tested
    assert res.min_points == _chance_min_points_by_hand(40, 100.0, 40_000.0, 2)
    assert res.min_points > 40
    assert len(res.hotspots) == 0


def test_empty_records_give_empty_hotspots_with_same_columns(make_records, no_places):
    full = dbscan_hotspots(make_records([(0, 0, 5)]), eps_m=5, min_points=5, gazetteer=no_places)
    empty = dbscan_hotspots(make_records([]), eps_m=5, min_points=5, gazetteer=no_places)
    assert len(empty.hotspots) == 0
    assert list(empty.hotspots.columns) == list(full.hotspots.columns)
    assert empty.labels.shape == (0,) and empty.n_records == 0
    auto = dbscan_hotspots(make_records([]), gazetteer=no_places)
    assert len(auto.hotspots) == 0 and auto.eps_m == 50.0


def test_real_2024_top_hotspots_are_town_centre_and_poole_bus_station(bcp_2024):
    res = dbscan_hotspots(bcp_2024, area="bcp")
    names = res.hotspots[S.NAME].head(10).tolist()
    # rank 1 is Bournemouth town centre, named after its busiest map point
    assert "Bournemouth Square" in res.hotspots[S.PLACES].iloc[0], names
    assert any("Poole Bus Station" in n for n in names)
    assert res.hotspots[S.WARD_NAME].iloc[0] == "Bournemouth Central"
    # the parameters are announced
    assert res.eps_m == 130.0
    # min points per map point (the snap-aware chance model): the smallest is reported
    assert res.min_points == int(res.min_points_by_location.min()) >= 3
    assert res.min_points_by_location.max() > res.min_points  # dense map points need more
    assert len(res.notes) == 4
    assert any("police.uk map points" in n for n in res.notes)
