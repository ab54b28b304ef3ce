"""Tests for hotspots.methods.kde: inputs, then the surface against an exact sum over all records."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.data.points import unique_locations
from hotspots.errors import InputError
from hotspots.methods import kde as kde_mod
from hotspots.methods import kde_surface
from hotspots.methods.grid import Grid
from hotspots.methods.kde import (
    DEFAULT_TOP_SHARE,
    auto_bandwidth_m,
    auto_cell_size_m,
    kde_hotspots,
    kernel_density,
)

# ----------------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"kernel": "epanechnikov"}, "kernel"),
        ({"top_share": 0}, "top_share"),
        ({"top_share": 0.7}, "top_share"),
        ({"top_share": float("nan")}, "top_share"),
        ({"bandwidth_m": -10}, "bandwidth_m"),
        ({"cell_size_m": 0}, "cell_size_m"),
        ({"cell_size_m": "50"}, "cell_size_m"),
    ],
)
def test_bad_arguments_are_refused(make_records, no_places, kwargs, argument):
    recs = make_records([(0, 0, 5), (300, 0, 2)])
    with pytest.raises(InputError) as err:
        kde_hotspots(recs, gazetteer=no_places, **kwargs)
    assert err.value.argument == argument


def test_kernel_density_refuses_bad_bandwidth():
    g = Grid(0, 0, 10, 5, 5)
    with pytest.raises(InputError):
        kernel_density(np.array([1.0]), np.array([1.0]), None, g, bandwidth_m=0)
    with pytest.raises(InputError):
        kernel_density(np.array([1.0]), np.array([1.0]), None, g, bandwidth_m=10, kernel="box")


# ----------------------------------------------------------------------------- reference


def _exact(x, y, grid: Grid, h: float, kernel: str, w=None) -> np.ndarray:
    """Direct sum over every record (weight ``w``, default 1) at every cell centre
    (records per km²), no truncation.
    """
    cx, cy = grid.centres()
    d2 = (cx[..., None] - x) ** 2 + (cy[..., None] - y) ** 2  # (ny, nx, n)
    if kernel == "quartic":
        k = 3 / (math.pi * h * h) * np.clip(1 - d2 / (h * h), 0, None) ** 2
    else:
        k = np.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)
    return (k @ (np.ones(len(x)) if w is None else w)) * 1e6


def _records_xy(seed: int, n: int = 400):
    """Raw records snapped to 40 locations (with repeats), in a 600 m x 500 m box."""
    rng = np.random.default_rng(seed)
    locs = np.c_[rng.uniform(1000, 1600, 40), rng.uniform(2000, 2500, 40)]
    which = rng.choice(40, n, p=np.linspace(1, 3, 40) / np.linspace(1, 3, 40).sum())
    return locs[which, 0], locs[which, 1]


def _max_rel_error(est: np.ndarray, ref: np.ndarray) -> float:
    big = ref > 0.01 * ref.max()
    return float(np.max(np.abs(est[big] - ref[big]) / ref[big]))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("h", [45.0, 120.0])
def test_quartic_matches_exact_sum(seed, h):
    x, y = _records_xy(seed)
    grid = Grid(900.0, 1900.0, 20.0, 45, 40)
    pts = unique_locations(x, y)
    est = kernel_density(pts.x, pts.y, pts.weight, grid, bandwidth_m=h, kernel="quartic")
    ref = _exact(x, y, grid, h, "quartic")
    # the quartic path is an exact scatter: equal to rounding
    np.testing.assert_allclose(est, ref, rtol=1e-9, atol=1e-9 * ref.max())
    assert _max_rel_error(est, ref) < 0.01


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    "sd, path",
    [(10.0, "scatter"), (30.0, "scatter"), (80.0, "scatter"), (30.4, "fft"), (80.0, "fft"),
     (200.0, "fft")],
)  # fmt: skip
def test_gaussian_matches_exact_sum(monkeypatch, seed, sd, path):
    monkeypatch.setattr(kde_surface, "_gauss_path", lambda *a: path)
    x, y = _records_xy(seed)
    grid = Grid(900.0, 1900.0, 20.0, 45, 40)
    pts = unique_locations(x, y)
    est = kernel_density(pts.x, pts.y, pts.weight, grid, bandwidth_m=sd, kernel="gaussian")
    ref = _exact(x, y, grid, sd, "gaussian")
    # the scatter is exact but for the truncation at 6 sd (1.5e-8 of a far heavy peak);
    # the FFT split: Poisson summation (<= 6e-5 of the value) and float32 rounding (values
    # under 5e-7 of the peak set to 0, rounding about 1e-7): the stated bound, edges included
    if path == "scatter":
        big = ref > 1e-3 * ref.max()
        np.testing.assert_allclose(est[big], ref[big], rtol=1e-5)
        np.testing.assert_allclose(est, ref, rtol=0, atol=1e-5 * ref.max())
    else:
        _assert_split_bound(est, ref)


def _assert_split_bound(est: np.ndarray, ref: np.ndarray) -> None:
    """The FFT split's stated bound: ``|error| <= 6e-5 * value + 1e-6 * peak``."""
    bound = 6e-5 * ref + 1e-6 * ref.max()
    excess = np.abs(est - ref) - bound
    assert excess.max() <= 0, f"error exceeds the bound by {excess.max() / ref.max():.2e} of peak"
    # the split ran (the exact scatter would be equal to rounding)
    assert np.abs(est - ref).max() > 1e-9 * ref.max()


