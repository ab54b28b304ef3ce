"""Tests for hotspots.comparison.change: hotspot change and seasonal classes from Gi*."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy import stats

from hotspots.comparison.change import (
    CHANGE_COLUMNS,
    SEASONAL_COLUMNS,
    hotspot_change,
    seasonal_hotspots,
)
from hotspots.data import schema as S
from hotspots.errors import InputError

P, Q, R, FAR = (350, 350), (1650, 1650), (350, 1650), (1050, 1050)


def background(month: str) -> list[tuple]:
    """One record at the centre of every 100 m cell of the 2 km toy square."""
    return [
        (x + 50, y + 50, month, S.ASB, 1) for x in range(0, 2000, 100) for y in range(0, 2000, 100)
    ]


def cluster(pt, month: str, n: int = 10) -> list[tuple]:
    """``n`` records in each of the 3 x 3 cells centred on ``pt``."""
    return [
        (pt[0] + dx, pt[1] + dy, month, S.ASB, n) for dx in (-100, 0, 100) for dy in (-100, 0, 100)
    ]


def cell_of(grid, pt) -> dict:
    return grid[grid.geometry.contains(shapely.Point(*pt))].iloc[0].to_dict()


# ============================================================================ inputs
class TestInputs:
    def test_bad_alpha(self, toy_records, toy_area):
        recs = toy_records(background("2024-01"))
        with pytest.raises(InputError, match="alpha"):
            hotspot_change(recs, "2024-01", "2024-02", area=toy_area(), alpha=2)

    def test_bad_window(self, toy_records, toy_area):
        with pytest.raises(InputError, match="`b`"):
            hotspot_change(
                toy_records(background("2024-01")),
                "2024-01",
                "2024-00",
                area=toy_area(),
            )


# ============================================================================ outputs
class TestHotspotChange:
    @pytest.fixture
    def res(self, toy_records, toy_area):
        rows = background("2024-01") + background("2024-02")
        rows += (
            cluster(P, "2024-01")
            + cluster(Q, "2024-02")
            + cluster(R, "2024-01")
            + cluster(R, "2024-02")
        )
        return hotspot_change(toy_records(rows), "2024-01", "2024-02", area=toy_area())

    def test_classes(self, res):
        g = res.grid
        assert cell_of(g, P)["change"] == "former"
        assert cell_of(g, Q)["change"] == "emerging"
        assert cell_of(g, R)["change"] == "persistent"
        assert cell_of(g, FAR)["change"] == "none"
        assert cell_of(g, P)["count_a"] == 11 and cell_of(g, P)["count_b"] == 1

    def test_columns_and_parameters(self, res):
        assert list(res.grid.columns) == CHANGE_COLUMNS
        assert res.grid.crs == S.CRS_METRES
        assert (res.cell_size_m, res.distance_m, res.n_a, res.n_b) == (100, 300, 580, 580)
        assert len(res.grid) == 400 and res.grid["cell_id"].is_unique
        counts = res.class_counts()
        assert (
            sum(counts.values()) == 400
            and min(counts["former"], counts["emerging"], counts["persistent"]) >= 1
        )
        assert "persistent" in res.reading and res.to_dict()["class_counts"] == counts

    def test_hot_means_positive_z_and_small_p(self, res):
        g = res.grid
        hot_a = g["change"].isin(["former", "persistent"])
        assert ((g.loc[hot_a, "gi_z_a"] > 0) & (g.loc[hot_a, "p_adjusted_a"] < 0.05)).all()
        assert not ((g.loc[~hot_a, "gi_z_a"] > 0) & (g.loc[~hot_a, "p_adjusted_a"] < 0.05)).any()

    def test_inference_seeded_and_announced(self, res, toy_records, toy_area):
        # 400 study cells: automatic 1,999 permutations, seed 0, both recorded
        assert (res.permutations, res.seed, res.fdr) == (1999, 0, True)
        d = res.to_dict()
        assert (d["permutations"], d["seed"]) == (1999, 0)
        assert any("conditional permutations" in n for n in res.notes)
        assert any("permutations set to 1,999" in n for n in res.notes)
        rows = background("2024-01") + background("2024-02") + cluster(P, "2024-01")
        again = [
            hotspot_change(toy_records(rows), "2024-01", "2024-02", area=toy_area(), seed=s)
            for s in (0, 0, 1)
        ]
        assert again[0].grid["p_adjusted_a"].equals(again[1].grid["p_adjusted_a"])
        assert not again[0].grid["p_adjusted_a"].equals(again[2].grid["p_adjusted_a"])

    def test_normal_approximation_kept_as_option(self, toy_records, toy_area):
        rows = background("2024-01") + background("2024-02") + cluster(P, "2024-01")
        res = hotspot_change(
            toy_records(rows),
            "2024-01",
            "2024-02",
            area=toy_area(),
            permutations=0,
            fdr=False,
        )
        g = res.grid
        np.testing.assert_allclose(g["p_adjusted_a"], 2 * stats.norm.sf(np.abs(g["gi_z_a"])))
        assert res.permutations == 0 and any("normal approximation" in n for n in res.notes)

    @pytest.mark.parametrize("bad", [-5, 2.5, "all"])
    def test_bad_permutations(self, toy_records, toy_area, bad):
        with pytest.raises(InputError, match="permutations"):
            hotspot_change(
                toy_records(background("2024-01")), "2024-01", "2024-02", area=toy_area(),
                permutations=bad,
            )  # fmt: skip

    def test_empty_period_noted(self, toy_records, toy_area):
        res = hotspot_change(
            toy_records(background("2024-01")),
            "2024-01",
            "2024-02",
            area=toy_area(),
        )
        assert (res.grid["change"].isin(["none", "former"])).all()
        assert any("no records in Feb 2024" in n for n in res.notes)

    def test_real_data_same_grid(self, bundled):
        res = hotspot_change(bundled, "2019-01:2019-02", "2024-01:2024-02")
        c = res.class_counts()
        assert c["persistent"] > 100  # the town centres stay hot over five years
        assert res.grid["count_a"].sum() == res.n_a and res.grid["count_b"].sum() == res.n_b
        sq = cell_of(res.grid, (408595.7, 91181.8))  # Bournemouth Square
        assert sq["change"] == "persistent"

    def test_real_data_no_slab(self, bundled):
        """Permutation inference keeps the persistent core, not a slab of empty cells.

        Measured (Jan-Feb 2019 vs Jan-Feb 2024): 151 persistent cells, 44 of them
        empty in both periods; the normal approximation gives 653, 268 empty in both.
        """
        perm = hotspot_change(bundled, "2019-01:2019-02", "2024-01:2024-02")
        normal = hotspot_change(bundled, "2019-01:2019-02", "2024-01:2024-02", permutations=0)
        assert perm.permutations == 99_999

        def persistent(res):
            g = res.grid[res.grid["change"] == "persistent"]
            return len(g), int(((g["count_a"] == 0) & (g["count_b"] == 0)).sum())

        (n_perm, empty_perm), (n_norm, empty_norm) = persistent(perm), persistent(normal)
        assert n_perm < n_norm / 2.5
        assert empty_perm / n_perm < empty_norm / n_norm


class TestSeasonal:
    def test_classes(self, toy_records, toy_area):
        rows = background("2023-06") + background("2023-12")
        rows += (
            cluster(P, "2023-06")
            + cluster(Q, "2023-12")
            + cluster(R, "2023-06")
            + cluster(R, "2023-12")
        )
        res = seasonal_hotspots(toy_records(rows), area=toy_area())
        g = res.grid
        assert list(g.columns) == SEASONAL_COLUMNS
        assert cell_of(g, P)["season"] == "summer-only"
        assert cell_of(g, Q)["season"] == "winter-only"
        assert cell_of(g, R)["season"] == "year-round"
        assert cell_of(g, FAR)["season"] == "none"
        assert (cell_of(g, P)["summer_years_hot"], cell_of(g, P)["winter_years_hot"]) == (1, 0)
        assert res.years == (2023,)
        assert res.summer_months == ("2023-06",) and res.winter_months == ("2023-12",)

    def test_winter_spans_new_year(self, toy_records, toy_area):
        # Jan 2024 belongs to the winter that began in October 2023
        rows = background("2024-01") + cluster(Q, "2024-01")
        res = seasonal_hotspots(toy_records(rows), years=[2023], area=toy_area())
        assert cell_of(res.grid, Q)["season"] == "winter-only"
        assert res.winter_months == ("2024-01",)
        assert any("no summer months" in n for n in res.notes)

    def test_real_data_has_no_summer(self, bundled):
        res = seasonal_hotspots(bundled)
        c = res.class_counts()
        assert c["summer-only"] == c["year-round"] == 0 and c["winter-only"] > 100
        assert any("no summer months" in n for n in res.notes)
