"""Overview: the landing page (run through app.py's navigation; runs on its own too)."""

from __future__ import annotations

import streamlit as st

from hotspots.comparison import wording as W
from hotspots.comparison.windows import default_windows
from hotspots.errors import InputError
from hotspots.present.charts import bar_chart, trend_chart
from hotspots.present.tables import format_month, format_period
from hotspots.ui import widgets
from hotspots.ui.cache import compute, coverage

st.set_page_config(page_title="Safer BCP hotspots", page_icon="🗺️", layout="wide")
st.title("Safer BCP: crime and anti-social behaviour")
st.caption(
    "Bournemouth, Christchurch and Poole Community Safety Partnership. Pick a dataset, months, "
    "categories and an area in the sidebar; every page keeps them in its link."
)

dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
try:
    dw = default_windows(records)
except InputError:  # one month of data (a first upload): nothing to compare it with yet
    dw = None
filters = widgets.filter_sidebar(records)  # the default window of every page
widgets.permalink()

ov = compute("overview_view", dataset, filters)
st.subheader(f"{ov.area.name}: {format_period(filters.start, filters.end)}")
c1, c2, c3 = st.columns(3)


def _delta(comp) -> tuple[str | None, str]:
    """The change against a year earlier, its arrow agreeing with the interval's sign."""
    if comp is None or comp.count_a == 0:
        return None, "off"
    r = comp.result
    lo, hi = r.pct_ci
    arrow = "down" if hi < 0 else "up" if lo > 0 else "off"
    return f"{W.pct(r.pct_change)} vs a year earlier ({W.pct(lo)} to {W.pct(hi)})", arrow


delta, arrow = _delta(ov.previous)
c1.metric(
    "Records",
    f"{ov.n_records:,}",
    delta,
    delta_color="inverse" if arrow != "off" else "off",
    delta_arrow=arrow,
    help="Change against the same months a year earlier with its 95% interval; the arrow shows "
    "only when the interval is wholly on one side of no change.",
)
c2.metric("Anti-social behaviour", f"{ov.n_asb:,}")
c3.metric("Crime", f"{ov.n_crime:,}")
if ov.previous is not None:
    st.markdown(f"**Against a year earlier:** {ov.previous.reading}")
    st.caption(ov.previous.dispersion.description)
if ov.baseline is not None:
    st.markdown(f"**Against previous years:** {ov.baseline.reading}")
for note in ov.notes:
    st.info(note)

left, right = st.columns([3, 2])
with left:
    st.altair_chart(trend_chart(ov.trend, f"Records per month in {ov.area.name}"), width="stretch")
    with st.expander("Table: records per month (text alternative to the chart)"):
        st.dataframe(
            ov.trend.assign(month=[format_month(m) for m in ov.trend["month"]]), hide_index=True
        )
with right:
    if len(ov.categories):
        st.altair_chart(
            bar_chart(
                ov.categories,
                "category",
                "records",
                "Category mix in the window",
                "Category",
                "Records",
            ),
            width="stretch",
        )
    with st.expander("Table: category mix"):
        st.dataframe(ov.categories, hide_index=True)

st.subheader("Data coverage")
kind = (
    "SIMULATED"
    if records["simulated"].any()
    else ("uploaded" if dataset == "uploaded" else "real (police.uk)")
)
st.markdown(
    f"Dataset: **{kind}**. "
    + (f"Default comparison windows: {dw.reason}." if dw else "One month of data: no comparison.")
)
st.dataframe(coverage(dataset), hide_index=True)
widgets.footer(records)
