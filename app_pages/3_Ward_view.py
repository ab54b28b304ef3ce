"""Ward view: what is happening in my ward? A page a councillor can bookmark and share."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from hotspots.data import schema as S
from hotspots.data.areas import link_area_spec
from hotspots.data.boundaries import load_boundaries
from hotspots.present.charts import bar_chart, trend_chart
from hotspots.present.ward_page import unknown_ward_message, ward_page
from hotspots.ui import state, widgets
from hotspots.ui.cache import compute, view_map, ward_report_files

st.set_page_config(page_title="Ward view · Safer BCP", page_icon="🏘️", layout="wide")
st.title("Ward view")

dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
filters = widgets.filter_sidebar(records, area=False)
wards = load_boundaries().wards.sort_values(S.WARD_NAME)
names = dict(zip(wards[S.WARD_CODE], wards[S.WARD_NAME], strict=True))


def _ward(v: str) -> str:
    """A ward from a link: its code, its name or its slug (any case; "and" for "&")."""
    spec = link_area_spec(f"ward:{v}")
    if spec is None or spec.removeprefix("ward:") not in names:
        raise ValueError(v)
    return spec.removeprefix("ward:")


def _choose_ward(code: str) -> None:
    st.session_state["ward"] = code
    state.clear_rejected("ward")


state.init("ward", "E05012653", _ward)  # Bournemouth Central
ward = st.sidebar.selectbox(
    "Ward",
    list(names),
    format_func=names.get,
    key="ward",
    on_change=state.clear_rejected,
    args=("ward",),
)
bad = state.rejected("ward")
if bad is not None:  # never show another ward in its place without saying so
    near = state.closest(bad, list(names.values()))
    codes = {v: k for k, v in names.items()}
    st.warning(unknown_ward_message(bad, near))
    for col, name in zip(st.columns(max(len(near), 1)), near, strict=False):
        col.button(f"Show {name}", on_click=_choose_ward, args=(codes[name],), key=f"near_{name}")
    widgets.footer(records)
    st.stop()
state.init("suppress", True, lambda v: v != "0")
forced = widgets.disclosure_forced()  # a signed-in viewer cannot turn it off
if forced:
    st.session_state["suppress"] = True
suppress = st.sidebar.toggle(
    "Hide counts under 5 (public / councillor setting)",
    key="suppress",
    disabled=forced,
)
k = widgets.suppress_below(exact_counts=not suppress)  # the one disclosure rule
widgets.permalink({"ward": ward, "suppress": suppress})

try:
    wv = compute("ward_view", dataset, filters, ward=ward)
except Exception as exc:
    widgets.show_error(exc)
    st.stop()

page = ward_page(
    wv,
    filters.start,
    filters.end,
    suppress_below=k,
    bcp_area_km2=load_boundaries().outline_area_km2,
)
st.header(page.heading)
st.markdown(page.paragraph)
st.caption("Bookmark this page: the link keeps the ward, months and categories.")
for col, mt in zip(st.columns(len(page.metrics)), page.metrics, strict=True):
    col.metric(mt.label, mt.value, help=mt.help)
if page.previous is not None:
    st.markdown(page.previous)
else:
    st.info(page.comparison_note)

left, right = st.columns([3, 2])
with left:
    m = view_map("ward_view", dataset, filters, k, ward=ward)  # built once, copied
    st_folium(m, height=460, use_container_width=True, returned_objects=[], key=f"ward-map-{ward}")
    st.markdown("**Hotspots in the ward** (DBSCAN; the table is the text alternative to the map)")
    st.dataframe(page.hotspots_table, hide_index=True)
with right:
    st.altair_chart(trend_chart(page.trend_chart, page.trend_title), width="stretch")
    if len(page.categories_table):
        chart = bar_chart(page.categories_chart, "category", "records", "Records by category",
                          "Category", "Records")  # fmt: skip
        st.altair_chart(chart, width="stretch")
        st.dataframe(page.categories_table, hide_index=True)
    if page.outcomes_table is not None:
        st.markdown("**What happened next** (police.uk's last outcome of each record)")
        st.dataframe(page.outcomes_table, hide_index=True)
    st.markdown("**Top locations**")
    if page.locations_table is not None:
        st.dataframe(page.locations_table, hide_index=True)

st.header("One-page report")
st.caption("For sharing: counts under 5 are hidden when the setting above is on.")
report_html, report_pdf = ward_report_files(dataset, filters, ward, k)
reports = (
    ("HTML", report_html, "html", "text/html"),
    ("PDF", report_pdf, "pdf", "application/pdf"),
)
for col, (label, data, ext, mime) in zip(st.columns(2), reports, strict=True):
    col.download_button(
        f"Download report ({label})", data, f"ward-report-{ward}.{ext}", mime, key=f"dl_{ext}",
        on_click=widgets.log_export(f"ward report {label} {ward}", dataset),
    )  # fmt: skip
widgets.footer(records)