def test_gaussian_fft_is_the_path_at_bcp_scale_and_agrees_with_scipy_and_sklearn():
    """A BCP-sized grid takes the FFT split; on a small case it equals scipy's and
    scikit-learn's Gaussian KDE (both exact sums; ours is records per km²).
    """
    from scipy.stats import multivariate_normal
    from sklearn.neighbors import KernelDensity

    bcp_grid = Grid(400_000.0, 85_000.0, 50.0, 526, 302)
    assert kde_surface._gauss_path(8000, bcp_grid, 78.0) == "fft"
    assert kde_surface._gauss_path(8000, bcp_grid, 40.0) == "scatter"  # under 1.5 cells: scatter
    x, y = _records_xy(3)
    sd = 60.0
    grid = Grid(900.0, 1900.0, 20.0, 45, 40)
    pts = unique_locations(x, y)
    ours = kde_surface._gauss_split(pts.x, pts.y, pts.weight.astype(float), grid, sd)
    cx, cy = grid.centres()
    # scipy's gaussian_kde scales the data's covariance, so it cannot give sd² I: the scipy
    # reference is the sum of scipy.stats.multivariate_normal densities, one per location
    cells = np.c_[cx.ravel(), cy.ravel()]
    ref_scipy = (
        sum(
            wk * multivariate_normal(mean=(xk, yk), cov=sd * sd).pdf(cells)
            for xk, yk, wk in zip(pts.x, pts.y, pts.weight, strict=True)
        )
        * 1e6
    )
    skl = KernelDensity(bandwidth=sd, kernel="gaussian").fit(np.c_[x, y])
    ref_skl = np.exp(skl.score_samples(cells)) * len(x) * 1e6
    _assert_split_bound(ours.ravel(), ref_skl)
    np.testing.assert_allclose(ref_scipy, ref_skl, rtol=1e-8, atol=1e-12 * ref_skl.max())


def _exact_at(px, py, pw, cx, cy, sd):
    """Exact Gaussian sum (records per km²) of weighted locations at the given points."""
    out = np.zeros(len(cx))
    for k in range(0, len(cx), 500):
        d2 = (cx[k : k + 500, None] - px) ** 2 + (cy[k : k + 500, None] - py) ** 2
        out[k : k + 500] = np.exp(-d2 / (2 * sd * sd)) @ pw
    return out / (2 * math.pi * sd * sd) * 1e6


