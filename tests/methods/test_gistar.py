"""Tests for hotspots.methods.gistar (Getis-Ord Gi*)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import shapely
from scipy import stats

from hotspots.data import schema as S
from hotspots.data.areas import Area
from hotspots.errors import InputError
from hotspots.methods.gistar import (
    GI_CLASSES,
    GISTAR_COLUMNS,
    HOTSPOT_AREA_COLUMNS,
    MAP_POINT_INFERENCE,
    auto_permutations,
    bh_adjust,
    binomial_grid_p,
    classify_gi,
    conditional_permutation_p,
    default_cell_size_m,
    gistar,
    gistar_grid_p,
    gistar_grid_z,
    gistar_hotspot_areas,
    gistar_z,
    study_grid,
)

# esda's G_Local fixture (esda/tests/test_getisord.py): six points, DistanceBand threshold 15.
ESDA_POINTS = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)], dtype=float)
ESDA_Y = np.array([2, 3, 3.2, 5, 8, 7])
# z of the first point is esda's published value (test_star_binary); the other five were
# computed once with esda 2.9 G_Local(y, w, transform="B", star=True).Zs for cross-checking.
ESDA_STAR_BINARY_Z = [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]


def square(x0: float, y0: float, size: float, name: str = "Toy square") -> Area:
    return Area(name, "polygon", "toy", shapely.box(x0, y0, x0 + size, y0 + size))


# ============================================================================ inputs
class TestInputs:
    def test_mismatched_arrays(self):
        with pytest.raises(InputError, match="values, x, y"):
            gistar_z([1, 2, 3], [0, 1], [0, 1, 2], 1.0)

    @pytest.mark.parametrize("d", [-1.0, math.nan, math.inf])
    def test_bad_distance(self, d):
        with pytest.raises(InputError, match="distance"):
            gistar_z([1, 2], [0, 1], [0, 1], d)

    def test_grid_needs_2d_and_matching_mask(self):
        with pytest.raises(InputError, match="counts"):
            gistar_grid_z(np.ones(5), 100, 300)
        with pytest.raises(InputError, match="mask"):
            gistar_grid_z(np.ones((3, 3)), 100, 300, mask=np.ones((2, 3), bool))

    @pytest.mark.parametrize("bad", [0, -100, math.nan, "100", True])
    def test_bad_cell_size(self, toy_records_gi, bad):
        with pytest.raises(InputError, match="cell_size_m"):
            gistar(toy_records_gi, cell_size_m=bad, area=square(0, 0, 2000))

    def test_bad_distance_m(self, toy_records_gi):
        with pytest.raises(InputError, match="distance_m"):
            gistar(toy_records_gi, distance_m=-5, area=square(0, 0, 2000))

    @pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1])
    def test_bad_alpha(self, toy_records_gi, alpha):
        with pytest.raises(InputError, match="alpha"):
            gistar(toy_records_gi, alpha=alpha, area=square(0, 0, 2000))

    @pytest.mark.parametrize("bad", [-1, 1.5, "999", True])
    def test_bad_permutations(self, toy_records_gi, bad):
        with pytest.raises(InputError, match="permutations"):
            gistar(toy_records_gi, permutations=bad, area=square(0, 0, 2000))
        with pytest.raises(InputError, match="permutations"):
            gistar_grid_p(np.ones((3, 3)), 100, 100, permutations=bad)

    @pytest.mark.parametrize("bad", ["x", 1.5, True])
    def test_bad_seed(self, toy_records_gi, bad):
        with pytest.raises(InputError, match="seed"):
            gistar(toy_records_gi, seed=bad, area=square(0, 0, 2000))


CLUSTER_A, CLUSTER_B = (1050.0, 1050.0), (2950.0, 2950.0)


def cluster_rows() -> list[tuple[float, float, int]]:
    """A 4 km square: 1 record in every 7th 100 m cell; 3 x 3 cells of 8 records at A and B."""
    rows = [
        (x + 50.0, y + 50.0, 1)
        for i, (x, y) in enumerate((x, y) for x in range(0, 4000, 100) for y in range(0, 4000, 100))
        if i % 7 == 0
    ]
    for cx, cy in (CLUSTER_A, CLUSTER_B):
        rows += [(cx + dx, cy + dy, 8) for dx in (-100, 0, 100) for dy in (-100, 0, 100)]
    return rows


@pytest.fixture
def toy_records_gi(make_records):
    """A 2 km square: one record in every 100 m cell, plus 40 at (1050, 1050)."""
    rows = [(x + 50, y + 50, 1) for x in range(0, 2000, 100) for y in range(0, 2000, 100)]
    rows.append((1050.0, 1050.0, 40))
    return make_records(rows)


# ============================================================================ outputs
class TestPointStatistic:
    def test_esda_fixture_all_points(self):
        z = gistar_z(ESDA_Y, ESDA_POINTS[:, 0], ESDA_POINTS[:, 1], 15)
        np.testing.assert_allclose(z, ESDA_STAR_BINARY_Z, rtol=1e-7)

    def test_esda_first_point_published(self):
        z = gistar_z(ESDA_Y, ESDA_POINTS[:, 0], ESDA_POINTS[:, 1], 15)
        assert z[0] == pytest.approx(-1.39727626, abs=1e-8)

    def test_band_is_inclusive(self):
        # (15, 20) and (30, 20) are exactly 15 apart: neighbours at 15, not at 14.99
        z15 = gistar_z(ESDA_Y, ESDA_POINTS[:, 0], ESDA_POINTS[:, 1], 15)
        z_less = gistar_z(ESDA_Y, ESDA_POINTS[:, 0], ESDA_POINTS[:, 1], 14.99)
        assert z15[3] != pytest.approx(z_less[3])
        assert z15[0] == pytest.approx(z_less[0])  # point 0 has no pair at exactly 15

    def test_hand_worked_line(self):
        # points at 0, 10, 20 with values 1, 2, 6, band 10:
        # W = [2, 3, 2], xbar = 3, s = sqrt(41/3 - 9) = sqrt(14/3)
        # z0 = (1 + 2 - 3*2) / (s * sqrt((3*2 - 4) / 2)) = -3 / s
        # z1: W = n, the variance is 0 -> undefined (NaN)
        # z2 = (2 + 6 - 6) / s = 2 / s
        s = math.sqrt(14 / 3)
        z = gistar_z([1, 2, 6], [0, 10, 20], [0, 0, 0], 10)
        assert z[0] == pytest.approx(-3 / s)
        assert math.isnan(z[1])
        assert z[2] == pytest.approx(2 / s)

    def test_self_only_band_standardises(self):
        # no neighbours: z_i = (x_i - xbar) / s
        v = np.array([1.0, 2.0, 6.0])
        z = gistar_z(v, [0, 10, 20], [0, 0, 0], 5)
        np.testing.assert_allclose(z, (v - v.mean()) / v.std())

    def test_constant_values_undefined(self):
        assert np.isnan(gistar_z([3, 3, 3, 3], [0, 1, 2, 3], [0, 0, 0, 0], 1)).all()

    def test_empty(self):
        assert gistar_z([], [], [], 10).shape == (0,)


class TestGridStatistic:
    def test_equals_point_version_on_cell_centres(self):
        rng = np.random.default_rng(7)
        counts = rng.poisson(2.0, size=(25, 30)).astype(float)
        mask = rng.random((25, 30)) > 0.25
        zg = gistar_grid_z(counts, 100.0, 300.0, mask)
        rows, cols = np.nonzero(mask)
        zp = gistar_z(counts[mask], cols * 100.0 + 50, rows * 100.0 + 50, 300.0)
        np.testing.assert_allclose(zg[mask], zp, rtol=1e-9, atol=1e-9)
        assert np.isnan(zg[~mask]).all()

    def test_fft_path_equals_direct(self):
        # a wide band makes scipy choose FFT; compare with the k-d tree version
        rng = np.random.default_rng(3)
        counts = rng.poisson(1.0, size=(60, 60)).astype(float)
        zg = gistar_grid_z(counts, 25.0, 500.0)
        rows, cols = np.indices(counts.shape)
        zp = gistar_z(counts.ravel(), cols.ravel() * 25.0, rows.ravel() * 25.0, 500.0)
        np.testing.assert_allclose(zg.ravel(), zp, rtol=1e-7, atol=1e-7)

    def test_cluster_is_hot(self):
        counts = np.ones((21, 21))
        counts[10, 10] = 50
        z = gistar_grid_z(counts, 100, 300)
        # every cell within 300 m of the peak has the same neighbourhood sum, hence the same z
        assert z[10, 10] == pytest.approx(np.nanmax(z))
        assert z[10, 13] == pytest.approx(z[10, 10]) and z[10, 14] < z[10, 10]
        assert z[10, 10] > 3
        assert z[0, 0] < 0


class TestFdr:
    def test_hand_worked(self):
        # sorted p 0.005, 0.01, 0.03, 0.04 (m = 4): p*m/rank = 0.02, 0.02, 0.04, 0.04
        np.testing.assert_allclose(bh_adjust([0.01, 0.04, 0.03, 0.005]), [0.02, 0.04, 0.04, 0.02])

    def test_hand_worked_monotone_step(self):
        # p*m/rank = 0.005, 0.02, 0.065, 0.05125, 0.042 -> running minimum from the top
        got = bh_adjust([0.001, 0.008, 0.039, 0.041, 0.042])
        np.testing.assert_allclose(got, [0.005, 0.02, 0.042, 0.042, 0.042])

    def test_matches_scipy(self):
        p = np.random.default_rng(11).random(500) ** 3
        np.testing.assert_allclose(bh_adjust(p), stats.false_discovery_control(p, method="bh"))

    def test_nan_excluded_from_m(self):
        got = bh_adjust([0.01, np.nan, 0.04])
        np.testing.assert_allclose(got[[0, 2]], [0.02, 0.04])
        assert np.isnan(got[1])

    def test_capped_at_one(self):
        assert bh_adjust([0.9, 0.95, 1.0]).max() <= 1.0


class TestClasses:
    def test_thresholds(self):
        z = [3, 2, 1.7, 0.5, -1.7, -2, -3, 2]
        p = [0.005, 0.03, 0.08, 0.5, 0.08, 0.03, 0.005, 0.05]
        assert list(classify_gi(z, p)) == [
            "Hot 99%", "Hot 95%", "Hot 90%", "Not significant", "Cold 90%", "Cold 95%", "Cold 99%",
            "Hot 90%",  # p = 0.05 exactly is not below 0.05
        ]  # fmt: skip

    def test_nan_not_significant(self):
        assert list(classify_gi([np.nan, 3.0], [0.001, np.nan])) == ["Not significant"] * 2


class TestGistar:
    def test_columns_crs_and_notes(self, toy_records_gi):
        r = gistar(toy_records_gi, area=square(0, 0, 2000))
        assert list(r.grid.columns) == GISTAR_COLUMNS
        assert r.grid.crs == S.CRS_METRES
        assert r.cell_size_m == 100 and r.distance_m == 300
        assert any("cell size set to 100 m" in n for n in r.notes)
        assert any("distance band set to 300 m" in n and "29 cells" in n for n in r.notes)
        assert set(r.grid["gi_class"]) <= set(GI_CLASSES)

    def test_counts_and_hot_cell_normal(self, toy_records_gi):
        r = gistar(toy_records_gi, area=square(0, 0, 2000), permutations=0)
        g = r.grid.set_index("cell_id")
        assert len(g) == 400  # 20 x 20 cells, none touching only an edge
        assert g["count"].sum() == 400 + 40
        centre = g[g.geometry.contains(shapely.Point(1050, 1050))]
        assert centre["count"].item() == 41
        assert centre["gi_class"].item() == "Hot 99%"
        assert r.hot_mask.sum() >= 1
        assert set(g.loc[r.hot_mask, "gi_class"]) <= {"Hot 99%", "Hot 95%"}

    def test_lone_busy_cell_not_hot_by_permutation(self, toy_records_gi):
        # conditional permutation keeps the centre's 41 and asks whether its 28
        # neighbours (all 1) are unusual: they are not; its neighbours' sums include
        # the 41, which 7% of draws of 28 from the other 399 cells also do (p ~ 0.14)
        r = gistar(toy_records_gi, area=square(0, 0, 2000))
        assert r.hot_mask.sum() == 0
        assert r.permutations == 1999 and r.seed == 0
        assert any("permutations set to 1,999" in n for n in r.notes)

    def test_cluster_hot_by_permutation(self, make_records):
        r = gistar(make_records(cluster_rows()), area=square(0, 0, 4000))
        g = r.grid
        hot = g[r.hot_mask]
        assert len(hot) >= 9
        for pt in (CLUSTER_A, CLUSTER_B):
            assert g[g.geometry.contains(shapely.Point(*pt))]["gi_class"].item() == "Hot 99%"
        assert (hot.geometry.centroid.distance(shapely.Point(*CLUSTER_A)) < 500).sum() + (
            hot.geometry.centroid.distance(shapely.Point(*CLUSTER_B)) < 500
        ).sum() == len(hot)

    def test_fdr_off_keeps_p(self, toy_records_gi):
        r = gistar(toy_records_gi, area=square(0, 0, 2000), fdr=False)
        np.testing.assert_array_equal(r.grid["p_value"], r.grid["p_adjusted"])
        r2 = gistar(toy_records_gi, area=square(0, 0, 2000))
        assert (r2.grid["p_adjusted"] >= r2.grid["p_value"] - 1e-15).all()

    def test_p_values_two_sided_normal(self, toy_records_gi):
        g = gistar(toy_records_gi, area=square(0, 0, 2000), permutations=0).grid
        np.testing.assert_allclose(g["p_value"], 2 * stats.norm.sf(np.abs(g["gi_z"])))

    def test_explicit_scales_no_notes(self, toy_records_gi):
        r = gistar(
            toy_records_gi,
            area=square(0, 0, 2000),
            cell_size_m=200,
            distance_m=400,
            permutations=999,
        )
        assert (r.cell_size_m, r.distance_m, r.permutations) == (200, 400, 999)
        assert not any("set to" in n for n in r.notes)
        assert len(r.grid) == 100

    def test_records_outside_area_ignored(self, make_records):
        recs = make_records([(500, 500, 5), (5000, 5000, 7)])
        r = gistar(recs, area=square(0, 0, 1000))
        assert r.n_records == 5
        assert r.grid["count"].sum() == 5

    def test_empty_input_zero_rows(self, make_records):
        r = gistar(make_records([(5000, 5000, 3)]), area=square(0, 0, 1000))
        assert len(r.grid) == 0
        assert list(r.grid.columns) == GISTAR_COLUMNS
        assert any("no records" in n for n in r.notes)

    def test_default_cell_size_small_area(self):
        assert default_cell_size_m(square(0, 0, 20_000)) == 100
        assert default_cell_size_m(square(0, 0, 1500)) == 50
        assert default_cell_size_m(square(0, 0, 600)) == 50  # never below the map-point spacing

    def test_study_grid_excludes_edge_touching_cells(self):
        _grid, mask = study_grid(square(0, 0, 300), 100)
        assert mask.sum() == 9  # the 3 x 3 cells inside; neighbours touching the edge are out
        _grid2, mask2 = study_grid(square(50, 50, 300), 100)
        assert mask2.sum() == 16  # a shifted square overlaps 4 x 4 anchored cells

    def test_real_bcp_2024(self, bcp_2024):
        r = gistar(bcp_2024)
        assert r.cell_size_m == 100 and r.distance_m == 300
        assert 16_000 < len(r.grid) < 18_000  # BCP is 162 km2
        assert r.grid["count"].sum() == len(bcp_2024)
        square_pt = shapely.Point(408595.7, 91181.8)  # Bournemouth Square
        cell = r.grid[r.grid.geometry.contains(square_pt)]
        assert cell["gi_class"].item() == "Hot 99%"
        assert r.to_dict()["class_counts"]["Hot 99%"] > 100


@pytest.mark.parametrize(
    "spec,cell",
    [("Poole", 100), ("town-centre", 25), ("Poole Bus Station@300", 50)],
)
def test_study_grid_matches_brute_force(spec, cell):
    """The fast mask equals testing every cell square for a positive-area overlap."""
    from hotspots.data.areas import resolve_area
    from hotspots.methods.grid import cell_polygons

    area = resolve_area(spec)
    grid, mask = study_grid(area, cell)
    boxes = cell_polygons(grid).geometry.values
    ref = shapely.area(shapely.intersection(area.geometry, boxes)) > 0
    np.testing.assert_array_equal(mask.ravel(), ref)


# ============================================================================ permutation inference
def exact_two_sided_p(values: np.ndarray, neighbours: list[np.ndarray]) -> np.ndarray:
    """Exact conditional-permutation p-values by enumerating every neighbour set.

    For unit i: all C(n - 1, k_i - 1) sets of k_i - 1 other units are equally likely
    under conditional randomisation; P_ge / P_le are the shares whose sum is at
    least / at most the observed sum of i's neighbours; p = min(1, 2 min(P_ge, P_le)).
    """
    n = len(values)
    out = np.empty(n)
    for i in range(n):
        others = np.delete(values, i)
        obs = values[neighbours[i]].sum()
        sums = np.array([sum(c) for c in itertools.combinations(others, len(neighbours[i]))])
        out[i] = min(1.0, 2 * min((sums >= obs).mean(), (sums <= obs).mean()))
    return out


class TestConditionalPermutation:
    def test_matches_exact_enumeration(self):
        # a 3 x 4 grid, rook neighbours (band 100 m on 100 m cells): 2-4 others each
        counts = np.array([[0, 3, 0, 1], [7, 9, 0, 0], [2, 0, 0, 5]], dtype=float)
        rows, cols = np.indices(counts.shape)
        rows, cols, v = rows.ravel(), cols.ravel(), counts.ravel()
        nb = [
            np.flatnonzero(np.abs(rows - rows[i]) + np.abs(cols - cols[i]) == 1)
            for i in range(len(v))
        ]
        exact = exact_two_sided_p(v, nb)
        P = 99_999
        got = gistar_grid_p(counts, 100.0, 100.0, permutations=P, seed=3).ravel()
        q = np.clip(exact / 2, 1 / P, 0.5)
        se = 2 * np.sqrt(q * (1 - q) / P)
        # Monte Carlo p = 2 (n_extreme + 1) / (P + 1): within 4.5 se of the exact p
        np.testing.assert_array_less(np.abs(got - exact), 4.5 * se + 2.5 / P)
        # the unit itself is never one of its draws: cell (1, 1) holds 9; if it could
        # draw itself, its neighbours (3, 7, 0, 0 = 10) would look less extreme
        assert exact[5] == pytest.approx(got[5], abs=4.5 * se[5] + 2.5 / P)

    @pytest.mark.slow  # the esda reference (~13% of the unit tier): slow tier
    def test_against_esda_real_window(self, bcp_2024):
        """Cell by cell against esda G_Local(star=True, permutations=9999), same counts."""
        libpysal = pytest.importorskip("libpysal")
        esda = pytest.importorskip("esda")
        counts, mask = real_window(bcp_2024)
        P = 9_999
        w = esda_band(libpysal, mask)
        y = counts[mask]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = esda.G_Local(y, w, transform="B", star=True, permutations=P, seed=11, n_jobs=1)
        np.testing.assert_allclose(g.Zs, gistar_grid_z(counts, 100, 300, mask)[mask], atol=1e-9)
        n_ge = (g.rGs >= g.Gs[:, None]).sum(axis=1)
        n_le = (g.rGs <= g.Gs[:, None]).sum(axis=1)
        ref = np.minimum(1, 2 * (np.minimum(n_ge, n_le) + 1) / (P + 1))
        got = gistar_grid_p(counts, 100, 300, mask, permutations=P, seed=5)[mask]
        q = np.clip(np.minimum(ref, got) / 2, 1 / P, 0.5)
        se = 2 * np.sqrt(q * (1 - q) / P)
        assert np.all(np.abs(got - ref) < 4.5 * se + 4 / P)
        # draws are shared across cells (in esda too), so errors do not average out
        assert abs(np.mean(got - ref)) < 0.01
        assert ((got < 0.05) == (ref < 0.05)).mean() > 0.98

    def test_seeded(self):
        counts = np.random.default_rng(1).poisson(0.5, (20, 20)).astype(float)
        a = gistar_grid_p(counts, 100, 300, permutations=999, seed=4)
        np.testing.assert_array_equal(a, gistar_grid_p(counts, 100, 300, permutations=999, seed=4))
        assert not np.array_equal(a, gistar_grid_p(counts, 100, 300, permutations=999, seed=5))

    def test_empty_neighbourhood_is_not_significant(self):
        # ties count on both sides: a cell whose neighbours are all empty is as
        # likely as not (here ~1/3 of draws are also all empty); esda's default
        # "directed" folding would give it the smallest p, 1/(P+1)
        counts = np.zeros((20, 20))
        counts[np.random.default_rng(2).random((20, 20)) < 0.03] = 1
        counts[10:, :] = 0
        counts[2, 2] = 30
        p = gistar_grid_p(counts, 100, 300, permutations=1999, seed=0)
        assert p[15, 10] > 0.3

    def test_permutations_zero_is_normal(self):
        counts = np.random.default_rng(1).poisson(0.5, (15, 15)).astype(float)
        z = gistar_grid_z(counts, 100, 300)
        p = gistar_grid_p(counts, 100, 300, permutations=0)
        np.testing.assert_allclose(p, 2 * stats.norm.sf(np.abs(z)))

    def test_direct_call_shapes(self):
        v = np.array([0.0, 1.0, 5.0])
        p = conditional_permutation_p(v, np.array([1.0, 5.0, 1.0]), np.array([1, 2, 1]))
        assert p.shape == (3,) and np.all((p > 0) & (p <= 1))
        assert conditional_permutation_p(np.empty(0), np.empty(0), np.empty(0, int)).shape == (0,)

    @pytest.mark.parametrize(
        "m,fdr,expected",
        [(16_986, True, 99_999), (400, True, 1_999), (16_986, False, 999)],
    )
    def test_auto_permutations(self, m, fdr, expected):
        assert auto_permutations(m, 0.05, fdr) == expected
        # the floor 2/(P+1) passes BH once 10 cells share it
        if fdr and expected < 99_999:
            assert 2 / (expected + 1) <= 0.05 * 10 / m


def bcp_counts(records):
    """The BCP 100 m grid, its study mask and the records' counts per study cell."""
    from hotspots.data.areas import resolve_area
    from hotspots.methods.grid import bin_counts

    grid, mask = study_grid(resolve_area("bcp"), 100.0)
    counts = np.where(mask, bin_counts(grid, records[S.X].to_numpy(), records[S.Y].to_numpy()), 0)
    return grid, mask, counts.astype(float)


