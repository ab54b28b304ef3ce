"""Tests of hotspots.methods.chance: the map-point chance model and the Palm test."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy import stats
from scipy.spatial import cKDTree

from hotspots.data import schema as S
from hotspots.data.areas import Area
from hotspots.data.select import filter_records
from hotspots.methods import chance as C

# ---------------------------------------------------------------- inputs / small outputs


def test_catchments_of_two_points_split_a_square_in_half():
    land = shapely.box(0, 0, 200, 100)
    w = C.catchment_weights(np.array([50.0, 150.0]), np.array([50.0, 50.0]), land)
    assert np.allclose(w, [10_000.0, 10_000.0])
    # off-centre: the bisector is at x = 85 -> 11,500 and 8,500 m²
    w = C.catchment_weights(np.array([150.0, 20.0]), np.array([50.0, 50.0]), land)
    assert np.allclose(w, [11_500.0, 8_500.0])


def test_catchments_are_clipped_to_land():
    # the land is an L: the point at the far corner stands only for land
    land = shapely.union(shapely.box(0, 0, 100, 100), shapely.box(0, 100, 30, 300))
    x, y = np.array([50.0, 15.0]), np.array([50.0, 250.0])
    w = C.catchment_weights(x, y, land)
    assert w.sum() == pytest.approx(land.area)
    # independent reference: nearest point of every 0.5 m raster cell of the land
    g = np.arange(0.25, 300, 0.5)
    gx, gy = np.meshgrid(g, g)
    on = shapely.contains_xy(land, gx, gy)
    near = np.hypot(gx[on] - 15, gy[on] - 250) < np.hypot(gx[on] - 50, gy[on] - 50)
    assert w[1] == pytest.approx(near.sum() * 0.25, rel=2e-3)


def test_bundled_map_points_are_the_distinct_bcp_points(bundled_records):
    x, y = C.bundled_map_points()
    assert len(x) == 5231  # geodata/README.md: 5,231 distinct BCP points in the 8 months
    pts = set(zip(np.round(x, 2), np.round(y, 2), strict=True))
    bcp = bundled_records[bundled_records[S.IN_BCP].to_numpy(dtype=bool)]
    real = set(zip(bcp[S.X].round(2), bcp[S.Y].round(2), strict=True))
    assert real <= pts


def test_map_points_grow_with_police_uk_locations_not_force_exports(make_records):
    base = len(C.bundled_map_points()[0])
    recs = make_records([(400_000.0, 90_000.0, 1), (400_100.0, 90_000.0, 1)])
    assert len(C.map_points(recs.drop(columns=[S.SOURCE]))[0]) == base  # unknown source
    recs[S.SOURCE] = [S.SOURCE_POLICE_UK, S.SOURCE_FORCE_EXPORT]
    assert len(C.map_points(recs)[0]) == base + 1
    assert len(C.map_points((np.array([1.0]), np.array([2.0])))[0]) == base + 1


def test_palm_min_count_by_hand():
    lam, level = 3.88, 0.05 / 100
    m = 0
    while stats.poisson.sf(m - 2, lam) > level:  # P(X >= m - 1) = sf(m - 2)
        m += 1
    assert C.palm_min_count(np.array([lam]), level)[0] == m == 14
    assert C.poisson_min_count(np.array([lam]), level)[0] == m - 1
    # Mecke bound: mu * P(X >= m - 1) or P(X >= m), whichever is smaller, at level
    for lam, mu in [(3.0, 0.2), (3.0, 5.0), (40.0, 0.5), (40.0, 30.0)]:
        got = int(C.palm_min_count(np.array([lam]), level, np.array([mu]))[0])

        def bound(k, lam=lam, mu=mu):
            return min(mu * stats.poisson.sf(k - 2, lam), stats.poisson.sf(k - 1, lam))

        assert bound(got) <= level < bound(got - 1)


def test_model_falls_back_to_uniform_off_map_points(make_records):
    sq = Area("toy", "polygon", "toy", shapely.box(0, 0, 1000, 1000))
    recs = make_records([(10.0, 10.0, 5)])
    recs[S.SOURCE] = S.SOURCE_FORCE_EXPORT
    m = C.chance_model(recs, sq, area_m2=1e6)
    assert m.kind == C.UNIFORM and "exact coordinates" in m.note
    assert m.disc_share(np.array([0.0]), np.array([0.0]), 100.0)[0] == pytest.approx(
        np.pi * 1e4 / 1e6,
    )


def test_model_on_real_month_shares_sum_to_one(bundled_records):
    from hotspots.methods.detect import study_area

    month = filter_records(bundled_records, months=("2024-01", "2024-01"))
    bcp = C.chance_model(month, study_area("bcp"))
    assert bcp.kind == C.MAP_POINTS and bcp.share.sum() == pytest.approx(1.0)
    assert bcp.n_points == 5231
    ward = study_area("Bournemouth Central")
    m = C.chance_model(month, ward)
    assert m.kind == C.MAP_POINTS and 50 < m.n_points < 1000
    # map points are denser in the town centre than the ward's land share says
    assert m.n_points / bcp.n_points > ward.geometry.area / bcp.area_m2


# ---------------------------------------------------------------- chance: noise gives nothing


def _snapped_noise(month, n, seed, px, py, tree, outline):
    """n records uniform over BCP land, moved to the nearest map point (police.uk's rule)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = outline.bounds
    xs, ys = [], []
    while sum(len(a) for a in xs) < n:
        x = rng.uniform(minx, maxx, 2 * n)
        y = rng.uniform(miny, maxy, 2 * n)
        ok = shapely.contains_xy(outline, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
    x, y = np.concatenate(xs)[:n], np.concatenate(ys)[:n]
    _, j = tree.query(np.c_[x, y])
    recs = month.iloc[:n].copy()
    recs[S.X], recs[S.Y], recs[S.IN_BCP] = px[j], py[j], True
    return recs


@pytest.fixture(scope="module")
def noise_setup(bundled_records):
    from hotspots.data.boundaries import load_boundaries

    month = filter_records(bundled_records, months=("2024-01", "2024-01"))
    b = load_boundaries()
    px, py = C.map_points(bundled_records)
    shapely.prepare(b.outline)
    bcp = shapely.contains_xy(b.outline, px, py)  # the dataset's map points in BCP
    px, py = px[bcp], py[bcp]
    return month, px, py, cKDTree(np.c_[px, py]), b.outline


@pytest.mark.slow
def test_snapped_noise_gives_at_most_one_hotspot_per_method(noise_setup):
    """Acceptance (issue 18): 10 seeds of uniform-then-snapped noise with a real month's
    count; on average at most 1 hotspot per method at BCP scale and in Bournemouth Central.
    """
    from hotspots.methods.detect import detect

    month, px, py, tree, outline = noise_setup
    found: dict[tuple[str, str], list[int]] = {}
    for seed in range(10):
        recs = _snapped_noise(month, len(month), seed, px, py, tree, outline)
        for area in ("bcp", "Bournemouth Central"):
            for method in ("dbscan", "kde", "gistar"):
                r = detect(recs, method, area=area)
                found.setdefault((area, method), []).append(len(r.hotspots))
    for key, counts in found.items():
        assert np.mean(counts) <= 1.0, (key, counts)


@pytest.mark.slow
def test_palm_family_wise_false_hotspot_rate_at_most_5_percent(noise_setup, no_places):
    """Issue 18 item 2: over 200 seeds of snapped noise in Bournemouth Central (eps 50 m,
    automatic min points) at most 5% of seeds have any core location; so too for
    uniform noise with exact coordinates in a 1 km square (the uniform model).
    """
    from hotspots.methods.dbscan import dbscan_hotspots
    from hotspots.methods.detect import study_area

    month, _px, _py, _tree, _outline = noise_setup
    ward = study_area("Bournemouth Central")
    n_ward = int(shapely.contains_xy(ward.geometry, month[S.X], month[S.Y]).sum())
    # snapped noise in the ward: the ward's share of uniform BCP noise, as many as a month
    model = C.chance_model(month, ward)
    assert model.kind == C.MAP_POINTS
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(200):
        j = rng.choice(model.n_points, size=n_ward, p=model.share)
        recs = month.iloc[:n_ward].copy()
        recs[S.X], recs[S.Y] = model.x[j], model.y[j]
        res = dbscan_hotspots(recs, eps_m=50.0, area=ward, gazetteer=no_places)
        hits += bool(res.core.any())
    assert hits / 200 <= 0.05, hits
    # the uniform model (exact coordinates): 1,000 records in a 1 km square
    sq = Area("square", "polygon", "sq", shapely.box(0, 0, 1000, 1000))
    hits = 0
    for seed in range(200):
        g = np.random.default_rng(1000 + seed)
        recs = month.iloc[:1000].copy()
        recs[S.X], recs[S.Y] = g.uniform(0, 1000, 1000), g.uniform(0, 1000, 1000)
        recs[S.SOURCE] = S.SOURCE_FORCE_EXPORT
        res = dbscan_hotspots(recs, eps_m=50.0, area=sq, gazetteer=no_places)
        hits += bool(res.core.any())
    assert hits / 200 <= 0.05, hits


def test_real_months_keep_the_known_places(bundled_records):
    """Acceptance: the real months keep Poole Bus Station, Bournemouth Square and the
    Lansdowne among the hotspots of DBSCAN and KDE under the map-point model.
    """
    from hotspots.methods.detect import detect

    recs = filter_records(bundled_records, months=("2024-01", "2024-03"))
    for method in ("dbscan", "kde"):
        hot = detect(recs, method).hotspots
        text = " ".join(hot[S.NAME].astype(str)) + " " + " ".join(hot["places"].fillna(""))
        for place in ("Poole Bus Station", "Bournemouth Square", "The Lansdowne"):
            assert place in text, (method, place)


def test_poisson_isf_equals_scipy_stats_on_a_grid():
    """The scipy.special bisection gives scipy.stats.poisson.isf exactly (no scipy.stats
    import on the command line's path).
    """
    from scipy import stats

    from hotspots.methods.chance import poisson_isf

    means = np.r_[0.0, 1e-6, 0.01, 0.3, 1, 2.5, 7, 19.9, 50, 333, 1e4, 2.5e5]
    levels = np.r_[1e-12, 1e-8, 3.3e-6, 1e-4, 0.01, 0.05, 0.3, 0.5, 0.9, 0.999, 1.0]
    m, q = np.meshgrid(means, levels)
    got = poisson_isf(q, m)
    want = stats.poisson.isf(q, m)
    np.testing.assert_array_equal(got, want)
    # by hand: P(X > 5) = 0.0839 > 0.05 >= P(X > 6) = 0.0335 for a mean of 3
    assert poisson_isf(0.05, 3.0) == 6


def test_catchments_are_kept_on_disk_for_the_next_process(tmp_path, monkeypatch):
    """A new process reads the clipped Voronoi areas from the store root's cache, keyed by
    the points and the land; a damaged file is computed again.
    """
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 1000, 40), rng.uniform(0, 1000, 40)
    land = shapely.box(0, 0, 1000, 1000)
    key = np.r_[x, y].tobytes()
    want = C.catchment_weights(x, y, land)
    C._catchments_cached.cache_clear()
    first = C._catchments_cached(key, shapely.to_wkb(land))
    np.testing.assert_array_equal(first, want)
    files = list((tmp_path / C.CATCHMENT_CACHE).glob("catchments-*.npy"))
    assert len(files) == 1
    np.testing.assert_array_equal(np.load(files[0]), want)
    # "another process": the in-memory cache is empty, the file is read (a planted value
    # shows it was read, not recomputed)
    planted = want.copy()
    planted[0] += 1.0
    np.save(files[0], planted)
    C._catchments_cached.cache_clear()
    np.testing.assert_array_equal(C._catchments_cached(key, shapely.to_wkb(land)), planted)
    # other land: another file
    C._catchments_cached(key, shapely.to_wkb(shapely.box(0, 0, 900, 900)))
    assert len(list((tmp_path / C.CATCHMENT_CACHE).glob("catchments-*.npy"))) == 2
    # a damaged file is computed again and rewritten
    files[0].write_bytes(b"not numpy")
    C._catchments_cached.cache_clear()
    np.testing.assert_array_equal(C._catchments_cached(key, shapely.to_wkb(land)), want)
    np.testing.assert_array_equal(np.load(files[0]), want)
    C._catchments_cached.cache_clear()


def test_bundled_map_points_are_kept_on_disk_and_equal_a_fresh_read(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    from hotspots.data.boundaries import POLICE_UK_DIR, geodata_dir

    C._bundled.cache_clear()
    x, y = C.bundled_map_points()
    files = sorted((geodata_dir() / POLICE_UK_DIR).glob("*-street.csv"))
    fx, fy = C._read_bundled(files)
    np.testing.assert_array_equal(x, fx)
    np.testing.assert_array_equal(y, fy)
    assert len(x) > 4000
    kept = list((tmp_path / C.CATCHMENT_CACHE).glob("map-points-*.npy"))
    assert len(kept) == 1
    C._bundled.cache_clear()  # the next process reads the file
    x2, _ = C.bundled_map_points()
    np.testing.assert_array_equal(x2, fx)
    C._bundled.cache_clear()


def test_poisson_sf_matches_scipy_pdtrc_well_inside_the_hand_over_margin():
    """The numpy survival function is within 1e-11 of scipy's, far inside ``_SF_CLOSE``."""
    from scipy import special

    k = np.r_[np.arange(0, 60), np.arange(60, 3000, 37), [9999.0, 20000.0]].astype("float64")
    m = np.r_[1e-6, 1e-3, 0.05, np.linspace(0.2, 40, 25), 99.5, 350.0, 2000.0, 9000.0]
    kk, mm = np.meshgrid(k, m)
    got = C._poisson_sf(kk.ravel(), mm.ravel())
    want = special.pdtrc(kk.ravel(), mm.ravel())
    big = want > 1e-280
    rel = np.abs(got[big] - want[big]) / want[big]
    assert rel.max() < 1e-11
    assert 1000 * rel.max() < C._SF_CLOSE
    assert np.all(got[~big] < 1e-270)
    assert C._poisson_sf(np.array([0.0, 5.0]), np.array([0.0, 0.0])).tolist() == [0.0, 0.0]


def test_pdtrc_below_hands_close_calls_to_scipy():
    from scipy import special

    k, m = np.array([3.0, 3.0, 10.0]), np.array([2.0, 2.0, 2.0])
    exact = special.pdtrc(k, m)
    # exactly at, a hair above and far above the survival probability
    q = np.array([exact[0], np.nextafter(exact[1], 0.0), 0.5])
    assert C._pdtrc_below(k, m, q).tolist() == (exact <= q).tolist() == [True, False, True]


def test_detect_path_does_not_import_scipy():
    """kde with its chance model (cells, map points, Poisson levels) runs on numpy alone."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from hotspots.methods import chance, hierarchy, kde, place_names\n"
        "print(chance.poisson_min_count(np.array([0.5, 3.0, 40.0]), 0.01).tolist())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'sklearn')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    levels, mods = out.stdout.strip().splitlines()
    assert levels == str((stats.poisson.isf(0.01, [0.5, 3.0, 40.0]) + 1).astype(int).tolist())
    assert mods == "[]"
