"""Control chart of monthly counts (trend + season, dispersion-aware limits) and rolling totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from hotspots.comparison.control_chart import control_chart, rolling_12_months
from hotspots.data import schema as S


def _months(start_year=2019, n=48):
    return [f"{start_year + (i // 12)}-{i % 12 + 1:02d}" for i in range(n)]


# --- inputs -------------------------------------------------------------------------------


def test_too_few_months_gives_no_chart_and_says_so():
    cc = control_chart(pd.DataFrame({"A": [10] * 6}, index=_months(n=6)))
    assert cc.table.empty and "at least 12" in cc.notes[0]


def test_without_two_of_every_calendar_month_no_season_is_fitted():
    rng = np.random.default_rng(3)
    cc = control_chart(pd.DataFrame({"A": rng.poisson(50, 18)}, index=_months(n=18)))
    assert cc.model == {"A": "trend"} and any("no seasonal" in n for n in cc.notes)


# --- outputs ------------------------------------------------------------------------------


def test_limits_are_negative_binomial_quantiles_of_the_quasi_poisson_fit():
    """Pinned to an independent computation: statsmodels GLM + scipy nbinom by hand."""
    rng = np.random.default_rng(7)
    months = _months()
    moy = np.array([int(m[5:]) for m in months])
    mu_true = (
        80 * np.exp(-0.05 * np.arange(48) / 12) * (1 + 0.3 * np.cos(2 * np.pi * (moy - 7.5) / 12))
    )
    y = rng.negative_binomial(mu_true / 2.0, 1 / 3.0)  # variance 3 mu
    cc = control_chart(pd.DataFrame({"A": y}, index=months))
    X = np.column_stack(
        [
            np.ones(48),
            np.arange(48) / 12,
            np.cos(2 * np.pi * moy / 12),
            np.sin(2 * np.pi * moy / 12),
        ],
    )
    res = sm.GLM(y.astype(float), X, family=sm.families.Poisson()).fit(scale="X2")
    mu, phi = res.predict(X), max(res.scale, 1.0)
    n = mu / (phi - 1)
    t = cc.table
    flagged_first = ((t["count"] > t["upper_998"]) | (t["count"] < t["lower_998"])).any()
    if not flagged_first:  # no refit: the limits are the first fit's
        np.testing.assert_allclose(t["expected"], mu, rtol=1e-6)
        np.testing.assert_array_equal(t["upper_95"], stats.nbinom.ppf(0.975, n, n / (n + mu)))
        np.testing.assert_array_equal(t["lower_998"], stats.nbinom.ppf(0.001, n, n / (n + mu)))
    assert cc.dispersion["A"] == pytest.approx(phi, rel=1e-6) and phi > 1.5


def test_a_planted_spike_is_flagged_and_few_ordinary_months_are():
    rng = np.random.default_rng(11)
    months = _months(n=60)
    flagged = ordinary = 0
    for _rep in range(40):
        y = rng.poisson(120, 60).astype(int)
        y[30] = int(y[30] * 1.8)
        t = control_chart(pd.DataFrame({"A": y}, index=months)).table
        flagged += t.loc[30, "flag"] == "high"
        ordinary += t.drop(index=30)["flag"].isin(["high", "low"]).sum()
    assert flagged >= 38  # power: a +80% month is nearly always found
    assert ordinary / (40 * 59) < 0.01  # 99.8% limits: about 0.2% of ordinary months


def test_rolling_12_months_only_where_all_12_exist():
    months = [*_months(n=14), "2024-01"]
    s = pd.Series(1.0, index=months)
    r = rolling_12_months(s)
    assert r.isna().tolist() == [True] * 11 + [False, False, False, True]
    assert r.iloc[11] == 12.0


@pytest.fixture(scope="module")
def simulated_records():
    from hotspots.data.simulate import simulate

    return simulate(seed=1).records  # what the ``simulated`` dataset holds


@pytest.mark.slow  # measured 10-35 s (spawns, imports or simulates)
def test_simulated_spikes_are_flagged_and_at_most_1_in_20_ordinary_months(simulated_records):
    from hotspots.data.sim_params import SPIKES

    rec = simulated_records[simulated_records[S.IN_BCP]]
    counts = rec.groupby([S.MONTH, S.CATEGORY]).size().unstack(fill_value=0)
    cc = control_chart(counts)
    t = cc.table
    for month, cat, _factor in SPIKES:
        row = t[(t["month"] == month) & (t["category"] == cat)]
        assert row["flag"].iloc[0] == "high", row
    planted = {(m, c) for m, c, _ in SPIKES}
    ordinary = t[[(m, c) not in planted for m, c in zip(t["month"], t["category"], strict=True)]]
    rate = ordinary["flag"].isin(["high", "low"]).mean()
    assert rate <= 1 / 20, ordinary[ordinary["flag"].isin(["high", "low"])]
