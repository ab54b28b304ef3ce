"""Overview: the landing page (run through app.py's navigation; runs on its own too)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hotspots.comparison.windows import default_windows
from hotspots.errors import InputError
from hotspots.present.charts import bar_chart, trend_chart
from hotspots.present.overview_page import coverage_for_people, overview_page
from hotspots.present.tables import format_month
from hotspots.present.whats_new import control_chart_figure
from hotspots.ui import widgets
from hotspots.ui.cache import compute, coverage, whats_new

st.set_page_config(page_title="Safer BCP hotspots", page_icon="🗺️", layout="wide")
st.title("Safer BCP: crime and anti-social behaviour")
st.caption(
    "Bournemouth, Christchurch and Poole Community Safety Partnership. Pick a dataset, months, "
    "categories and an area in the sidebar; every page keeps them in its link.",
)

dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
try:
    dw = default_windows(records)
except InputError:  # one month of data (a first upload): nothing to compare it with yet
    dw = None
filters = widgets.filter_sidebar(records)  # the default window of every page
widgets.permalink()

k = widgets.suppress_below(exact_counts=True)  # viewers: counts under 5 withheld
ov = compute("overview_view", dataset, filters)
page = overview_page(ov, filters.start, filters.end, suppress_below=k)
st.header(page.heading)
for col, m in zip(st.columns(3), page.metrics, strict=True):
    col.metric(
        m.label,
        m.value,
        m.delta,
        delta_color=m.delta_color,
        delta_arrow=m.arrow,
        help=m.help,
    )
for text in page.readings:
    st.markdown(text)
for text in page.captions:
    st.caption(text)
for note in page.notes:
    st.info(note)
if page.disclosure:
    st.caption(page.disclosure)

left, right = st.columns([3, 2])
with left:
    st.altair_chart(trend_chart(page.trend_chart, page.trend_title), width="stretch")
    with st.expander("Table: records per month (text alternative to the chart)"):
        st.dataframe(page.trend_table, hide_index=True)
with right:
    if len(page.categories_chart):
        st.altair_chart(
            bar_chart(
                page.categories_chart,
                "category",
                "records",
                "Category mix in the window",
                "Category",
                "Records",
            ),
            width="stretch",
        )
    with st.expander("Table: category mix"):
        st.dataframe(page.categories_table, hide_index=True)

# --- what is new (hotspots.present.whats_new; issue 21) ---
wn = whats_new(dataset)
st.header("What is new")
st.markdown(f"**{wn.currency}**")
last = wn.monthly.iloc[-1] if len(wn.monthly) else None
if last is not None and pd.notna(last["rolling_12"]):
    st.metric(
        f"Records in the 12 months to {format_month(last['month'])} (all of BCP)",
        f"{int(last['rolling_12']):,}",
        help="The rolling 12-month total; shown only where all 12 months are in the dataset.",
    )
if len(wn.chart.table):
    cats = list(wn.chart.model)
    first = wn.unusual["category"].iloc[0] if len(wn.unusual) else cats[0]
    cat = st.selectbox("Control chart for", cats, index=cats.index(first), key="cc_category")
    st.altair_chart(
        control_chart_figure(wn.chart, cat, f"{cat}: records per month against its limits"),
        width="stretch",
    )
    st.caption(
        f"Model: {wn.chart.model[cat]}, dispersion {wn.chart.dispersion[cat]:.1f}. Bands: 95% "
        "and 99.8% limits of a quasi-Poisson trend + season fit; a month outside the 99.8% "
        "band is unusual for its series.",
    )
    if len(wn.unusual):
        st.markdown("**Months unusual for their series** (outside the 99.8% limits):")
        st.dataframe(wn.unusual, hide_index=True, key="cc_unusual")
    else:
        st.markdown("No month is outside the 99.8% limits of its series.")
for note in wn.notes:
    st.caption(note)

st.header("Data coverage")
kind = (
    "SIMULATED"
    if records["simulated"].any()
    else ("uploaded" if dataset == "uploaded" else "real (police.uk)")
)
st.markdown(
    f"Dataset: **{kind}**. "
    + (f"Default comparison windows: {dw.reason}." if dw else "One month of data: no comparison."),
)
st.dataframe(coverage_for_people(coverage(dataset), suppress_below=k), hide_index=True)
widgets.footer(records)