def esda_band(libpysal, mask: np.ndarray):
    """libpysal binary distance-band weights (300 m, inclusive) between the mask's 100 m cells."""
    rows, cols = np.nonzero(mask)
    xy = np.column_stack([cols * 100.0, rows * 100.0])
    return libpysal.weights.DistanceBand(xy, threshold=300.0001, binary=True, silence_warnings=True)


def real_window(records) -> tuple[np.ndarray, np.ndarray]:
    """Counts and study mask of the BCP 100 m grid, 36 x 36 cells around Bournemouth Square."""
    grid, mask, counts = bcp_counts(records)
    i, j, _ = grid.index_of(np.array([408595.7]), np.array([91181.8]))
    win = np.s_[i[0] - 18 : i[0] + 18, j[0] - 18 : j[0] + 18]
    return counts[win], mask[win]


@pytest.fixture(scope="module")
def bcp_2024_permuted(bcp_2024):
    """``gistar(bcp_2024, permutations=99_999)``, computed once for the three tests that read it
    (seeded, so the same result each time; issue 20: the suite's CPU).
    """
    r = gistar(bcp_2024, permutations=99_999)
    assert r.permutations == 99_999
    return r


class TestRealInference:
    def test_far_fewer_hot_cells_than_normal(self, bcp_2024, bcp_2024_permuted):
        perm = bcp_2024_permuted  # the permutation path, asked for
        normal = gistar(bcp_2024, permutations=0)
        assert perm.permutations == 99_999
        n_perm, n_norm = perm.hot_mask.sum(), normal.hot_mask.sum()
        assert 150 < n_perm < 350 and n_norm > 700  # 225 and 865 measured
        with_records = lambda r: (r.grid.loc[r.hot_mask, "count"] > 0).mean()  # noqa: E731
        assert with_records(perm) > with_records(normal)

    @pytest.mark.slow
    def test_hot_cells_within_factor_of_esda(self, bcp_2024, bcp_2024_permuted):
        """Acceptance: hot cells at 95% after BH within 1.5x of esda's permutation + BH.

        esda's conditional randomisation (``crand``, the engine of
        ``G_Local(star=True, permutations=...)``) with 9,999 permutations, one run
        per side; two-sided p = min(1, 2 min(p_greater, p_lesser)), then BH. (esda's
        default ``directed`` p_sim gives ~830 here: its folding hands cells with
        empty neighbourhoods the smallest p; its ``two-sided`` gives 0, its
        percentile rule counting every draw tied at the minimum as extreme.)
        ~1-3 min without numba.
        """
        libpysal = pytest.importorskip("libpysal")
        pytest.importorskip("esda")
        from esda.crand import crand
        from esda.getisord import G_Local, _g_local_star_crand

        _grid, mask, counts = bcp_counts(bcp_2024)
        w = esda_band(libpysal, mask)
        y = counts[mask]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = G_Local(y, w, transform="B", star=True, permutations=0)
            p = {
                alt: crand(y, g.w, g.Gs, 9_999, False, 1, _g_local_star_crand,
                           scaling=y.sum(), seed=7, alternative=alt)[0]
                for alt in ("greater", "lesser")
            }  # fmt: skip
        two = np.minimum(1, 2 * np.minimum(p["greater"], p["lesser"]))
        theirs = int(((g.Zs > 0) & (bh_adjust(two) < 0.05)).sum())
        ours = int(bcp_2024_permuted.hot_mask.sum())
        assert theirs > 50
        assert 1 / 1.5 <= ours / theirs <= 1.5  # measured 225 / 221


