"""Charts for the pages: Altair (bundled with Streamlit, works offline).

Always with a title, axis labels and colour-blind-safe colours (Okabe–Ito).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

__all__ = [
    "LEGEND_COLUMNS",
    "bar_chart",
    "coverage_chart",
    "legend",
    "month_runs",
    "trend_chart",
    "yearly_chart",
]

from hotspots.present.palettes import OKABE_ITO
from hotspots.present.tables import format_month

# black (the first Okabe-Ito colour) is kept for text and outlines, not for series
SERIES_COLOURS = [c for c in OKABE_ITO if c.upper() != "#000000"]

#: legend entries per row under a chart: two long category names fit side by side on a phone
LEGEND_COLUMNS = 2


def legend(columns: int = LEGEND_COLUMNS) -> alt.Legend:
    """Return the one legend of every chart.

    Under the chart, in ``columns`` columns, labels never cut ("Violence and sexual offences" in
    full: Vega-Lite's ``labelLimit`` 0 is no limit, its default 160 px cut it to "Violence and
    sex…").
    """
    return alt.Legend(
        title=None,
        orient="bottom",
        direction="horizontal",
        columns=columns,
        labelLimit=0,
    )


def _labels_in_full(**kw) -> alt.Axis:
    """Return an axis whose labels are never cut (category names on a bar chart's axis)."""
    return alt.Axis(labelLimit=0, **kw)


def month_runs(months: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Months ("YYYY-MM" or dates) as first-of-month timestamps, and the run each belongs to.

    A run is a stretch of consecutive calendar months; a missing month starts a new
    run, so lines drawn per run leave the gap empty. Unreadable months become NaT
    (run -1).
    """
    text = months.astype("string").str.slice(0, 7)
    dates = pd.to_datetime(text + "-01", format="%Y-%m-%d", errors="coerce")
    index = dates.dt.year * 12 + dates.dt.month
    order = index.sort_values(kind="stable")
    run = (order.diff() != 1).cumsum().reindex(index.index)
    return dates, run.where(dates.notna(), 0).astype("int64") - 1


def trend_chart(df: pd.DataFrame, title: str, y_title: str = "Records per month") -> alt.Chart:
    """Wide frame (month + one column per series) -> lines on a time axis.

    Months are dates ("Jan 2024" on the axis and in tooltips), always in order;
    missing months are gaps: each run of consecutive months is its own line (the
    ``segment`` detail), so no line is drawn across months with no data.
    """
    series = [c for c in df.columns if c != "month"]
    d = df.copy()
    d["date"], d["run"] = month_runs(d["month"])
    d = d[d["date"].notna()].sort_values("date", kind="stable")
    d["Month"] = [format_month(t) for t in d["date"]]
    long = d.melt(
        id_vars=["date", "run", "Month"],
        value_vars=series,
        var_name="series",
        value_name="records",
    )
    long["segment"] = long["series"] + " #" + long["run"].astype(str)
    return (
        alt.Chart(long.drop(columns="run"), title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=0)),
            y=alt.Y("records:Q", title=y_title),
            color=alt.Color(
                "series:N",
                title="",
                scale=alt.Scale(range=SERIES_COLOURS),
                legend=legend(),
            ),
            detail=alt.Detail("segment:N"),
            tooltip=[
                alt.Tooltip("Month:N"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("records:Q", title="Records"),
            ],
        )
    )


def bar_chart(
    df: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
) -> alt.Chart:
    """Horizontal bars, largest first."""
    return (
        alt.Chart(df, title=title)
        .mark_bar(color="#0072B2")
        .encode(
            y=alt.Y(f"{x}:N", title=x_title, sort="-x", axis=_labels_in_full()),
            x=alt.X(f"{y}:Q", title=y_title),
            tooltip=[x, y],
        )
    )


def yearly_chart(df: pd.DataFrame, title: str) -> alt.Chart:
    """Return grouped bars: the same window in each year, crime and ASB."""
    long = df.melt("year", var_name="series", value_name="records")
    return (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            x=alt.X("year:N", title="Year"),
            xOffset="series:N",
            y=alt.Y("records:Q", title="Records in the window"),
            color=alt.Color(
                "series:N",
                title="",
                scale=alt.Scale(range=SERIES_COLOURS),
                legend=legend(),
            ),
            tooltip=["year", "series", "records"],
        )
    )


def coverage_chart(
    curve: pd.DataFrame,
    title: str,
    chance: pd.DataFrame | None = None,
) -> alt.Chart:
    """Share of records captured against share of area (both in %), with the chance line.

    ``chance`` (area_share, record_share) is the same curve for records scattered at
    random over the area (:func:`hotspots.methods.metrics.grid_coverage`); drawn
    dashed, so the gap between the two lines is the real concentration.
    """
    ours, rand = "These records", "Same number scattered at random"
    parts = [
        pd.DataFrame(
            {
                "area_pct": 100 * np.r_[0.0, curve["area_share"].to_numpy()],
                "records_pct": 100 * np.r_[0.0, curve["record_share"].to_numpy()],
                "line": ours,
            },
        ),
    ]
    if chance is not None and len(chance):
        last = float(curve["area_share"].max()) if len(curve) else 1.0
        c = chance[chance["area_share"] <= max(last, 0.05)]
        parts.append(
            pd.DataFrame(
                {
                    "area_pct": 100 * c["area_share"].to_numpy(),
                    "records_pct": 100 * c["record_share"].to_numpy(),
                    "line": rand,
                },
            ),
        )
    d = pd.concat(parts, ignore_index=True)
    return (
        alt.Chart(d, title=title)
        .mark_line()
        .encode(
            x=alt.X("area_pct:Q", title="Share of the area patrolled (%)"),
            y=alt.Y("records_pct:Q", title="Share of records covered (%)"),
            color=alt.Color(
                "line:N",
                title=None,
                scale=alt.Scale(domain=[ours, rand], range=["#D55E00", "#777777"]),
                legend=legend(),
            ),
            strokeDash=alt.StrokeDash(
                "line:N",
                scale=alt.Scale(domain=[ours, rand], range=[[1, 0], [6, 4]]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("line:N"),
                alt.Tooltip("area_pct:Q", format=".1f"),
                alt.Tooltip("records_pct:Q", format=".1f"),
            ],
        )
    )
