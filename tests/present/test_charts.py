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
         "ASB": [1, 2, 3, 4, 5], "Crime": [6, 7, 8, 9, 10]},
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


def _legends_and_axes(spec) -> tuple[list[dict], list[dict]]:
    """Every legend and axis definition in a Vega-Lite spec (layers included)."""
    legends, axes = [], []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "legend" and isinstance(value, dict):
                    legends.append(value)
                elif key == "axis" and isinstance(value, dict):
                    axes.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return legends, axes


def test_no_chart_cuts_a_legend_or_category_label():
    """Issue 22: legends read "Violence and sex…" at 1366 px. Vega-Lite cuts legend labels
    at 160 px and axis labels at 180 px unless ``labelLimit`` is 0 (no limit); every chart
    puts its legend under the plot, two entries a row, labels in full.
    """
    from hotspots.comparison.control_chart import control_chart
    from hotspots.present.charts import bar_chart, coverage_chart, yearly_chart
    from hotspots.present.whats_new import control_chart_figure

    long = "Violence and sexual offences"
    months = [f"2023-{m:02d}" for m in range(1, 13)] + [f"2024-{m:02d}" for m in range(1, 4)]
    trend = pd.DataFrame({"month": months, long: range(15), "Anti-social behaviour": range(15)})
    curve = pd.DataFrame({"area_share": [0.01, 0.02], "record_share": [0.2, 0.3]})
    counts = pd.DataFrame({long: [20 + (i * 7) % 11 for i in range(15)]}, index=months)
    cc = control_chart(counts)
    charts = {
        "trend": trend_chart(trend, "t"),
        "yearly": yearly_chart(pd.DataFrame({"year": [2023, 2024], long: [1, 2]}), "y"),
        "coverage": coverage_chart(curve, "c", chance=curve),
        "control": control_chart_figure(cc, long, "w"),
    }
    for name, chart in charts.items():
        legends, _ = _legends_and_axes(chart.to_dict())
        assert legends, name
        for lg in legends:
            assert lg["labelLimit"] == 0 and lg["orient"] == "bottom" and lg["columns"] == 2, name
    bars = bar_chart(pd.DataFrame({"c": [long], "n": [3]}), "c", "n", "b", "Category", "Records")
    _, axes = _legends_and_axes(bars.to_dict())
    assert [a.get("labelLimit") for a in axes] == [0]
