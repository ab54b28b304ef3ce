"""Overdispersion: estimates and intervals pinned to statsmodels and scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from hotspots.comparison.dispersion import (
    POISSON,
    Dispersion,
    estimate_dispersion,
    monthly_series,
    quantile,
)
from hotspots.comparison.evaluation import (
    raw_wdd,
    relative_effect,
    wdd,
    wdq,
    wdq_interval,
    weighted_wdd,
    zone_month_dispersion,
)
from hotspots.comparison.rates import rate_ratio
from hotspots.comparison.wording import about, between, pct, sig_round

MONTHS = [str(p) for p in pd.period_range("2021-01", "2022-12", freq="M")]


def nb_series(months, mean=200.0, phi=6.0, seed=0) -> pd.Series:
    """Negative-binomial monthly counts with variance phi * mean."""
    rng = np.random.default_rng(seed)
    shape = mean / (phi - 1)
    lam = rng.gamma(shape, mean / shape, len(months))
    return pd.Series(rng.poisson(lam), index=months)


class TestEstimate:
    def test_matches_statsmodels_trend_glm(self):
        y = nb_series(MONTHS[:10])
        d = estimate_dispersion(y, source="test")
        t = np.arange(10) / 12.0
        X = np.column_stack([np.ones(10), t - t.mean()])
        fit = sm.GLM(y.to_numpy(float), X, family=sm.families.Poisson()).fit(scale="X2")
        assert d.estimate == pytest.approx(fit.scale) and d.df == fit.df_resid == 8
        assert d.phi == max(0.25, fit.scale) and "trend" in d.model

    def test_month_of_year_terms_with_two_years(self):
        y = nb_series(MONTHS, seed=3)
        d = estimate_dispersion(y)
        assert d.df == 24 - 13 and "month-of-year" in d.model

    def test_recovers_overdispersion(self):
        est = [estimate_dispersion(nb_series(MONTHS, phi=6.0, seed=s)).estimate for s in range(60)]
        assert 4.5 < np.median(est) < 7.5

    def test_too_few_months_is_poisson(self):
        d = estimate_dispersion(pd.Series([10, 12, 9], index=MONTHS[:3]), source="x")
        assert not d.estimated and d.phi == 1 and "likely too narrow" in d.description

    def test_below_one_is_used_above_a_floor(self):
        y = pd.Series([100, 101, 99, 100, 100, 101, 99, 100], index=MONTHS[:8])
        d = estimate_dispersion(y)
        assert d.estimate < 0.1 and d.phi == 0.25 and "raised" in d.description
        y = pd.Series([100, 110, 95, 104, 88, 101, 99, 108], index=MONTHS[:8])
        d = estimate_dispersion(y)
        assert 0.25 < d.estimate < 1 and d.phi == d.estimate
        assert "consistent with Poisson counts" in d.description

    def test_monthly_series_fills_zeros(self):
        s = monthly_series(pd.Series(["2021-01", "2021-01", "2021-03"]), MONTHS[:3])
        assert list(s) == [2, 0, 1]


class TestQuasiRateRatio:
    def test_poisson_case_is_exact_binomial(self):
        r = rate_ratio(40, 25, 2, 2)
        ci = stats.binomtest(25, 65).proportion_ci(0.95, method="exact")
        assert r.ci_low == pytest.approx(ci.low / (1 - ci.low))
        assert r.p_value == pytest.approx(stats.binomtest(25, 65, 0.5).pvalue)
        assert r.dispersion is POISSON and r.poisson_ci_low == r.ci_low

    def test_scaled_interval_matches_statsmodels_glm(self):
        # two windows of 3 months; the GLM's coefficient of "window B" with its SE scaled
        # by a fixed phi and a t quantile is the quasi-Poisson interval of the ratio
        a_months, b_months = [300, 340, 310], [250, 270, 300]
        d = Dispersion(4.0, 4.0, 7.0, 9, "test", "test")
        r = rate_ratio(sum(a_months), sum(b_months), 3, 3, dispersion=d)
        y = np.array(a_months + b_months, dtype=float)
        X = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
        fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale=4.0)
        b, se = fit.params[1], fit.bse[1]
        q = stats.t.ppf(0.975, 7)
        assert r.ratio == pytest.approx(math.exp(b))
        assert (r.ci_low, r.ci_high) == pytest.approx((math.exp(b - q * se), math.exp(b + q * se)))
        assert r.p_value == pytest.approx(2 * stats.t.sf(abs(b / se), 7))
        assert r.ci_high - r.ci_low > r.poisson_ci_high - r.poisson_ci_low

    def test_quantile(self):
        assert quantile(0.95, math.inf) == pytest.approx(stats.norm.ppf(0.975))
        assert quantile(0.95, 6) == pytest.approx(stats.t.ppf(0.975, 6))


class TestEvaluationModel:
    def _counts(self, seed=0, phi=1.0):
        rng = np.random.default_rng(seed)
        base = np.array([[100.0], [200.0], [3000.0]]) * np.linspace(1, 1.4, 5)
        mu = np.hstack([base, base * np.array([[0.75], [1.0], [1.05]])])
        if phi > 1:
            shape = mu / (phi - 1)
            mu = rng.gamma(shape, mu / shape)
        return rng.poisson(mu)

    def test_simple_model_matches_statsmodels(self):
        y = self._counts(1)
        after = np.array([0] * 5 + [1] * 5, dtype=bool)
        d = zone_month_dispersion(y, after, "t")
        zi, mi = np.meshgrid(range(3), range(10), indexing="ij")
        zi, mi = zi.ravel(), mi.ravel()
        cols = [np.ones(30)] + [(zi == z).astype(float) for z in (0, 1)]
        cols += [(mi == m).astype(float) for m in range(1, 10)]
        cols += [((zi == z) & after[mi]).astype(float) for z in (0, 1)]
        X = np.column_stack(cols)
        fit = sm.GLM(y.ravel().astype(float), X, family=sm.families.Poisson()).fit(scale="X2")
        assert d.estimate == pytest.approx(fit.scale, rel=1e-6) and d.df == fit.df_resid
        # the zone x after interaction is the log ratio of rate ratios, its Poisson SE the Wald one
        t0, t1 = y[0, :5].sum(), y[0, 5:].sum()
        c0, c1 = y[2, :5].sum(), y[2, 5:].sum()
        rel = relative_effect(t0, t1, c0, c1)
        assert math.exp(fit.params[-2]) == pytest.approx(rel.ratio, rel=1e-6)
        assert fit.bse[-2] / math.sqrt(fit.scale) == pytest.approx(rel.se_log, rel=1e-4)

    def test_same_calendar_months_uses_month_of_year_terms(self):
        y = self._counts(2, phi=4.0)
        months = [f"2021-{m:02d}" for m in range(4, 9)] + [f"2022-{m:02d}" for m in range(4, 9)]
        after = np.array([0] * 5 + [1] * 5, dtype=bool)
        d = zone_month_dispersion(y, after, "t", months)
        assert "month-of-year" in d.model and d.df == 8

    def test_scaled_relative_effect(self):
        d = Dispersion(3.0, 3.0, 10.0, 10, "m", "s")
        r = relative_effect(500, 380, 9000, 9400, dispersion=d)
        assert r.se_log == pytest.approx(math.sqrt(3 * (1 / 500 + 1 / 380 + 1 / 9000 + 1 / 9400)))
        assert r.ci_low < r.poisson_ci_low and r.ci_high > r.poisson_ci_high


class TestWDD:
    def test_raw_wdd_is_wheeler_ratcliffe(self):
        r = raw_wdd(100, 70, 200, 190, 1000, 1010)
        ref = wdd((1000, 1010), (100, 70), (1000, 1010), (200, 190), shared_control=True)
        assert r.total == pytest.approx(ref.total) == (70 - 100) - 10 + (190 - 200) - 10
        assert r.se == pytest.approx(ref.se)
        assert r.se == pytest.approx(math.sqrt(170 + 390 + 4 * 2010))

    def test_scaled_wdd_variance_times_phi(self):
        d = Dispersion(2.5, 2.5, 12.0, 10, "m", "s")
        p, q = (
            weighted_wdd(100, 70, 200, 190, 1000, 1000),
            weighted_wdd(100, 70, 200, 190, 1000, 1000, dispersion=d),
        )
        assert q.total == p.total and q.se == pytest.approx(p.se * math.sqrt(2.5))
        assert q.ci_high - q.total == pytest.approx(stats.t.ppf(0.975, 12) * q.se)

    def test_wdq_delta_method_against_simulation(self):
        # Poisson counts large enough for the delta method: its SE matches the spread of draws
        t0, t1, d0, d1, c0, c1 = 4000, 3000, 8000, 7000, 100000, 100000
        lo, hi, se = wdq_interval(t0, t1, d0, d1, c0, c1)
        rng = np.random.default_rng(0)
        draws = rng.poisson([t0, t1, d0, d1, c0, c1], size=(20000, 6))
        q = np.array([wdq(*row) for row in draws])
        assert se == pytest.approx(q.std(), rel=0.05)
        assert lo < wdq(t0, t1, d0, d1, c0, c1) < hi

    def test_wdq_interval_undefined(self):
        assert all(math.isnan(v) for v in wdq_interval(10, 10, 5, 5, 100, 100))


class TestWording:
    @pytest.mark.parametrize(
        "v,words",
        [(-24.6, "about a quarter"), (-12.0, "about 12%"), (150, "about 2.5 times over")],
    )
    def test_about(self, v, words):
        assert about(v) == words

    def test_between(self):
        assert between(-32, -14) == "a fall of between 14% and 32%"
        assert between(-23.2, 0.7) == "anywhere from a 23% fall to a 0.7% rise"
        assert between(-4, 89) == "anywhere from a 4% fall to an 89% rise"

    def test_pct(self):
        assert pct(-0.04) == "0%" and pct(-0.5) == "-0.5%" and pct(-23.4) == "-23%"
        assert pct(0.97) == "+1%" and pct(12.6, signed=False) == "13%"

    def test_sig_round(self):
        assert sig_round(0.123456789) == 0.123 and sig_round(2.2073e-13) == 2.21e-13


# ============================================================================ pooled (issue 19)
class TestPooledDispersion:
    """φ pooled over wards or LSOAs (unit and month effects), against statsmodels."""

    @staticmethod
    def _records(y: np.ndarray, months: list[str]) -> pd.DataFrame:
        units, ms = [], []
        for u in range(y.shape[0]):
            for t, m in enumerate(months):
                units += [f"U{u:02d}"] * int(y[u, t])
                ms += [m] * int(y[u, t])
        return pd.DataFrame({"ward_code": units, "month": ms})

    def test_matches_a_statsmodels_glm_with_unit_and_month_effects(self):
        from hotspots.comparison.dispersion import pooled_dispersion

        rng = np.random.default_rng(19)
        months = [
            "2018-10",
            "2018-11",
            "2018-12",
            "2019-01",
            "2019-02",
            "2024-01",
            "2024-02",
            "2024-03",
        ]
        n_u = 12
        level = rng.gamma(2.0, 20.0, size=n_u)
        # overdispersed: negative binomial with a unit x stretch level change
        mu = np.outer(level, np.r_[np.ones(5), 1.4 * np.ones(3)]) * rng.uniform(0.8, 1.2, 8)
        y = rng.negative_binomial(5, 5 / (5 + mu))
        recs = self._records(y, months)
        d = pooled_dispersion(recs["ward_code"], recs["month"], months, source="toy")
        # reference: one statsmodels GLM, unit x stretch and month effects, Pearson scale
        stretch = np.r_[np.zeros(5), np.ones(3)].astype(int)
        rows = [(u, t) for u in range(n_u) for t in range(8)]
        frame = pd.DataFrame(
            {
                "y": [y[u, t] for u, t in rows],
                "us": [f"{u}_{stretch[t]}" for u, t in rows],
                "m": [months[t] for _, t in rows],
            },
        )
        X = pd.get_dummies(frame[["us", "m"]], drop_first=False).astype(float)
        # drop one month column per stretch (aliased with the unit x stretch columns)
        X = X.drop(columns=["m_2018-10", "m_2024-01"])
        fit = sm.GLM(frame["y"], X, family=sm.families.Poisson()).fit(scale="X2")
        assert d.df == fit.df_resid == (n_u - 1) * 4 + (n_u - 1) * 2
        assert d.estimate == pytest.approx(fit.scale, rel=1e-6)
        assert d.model.startswith("pooled")

    def test_interval_of_phi_is_the_chi_square_one(self):
        from hotspots.comparison.dispersion import Dispersion

        d = Dispersion(3.0, 3.0, 192.0, 8, "pooled", "toy")
        lo, hi = d.ci
        assert lo == pytest.approx(3.0 * 192 / stats.chi2.ppf(0.975, 192))
        assert hi == pytest.approx(3.0 * 192 / stats.chi2.ppf(0.025, 192))
        # the 6-df case: about 4.2 to 48.6 for an estimate of 10
        lo6, hi6 = Dispersion(10.0, 10.0, 6.0, 8, "own", "toy").ci
        assert (round(lo6, 1), round(hi6)) == (4.2, 48)  # 10.03 in the issue gives 48.6

    def test_two_figures(self):
        from hotspots.comparison.dispersion import two_figures

        assert [two_figures(v) for v in (10.03, 2.104, 0.456, 48.6, 1.0)] == [
            "10", "2.1", "0.46", "49", "1.0",
        ]  # fmt: skip

    def test_bundled_bcp_pools_the_wards(self, bundled):
        from hotspots.comparison.dispersion import area_dispersion
        from hotspots.comparison.windows import dataset_months

        recs = bundled[bundled["in_bcp"]]
        d = area_dispersion(recs, dataset_months(bundled), area_kind="bcp", what="all in BCP")
        assert d.model.startswith("pooled") and d.df >= 50
        lo, hi = d.ci
        assert lo < d.phi < hi and hi / lo < 2  # a narrow range, unlike 4.2-48.6 from 6 df

    def test_falls_back_to_the_own_series_and_says_why(self):
        from hotspots.comparison.dispersion import area_dispersion

        months = [f"2024-{m:02d}" for m in range(1, 13)]
        n = np.random.default_rng(3).poisson(10, 12)
        recs = pd.DataFrame({"lsoa_code": ["E01"] * int(n.sum()), "month": np.repeat(months, n)})
        d = area_dispersion(recs, months, area_kind="ward", what="toy")
        assert not d.model.startswith("pooled")
        assert "not pooled: only 1 LSOA with records" in d.source

    def test_verdict_that_depends_on_phi_is_said(self):
        from hotspots.comparison.dispersion import Dispersion
        from hotspots.comparison.rates import depends_on_dispersion

        d = Dispersion(4.0, 4.0, 8.0, 10, "own", "toy")  # φ's range about 1.8 to 15
        # 1000 -> 1150: significant with φ = 1.8, not with φ = 15
        assert depends_on_dispersion(rate_ratio(1000, 1150, dispersion=d))
        assert not depends_on_dispersion(rate_ratio(1000, 2000, dispersion=d))  # always
        assert not depends_on_dispersion(rate_ratio(1000, 1010, dispersion=d))  # never