# ============================================================================ map-point inference
# a hand-sized grid: 4 x 4 cells of 100 m, band 100 m (each cell and its 4 edge neighbours),
# chance shares of the map points binned to cells, 12 records, 9 of them in cell (1, 1)
TOY_SHARE = np.array(
    [
        [0.10, 0.05, 0.00, 0.05],
        [0.05, 0.10, 0.10, 0.00],
        [0.00, 0.10, 0.15, 0.05],
        [0.05, 0.00, 0.05, 0.15],
    ],
)
TOY_COUNTS = np.array(
    [
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 9.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0, 1.0],
    ],
)
TOY_NEIGHBOURS = {
    (i, j): [(a, b) for a in range(4) for b in range(4) if abs(a - i) + abs(b - j) <= 1]
    for i in range(4)
    for j in range(4)
}


class TestMapPointInference:
    def test_band_sum_is_binomial_against_brute_force_multinomial(self):
        """The exact tail equals a brute-force Monte Carlo of the multinomial null: 200,000
        draws of the 12 records over the 16 cells, neighbourhood sums by explicit loops.
        """
        z = gistar_grid_z(TOY_COUNTS, 100.0, 100.0)
        p = binomial_grid_p(TOY_COUNTS, TOY_SHARE, 100.0, 100.0, z=z)
        rng = np.random.default_rng(11)
        n, draws = int(TOY_COUNTS.sum()), 200_000
        sims = rng.multinomial(n, TOY_SHARE.ravel(), size=draws).reshape(draws, 4, 4)
        for (i, j), nb in TOY_NEIGHBOURS.items():
            s_obs = sum(TOY_COUNTS[a, b] for a, b in nb)
            s_sim = sum(sims[:, a, b] for a, b in nb)
            upper, lower = (s_sim >= s_obs).mean(), (s_sim <= s_obs).mean()
            tail = upper if z[i, j] > 0 else lower if z[i, j] < 0 else min(upper, lower)
            mc = min(1.0, 2 * tail)
            se = math.sqrt(max(tail * (1 - tail), 1e-6) / draws)
            assert abs(p[i, j] - mc) <= 2 * 4 * se + 1e-9, ((i, j), p[i, j], mc)
        # the busy cell: 10 of 12 records in its band where chance puts 0.40 of them
        assert p[1, 1] < 0.01 < p[3, 0]

    def test_tails_equal_scipy_binomtest(self):
        """Each cell's p is scipy's exact binomial test in Gi*'s direction, doubled."""
        z = gistar_grid_z(TOY_COUNTS, 100.0, 100.0)
        p = binomial_grid_p(TOY_COUNTS, TOY_SHARE, 100.0, 100.0)
        n = int(TOY_COUNTS.sum())
        for (i, j), nb in TOY_NEIGHBOURS.items():
            k = int(sum(TOY_COUNTS[a, b] for a, b in nb))
            share = float(sum(TOY_SHARE[a, b] for a, b in nb))
            side = "greater" if z[i, j] > 0 else "less"
            ref = min(1.0, 2 * stats.binomtest(k, n, share, alternative=side).pvalue)
            assert p[i, j] == pytest.approx(ref, rel=1e-9, abs=1e-15), (i, j)

    def test_busy_but_below_its_map_points_is_not_hot(self):
        """A cell above the area's mean count but below what its many map points make
        likely gets the upper tail (p near 1), not the lower one.
        """
        counts = np.zeros((4, 4))
        counts[0, 0], counts[3, 3] = 3.0, 1.0
        share = np.full((4, 4), 0.01)
        share[0, 0] = 1 - 15 * 0.01  # nearly all the map-point land in one cell
        z = gistar_grid_z(counts, 100.0, 0.0)
        p = binomial_grid_p(counts, share, 100.0, 0.0, z=z)
        assert z[0, 0] > 0 and p[0, 0] > 0.5

    def test_shares_checked(self):
        with pytest.raises(InputError, match="cell_share"):
            binomial_grid_p(TOY_COUNTS, np.ones((3, 3)), 100.0, 100.0)
        with pytest.raises(InputError, match="cell_share"):
            binomial_grid_p(TOY_COUNTS, np.zeros((4, 4)), 100.0, 100.0)

    def test_real_quarter_uses_map_points_by_default(self, bcp_2024):
        """Records on police.uk map points: the exact test, no permutations; Bournemouth
        Square's cell is hot and the permutation path is still one setting away.
        """
        r = gistar(bcp_2024)
        assert r.inference == MAP_POINT_INFERENCE and r.permutations == 0
        assert any("police.uk map points" in n for n in r.notes)
        assert any("Binomial(N" in n for n in r.notes)
        cell = r.grid[r.grid.geometry.contains(shapely.Point(408595.7, 91181.8))]
        assert cell["gi_class"].item() == "Hot 99%"
        # more powerful than permutation (150-350 hot cells, test above): 2,684 measured,
        # cut by the peak rule to 62 street-sized hotspots (before the importance floor)
        assert 2_000 < r.hot_mask.sum() < 3_500
        assert 40 <= len(gistar_hotspot_areas(r)) <= 90
        perm = gistar(bcp_2024, permutations=999)
        assert perm.inference == "permutation" and perm.permutations == 999

    @pytest.mark.slow
    def test_chance_records_rarely_give_a_hot_cell(self, bcp_2024):
        """Records drawn from the map-point model itself (a real month's count, 100 seeds):
        at most 9 of 100 seeds have any hot cell after BH, at BCP scale and in Bournemouth
        Central alone (9 bounds a 5% rate: P(>= 10 of 100) = 0.03). Measured 0 and 4.
        """
        from hotspots.data.areas import records_in_area
        from hotspots.methods import chance as C
        from hotspots.methods.detect import study_area

        month = bcp_2024[bcp_2024[S.MONTH].astype(str) == "2024-01"]
        bcp = study_area("bcp")
        ward = study_area("Bournemouth Central")
        base = C.chance_model(month, bcp)
        pts = (base.x, base.y)
        rng = np.random.default_rng(5)
        for area in (bcp, ward):
            model = C.chance_model(month, area, points=pts)
            assert model.kind == C.MAP_POINTS
            n = int(records_in_area(month, area).sum())
            hits = 0
            for _ in range(100):
                j = rng.choice(model.n_points, size=n, p=model.share)
                recs = month.iloc[:n].copy()
                recs[S.X], recs[S.Y] = model.x[j], model.y[j]
                r = gistar(recs, area=area, map_points=pts)
                assert r.inference == MAP_POINT_INFERENCE
                hits += bool(r.hot_mask.any())
            assert hits <= 9, (area.name, hits)

    def test_exact_coordinates_fall_back_to_permutation(self, bcp_2024):
        recs = bcp_2024.assign(
            **{S.X: bcp_2024[S.X] + 3.0, S.SOURCE: S.SOURCE_FORCE_EXPORT},
        )  # not on map points
        r = gistar(recs)
        assert r.inference == "permutation" and r.permutations == 99_999
        assert any("uniformly over" in n for n in r.notes)


