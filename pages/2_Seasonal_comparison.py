"""Seasonal comparison: did the summer programme work, by how much, compared with where,
and did the problem move next door?"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from hotspots.compare.tables import asb_subtype_table, quarterly_table
from hotspots.compare.windows import dataset_months, default_windows
from hotspots.data.boundaries import load_boundaries
from hotspots.present.change_map import CHANGE_COLOURS, add_change_layer
from hotspots.present.charts import yearly_chart
from hotspots.present.maps import build_map
from hotspots.ui import state, widgets
from hotspots.ui.cache import compute

st.set_page_config(page_title="Seasonal comparison · Safer BCP", page_icon="📅", layout="wide")
st.title("Seasonal comparison and intervention evaluation")

dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
months = dataset_months(records)
if len(months) < 2:  # a one-month dataset (a first upload): say so, never a traceback
    st.info("This page compares two windows: the dataset needs at least two months of data.")
    widgets.footer(records)
    st.stop()
dw = default_windows(records)
filters = widgets.filter_sidebar(
    records, area=False, window=False, default_window=(dw.b.start, dw.b.end)
)

sb = st.sidebar
sb.divider()
sb.markdown("**Windows**")
SR_BEFORE, SR_AFTER = ("2021-04", "2021-08"), ("2022-04", "2022-08")


def _preset(before: tuple[str, str], after: tuple[str, str]) -> None:
    st.session_state.update(b_from=before[0], b_to=before[1], a_from=after[0], a_to=after[1])


have = set(months)
sr_months = [f"{y}-{m:02d}" for y in (2021, 2022) for m in range(4, 9)]
if all(m in have for m in sr_months):
    sb.button(
        "The 2022 Seasonal Response (Apr–Aug 2021 vs 2022)",
        key="preset_sr",
        on_click=_preset,
        args=(SR_BEFORE, SR_AFTER),
        help="The partnership's own evaluation compared these windows.",
    )
for key, w in (
    ("b_from", dw.a.start),
    ("b_to", dw.a.end),
    ("a_from", dw.b.start),
    ("a_to", dw.b.end),
):
    state.init(key, w, lambda v: v if v in months else (_ for _ in ()).throw(ValueError(v)))
c1, c2 = sb.columns(2)
b_from = c1.selectbox("Before: from", months, key="b_from")
b_to = c2.selectbox("Before: to", months, key="b_to")
c1, c2 = sb.columns(2)
a_from = c1.selectbox("After: from", months, key="a_from")
a_to = c2.selectbox("After: to", months, key="a_to")
before, after = (
    f"{min(b_from, b_to)}:{max(b_from, b_to)}",
    f"{min(a_from, a_to)}:{max(a_from, a_to)}",
)

opts = widgets.area_options()
state.init("target", "town-centre", lambda v: v if v in opts else "town-centre")
target = sb.selectbox("Target area", list(opts)[1:], format_func=opts.get, key="target")
state.init("buffer", 400, state.clamped(100, 1500, 50))
buffer_m = sb.slider(
    "Buffer ring around the target (m)",
    100,
    1500,
    step=50,
    key="buffer",
    help="Where displacement or a diffusion of benefits would show.",
)
wards = load_boundaries().wards
ward_names = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
state.init("control", "", str)
st.session_state.setdefault(
    "control_pick", [c for c in st.session_state["control"].split(",") if c in ward_names]
)
picked = sb.multiselect(
    "Control wards (empty: the rest of BCP)",
    list(ward_names),
    format_func=ward_names.get,
    key="control_pick",
)
st.session_state["control"] = ",".join(picked)
control = f"wards:{','.join(picked)}" if picked else None
widgets.permalink(
    {
        "b_from": b_from,
        "b_to": b_to,
        "a_from": a_from,
        "a_to": a_to,
        "target": target,
        "buffer": buffer_m,
        "control": ",".join(picked),
    }
)

st.caption(f"Default windows: {dw.reason}. {widgets.TOWN_CENTRE_NOTE}")
try:
    sv = compute(
        "seasonal_view",
        dataset,
        filters,
        before=before,
        after=after,
        target=target,
        buffer_m=float(buffer_m),
        control=control,
    )
except Exception as exc:
    widgets.show_error(exc)
    st.stop()
ev = sv.evaluation
st.subheader(f"{ev.target_name}: {ev.before.label} → {ev.after.label}")
st.markdown(
    f"Target {ev.target_area_km2:.2f} km²; buffer ring {ev.buffer_m:g} m ({ev.buffer_area_km2:.2f} km²); "
    f"control: {ev.control_name}."
)
for note in ev.notes:
    st.info(note)

for g in ev.groups:
    with st.container(border=True):
        st.markdown(f"#### {g.label[:1].upper() + g.label[1:]}")
        st.markdown(g.reading)
        d = g.to_dict()
        c = st.columns(4)
        zones = (
            ("Target", g.target_before, g.target_after, g.target_change),
            ("Buffer ring", g.buffer_before, g.buffer_after, g.buffer_change),
            ("Control", g.control_before, g.control_after, g.control_change),
        )
        for col, (label, before_n, after_n, change) in zip(c, zones, strict=False):
            col.metric(
                label,
                f"{after_n:,}",
                f"{change.pct_change:+.1f}%" if before_n else None,
                delta_color="inverse",
                help=f"{before_n:,} before",
            )
        lo, hi = g.relative.pct_ci
        c[3].metric(
            "Effect vs control",
            f"{g.relative.pct:+.1f}%",
            f"95% CI {lo:+.0f}% to {hi:+.0f}%",
            delta_color="off",
        )
        wdq = (
            "not defined (no change in the target against the control)"
            if d.get("wdq") is None
            else f"**{g.wdq:.2f}**"
        )
        st.markdown(
            f"Weighted Displacement Difference: **{g.wdd.total:+.1f}** records "
            f"(95% CI {g.wdd.ci_low:+.1f} to {g.wdd.ci_high:+.1f}; Wheeler and Ratcliffe 2018; negative = fewer "
            f"than the control's trend implies). Weighted Displacement Quotient: {wdq} — {g.wdq_meaning} "
            f"(Bowers and Johnson 2003). Total net effect: **{g.net_effect:+.0f}** records prevented "
            "(negative: more records than expected)."
        )
        for note in g.notes:
            st.caption(note)
with st.expander("Table of the evaluation (download for a report)"):
    tab = ev.table()
    st.dataframe(tab, hide_index=True)
    st.download_button(
        "Download evaluation CSV",
        tab.to_csv(index=False),
        "evaluation.csv",
        "text/csv",
        key="dl_eval",
    )

left, right = st.columns([3, 2])
with left:
    st.subheader("Hotspot change (Gi*, before vs after)")
    if sv.change is not None:
        from hotspots.data.areas import resolve_area

        m = build_map(
            area=resolve_area(target), height=520, simulated=bool(records["simulated"].any())
        )
        add_change_layer(m, sv.change.grid)
        st_folium(m, height=520, use_container_width=True, returned_objects=[], key="change-map")
        st.markdown(
            " · ".join(f"<span style='color:{c}'>■</span> {k}" for k, c in CHANGE_COLOURS.items()),
            unsafe_allow_html=True,
        )
        st.markdown(sv.change.reading)
        counts = sv.change.class_counts()
        st.dataframe([{"change": k, "cells": v} for k, v in counts.items()], hide_index=True)
    for note in sv.notes:
        st.info(note)
with right:
    st.subheader("The same window in other years")
    if len(sv.yearly):
        st.altair_chart(
            yearly_chart(sv.yearly, "The after-window's months in the target, each year"),
            width="stretch",
        )
        st.dataframe(sv.yearly, hide_index=True)
    for b in (sv.baseline_crime, sv.baseline_asb):
        if b is not None:
            st.markdown(f"- {b.reading}")

st.subheader("The partnership's tables")
t1, t2 = st.tabs(["ASB by subtype and financial year", "Quarterly indicators"])
for tab_el, make, name in (
    (t1, lambda: asb_subtype_table(records), "asb-subtypes"),
    (t2, lambda: quarterly_table(records), "quarterly-indicators"),
):
    with tab_el:
        try:
            pt = make()
        except Exception as exc:
            st.info(str(exc))
            continue
        st.markdown(f"**{pt.title}**")
        st.dataframe(pt.frame.rename(columns=pt.labels), hide_index=True)
        for note in pt.notes:
            st.caption(note)
        c = st.columns(3)
        c[0].download_button("CSV", pt.to_csv(), f"{name}.csv", "text/csv", key=f"{name}-csv")
        c[1].download_button(
            "Markdown", pt.to_markdown(), f"{name}.md", "text/markdown", key=f"{name}-md"
        )
        c[2].download_button("HTML", pt.to_html(), f"{name}.html", "text/html", key=f"{name}-html")
widgets.footer(records)
