"""Tests for hotspots.comparison.wdd: WDD, WDQ and total net effect, worked by hand."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from hotspots.comparison.wdd import total_net_effect, wdd, wdq, weighted_wdd
from hotspots.errors import InputError

Z975 = stats.norm.ppf(0.975)


class TestInputs:
    def test_bad_weights(self):
        with pytest.raises(InputError, match="weights"):
            wdd((20, 20), (20, 10), time_weights=(0, 1))

    def test_shared_control_must_match(self):
        with pytest.raises(InputError, match="disp_control"):
            wdd((20, 20), (20, 10), (30, 30), (30, 20), shared_control=True)


class TestWdd:
    """Worked examples of Wheeler and Ratcliffe (2018), computed by hand."""

    def test_no_displacement(self):
        r = wdd((20, 20), (20, 10))
        # (10 - 20) - (20 - 20) = -10; Var = 20 + 10 + 20 + 20 = 70
        assert r.total == -10 and r.local == -10
        assert r.se == pytest.approx(math.sqrt(70))
        assert (r.ci_low, r.ci_high) == pytest.approx(
            (-10 - Z975 * math.sqrt(70), -10 + Z975 * math.sqrt(70)),
        )

    def test_with_displacement(self):
        r = wdd((20, 20), (20, 10), (30, 30), (30, 20))
        # local -10 (var 70); displacement (20 - 30) - (30 - 30) = -10 (var 110)
        assert (r.local, r.displacement, r.total) == (-10, -10, -20)
        assert r.se == pytest.approx(math.sqrt(180))
        assert r.displacement_se == pytest.approx(math.sqrt(110))
        assert r.p_value == pytest.approx(2 * stats.norm.sf(20 / math.sqrt(180)))

    def test_time_weights(self):
        r = wdd((20, 20), (20, 10), time_weights=(2, 1))
        # per unit time: (10/1 - 20/2) - (20/1 - 20/2) = -10; Var = 10 + 20/4 + 20 + 20/4 = 40
        assert r.total == pytest.approx(-10)
        assert r.se == pytest.approx(math.sqrt(40))

    def test_area_weights(self):
        r = wdd((20, 20), (20, 10), (30, 30), (30, 20), area_weights=(2, 1.5, 3, 3.2))
        local = (10 / 1.5 - 20 / 1.5) - (20 / 2 - 20 / 2)
        disp = (20 / 3.2 - 30 / 3.2) - (30 / 3 - 30 / 3)
        var = (10 + 20) / 1.5**2 + (20 + 20) / 2**2 + (20 + 30) / 3.2**2 + (30 + 30) / 3**2
        assert (r.local, r.displacement) == pytest.approx((local, disp))
        assert r.se == pytest.approx(math.sqrt(var))

    def test_shared_control_counts_its_variance_once(self):
        r = wdd(
            (40, 30),
            (20, 10),
            (40, 30),
            (30, 20),
            area_weights=(2, 1, 4, 1),
            shared_control=True,
        )
        # total = (10-20) - (30-40)/2 + (20-30) - (30-40)/4 = -10 + 5 - 10 + 2.5 = -12.5
        # Var = 30 + 50 + (1/2 + 1/4)**2 * (30 + 40) = 80 + 39.375
        assert r.total == pytest.approx(-12.5)
        assert r.se == pytest.approx(math.sqrt(80 + 0.5625 * 70))

    def test_weighted_wdd_hand_worked(self):
        # T = (100, 70), D = (200, 190), C = (1000, 1000): kt = 0.1, kd = 0.2
        r = weighted_wdd(100, 70, 200, 190, 1000, 1000)
        assert (r.local, r.displacement, r.total) == pytest.approx((-30, -10, -40))
        # Var = 70 + 100 + 190 + 200 + (0.1 + 0.2)**2 * (1000 + 1000) = 740
        assert r.se == pytest.approx(math.sqrt(740))

    def test_weighted_wdd_is_wdd_with_weights(self):
        t0, t1, d0, d1, c0, c1, tb, ta = 120, 80, 300, 310, 5000, 4500, 2, 3
        r = weighted_wdd(t0, t1, d0, d1, c0, c1, tb, ta)
        ref = wdd(
            (c0, c1), (t0, t1), (c0, c1), (d0, d1), time_weights=(tb / ta, 1),
            area_weights=(c0 / t0, 1, c0 / d0, 1), shared_control=True,
        )  # fmt: skip
        assert (r.total, r.se) == pytest.approx((ref.total, ref.se))
        # the control's trend applied to the before counts, whatever the window lengths
        assert r.total == pytest.approx((t1 + d1) - (t0 + d0) * c1 / c0)

    def test_weighted_wdd_needs_control(self):
        with pytest.raises(InputError):
            weighted_wdd(1, 2, 3, 4, 0, 5)


class TestWdqAndNetEffect:
    def test_diffusion_example(self):
        # success = 70/1000 - 100/1000 = -0.03; displacement = 190/1000 - 200/1000 = -0.01
        q = wdq(100, 70, 200, 190, 1000, 1000)
        assert q == pytest.approx(1 / 3)
        assert total_net_effect(100, 70, 200, 190, 1000, 1000) == pytest.approx((40, 30, 10))

    def test_displacement_example(self):
        # C falls 20%: expected T = 80, D = 160; success = 70/800 - 0.1 = -0.0125,
        # displacement = 190/800 - 0.2 = 0.0375 -> WDQ = -3
        q = wdq(100, 70, 200, 190, 1000, 800)
        assert q == pytest.approx(-3)
        assert total_net_effect(100, 70, 200, 190, 1000, 800) == pytest.approx((-20, 10, -30))

    def test_net_effect_is_minus_weighted_wdd(self):
        tne = total_net_effect(100, 70, 200, 190, 1000, 800)[0]
        assert weighted_wdd(100, 70, 200, 190, 1000, 800).total == pytest.approx(-tne)

    def test_undefined_cases(self):
        assert math.isnan(wdq(100, 100, 200, 190, 1000, 1000))  # no success
        assert math.isnan(wdq(1, 2, 3, 4, 0, 5))
        assert all(math.isnan(v) for v in total_net_effect(1, 2, 3, 4, 0, 5))