# ============================================================================ hotspot areas
def uniform_over(area_geom, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = area_geom.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(4 * n, 2))
        out = np.vstack([out, xy[shapely.contains_xy(area_geom, xy[:, 0], xy[:, 1])]])
    return out[:n]


class TestHotspotAreas:
    def test_schema_and_empty(self, toy_records_gi):
        r = gistar(toy_records_gi, area=square(0, 0, 2000))
        h = gistar_hotspot_areas(r)
        assert len(h) == 0 and list(h.columns) == HOTSPOT_AREA_COLUMNS
        assert h.crs == S.CRS_METRES
        assert [str(t) for t in h.dtypes[:-1]] == ["int64", "float64", "float64", "int64"]

    def test_two_clusters_two_hotspots(self, make_records):
        r = gistar(make_records(cluster_rows()), area=square(0, 0, 4000))
        h = gistar_hotspot_areas(r)
        assert list(h.columns) == HOTSPOT_AREA_COLUMNS
        assert [str(t) for t in h.dtypes[:-1]] == ["int64", "float64", "float64", "int64"]
        assert len(h) == 2
        for pt in (CLUSTER_A, CLUSTER_B):
            (row,) = h[h.geometry.contains(shapely.Point(*pt))].itertuples()
            # the 3 x 3 cluster (72) plus the background records within 300 m of the peak
            assert 72 <= row.count <= 72 + 29
            assert row.peak_gi_z > 3 and row.min_p_adjusted < 0.01
            assert row.n_cells == round(row.geometry.area / 100**2)
        assert h["count"].is_monotonic_decreasing

    def test_district_split_into_street_sized_pieces(self, make_records):
        # a 1.5 km hot street: one hot area, split at its peaks into pieces of at most
        # one distance band around each peak; every record cell of the street is used once
        rows = [(x + 50.0, 2050.0, 6) for x in range(1000, 2500, 100)]
        rows += [(x + 50.0, y + 50.0, 1) for x in range(0, 4000, 300) for y in range(0, 4000, 300)]
        r = gistar(make_records(rows), area=square(0, 0, 4000))
        h = gistar_hotspot_areas(r)
        assert len(h) >= 2
        assert (h.geometry.area <= 29 * 100**2 + 1).all()
        assert h.geometry.union_all().area == pytest.approx(h.geometry.area.sum())
        assert (h["count"] > 0).all()

    def test_real_hotspots_hold_records_inside_bcp(self, bcp_2024, bcp_2024_permuted):
        from hotspots.data.areas import resolve_area

        r = bcp_2024_permuted
        h = gistar_hotspot_areas(r)
        assert 4 <= len(h) <= 20  # 7 measured (Q1 2024): town centres, Lansdowne, Boscombe...
        assert (h["count"] > 0).all()
        assert h["count"].sum() <= len(bcp_2024)
        assert h.geometry.area.max() <= 29 * 100**2 + 1  # one band: not a district
        assert h.geometry.intersects(resolve_area("bcp").geometry).all()
        # counts are the records inside each polygon
        pts = shapely.points(bcp_2024[S.X].to_numpy(), bcp_2024[S.Y].to_numpy())
        inside = [int(shapely.contains_properly(g, pts).sum()) for g in h.geometry[:5]]
        assert inside == h["count"].head(5).tolist()
        # the gazetteer point of Bournemouth Square lies in an empty cell; a hotspot
        # holds the records next to it
        assert h.distance(shapely.Point(408595.7, 91181.8)).min() < 100

    def test_uniform_noise_gives_at_most_one_hotspot(self, bcp_2024, make_records):
        """Records placed uniformly over BCP land, as many as a real month: on average <= 1."""
        from hotspots.data.areas import resolve_area

        bcp = resolve_area("bcp")
        n = int((bcp_2024[S.MONTH].astype(str) == "2024-01").sum())
        found = []
        for seed in range(4):
            xy = uniform_over(bcp.geometry, n, seed)
            recs = make_records([(x, y, 1) for x, y in xy])
            found.append(len(gistar_hotspot_areas(gistar(recs, area=bcp))))
        assert np.mean(found) <= 1, found  # 0 in each of 8 seeds measured
