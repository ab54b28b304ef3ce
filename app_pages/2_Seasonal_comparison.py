"""Seasonal comparison: did the summer programme work, by how much, compared with where,
and did the problem move next door?"""

from __future__ import annotations

import re

import streamlit as st
from streamlit_folium import st_folium

from hotspots.comparison.interventions import (
    Intervention,
    add_intervention,
    check_windows,
    default_evaluation,
    describe_windows,
    intervention_windows,
    load_interventions,
)
from hotspots.comparison.tables import asb_subtype_table, quarterly_table
from hotspots.comparison.windows import dataset_months, default_windows
from hotspots.comparison.windows import window as make_window
from hotspots.data.boundaries import load_boundaries
from hotspots.present.change_map import (
    CHANGE_COLOURS,
    add_change_layer,
    change_extent,
    change_says_something,
)
from hotspots.present.charts import yearly_chart
from hotspots.present.disclosure import published_table_for_people
from hotspots.present.maps import build_map
from hotspots.present.seasonal_page import seasonal_page
from hotspots.ui import state, widgets
from hotspots.ui.cache import compute, street_layer

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
    records, area=False, window=False, default_window=(dw.b.start, dw.b.end)
)

sb = st.sidebar
sb.divider()
sb.markdown("**Intervention and windows**")
register = load_interventions()
by_name = {iv.name: iv for iv in register}
CUSTOM = "Custom windows"
default_choice = default_evaluation(months, register)
if default_choice is not None:
    default_iv, default_year = default_choice.intervention.name, default_choice.year
    default_w = (default_choice.before, default_choice.after)
else:
    default_iv, default_year, default_w = CUSTOM, None, (dw.a, dw.b)
WINDOW_KEYS = ("b_from", "b_to", "a_from", "a_to")


def _set_windows(before, after) -> None:
    st.session_state.update(
        b_from=before.start, b_to=before.end, a_from=after.start, a_to=after.end
    )


def _iv_years(iv) -> list[int]:
    """Years in which the dataset has any of the intervention's months."""
    have = set(months)
    return [
        y
        for y in sorted({int(m[:4]) for m in months})
        if any(m in have for m in iv.after(y).months)
    ]


def _apply_intervention() -> None:
    """Choosing an intervention or a year sets the windows, the target and the ring."""
    iv = by_name.get(st.session_state.get("iv"))
    if iv is None:
        return
    years = _iv_years(iv)
    if not years:
        return
    year = st.session_state.get("iv_year")
    if year not in years:
        first = iv.first_evaluated if iv.first_evaluated in years else None
        year = first or max(y for y in years)
        st.session_state["iv_year"] = year
    c = intervention_windows(iv, year, months)
    _set_windows(c.before, c.after)
    st.session_state.update(target=c.target, buffer=int(round(c.buffer_m / 50) * 50) or 100)


def _reset_for_dataset() -> None:
    st.session_state.update(iv=default_iv, iv_year=default_year)
    _set_windows(*default_w)
    if default_choice is not None:
        st.session_state.update(target=default_choice.target, buffer=int(default_choice.buffer_m))


state.init("iv", default_iv, lambda v: v if v in by_name or v == CUSTOM else default_iv)
state.init("iv_year", default_year, int)
defaults = dict(zip(WINDOW_KEYS, (default_w[0].start, default_w[0].end, default_w[1].start,
                                  default_w[1].end), strict=True))  # fmt: skip
for key in WINDOW_KEYS:
    state.init(
        key, defaults[key], lambda v: v if v in months else (_ for _ in ()).throw(ValueError(v))
    )
# A switch of dataset (or a stale value) must never leave the pickers on months the data
# do not have: the windows go back to this dataset's default evaluation, said in a note.
switched = st.session_state.get("_seasonal_dataset") not in (None, dataset)
stale = any(st.session_state.get(k) not in months for k in WINDOW_KEYS)
st.session_state["_seasonal_dataset"] = dataset
if switched or stale:
    _reset_for_dataset()
    sb.info("Windows set to this dataset's default evaluation.")

iv_names = [*by_name, CUSTOM]
sb.selectbox(
    "Intervention",
    iv_names,
    key="iv",
    on_change=_apply_intervention,
    help="From the intervention register (geodata/interventions.toml and your own, added below). "
    "Choosing one sets the windows, the target and the ring.",
)
chosen = by_name.get(st.session_state["iv"])
if chosen is not None:
    years = _iv_years(chosen)
    if years:
        if st.session_state.get("iv_year") not in years:
            st.session_state["iv_year"] = (
                chosen.first_evaluated if chosen.first_evaluated in years else years[-1]
            )
        sb.selectbox(
            "Year evaluated",
            years,
            key="iv_year",
            on_change=_apply_intervention,
            help="The after window is the intervention's months in this year; the before "
            "window the same months a year earlier.",
        )
    else:
        sb.info(f"The data have none of {chosen.name}'s months ({chosen.months_label}).")
