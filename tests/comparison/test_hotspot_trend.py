"""Per-hotspot change: classes on a hand-made example; intervals pinned to statsmodels / scipy."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
import statsmodels.api as sm
from scipy import stats

from hotspots.comparison.hotspot_trend import (
    CHANGE_COLUMNS,
    comparison_window,
    hotspot_changes,
)
from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.methods.result import HotspotResult, conform_hotspots

CAT = "Burglary"
THEN = ["2024-01", "2024-02", "2024-03"]
NOW = ["2024-04", "2024-05", "2024-06"]
# (x, y) centre of each toy place and its records per month, then and now
PLACES = {
    "steady": ((500, 500), [30, 28, 32], [31, 29, 30]),
    "growing": ((1500, 500), [10, 12, 8], [50, 60, 55]),
    "shrinking": ((500, 1500), [40, 45, 38], [5, 4, 6]),
    "fresh": ((1500, 1500), [1, 0, 2], [25, 30, 28]),
    "former": ((1000, 1000), [20, 20, 20], [2, 1, 3]),
}


def _result(names, area, records_n=100) -> HotspotResult:
    rows = [
        {
            S.HOTSPOT_ID: i + 1, S.RANK: i + 1, S.NAME: n, S.WARD_NAME: "Toy ward", S.COUNT: 10,
            S.SHARE: 0.1, S.AREA_KM2: 0.01, S.DENSITY_PER_KM2: 1000.0,
            S.TOP_CATEGORIES: CAT, S.TOP_LOCATIONS: "", "geometry": shapely.Point(*PLACES[n][0]).buffer(60),
        }
        for i, n in enumerate(names)
    ]  # fmt: skip
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=S.CRS_METRES)
    hs = conform_hotspots(frame, n_records=records_n, area_km2=4.0)
    return HotspotResult("dbscan", hs, {"method": "dbscan"}, (), area, records_n)


@pytest.fixture
def toy(toy_records, toy_area):
    rows = []
    for (x, y), then, now in PLACES.values():
        for months, counts in ((THEN, then), (NOW, now)):
            rows += [(x, y, m, CAT, c) for m, c in zip(months, counts, strict=True) if c]
    recs = toy_records(rows)
    area = toy_area(0, 0, 2000)
    now = _result(["growing", "steady", "fresh", "shrinking"], area)
    then = _result(["former", "steady", "shrinking", "growing"], area)
    return recs, now, then


def test_classes_on_a_hand_made_example(toy):
    recs, now, then = toy
    ch = hotspot_changes(
        recs,
        now,
        ("2024-04", "2024-06"),
        ("2024-01", "2024-03"),
        then_result=then,
    )
    t = ch.table
    assert list(t.columns) == CHANGE_COLUMNS
    got = dict(zip(t[S.NAME], t["change_class"], strict=True))
    assert got == {
        "growing": "growing",
        "steady": "persistent",
        "fresh": "new",
        "shrinking": "shrinking",
        "former": "gone",
    }
    row = t.set_index(S.NAME).loc["growing"]
    assert (row["count_now"], row["count_then"]) == (165, 30)
    assert row["rank_then"] == 4 and row[S.RANK] == 1
    gone = t.set_index(S.NAME).loc["former"]
    assert (gone["count_then"], gone["count_now"]) == (60, 6) and gone["rank_then"] == 1
    assert ch.class_counts() == {
        "new": 1, "persistent": 1, "growing": 1, "shrinking": 1, "gone": 1, "too few to tell": 0,
    }  # fmt: skip
    assert list(ch.former[S.NAME]) == ["former"] and len(ch.current) == 4


def test_new_and_gone_only_when_distinguishable_from_none(toy_records, toy_area):
    """Issue 19: 12 records then and 14 now is not "new"; 15 then and 15 now is not "gone"."""
    places = {
        "busy before": ((1500, 1500), [4, 4, 4], [5, 4, 5]),  # 12 -> 14, no hotspot then
        "Hillcrest Road": ((1000, 1000), [5, 5, 5], [5, 5, 5]),  # 15 -> 15, no hotspot now
        "clearly new": ((500, 500), [1, 0, 2], [25, 30, 28]),
    }
    rows = []
    for (x, y), then_c, now_c in places.values():
        for months, counts in ((THEN, then_c), (NOW, now_c)):
            rows += [(x, y, m, CAT, c) for m, c in zip(months, counts, strict=True) if c]
    area = toy_area(0, 0, 2000)

    def res(names):
        rows_ = [
            {
                S.HOTSPOT_ID: i + 1, S.RANK: i + 1, S.NAME: n, S.WARD_NAME: "Toy ward",
                S.COUNT: 10, S.SHARE: 0.1, S.AREA_KM2: 0.01, S.DENSITY_PER_KM2: 1000.0,
                S.TOP_CATEGORIES: CAT, S.TOP_LOCATIONS: "",
                "geometry": shapely.Point(*places[n][0]).buffer(60),
            }
            for i, n in enumerate(names)
        ]  # fmt: skip
        hs = conform_hotspots(
            gpd.GeoDataFrame(rows_, geometry="geometry", crs=S.CRS_METRES),
            n_records=100, area_km2=4.0,
        )  # fmt: skip
        return HotspotResult("dbscan", hs, {"method": "dbscan"}, (), area, 100)

    ch = hotspot_changes(
        toy_records(rows), res(["busy before", "clearly new"]), ("2024-04", "2024-06"),
        ("2024-01", "2024-03"), then_result=res(["Hillcrest Road"]),
    )  # fmt: skip
    got = dict(zip(ch.table[S.NAME], ch.table["change_class"], strict=True))
    assert got == {
        "busy before": "too few to tell",
        "clearly new": "new",
        "Hillcrest Road": "too few to tell",
    }
    assert len(ch.gone) == 0 and len(ch.former) == 1


def test_interval_allows_for_overdispersion_pinned_to_statsmodels(toy):
    recs, now, then = toy
    ch = hotspot_changes(
        recs,
        now,
        ("2024-04", "2024-06"),
        ("2024-01", "2024-03"),
        then_result=then,
    )
    row = ch.table.set_index(S.NAME).loc["growing"]
    # independent reference: quasi-Poisson GLM with a level for each period (then, now) on the
    # six monthly counts: the step being measured is not noise (issue 19)
    y = np.array([10, 12, 8, 50, 60, 55], dtype=float)
    X = np.column_stack([np.r_[1, 1, 1, 0, 0, 0], np.r_[0, 0, 0, 1, 1, 1]])
    fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
    phi, df = fit.scale, fit.df_resid
    log_r = math.log(165 / 30)
    se = math.sqrt(phi * (1 / 165 + 1 / 30))
    q = stats.t.ppf(0.975, df)
    assert row["change_pct"] == pytest.approx(100 * (165 / 30 - 1))
    assert row["change_ci_low"] == pytest.approx(100 * (math.exp(log_r - q * se) - 1), rel=1e-9)
    assert row["change_ci_high"] == pytest.approx(100 * (math.exp(log_r + q * se) - 1), rel=1e-9)
    assert row["interval_basis"].startswith("dispersion")


def test_poisson_interval_when_too_few_months_pinned_to_scipy(toy_records, toy_area):
    area = toy_area(0, 0, 2000)
    (x, y) = PLACES["growing"][0]
    recs = toy_records([(x, y, "2024-01", CAT, 12), (x, y, "2024-02", CAT, 20)])
    now = _result(["growing"], area)
    ch = hotspot_changes(recs, now, "2024-02", "2024-01", then_result=_result(["growing"], area))
    row = ch.table.iloc[0]
    ci = stats.binomtest(20, 32).proportion_ci(0.95, method="exact")
    assert row["change_ci_low"] == pytest.approx(100 * (ci.low / (1 - ci.low) - 1), rel=1e-9)
    assert row["change_ci_high"] == pytest.approx(100 * (ci.high / (1 - ci.high) - 1), rel=1e-9)
    assert "Poisson" in row["interval_basis"]
    assert row["change_class"] == "persistent"  # the exact interval includes no change


def test_comparison_period_without_data_gives_no_class(toy):
    recs, now, _ = toy
    ch = hotspot_changes(
        recs,
        now,
        ("2024-04", "2024-06"),
        comparison_window(("2024-04", "2024-06"), "year"),
    )
    assert not ch.has_comparison
    assert ch.table["change_class"].isna().all() and ch.table["count_then"].isna().all()
    assert any("no data" in n for n in ch.notes)


def test_comparison_windows_and_refusals():
    assert comparison_window(("2024-01", "2024-03"), "previous").spec == "2023-10:2023-12"
    assert comparison_window(("2024-01", "2024-03"), "year").spec == "2023-01:2023-03"
    assert comparison_window("2024-03", "previous").spec == "2024-02:2024-02"
    with pytest.raises(InputError):
        comparison_window("2024-03", "decade")
