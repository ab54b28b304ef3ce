"""Tests for hotspots.comparison.rates: period-against-period comparisons."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hotspots.comparison.rates import (
    COMPARISON_COLUMNS,
    compare_periods,
)
from hotspots.data import schema as S
from hotspots.errors import InputError

BOURNEMOUTH_SQUARE = (408595.7, 91181.8)
POOLE_BUS_STATION = (401614.1, 90930.5)


class TestInputs:
    def test_window_without_data(self, bundled):
        with pytest.raises(InputError, match="at least one month of data"):
            compare_periods(bundled, "2021-01:2021-03", "2024-01:2024-03")

    def test_bad_area(self, bundled):
        with pytest.raises(InputError, match="area"):
            compare_periods(bundled, "2019-01:2019-02", "2024-01:2024-02", area="Atlantis")


# ============================================================================ outputs
class TestComparePeriods:
    def test_toy_counts_and_exposure(self, toy_records):
        x, y = BOURNEMOUTH_SQUARE
        rows = [
            (x, y, "2019-01", S.ASB, 12),
            (x, y, "2019-02", S.ASB, 8),
            (x, y, "2019-02", "Burglary", 4),
            (x, y, "2024-01", S.ASB, 10),
            (x, y, "2024-02", S.ASB, 10),
            (x, y, "2024-03", S.ASB, 10),
            (x, y, "2024-03", "Burglary", 1),
        ]
        c = compare_periods(
            toy_records(rows),
            "2019-01:2019-03",
            "2024-01:2024-03",
            categories="asb",
        )
        assert (c.count_a, c.count_b, c.months_a, c.months_b) == (20, 30, 2, 3)
        assert c.missing_a == ("2019-03",) and c.missing_b == ()
        assert c.result.ratio == pytest.approx(1.0)  # 10 a month in both
        assert any("2019-03 is missing" in n for n in c.notes)
        assert any("monthly rates" in n for n in c.notes)
        assert list(c.by_category.columns) == COMPARISON_COLUMNS
        assert c.by_category["category"].tolist() == [S.ASB, "Total (selected categories)"]
        # a partly covered window: the rates per month of data are shown, the verdict is not
        assert not c.verdict and "No verdict" in c.reading and "only partly covered" in c.reading
        assert "chance" not in c.reading and c.to_dict()["verdict"] is False

    def test_small_counts_flagged_not_hidden(self, toy_records):
        x, y = BOURNEMOUTH_SQUARE
        rows = [(x, y, "2024-01", "Robbery", 3), (x, y, "2024-02", "Robbery", 1)]
        c = compare_periods(toy_records(rows), "2024-01", "2024-02", categories="Robbery")
        assert (c.count_a, c.count_b) == (3, 1)
        assert c.to_dict()["small_count_flag"] == "very small"
        assert "read with care" in c.reading

    def test_area_filter(self, toy_records):
        rows = [
            (*BOURNEMOUTH_SQUARE, "2024-01", S.ASB, 5),
            (*POOLE_BUS_STATION, "2024-01", S.ASB, 7),
            (*POOLE_BUS_STATION, "2024-02", S.ASB, 9),
        ]
        c = compare_periods(toy_records(rows), "2024-01", "2024-02", area="Poole Bus Station@200")
        assert (c.count_a, c.count_b) == (7, 9)

    def test_to_dict_is_plain_json(self, toy_records):
        rows = [
            (*BOURNEMOUTH_SQUARE, "2024-02", S.ASB, 4),
            (*BOURNEMOUTH_SQUARE, "2024-03", "Drugs", 1),
        ]
        d = compare_periods(
            toy_records(rows),
            "2024-01",
            "2024-02",
            available_months=["2024-01", "2024-02"],
        ).to_dict()
        text = json.dumps(d, allow_nan=False)  # infinities and NaN become null
        assert d["count_a"] == 0 and d["count_b"] == 4 and d["pct_change"] is None
        assert {"count_a", "count_b", "pct_change", "ci_low", "ci_high", "p_value"} <= set(
            json.loads(text),
        )

    @pytest.mark.parametrize("area", ["bcp", "Bournemouth", "Christchurch", "Poole"])
    def test_real_jan_mar_2019_vs_2024(self, bundled, bundled_store, area, scipy_ratio_ci):
        c = compare_periods(
            bundled,
            "2019-01:2019-03",
            "2024-01:2024-03",
            area=area,
            available_months=bundled_store.months(),
        )
        assert (c.months_a, c.months_b) == (2, 3)
        assert c.missing_a == ("2019-03",)
        m = bundled[S.MONTH]
        sel = bundled[S.IN_BCP].to_numpy(dtype=bool)
        if area != "bcp":
            sel = sel & (bundled[S.TOWN] == area).fillna(False).to_numpy(dtype=bool)
        assert c.count_a == int((sel & m.isin(["2019-01", "2019-02"]).to_numpy()).sum())
        assert c.count_b == int((sel & m.isin(["2024-01", "2024-02", "2024-03"]).to_numpy()).sum())
        ref_lo, ref_hi = scipy_ratio_ci(c.count_a, c.count_b, 2, 3)
        r = c.result
        assert (r.poisson_ci_low, r.poisson_ci_high) == pytest.approx((ref_lo, ref_hi))
        # the interval that allows for the dispersion contains the Poisson one
        assert r.ci_low <= r.poisson_ci_low and r.ci_high >= r.poisson_ci_high
        total = c.by_category.iloc[-1]
        assert total["count_a"] == c.count_a
        assert c.by_category["count_a"].iloc[:-1].sum() == c.count_a
        assert np.isfinite(c.result.p_value)

    def test_real_towns_add_up_to_bcp(self, bundled):
        counts = [
            compare_periods(bundled, "2019-01:2019-02", "2024-01:2024-02", area=a).count_b
            for a in ("Bournemouth", "Christchurch", "Poole")
        ]
        total = compare_periods(bundled, "2019-01:2019-02", "2024-01:2024-02").count_b
        assert sum(counts) == total
        assert isinstance(pd.Series(counts).sum(), np.integer)