@pytest.mark.parametrize("sd", [78.0, 150.0, 400.0])
def test_gaussian_fft_on_real_points_within_stated_bound(bcp_2024, sd):
    """The real bundled quarter on the BCP grid: the FFT split against the exact sum over
    every location (cells sampled: the busiest and anywhere) and scikit-learn's
    ``KernelDensity`` on the raw records, within ``6e-5 * value + 1e-6 * peak``.
    """
    from sklearn.neighbors import KernelDensity

    from hotspots.data.areas import resolve_area

    x, y = bcp_2024[S.X].to_numpy(), bcp_2024[S.Y].to_numpy()
    pts = unique_locations(x, y)
    bcp = resolve_area("bcp")
    grid = kde_mod.grid_for(tuple(bcp.geometry.bounds), 50.0, pad_m=6 * sd)
    assert kde_surface._gauss_path(len(pts), grid, sd) == "fft"
    kde_surface.clear_cache()
    est = kernel_density(pts.x, pts.y, pts.weight, grid, bandwidth_m=sd, kernel="gaussian")
    rng = np.random.default_rng(int(sd))
    flat = est.ravel()
    busy = np.flatnonzero(flat > 0.01 * flat.max())
    sample = np.r_[rng.choice(busy, 400, replace=False), rng.choice(flat.size, 400, replace=False)]
    cx, cy = grid.centres()
    cx, cy = cx.ravel()[sample], cy.ravel()[sample]
    ref = _exact_at(pts.x, pts.y, pts.weight.astype(float), cx, cy, sd)
    peak = flat.max()
    assert np.all(np.abs(flat[sample] - ref) <= 6e-5 * ref + 1e-6 * peak)
    skl = KernelDensity(bandwidth=sd, kernel="gaussian").fit(np.c_[x, y][::7])
    ref_skl = np.exp(skl.score_samples(np.c_[cx, cy])) * len(x[::7]) * 1e6
    exact_skl = _exact_at(x[::7], y[::7], np.ones(len(x[::7])), cx, cy, sd)
    np.testing.assert_allclose(exact_skl, ref_skl, rtol=1e-8, atol=1e-12 * ref_skl.max())


def test_gaussian_gridding_is_cached_per_record_set_and_lattice():
    """One gridding serves other bandwidths and other grid extents on the same lattice,
    with the values of a fresh computation; other weights or another lattice are not
    served from it.
    """
    x, y = _records_xy(5)
    pts = unique_locations(x, y)
    w = pts.weight.astype(float)
    small = Grid(900.0, 1900.0, 20.0, 45, 40)
    large = Grid(500.0, 1500.0, 20.0, 90, 80)  # same lattice, larger extent
    cases = [(small, 40.0), (small, 90.0), (large, 90.0), (large, 300.0)]
    kde_surface.clear_cache()
    cached = [
        kernel_density(pts.x, pts.y, w, g, bandwidth_m=sd, kernel="gaussian") for g, sd in cases
    ]
    assert len(kde_surface._GRIDDINGS) == 1
    for (g, sd), got in zip(cases, cached, strict=True):
        kde_surface.clear_cache()
        fresh = kernel_density(pts.x, pts.y, w, g, bandwidth_m=sd, kernel="gaussian")
        np.testing.assert_allclose(got, fresh, rtol=1e-6, atol=1e-7 * fresh.max())
        _assert_split_bound(got, _exact(pts.x, pts.y, g, sd, "gaussian", w))
    # the same grid placed differently on the larger one: rows and columns line up
    np.testing.assert_allclose(
        cached[2][20:60, 20:65],
        cached[1],
        rtol=1e-5,
        atol=1e-6 * cached[1].max(),
    )
    w2 = w.copy()
    w2[0] += 5
    other = kernel_density(pts.x, pts.y, w2, small, bandwidth_m=90.0, kernel="gaussian")
    assert len(kde_surface._GRIDDINGS) == 2
    _assert_split_bound(other, _exact(pts.x, pts.y, small, 90.0, "gaussian", w2))
    shifted = Grid(910.0, 1900.0, 20.0, 45, 40)  # half a cell east: another lattice
    got = kernel_density(pts.x, pts.y, w, shifted, bandwidth_m=90.0, kernel="gaussian")
    assert len(kde_surface._GRIDDINGS) == 3
    _assert_split_bound(got, _exact(pts.x, pts.y, shifted, 90.0, "gaussian", w))


def test_single_point_by_hand():
    # one record at a cell centre; quartic radius 100 m: K(0) = 3 / (pi 100²) per m²
    g = Grid(0.0, 0.0, 10.0, 41, 41)
    d = kernel_density(np.array([205.0]), np.array([205.0]), None, g, bandwidth_m=100.0)
    assert d[20, 20] == pytest.approx(3 / (math.pi * 1e4) * 1e6)  # 95.49 per km²
    # 50 m east: (1 - 0.25)² of the peak
    assert d[20, 25] == pytest.approx(0.5625 * d[20, 20])
    # 100 m and beyond: zero
    assert d[20, 30] == 0 and d[20, 35] == 0
    # the volume is one record (Riemann sum over 10 m cells; quartic is smooth)
    assert d.sum() * 1e-4 == pytest.approx(1.0, rel=2e-3)
    # weights multiply; off-grid locations are ignored
    d2 = kernel_density(
        np.array([205.0, 9999.0]),
        np.array([205.0, 0.0]),
        np.array([3.0, 5.0]),
        g,
        bandwidth_m=100.0,
    )
    np.testing.assert_allclose(d2, 3 * d)


