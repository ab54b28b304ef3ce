"""Patrol planning: which places, for these categories and times, cover most of the problem?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st
from streamlit_folium import st_folium

from hotspots.data import schema as S
from hotspots.present.charts import coverage_chart
from hotspots.ui import state, widgets
from hotspots.ui.cache import compute, patrol_page_model, view_map

if TYPE_CHECKING:
    from hotspots.present.patrol_page import PatrolPage

st.set_page_config(page_title="Patrol planning · Safer BCP", page_icon="🚓", layout="wide")
st.title("Patrol planning")

dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
filters = widgets.filter_sidebar(records, times=True)
sb = st.sidebar
sb.divider()
state.init("top_n", 10, lambda v: max(1, min(50, int(v))))
top_n = sb.slider("How many places", 1, 50, key="top_n")
state.init("pcell", 150, lambda v: int(v) if 50 <= int(v) <= 500 else 150)
cell = sb.select_slider(
    "Patrol cell size (m)",
    [50, 75, 100, 150, 200, 250, 300, 400, 500],
    key="pcell",
    help="Places are the busiest grid cells of this size, ranked by records.",
)
state.init("pnext", False, lambda v: v == "1")
judge = sb.toggle(
    "Judge the plan on the next month",
    key="pnext",
    help="Choose the places on the months selected, then count how many records of the "
    "following month they hold: the test a patrol plan really faces.",
)
state.init("psup", False, lambda v: v == "1")
forced = widgets.disclosure_forced()  # a signed-in viewer cannot turn it off
if forced:
    st.session_state["psup"] = True
suppress = sb.toggle(
    "Hide counts under 5 in downloads (public setting)",
    key="psup",
    disabled=forced,
)
k = widgets.suppress_below(exact_counts=not suppress)  # the one disclosure rule
widgets.permalink({"top_n": top_n, "pcell": cell, "psup": suppress, "pnext": judge})

plan = {"top_n": int(top_n), "cell_size_m": float(cell), "judge_next": bool(judge)}
try:
    pv = compute("patrol_view", dataset, filters, **plan)
    # the view-model, the download files and the patrol sheet: once per view (cached)
    page: PatrolPage
    page, files, sheet = patrol_page_model(dataset, filters, k, **plan)
except Exception as exc:
    widgets.show_error(exc)
    st.stop()

if page.empty:
    st.info("No records for these filters.")
    st.stop()
if page.headline:
    st.markdown(page.headline)
    st.caption(page.pai_caption)
if page.small_warning:
    st.warning(page.small_warning)
if page.score:
    st.info(page.score)
if page.time_caption:
    st.caption(page.time_caption)

left, right = st.columns([3, 2])
with left:
    # the places, not the whole area: numbers must not pile up (built once, copied)
    m = view_map("patrol_view", dataset, filters, k, **plan)
    st_folium(m, height=560, use_container_width=True, returned_objects=[], key="patrol-map")
with right:
    st.header("Ranked places")
    st.dataframe(
        page.places_table, hide_index=True, height=380,
        column_config={S.NAME: st.column_config.TextColumn(width="medium")},
    )  # fmt: skip
    keys = {"geojson": "dl_pgeojson", "kml": "dl_kml", "gpx": "dl_gpx", "csv": "dl_pcsv",
            "csv-json": "dl_pcsv_meta"}  # fmt: skip
    # three buttons a row: at 1366 px five in a row cut "GeoJSON" to "Ge…"
    cols = [*st.columns(3), *st.columns(3)][: len(files)]
    for col, (fmt, f) in zip(cols, files.items(), strict=True):
        label = "CSV settings" if fmt == "csv-json" else f.label
        col.download_button(
            label, f.text, f.name, f.mime, key=keys[fmt],
            on_click=widgets.log_export(f"patrol places {label}", dataset),
        )  # fmt: skip
    st.download_button(
        "Patrol sheet to print (HTML, one A4 landscape page, works offline)",
        sheet,
        "patrol-sheet.html",
        "text/html",
        key="dl_print",
        on_click=widgets.log_export("patrol sheet", dataset),
        help="Title, period, categories, the map with numbered places and the list: open it "
        "and print (A4 landscape, one page).",
    )

st.header("Coverage curve")
st.altair_chart(
    coverage_chart(pv.coverage.curve, page.coverage_title, pv.coverage.chance),
    width="stretch",
)
st.dataframe(page.coverage_table, hide_index=True)
for note in page.notes:
    st.caption(note)
widgets.footer(records)
