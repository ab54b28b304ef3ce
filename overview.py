"""Overview: the landing page (run through app.py's navigation; runs on its own too)."""

from __future__ import annotations

import streamlit as st

from hotspots.comparison.windows import default_windows
from hotspots.errors import InputError
from hotspots.present.charts import bar_chart, trend_chart
from hotspots.present.overview_page import coverage_for_people, overview_page
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

k = widgets.suppress_below(exact_counts=True)  # viewers: counts under 5 withheld
ov = compute("overview_view", dataset, filters)
page = overview_page(ov, filters.start, filters.end, suppress_below=k)
st.subheader(page.heading)
for col, m in zip(st.columns(3), page.metrics, strict=True):
    col.metric(
        m.label, m.value, m.delta, delta_color=m.delta_color, delta_arrow=m.arrow, help=m.help
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
st.dataframe(coverage_for_people(coverage(dataset), suppress_below=k), hide_index=True)
widgets.footer(records)