def test_gaussian_single_point_by_hand():
    g = Grid(0.0, 0.0, 10.0, 41, 41)
    d = kernel_density(
        np.array([205.0]),
        np.array([205.0]),
        None,
        g,
        bandwidth_m=50.0,
        kernel="gaussian",
    )
    assert d[20, 20] == pytest.approx(1 / (2 * math.pi * 2500) * 1e6)  # 63.66 per km²
    assert d[20, 25] == pytest.approx(math.exp(-0.5) * d[20, 20])


# ----------------------------------------------------------------------------- automatic rules


def test_auto_cell_size_rule():
    assert auto_cell_size_m((0, 0, 25_000, 14_100)) == 50.0  # 56.4 -> 50
    assert auto_cell_size_m((0, 0, 1000, 2000)) == 25.0  # 4 -> 5, raised to the 25 m floor
    assert auto_cell_size_m((0, 0, 700, 700)) == 25.0  # 2.8 -> 2.5, raised to the floor
    assert auto_cell_size_m((0, 0, 10_000, 7_000)) == 25.0  # 28 -> 25
    assert auto_cell_size_m((0, 0, 20_000, 9_000)) == 50.0  # 36 -> 50
    assert auto_cell_size_m((0, 0, 0, 0)) == 25.0  # degenerate extent


def test_auto_bandwidth_rule_by_hand():
    # four points 100 m from their mean centre: SD = 100, Dm = 100,
    # min(100, 1.2011 * 100) = 100; n = 4 -> 0.9 * 100 * 4**-0.2
    x = np.array([100.0, -100, 0, 0])
    y = np.array([0.0, 0, 100, -100])
    assert auto_bandwidth_m(unique_locations(x, y)) == pytest.approx(90 * 4**-0.2)  # 68.21
    # weights count as records: two records at each point -> n = 8
    pts = unique_locations(np.repeat(x, 2), np.repeat(y, 2))
    assert auto_bandwidth_m(pts) == pytest.approx(90 * 8**-0.2)  # 59.38
    # an outlier: Dm (robust) takes over from SD
    x2 = np.r_[x, 10_000.0]
    y2 = np.r_[y, 0.0]
    pts = unique_locations(x2, y2)
    w = np.ones(5)
    mx = x2.mean()
    d = np.hypot(x2 - mx, y2)
    sd = math.sqrt(np.mean(d**2))
    dm = np.sort(d)[2]
    assert math.sqrt(1 / math.log(2)) * dm < sd
    assert auto_bandwidth_m(pts) == pytest.approx(0.9 * math.sqrt(1 / math.log(2)) * dm * 5**-0.2)
    assert auto_bandwidth_m(unique_locations(np.array([1.0]), np.array([1.0]))) == 0.0
    assert w.sum() == 5


def test_automatic_choices_are_announced(make_records, no_places):
    recs = make_records([(0, 0, 10), (400, 0, 10), (0, 300, 5), (10_000, 5_000, 1)])
    q = kde_hotspots(recs, gazetteer=no_places)
    assert q.cell_size_m == 25.0  # bounding box 10 km x 5 km: 5000 / 250 = 20, floor 25
    assert any("cell size set to 25 m" in n for n in q.notes)
    radius = kde_mod._sig2(
        auto_bandwidth_m(unique_locations(recs[S.X].to_numpy(), recs[S.Y].to_numpy())),
    )
    assert q.bandwidth_m == radius
    assert any(f"bandwidth (quartic radius) set to {radius:g} m" in n for n in q.notes)
    g = kde_hotspots(recs, kernel="gaussian", gazetteer=no_places)
    assert g.bandwidth_m == kde_mod._sig2(radius / math.sqrt(8))
    assert any("Gaussian standard deviation" in n for n in g.notes)
    assert q.top_share == DEFAULT_TOP_SHARE == 0.02
    fixed = kde_hotspots(recs, cell_size_m=25, bandwidth_m=200, gazetteer=no_places)
    assert fixed.notes == () or all("set to" not in n for n in fixed.notes)


# ----------------------------------------------------------------------------- hotspots


