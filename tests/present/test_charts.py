"""Charts: months on a time axis, always sorted, gaps left as gaps."""

from __future__ import annotations

import pandas as pd

from hotspots.present.charts import month_runs, trend_chart


def _data(chart) -> pd.DataFrame:
    spec = chart.to_dict()
    (rows,) = spec["datasets"].values()
    return pd.DataFrame(rows)


# --- inputs ---------------------------------------------------------------------------------------


def test_month_runs_split_at_missing_months_and_ignore_input_order():
    months = pd.Series(["2024-03", "2019-01", "2019-02", "2023-12", "2024-01", "bad"])
    dates, runs = month_runs(months)
    assert list(dates.dt.strftime("%Y-%m").fillna("NaT")) == [
        "2024-03", "2019-01", "2019-02", "2023-12", "2024-01", "NaT",
    ]  # fmt: skip
    # 2019-01..02 | 2023-12..2024-01 | 2024-03 (February 2024 missing); unreadable: -1
    assert list(runs) == [2, 0, 0, 1, 1, -1]


# --- outputs --------------------------------------------------------------------------------------


def test_trend_chart_is_on_a_time_axis_sorted_with_gaps_as_gaps():
    df = pd.DataFrame(
        {"month": ["2024-03", "2019-01", "2019-02", "2023-12", "2024-01"],
         "ASB": [1, 2, 3, 4, 5], "Crime": [6, 7, 8, 9, 10]}
    )  # fmt: skip
    chart = trend_chart(df, "t")
    enc = chart.to_dict()["encoding"]
    assert enc["x"]["type"] == "temporal" and enc["x"]["axis"]["format"] == "%b %Y"
    assert enc["detail"]["field"] == "segment"
    d = _data(chart)
    asb = d[d["series"] == "ASB"]
    assert list(asb["Month"]) == ["Jan 2019", "Feb 2019", "Dec 2023", "Jan 2024", "Mar 2024"]
    assert list(pd.to_datetime(asb["date"])) == sorted(pd.to_datetime(asb["date"]))
    # one line per run of consecutive months and series: nothing joins Feb 2019 to Dec 2023
    assert asb.groupby("segment")["Month"].apply(list).to_dict() == {
        "ASB #0": ["Jan 2019", "Feb 2019"],
        "ASB #1": ["Dec 2023", "Jan 2024"],
        "ASB #2": ["Mar 2024"],
    }
    assert set(d["segment"]) == {f"{s} #{k}" for s in ("ASB", "Crime") for k in range(3)}
