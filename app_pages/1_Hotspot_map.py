"""Hotspot map: where are the problems? DBSCAN, kernel density and Gi*, named like people name places.

The page only renders: its numbers, sentences and tables come from the view-model
(:func:`hotspots.present.hotspot_page.hotspot_page`), its widgets from
:mod:`hotspots.ui.hotspot_controls`.
"""

from __future__ import annotations

import streamlit as st

from hotspots.present import hotspot_page as hp
from hotspots.present.charts import bar_chart, trend_chart
from hotspots.ui import hotspot_controls as hc
from hotspots.ui import widgets
from hotspots.ui.cache import (
    HOTSPOT_MAP_RETURNS,
    compute,
    hotspot_changes,
    hotspot_map_payload,
    hotspot_page_model,
)
from hotspots.ui.map_component import draw as draw_map

st.set_page_config(page_title="Hotspot map · Safer BCP", page_icon="🗺️", layout="wide")
st.title("Hotspot map")

dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
filters = widgets.filter_sidebar(records)
k = widgets.suppress_below(exact_counts=True)  # viewers: counts under 5 withheld
controls = hc.hotspot_controls(filters)
params = controls.params
zoom_to = hc.place_search(dataset)

map_key = f"map-{controls.method}"
try:
    view = compute("hotspot_view", dataset, filters, **params)
    hc.follow_map_click(map_key, hc.hotspot_ids(view.hotspots))
    fmap = hotspot_map_payload(  # built and rendered once per view, for every session
        dataset,
        filters,
        key=map_key,
        returned_objects=HOTSPOT_MAP_RETURNS,
        selected=st.session_state.get("spot_pick"),
        zoom_to_selected=bool(st.session_state.get("_spot_zoom")) and zoom_to is None,
        zoom_to=zoom_to,
        suppress_below=k,
        **params,
    )
    compare = "none"
    if controls.compare != "none" and len(view.hotspots):
        try:
            hotspot_changes(dataset, filters, controls.compare, **params)
            compare = controls.compare
        except Exception as exc:
            widgets.show_error(exc)
    page = hotspot_page_model(dataset, filters, compare, k, **params)  # cached view-model
except Exception as exc:  # InputError and friends: shown, not a traceback
    widgets.show_error(exc)
    st.stop()

st.markdown(page.records_line)
st.caption(
    "police.uk locations are anonymised map points (“On or near …”), not addresses: "
    "a hotspot made of one map point may stand for a whole street or block.",
)
# the map takes the full width (a screen in a meeting); the table and details follow
out = draw_map(fmap)  # st_folium's own component (height 620, full width)
hc.map_point_records(out, dataset, filters, k)
hc.drawn_area_button(out)
with st.expander("Parameters used (automatic values are chosen from the data)"):
    for note in page.notes:
        st.markdown(f"- {note}")
    st.json(page.parameters, expanded=False)

st.header("Ranked hotspots")
st.caption("The table is the text alternative to the map: one row per hotspot, biggest first.")
hc.ranked_table(page.ranked)
hc.download_buttons(page.downloads, dataset)
hc.pack_buttons(dataset, version, filters, controls, k)

if page.picker:
    pick = st.selectbox(
        "Hotspot details (or click one on the map)",
        list(page.picker),
        format_func=page.picker.get,
        key="spot_pick",
        on_change=lambda: st.session_state.update(_spot_zoom=True),
    )
    row = hp.hotspot_row(view.hotspots, pick)
    detail = compute("hotspot_detail", dataset, filters, geometry=row.geometry.wkb)
    dp = hp.hotspot_detail_page(row, detail, k)
    st.markdown(dp.heading)  # data text is never markup
    st.markdown(dp.facts)
    if dp.caveat:
        st.caption(dp.caveat)  # it quotes location text: never markup
    if len(dp.by_category):
        st.altair_chart(
            bar_chart(dp.by_category, "category", "records", "Records by category", "Category",
                      "Records"),
            width="stretch",
        )  # fmt: skip
    st.altair_chart(trend_chart(dp.trend, "Monthly trend in this hotspot"), width="stretch")
    st.markdown("**Top locations**")
    st.dataframe(dp.top_locations, hide_index=True)
    if dp.outcomes is not None and len(dp.outcomes):
        st.markdown("**What happened next** (police.uk's last outcome of each record)")
        st.dataframe(dp.outcomes, hide_index=True)
else:
    st.info(page.empty)
widgets.footer(records)
