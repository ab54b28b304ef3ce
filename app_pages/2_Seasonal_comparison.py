"""Seasonal comparison: did the summer programme work, by how much, compared with where,
and did the problem move next door? The page lays out hotspots.present.seasonal_page.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from hotspots.comparison.interventions import check_windows
from hotspots.comparison.windows import dataset_months, default_windows
from hotspots.present.charts import yearly_chart
from hotspots.present.seasonal_page import no_verdict, windows_caption
from hotspots.ui import widgets
from hotspots.ui.cache import (
    change_map,
    compute,
    partnership_tables,
    seasonal_page_model,
)
from hotspots.ui.seasonal_controls import add_intervention_form, seasonal_controls

st.set_page_config(page_title="Seasonal comparison · Safer BCP", page_icon="📅", layout="wide")
st.title("Seasonal comparison and intervention evaluation")

dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
k = widgets.suppress_below(exact_counts=True)  # viewers: counts under 5 withheld
months = dataset_months(records)
if len(months) < 2:  # a one-month dataset (a first upload): say so, never a traceback
    st.info("This page compares two windows: the dataset needs at least two months of data.")
    widgets.footer(records)
    st.stop()
dw = default_windows(records)
filters = widgets.filter_sidebar(
    records,
    area=False,
    window=False,
    default_window=(dw.b.start, dw.b.end),
)
ch = seasonal_controls(dataset, records, months)
st.caption(
    windows_caption(ch.w_before, ch.w_after, months, intervention=ch.intervention, year=ch.year,
                    note=widgets.TOWN_CENTRE_NOTE),
)  # fmt: skip


warnings, advice = no_verdict(check_windows(ch.w_before, ch.w_after, months))
for w in warnings:
    st.warning(w)
if advice:
    st.info(advice)
sv = None
try:
    if not advice:
        evaluation = {"before": ch.before, "after": ch.after, "target": ch.target,
                      "buffer_m": float(ch.buffer_m), "control": ch.control}  # fmt: skip
        sv = compute("seasonal_view", dataset, filters, **evaluation)
except Exception as exc:
    widgets.show_error(exc)
if sv is not None:
    page = seasonal_page_model(dataset, filters, k, **evaluation)  # cached view-model
    st.header(page.heading)
    st.markdown(page.description)
    for note in page.notes:
        st.info(note)
    if page.disclosure:
        st.caption(page.disclosure)
    for g in page.groups:
        with st.container(border=True):
            st.markdown(f"### {g.title}")
            st.markdown(g.reading)
            for col, m in zip(st.columns(4), g.metrics, strict=True):
                col.metric(
                    m.label, m.value, m.delta,
                    delta_color=m.delta_color, delta_arrow=m.arrow, help=m.help,
                )  # fmt: skip
            st.caption(g.dispersion)
            with st.expander("Details: WDD and WDQ"):  # the effect above leads (issue 19)
                st.markdown(g.wdd, help=g.wdd_help)
            for note in g.notes:
                st.caption(note)
    with st.expander("Table of the evaluation (download for a report)"):
        st.dataframe(page.table, hide_index=True)
        st.download_button(
            "Download evaluation CSV", page.table.to_csv(index=False), "evaluation.csv",
            "text/csv", key="dl_eval", on_click=widgets.log_export("evaluation CSV", dataset),
        )  # fmt: skip

    left, right = st.columns([3, 2])
    with left:
        c = page.change
        if c is not None:
            st.subheader(c.heading)
            st.markdown(c.reading)
            if c.show_map:
                m = change_map(dataset, filters, k, **evaluation)  # built once, copied
                st_folium(m, height=520, use_container_width=True, returned_objects=[],
                          key="change-map")  # fmt: skip
                st.markdown(c.legend_html, unsafe_allow_html=True)
            else:
                st.info(c.one_colour)
            with st.expander("Each hotspot's change", expanded=not c.show_map):
                st.dataframe(c.table, hide_index=True)
                for note in c.notes:
                    st.caption(note)
        for note in page.change_notes:
            st.info(note)
    with right:
        st.subheader("The same window in other years")
        if len(page.yearly_table):
            st.altair_chart(
                yearly_chart(page.yearly_chart, "The after-window's months in the target, each year"),
                width="stretch",
            )  # fmt: skip
            st.dataframe(page.yearly_table, hide_index=True)
        for line in page.baselines:
            st.markdown(line)
add_intervention_form()

st.header("The partnership's tables")
tabs = partnership_tables(dataset, k)  # cached per dataset version
for tab_el, t in zip(st.tabs([t.tab for t in tabs]), tabs, strict=True):
    with tab_el:
        if t.table is None:
            st.info(t.message)
            continue
        pt = t.table
        st.markdown(f"**{pt.title}**")
        st.dataframe(pt.frame.rename(columns=pt.labels), hide_index=True)
        for note in pt.notes:
            st.caption(note)
        files = (
            ("CSV", pt.to_csv(), "csv", "text/csv"),
            ("Markdown", pt.to_markdown(), "md", "text/markdown"),
            ("HTML", pt.to_html(), "html", "text/html"),
        )
        for col, (label, text, ext, mime) in zip(st.columns(3), files, strict=True):
            col.download_button(
                label, text, f"{t.name}.{ext}", mime, key=f"{t.name}-{ext}",
                on_click=widgets.log_export(f"table {t.name} {label}", dataset),
            )  # fmt: skip
widgets.footer(records)
