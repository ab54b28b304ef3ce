"""The Overview's "what is new".

How current the data is, the rolling 12-month total and the months unusual for their series (a
control chart per category, :mod:`hotspots.comparison.control_chart`).

Pure: takes records and the store's facts, returns a :class:`WhatsNew` the page only lays out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hotspots.comparison.control_chart import ControlChart, control_chart, rolling_12_months
from hotspots.data import schema as S
from hotspots.present.tables import format_month

__all__ = ["WhatsNew", "control_chart_figure", "currency_sentence", "whats_new"]


@dataclass(frozen=True)
class WhatsNew:
    """The Overview's "what is new", ready to lay out.

    ``currency``: one sentence ("Data up to Apr 2024 (police.uk last updated …)");
    ``monthly``: month, records, rolling_12 (NA where the 12 months are not all there);
    ``chart``: the control chart; ``unusual``: the months outside the 99.8% limits, per
    category, newest first, ready to show; ``latest``: the newest month.
    """

    currency: str
    monthly: pd.DataFrame
    chart: ControlChart
    unusual: pd.DataFrame
    latest: str | None = None
    notes: list[str] = field(default_factory=list)


def currency_sentence(
    months: list[str], *, last_updated: str | None = None, imported_at: str | None = None,
    simulated: bool = False,
) -> str:  # fmt: skip
    """Say how current the data is: "Data up to Apr 2024 (police.uk updated 2024-05-21; …)."."""
    if not months:
        return "No data yet."
    head = f"{'SIMULATED data' if simulated else 'Data'} up to {format_month(max(months))}"
    bits = []
    if last_updated and not simulated:
        bits.append(f"police.uk last updated {last_updated[:10]}")
    if imported_at:
        bits.append(f"{'generated' if simulated else 'imported'} {imported_at[:10]}")
    return head + (f" ({'; '.join(bits)})" if bits else "") + "."


def whats_new(
    records: pd.DataFrame,
    months: list[str],
    *,
    last_updated: str | None = None,
    imported_at: str | None = None,
) -> WhatsNew:
    """Return the Overview's "what is new" for a dataset's records inside BCP.

    ``months``: the dataset's months (a month with no record counts 0, a month not in
    the dataset is a gap); ``last_updated``: police.uk's last update (from a fetch);
    ``imported_at``: when the newest month was imported.
    """
    rec = records[records[S.IN_BCP].to_numpy(bool)] if S.IN_BCP in records else records
    months = sorted(months)
    counts = (
        rec.groupby([S.MONTH, S.CATEGORY], observed=True).size().unstack(fill_value=0)
        if len(rec)
        else pd.DataFrame(index=pd.Index([], name=S.MONTH))
    )
    counts = counts.reindex(months, fill_value=0)
    counts.columns = [str(c) for c in counts.columns]
    totals = counts.sum(axis=1)
    monthly = pd.DataFrame(
        {
            "month": months,
            "records": totals.to_numpy(dtype="int64"),
            "rolling_12": rolling_12_months(totals).to_numpy(),
        },
    )
    chart = control_chart(counts[[c for c in S.CATEGORIES if c in counts.columns]])
    u = chart.unusual()
    unusual = pd.DataFrame(
        {
            "month": [format_month(m) for m in u["month"]],
            "category": u["category"],
            "records": u["count"].astype("int64"),
            "expected": u["expected"].round(0).astype("int64"),
            "99.8% limits": [
                f"{int(lo)}–{int(hi)}"
                for lo, hi in zip(u["lower_998"], u["upper_998"], strict=True)
            ],
            "unusually": u["flag"],
        },
    )
    simulated = (
        bool(records[S.SIMULATED].any()) if S.SIMULATED in records and len(records) else False
    )
    return WhatsNew(
        currency_sentence(
            months,
            last_updated=last_updated,
            imported_at=imported_at,
            simulated=simulated,
        ),
        monthly,
        chart,
        unusual,
        months[-1] if months else None,
        list(chart.notes),
    )


def control_chart_figure(chart: ControlChart, category: str, title: str):
    """Altair: the category's monthly counts, its 95% and 99.8% limit bands, flagged months.

    Flagged months are marked red (outside 99.8%) or orange (outside 95% only).
    """
    import altair as alt

    from hotspots.present.charts import legend

    t = chart.table[chart.table["category"] == category].copy()
    t["date"] = pd.to_datetime(t["month"] + "-01")
    t["marker"] = t["flag"].map(
        lambda f: "unusual (outside 99.8%)" if f in ("high", "low") else
        ("outside 95%" if f else "within limits"),
    )  # fmt: skip
    base = alt.Chart(t).encode(x=alt.X("date:T", title="Month"))
    outer = base.mark_area(opacity=0.15, color="#1f77b4").encode(
        y=alt.Y("lower_998:Q", title="Records"),
        y2="upper_998:Q",
    )
    inner = base.mark_area(opacity=0.25, color="#1f77b4").encode(y="lower_95:Q", y2="upper_95:Q")
    line = base.mark_line(color="#333333").encode(y="count:Q")
    pts = base.mark_point(filled=True, size=60).encode(
        y="count:Q",
        color=alt.Color(
            "marker:N",
            scale=alt.Scale(
                domain=["within limits", "outside 95%", "unusual (outside 99.8%)"],
                range=["#555555", "#e08a00", "#c0001a"],
            ),
            legend=legend(),
        ),
        tooltip=["month:N", "count:Q", alt.Tooltip("expected:Q", format=".0f"), "flag:N"],
    )
    return (outer + inner + line + pts).properties(title=title, height=260)
