"""Tests for hotspots.methods.gistar (Getis-Ord Gi*)."""

from __future__ import annotations

import math

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
    bh_adjust,
    classify_gi,
    default_cell_size_m,
    gistar,
    gistar_grid_z,
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

    def test_counts_and_hot_cell(self, toy_records_gi):
        r = gistar(toy_records_gi, area=square(0, 0, 2000))
        g = r.grid.set_index("cell_id")
        assert len(g) == 400  # 20 x 20 cells, none touching only an edge
        assert g["count"].sum() == 400 + 40
        centre = g[g.geometry.contains(shapely.Point(1050, 1050))]
        assert centre["count"].item() == 41
        assert centre["gi_class"].item() == "Hot 99%"
        assert r.hot_mask.sum() >= 1
        assert set(g.loc[r.hot_mask, "gi_class"]) <= {"Hot 99%", "Hot 95%"}

    def test_fdr_off_keeps_p(self, toy_records_gi):
        r = gistar(toy_records_gi, area=square(0, 0, 2000), fdr=False)
        np.testing.assert_array_equal(r.grid["p_value"], r.grid["p_adjusted"])
        r2 = gistar(toy_records_gi, area=square(0, 0, 2000))
        assert (r2.grid["p_adjusted"] >= r2.grid["p_value"] - 1e-15).all()

    def test_p_values_two_sided_normal(self, toy_records_gi):
        g = gistar(toy_records_gi, area=square(0, 0, 2000)).grid
        np.testing.assert_allclose(g["p_value"], 2 * stats.norm.sf(np.abs(g["gi_z"])))

    def test_explicit_scales_no_notes(self, toy_records_gi):
        r = gistar(toy_records_gi, area=square(0, 0, 2000), cell_size_m=200, distance_m=400)
        assert (r.cell_size_m, r.distance_m) == (200, 400)
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
        assert default_cell_size_m(square(0, 0, 600)) == 25

    def test_study_grid_excludes_edge_touching_cells(self):
        grid, mask = study_grid(square(0, 0, 300), 100)
        assert mask.sum() == 9  # the 3 x 3 cells inside; neighbours touching the edge are out
        grid2, mask2 = study_grid(square(50, 50, 300), 100)
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
    "spec,cell", [("Poole", 100), ("town-centre", 25), ("Poole Bus Station@300", 50)]
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
