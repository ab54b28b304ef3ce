"""Tests for hotspots.comparison.ratio: the exact rate ratio of two counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats import rates as sm_rates

from hotspots.comparison.ratio import rate_ratio, small_count_flag
from hotspots.errors import InputError

# ============================================================================ inputs


class TestInputs:
    @pytest.mark.parametrize("a,b", [(-1, 3), (2.5, 3), (True, 3)])
    def test_bad_counts(self, a, b):
        with pytest.raises(InputError, match="count_a"):
            rate_ratio(a, b)

    @pytest.mark.parametrize("t", [0, -1, math.nan, math.inf])
    def test_bad_exposure(self, t):
        with pytest.raises(InputError, match="exposure_b"):
            rate_ratio(3, 4, 1, t)

    def test_bad_conf(self):
        with pytest.raises(InputError, match="conf"):
            rate_ratio(3, 4, conf=95)


class TestExactInterval:
    @pytest.mark.parametrize(
        "a,b,ta,tb",
        [
            (20, 30, 1, 1),
            (617, 623, 2, 3),  # real Poole ASB, Jan-Mar 2019 (2 months of data) vs Jan-Mar 2024
            (0, 5, 1, 1),
            (5, 0, 1, 1),
            (0, 1, 2, 3),
            (1, 0, 3, 2),
            (9, 8, 5, 5),
            (1200, 1000, 12, 10),
        ],
    )
    def test_against_scipy_binomtest(self, a, b, ta, tb, scipy_ratio_ci):
        r = rate_ratio(a, b, ta, tb)
        lo, hi = scipy_ratio_ci(a, b, ta, tb)
        assert r.ci_low == pytest.approx(lo, rel=1e-9, abs=1e-12)
        if math.isinf(hi):
            assert math.isinf(r.ci_high)
        else:
            assert r.ci_high == pytest.approx(hi, rel=1e-9)
        # the p-value against statsmodels' exact conditional test of two Poisson rates
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = sm_rates.test_poisson_2indep(b, tb, a, ta, method="exact-cond").pvalue
        assert r.p_value == pytest.approx(ref, rel=1e-9)

    def test_hand_worked_zero_before(self):
        # a = 0, b = 5, equal windows: pi_lo = 0.025 ** (1/5), upper limit infinite,
        # p = 2 * 0.5**5 = 0.0625
        r = rate_ratio(0, 5)
        pi_lo = 0.025 ** (1 / 5)
        assert r.ci_low == pytest.approx(pi_lo / (1 - pi_lo))
        assert math.isinf(r.ci_high) and math.isinf(r.ratio)
        assert r.p_value == pytest.approx(0.0625)

    def test_hand_worked_zero_after(self):
        r = rate_ratio(5, 0)
        pi_hi = 1 - 0.025 ** (1 / 5)
        assert r.ratio == 0 and r.ci_low == 0
        assert r.ci_high == pytest.approx(pi_hi / (1 - pi_hi))
        assert r.pct_change == -100

    def test_both_zero(self):
        r = rate_ratio(0, 0)
        assert math.isnan(r.ratio) and r.p_value == 1.0
        assert (r.ci_low, r.ci_high) == (0.0, math.inf)

    def test_unequal_exposure_no_change(self):
        # 20 records in 2 months and 30 in 3 months: the same monthly rate
        r = rate_ratio(20, 30, 2, 3)
        assert r.ratio == pytest.approx(1.0)
        assert r.p_value == pytest.approx(1.0)
        assert r.ci_low < 1 < r.ci_high

    def test_small_count_flag(self):
        assert small_count_flag(9, 100) == "very small"
        assert small_count_flag(10, 29) == "small"
        assert small_count_flag(30, 31) == ""
