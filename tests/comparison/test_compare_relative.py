"""Tests for hotspots.comparison.relative: the ratio of rate ratios against the control."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from hotspots.comparison.relative import relative_effect

Z975 = stats.norm.ppf(0.975)


class TestRelativeEffect:
    def test_hand_worked(self):
        r = relative_effect(100, 70, 1000, 1000)
        se = math.sqrt(1 / 100 + 1 / 70 + 1 / 1000 + 1 / 1000)
        assert r.ratio == pytest.approx(0.7)
        assert (r.ci_low, r.ci_high) == pytest.approx(
            (0.7 * math.exp(-Z975 * se), 0.7 * math.exp(Z975 * se))
        )
        assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(math.log(0.7)) / se))
        assert r.pct == pytest.approx(-30) and not r.corrected

    def test_zero_count_haldane(self):
        r = relative_effect(4, 0, 100, 100)
        assert r.corrected
        assert r.ratio == pytest.approx((0.5 / 4.5) / (100.5 / 100.5))