def test_two_separate_hotspots_from_top_share(make_records, no_places):
    from hotspots.data.areas import Area

    # two dense spots 2 km apart and a sprinkle of single records, in a 3 km x 1.9 km box
    box = Area("box", "polygon", "box", shapely.box(-500, -500, 2500, 1400))
    rows = [(0, 0, 50), (2000, 0, 30)] + [(x, 900, 1) for x in range(0, 2001, 250)]
    recs = make_records(rows, location=["On or near West", "On or near East"] + ["bg"] * 9)
    res = kde_hotspots(
        recs,
        cell_size_m=20,
        bandwidth_m=100,
        top_share=0.005,
        area=box,
        gazetteer=no_places,
    )
    hot = res.hotspots
    assert hot[S.COUNT].tolist() == [50, 30]
    assert hot[S.NAME].tolist() == ["West", "East"]
    assert hot[S.SHARE].tolist() == pytest.approx([50 / 89, 30 / 89])
    # the hotspots are the 0.5% densest of the box's 150 x 95 cells: 72 cells
    assert int(res.in_area.sum()) == 150 * 95
    assert hot["n_cells"].sum() == math.ceil(0.005 * 150 * 95) == 72
    assert hot[S.AREA_KM2].sum() == pytest.approx(72 * 20 * 20 / 1e6)
    assert (res.density[res.in_area] >= res.threshold_per_km2).sum() == 72
    assert hot["kde_peak_per_km2"].iloc[0] == pytest.approx(res.density.max())
    # both are discs: the heavier one is larger
    assert hot["n_cells"].iloc[0] > hot["n_cells"].iloc[1]
    cells = res.cells()
    assert len(cells) == int((res.in_area & (res.density > 0)).sum())


def test_area_clips_records_and_cells(make_records, no_places):
    from hotspots.data.areas import Area

    area = Area("box", "polygon", "box", shapely.box(-500, -500, 500, 500))
    recs = make_records([(0, 0, 20), (100, 50, 5), (3000, 3000, 40)])
    res = kde_hotspots(
        recs,
        cell_size_m=50,
        bandwidth_m=150,
        top_share=0.05,
        area=area,
        gazetteer=no_places,
    )
    assert res.n_records == 25
    assert res.area_name == "box"
    assert int(res.in_area.sum()) == 400  # 20 x 20 cells of 50 m
    assert res.hotspots[S.COUNT].sum() == 25


def test_empty_records_give_empty_result_with_same_columns(make_records, no_places):
    full = kde_hotspots(make_records([(0, 0, 5), (500, 500, 2)]), gazetteer=no_places)
    empty = kde_hotspots(make_records([]), cell_size_m=50, bandwidth_m=100, gazetteer=no_places)
    assert len(empty.hotspots) == 0
    assert list(empty.hotspots.columns) == list(full.hotspots.columns)
    assert empty.density.sum() == 0 and empty.n_records == 0
    assert any("no records" in n for n in empty.notes)
    auto = kde_hotspots(make_records([]), gazetteer=no_places)
    assert len(auto.hotspots) == 0


def test_real_2024_top_hotspots_include_town_centre_and_poole_bus_station(bcp_2024):
    for kernel in ("quartic", "gaussian"):
        res = kde_hotspots(bcp_2024, kernel=kernel, area="bcp")
        top = res.hotspots.head(5)
        names = top[S.NAME].tolist()
        # rank 1 is Bournemouth town centre, named after its busiest map point (the Lansdowne)
        assert top[S.WARD_NAME].iloc[0] == "Bournemouth Central", names
        assert "Bournemouth Square" in top[S.PLACES].iloc[0], names
        assert any("Poole Bus Station" in p for p in top[S.PLACES]), names
        assert res.cell_size_m == 50.0


