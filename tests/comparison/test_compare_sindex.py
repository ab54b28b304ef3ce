"""Tests for hotspots.comparison.sindex: Andresen's spatial point pattern test and S index."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.comparison.sindex import SINDEX_COLUMNS, s_index, sppt
from hotspots.data import schema as S
from hotspots.errors import InputError


# ============================================================================ inputs
class TestInputs:
    def test_bad_units(self, bundled):
        with pytest.raises(InputError, match="units"):
            s_index(bundled, "2019-01", "2024-01", units="wards")

    @pytest.mark.parametrize("kw", [{"samples": 5}, {"sample_share": 0}, {"sample_share": 1.2}])
    def test_bad_resampling(self, kw):
        with pytest.raises(InputError):
            sppt([1, 2], [2, 1], **kw)

    def test_needs_records_in_both(self):
        with pytest.raises(InputError, match="records"):
            sppt([0, 0], [2, 1])

    def test_empty_window(self, bundled):
        with pytest.raises(InputError, match="`a`"):
            s_index(bundled, "2021-01", "2024-01")


# ============================================================================ outputs
class TestSppt:
    def test_degenerate_hand_worked(self):
        # all test records in unit 0: every resample gives 100%, 0%, 0% -> intervals collapse
        base_pct, lo, hi, change = sppt([5, 5, 0], [20, 0, 0])
        assert base_pct.tolist() == [50, 50, 0]
        assert lo.tolist() == hi.tolist() == [100, 0, 0]
        # unit 0: 50% < 100% -> up; unit 1: 50% > 0% -> down; unit 2: 0% in [0, 0] -> similar
        assert change.tolist() == ["up", "down", "similar"]

    def test_same_proportions_are_similar(self):
        base = np.array([100, 200, 300, 400])
        _, lo, hi, change = sppt(base, 3 * base)
        assert (change == "similar").all()
        assert (lo <= 100 * base / base.sum()).all() and (hi >= 100 * base / base.sum()).all()

    def test_interval_is_85_percent_resampling(self):
        # one unit with 850 of 1000 test records: resamples of 850 records give a
        # hypergeometric share with sd = sqrt(850 * .85 * .15 * 150 / 999) / 850
        test = np.array([850, 150])
        _, lo, hi, _ = sppt(np.array([1, 1]), test, samples=2000, seed=1)
        sd = np.sqrt(850 * 0.85 * 0.15 * (1000 - 850) / 999) / 850 * 100
        assert (hi[0] - lo[0]) == pytest.approx(2 * 1.96 * sd, rel=0.1)

    def test_fixed_seed_reproducible(self):
        a = sppt([3, 4, 5], [6, 1, 9], seed=42)
        b = sppt([3, 4, 5], [6, 1, 9], seed=42)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


class TestSIndex:
    def test_toy_grid(self, toy_records, toy_area):
        # 1 km cells of the 2 km square: ids row * 2 + col (0: SW, 1: SE, 2: NW, 3: NE)
        rows = [
            (500, 500, "2024-01", S.ASB, 50),
            (1500, 500, "2024-01", S.ASB, 50),
            (500, 500, "2024-02", S.ASB, 50),
            (1500, 500, "2024-02", S.ASB, 10),
            (1500, 1500, "2024-02", S.ASB, 40),
        ]
        r = s_index(
            toy_records(rows),
            "2024-01",
            "2024-02",
            units="grid",
            cell_size_m=1000,
            area=toy_area(),
        )
        assert list(r.units.columns) == SINDEX_COLUMNS
        by = r.units.set_index(r.units["unit_id"].astype(int))
        assert by["count_a"].tolist() == [50, 50, 0, 0]
        assert by["count_b"].tolist() == [50, 10, 0, 40]
        # shares of A: 50, 50, 0, 0 against B's 50, 10, 0, 40 (resampled)
        assert by["change"].tolist() == ["similar", "down", "similar", "up"]
        assert (r.s_index, r.s_index_robust) == pytest.approx((2 / 4, 1 / 3))
        assert (r.n_up, r.n_down) == (1, 1)

    def test_real_lsoas(self, bundled):
        r = s_index(bundled, "2019-01:2019-02", "2024-01:2024-02")
        assert r.unit_kind == "lsoa" and len(r.units) == 240
        assert 0 < r.s_index < 1 and r.s_index == pytest.approx(r.to_dict()["s_index"])
        assert r.units["count_a"].sum() + 20 > r.n_a >= r.units["count_a"].sum()
        assert r.n_up + r.n_down == int((r.units["change"] != "similar").sum())
        again = s_index(bundled, "2019-01:2019-02", "2024-01:2024-02")
        assert again.s_index == r.s_index  # fixed seed
        assert "S index" in r.reading
