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
            (0.7 * math.exp(-Z975 * se), 0.7 * math.exp(Z975 * se)),
        )
        assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(math.log(0.7)) / se))
        assert r.pct == pytest.approx(-30) and not r.corrected

    def test_zero_count_haldane(self):
        r = relative_effect(4, 0, 100, 100)
        assert r.corrected
        assert r.ratio == pytest.approx((0.5 / 4.5) / (100.5 / 100.5))


class TestSubunitDispersion:
    """Each zone's own dispersion from its snap points (issue 19: coverage end to end)."""

    MONTHS = [f"2021-{m:02d}" for m in range(4, 9)] + [f"2022-{m:02d}" for m in range(4, 9)]

    def _counts(self, seed: int, n_units: int = 30, extra: float = 0.0):
        import numpy as np

        level = np.random.default_rng(12345).gamma(1.0, 4.0, size=(n_units, 1))
        rng = np.random.default_rng(seed)
        season = np.array([1.0, 1.2, 1.3, 1.1, 0.9] * 2)[None, :]
        after = np.array([False] * 5 + [True] * 5)
        lam = level * season * np.where(after, 0.7, 1.0)[None, :]
        if extra:  # gamma location-month effects: busy points vary more than quiet ones
            lam = lam * rng.gamma(1 / extra, extra, size=lam.shape)
        return rng.poisson(lam), after

    def test_fit_and_leverage_match_statsmodels(self):
        """mu and h in closed form equal statsmodels' Poisson GLM with sub-unit x month-of-year
        and month terms; the estimate is sum (y - mu)^2 / sum mu (1 - h) with Satterthwaite df.
        """
        import numpy as np
        import statsmodels.api as sm

        from hotspots.comparison.relative import subunit_dispersion

        y, after = self._counts(1, n_units=12)
        y = y[y[:, :5].sum(axis=1) + y[:, 5:].sum(axis=1) > 0]
        num = den = den2 = 0.0
        for k in range(5):  # each calendar month: a units x (before, after) table
            sub = y[:, [k, k + 5]]
            sub = sub[sub.sum(axis=1) > 0]
            u = sub.shape[0]
            yy = sub.ravel().astype(float)
            X = np.column_stack(
                [np.repeat(np.eye(u), 2, axis=0), np.tile([0.0, 1.0], u)],
            )  # unit terms + the after month
            fit = sm.GLM(yy, X, family=sm.families.Poisson()).fit()
            mu = fit.fittedvalues
            h = fit.get_influence().hat_matrix_diag
            num += float(((yy - mu) ** 2).sum())
            den += float((mu * (1 - h)).sum())
            den2 += float((mu**2 * (1 - h)).sum())
        d = subunit_dispersion(y, after, "test", self.MONTHS)
        assert d.estimate == pytest.approx(num / den, rel=1e-6)
        assert d.df == pytest.approx(den**2 / den2, rel=1e-6)

    def test_recovers_the_totals_dispersion(self):
        """Over seeds, the sub-unit estimate is close to the variance / mean of the zone's total
        when busy points are overdispersed (the Pearson mean over points would be far lower).
        """
        import numpy as np

        from hotspots.comparison.relative import subunit_dispersion

        est = [subunit_dispersion(*self._counts(s, extra=0.3), "t", self.MONTHS).estimate
               for s in range(200)]  # fmt: skip
        # the truth: var/mean of a month's total, 1 + 0.3 sum lam^2 / sum lam, over the months
        level = np.random.default_rng(12345).gamma(1.0, 4.0, size=30)
        season = np.array([1.0, 1.2, 1.3, 1.1, 0.9] * 2) * np.repeat([1.0, 0.7], 5)
        lam = np.outer(level, season)
        truth = 1 + 0.3 * float((lam**2).sum() / lam.sum())
        assert np.mean(est) == pytest.approx(truth, rel=0.25)
        pois = [subunit_dispersion(*self._counts(s), "t", self.MONTHS).estimate for s in range(200)]
        assert np.mean(pois) == pytest.approx(1.0, abs=0.08)

    def test_zones_reduce_to_one_dispersion(self):
        """By hand: var = phi_x (1/x0 + 1/x1) + phi_c (1/c0 + 1/c1), t on Satterthwaite's df."""
        from hotspots.comparison.dispersion import Dispersion
        from hotspots.comparison.relative import relative_effect_zones

        d = Dispersion(2.5, 2.5, 40.0, 10, "m", "s")
        a = relative_effect_zones(120, 80, 3000, 2900, d, Dispersion(1.5, 1.5, 200.0, 10, "m", "s"))
        vx, vc = 2.5 * (1 / 120 + 1 / 80), 1.5 * (1 / 3000 + 1 / 2900)
        df = (vx + vc) ** 2 / (vx**2 / 40 + vc**2 / 200)
        log_r = math.log((80 / 120) / (2900 / 3000))
        q = stats.t.ppf(0.975, df)
        se = math.sqrt(vx + vc)
        assert (a.ci_low, a.ci_high) == pytest.approx(
            (math.exp(log_r - q * se), math.exp(log_r + q * se)),
        )
        assert a.p_value == pytest.approx(2 * stats.t.sf(abs(log_r) / se, df))
        assert a.dispersion.df == pytest.approx(df)
        b = relative_effect(120, 80, 3000, 2900, dispersion=d)
        # a noisier control widens it, on fewer df
        c = relative_effect_zones(120, 80, 3000, 2900, d, Dispersion(9.0, 9.0, 5.0, 10, "m", "s"))
        assert c.ci_high > b.ci_high and c.dispersion.phi > 2.5