# ----------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cell_areas_are_the_dissolved_squares(seed):
    """Areas from the mask's components equal the old union of every square (shapes,
    areas, cell counts, peaks), with corner-touching cells kept apart and holes kept.
    """
    from hotspots.methods.grid import cell_polygons
    from hotspots.methods.kde import cell_areas
    from hotspots.methods.naming import dissolve_cells

    rng = np.random.default_rng(seed)
    grid = Grid(1000.0, 2000.0, 25.0, 60, 40)
    mask = rng.random(grid.shape) < 0.35  # many components, corner contacts, holes
    mask[10:15, 10:15] = True
    mask[12, 12] = False  # a hole
    density = rng.random(grid.shape) * 100
    ours = cell_areas(grid, mask, density)
    cells = cell_polygons(grid, mask)
    cells["d"] = density[mask]
    old = dissolve_cells(cells, value_column="d")
    assert len(ours) == len(old) > 50
    assert ours.crs == old.crs
    np.testing.assert_allclose(ours.area.to_numpy(), old.area.to_numpy())
    assert ours["n_cells"].sum() == mask.sum()
    # the same set of polygons, each with the same count and peak
    key = lambda g: (round(g.centroid.x, 6), round(g.centroid.y, 6), round(g.area, 6))  # noqa: E731
    a = {
        key(g): (n, p, g)
        for g, n, p in zip(ours.geometry, ours["n_cells"], ours[kde_mod.PEAK], strict=True)
    }
    b = {
        key(g): (n, p, g)
        for g, n, p in zip(old.geometry, old["n_cells"], old["peak_d"], strict=True)
    }
    assert a.keys() == b.keys()
    for k, (n, p, g) in a.items():
        n0, p0, g0 = b[k]
        assert n == n0 and p == pytest.approx(p0)
        assert g.geom_type == "Polygon" and g.equals(g0)
    assert all(g.is_valid for g in ours.geometry)
    # largest first; equal areas by their peak density, highest first
    n, pk = ours["n_cells"].to_numpy(), ours[kde_mod.PEAK].to_numpy()
    assert (np.diff(n) <= 0).all()
    assert all(pk[k] >= pk[k + 1] for k in range(len(n) - 1) if n[k] == n[k + 1])
    empty = cell_areas(grid, np.zeros(grid.shape, bool), density)
    assert len(empty) == 0 and list(empty.columns) == ["n_cells", kde_mod.PEAK, "geometry"]


def test_kde_hotspots_on_real_records_keep_their_shapes(bundled_read):
    """A real quarter: the hotspots' polygons are the old dissolve's (same areas)."""
    from hotspots.methods.grid import cell_polygons
    from hotspots.methods.naming import dissolve_cells

    recs = bundled_read.records
    recs = recs[recs[S.MONTH].between("2024-01", "2024-03") & recs[S.IN_BCP]]
    res = kde_hotspots(recs, area="bcp")
    assert len(res.hotspots) > 5
    # rebuild the old way from the same surface and compare the hotspot polygons
    mask = np.zeros(res.grid.shape, bool)
    cx, cy = res.grid.centres()
    for g in res.hotspots.geometry:
        mask |= shapely.contains_xy(g, cx, cy)
    cells = cell_polygons(res.grid, mask)
    cells["d"] = res.density[mask]
    old = dissolve_cells(cells, value_column="d")
    assert sorted(np.round(old.area, 3)) == sorted(np.round(res.hotspots.area, 3))
    for g in res.hotspots.geometry:
        assert any(g.equals(o) for o in old.geometry)


def test_gaussian_gridding_cache_is_bounded(monkeypatch):
    """At most ``GRIDDING_CACHE_SIZE`` record sets, and within the byte budget (the latest kept)."""
    grid = Grid(900.0, 1900.0, 20.0, 45, 40)
    sets = [unique_locations(*_records_xy(seed)) for seed in range(4)]
    monkeypatch.setattr(kde_surface, "GRIDDING_CACHE_SIZE", 3)
    kde_surface.clear_cache()
    for p in sets:
        kernel_density(p.x, p.y, p.weight, grid, bandwidth_m=90.0, kernel="gaussian")
    assert len(kde_surface._GRIDDINGS) == 3
    monkeypatch.setattr(kde_surface, "GRIDDING_CACHE_BYTES", 1)
    p = sets[0]
    again = kernel_density(p.x, p.y, p.weight, grid, bandwidth_m=90.0, kernel="gaussian")
    assert len(kde_surface._GRIDDINGS) == 1
    _assert_split_bound(again, _exact(p.x, p.y, grid, 90.0, "gaussian", p.weight.astype(float)))


@pytest.mark.parametrize("sd", [31.0, 150.0, 800.0])
def test_gaussian_split_at_the_grid_corners_and_wider_than_the_grid(sd):
    """Locations in the four corner cells and a heavy one in the middle; at 800 m the kernel
    reaches 40 cells past a 30 x 25 grid: the transform's period still wraps nothing onto it.
    """
    grid = Grid(0.0, 0.0, 20.0, 30, 25)
    x = np.array([1.0, 599.0, 5.0, 590.0, 300.0, 300.0])
    y = np.array([2.0, 3.0, 497.0, 499.0, 250.0, 250.5])
    w = np.array([1.0, 2.0, 3.0, 4.0, 50.0, 1.0])
    kde_surface.clear_cache()
    est = kde_surface._gauss_split(x, y, w, grid, sd)
    _assert_split_bound(est, _exact(x, y, grid, sd, "gaussian", w))