c1, c2 = sb.columns(2)
b_from = c1.selectbox("Before: from", months, key="b_from")
b_to = c2.selectbox("Before: to", months, key="b_to")
c1, c2 = sb.columns(2)
a_from = c1.selectbox("After: from", months, key="a_from")
a_to = c2.selectbox("After: to", months, key="a_to")
w_before = make_window((min(b_from, b_to), max(b_from, b_to)))
w_after = make_window((min(a_from, a_to), max(a_from, a_to)))
before, after = w_before.spec, w_after.spec

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
        "iv": st.session_state.get("iv"),
        "iv_year": st.session_state.get("iv_year"),
    }
)


def _md(text: str) -> str:
    """User text shown as literal characters in markdown (register names come from people)."""
    return re.sub(r"([\\`*_\[\]{}()#+\-.!|~<>&$])", r"\\\1", str(text))


problems = check_windows(w_before, w_after, months)
in_use = describe_windows(w_before, w_after, months)
iv_now = by_name.get(st.session_state.get("iv"))
if iv_now is not None and st.session_state.get("iv_year"):
    c = intervention_windows(iv_now, st.session_state["iv_year"], months)
    if (c.before, c.after) == (w_before, w_after):
        in_use = f"{_md(iv_now.name)} {c.year}. {in_use}"
st.caption(f"Windows in use: {in_use} {widgets.TOWN_CENTRE_NOTE}")


def _show_evaluation() -> None:
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
        return
    page = seasonal_page(sv, suppress_below=k)
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
            "Download evaluation CSV",
            page.table.to_csv(index=False),
            "evaluation.csv",
            "text/csv",
            key="dl_eval",
            on_click=widgets.log_export("evaluation CSV", dataset),
        )

    left, right = st.columns([3, 2])
    with left:
        st.subheader("Hotspot change (Gi*, before vs after)")
        if sv.change is not None and change_says_something(sv.change.grid):
            from hotspots.data.areas import resolve_area

            # fitted to every classed cell (the whole comparison area), the target dashed
            m = build_map(
                area=resolve_area(target), height=520, simulated=bool(records["simulated"].any()),
                zoom_to=change_extent(sv.change.grid), streets=street_layer(dataset),
            )  # fmt: skip
            add_change_layer(m, sv.change.grid)
            st_folium(
                m, height=520, use_container_width=True, returned_objects=[], key="change-map"
            )
            st.markdown(
                " · ".join(
                    f"<span style='color:{c}'>■</span> {name}" for name, c in CHANGE_COLOURS.items()
                ),
                unsafe_allow_html=True,
            )
            st.markdown(page.change_reading)
        elif sv.change is not None:
            st.info("Every hot cell falls in one change class, so a map would be one colour: the "
                    "counts are below instead.")  # fmt: skip
            st.markdown(page.change_reading)
        if sv.change is not None:
            st.dataframe(page.change_cells, hide_index=True)
        for note in page.change_notes:
            st.info(note)
    with right:
        st.subheader("The same window in other years")
        if len(page.yearly_table):
            st.altair_chart(
                yearly_chart(
                    page.yearly_chart, "The after-window's months in the target, each year"
                ),
                width="stretch",
            )
            st.dataframe(page.yearly_table, hide_index=True)
        for line in page.baselines:
            st.markdown(line)


if problems:
    for p in problems:
        st.warning(f"No verdict: {p}")
    st.info(
        "Choose an intervention and a year, or set before and after windows that do not overlap."
    )
else:
    _show_evaluation()

with st.expander("Add an intervention to the register"):
    with st.form("add_iv", clear_on_submit=False):
        f_name = st.text_input("Name", max_chars=80)
        f_target = st.selectbox("Area", list(opts)[1:], format_func=opts.get, key="f_target")
        mc = st.columns(3)
        f_start = mc[0].number_input("First month (1-12)", 1, 12, 4)
        f_end = mc[1].number_input("Last month (1-12)", 1, 12, 8)
        f_buffer = mc[2].number_input("Ring (m)", 0, 5000, 400, step=50)
        f_years = st.text_input("Years it ran (comma-separated)", placeholder="2023, 2024")
        f_desc = st.text_input("Description", max_chars=300)
        if st.form_submit_button("Add to the register"):
            try:
                years_in = tuple(int(y) for y in f_years.replace(" ", "").split(",") if y)
                path = add_intervention(
                    Intervention(
                        f_name.strip(), f_target, int(f_start), int(f_end), years_in,
                        float(f_buffer), None, f_desc.strip(), "user",
                    )
                )  # fmt: skip
            except Exception as exc:
                widgets.show_error(exc)
            else:
                st.session_state["_iv_added"] = (
                    f"Added to {path.name}; choose it under Intervention."
                )
                st.rerun()
    if added := st.session_state.pop("_iv_added", None):
        st.success(added)

st.header("The partnership's tables")
t1, t2 = st.tabs(["ASB by subtype and financial year", "Quarterly indicators"])
for tab_el, make, name in (
    (t1, lambda: asb_subtype_table(records), "asb-subtypes"),
    (t2, lambda: quarterly_table(records), "quarterly-indicators"),
):
    with tab_el:
        try:
            pt = published_table_for_people(make(), k)
        except Exception as exc:
            st.info(str(exc))
            continue
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
                label, text, f"{name}.{ext}", mime, key=f"{name}-{ext}",
                on_click=widgets.log_export(f"table {name} {label}", dataset),
            )  # fmt: skip
widgets.footer(records)
