"""Hotspot map: where are the problems? DBSCAN, kernel density and Gi*, named like people name places."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from hotspots.comparison.hotspot_trend import COMPARE_CHOICES
from hotspots.data import schema as S
from hotspots.data.areas import polygon_spec
from hotspots.methods.result import METHOD_LABELS
from hotspots.present import hotspot_page as hp
from hotspots.present.charts import bar_chart, trend_chart
from hotspots.present.disclosure import withhold_in_text
from hotspots.present.draw import drawn_polygon
from hotspots.present.drilldown import lonlat_to_metres, records_at
from hotspots.present.escape import markdown as md_text
from hotspots.present.maps import clicked_hotspot_id, clicked_point
from hotspots.present.tables import hotspot_table, nest_hotspots, top_rows
from hotspots.ui import state, widgets
from hotspots.ui.cache import (
    compute,
    filtered,
    find_places,
    hotspot_changes,
    hotspot_files,
    hotspot_map,
    pcg_pack,
)

st.set_page_config(page_title="Hotspot map · Safer BCP", page_icon="🗺️", layout="wide")
st.title("Hotspot map")

METHODS = {
    "dbscan": "Clusters of busy map points (DBSCAN)",
    "kde": "Densest areas (kernel density)",
    "gistar": "Significantly busy grid cells (Getis-Ord Gi*)",
}
LAYERS = {
    "points": "Locations (sized by records)",
    "density": "Density surface",
    "hotspots": "Hotspot areas",
    "gistar": "Gi* grid (hot and cold cells)",
}


DOWNLOAD_KEYS = {
    "csv": "dl_csv", "geojson": "dl_geojson", "kml": "dl_kml", "gpx": "dl_gpx",
    "csv-json": "dl_csv_meta",
}  # fmt: skip


def _use_area(spec: str) -> None:
    st.session_state["area"] = spec
    st.session_state["area_pick"] = spec


dataset, records, version = widgets.dataset_picker()
widgets.simulated_banner(records)
filters = widgets.filter_sidebar(records)
k = widgets.suppress_below(exact_counts=True)  # viewers: counts under 5 withheld

sb = st.sidebar
sb.divider()
state.init("method", "dbscan", lambda v: v if v in METHODS else "dbscan")
method = sb.radio(
    "Hotspot method",
    list(METHODS),
    format_func=METHODS.get,
    key="method",
    help="\n\n".join(f"**{METHODS[m]}**: {METHOD_LABELS[m]}." for m in METHODS),
)
sb.caption(METHOD_LABELS[method] + ".")
state.init("layers", "density,hotspots", str)
st.session_state.setdefault(
    "layers_pick",
    [x for x in st.session_state["layers"].split(",") if x in LAYERS] or ["density", "hotspots"],
)
layers = sb.multiselect("Map layers", list(LAYERS), format_func=LAYERS.get, key="layers_pick")
st.session_state["layers"] = ",".join(layers)
COMPARE = {"none": "Nothing", **{k: v.capitalize() for k, v in COMPARE_CHOICES.items()}}
state.init("compare", "none", lambda v: v if v in COMPARE else "none")
compare = sb.radio(
    "Compare with",
    list(COMPARE),
    format_func=COMPARE.get,
    key="compare",
    help="Each hotspot's records now against the comparison period: change with its 95% "
    "interval, and new / persistent / growing / shrinking / gone.",
)
state.init("manual", False, lambda v: v == "1")
manual = sb.toggle(
    "Set method parameters by hand",
    key="manual",
    help="Off: the automatic values (shown under the map) are used.",
)
params: dict = {"method": method}
if manual:
    if method == "dbscan":
        state.init("eps", 150, state.clamped(25, 1000, 25))
        params["eps_m"] = float(
            sb.slider("Neighbourhood radius eps (m)", 25, 1000, step=25, key="eps")
        )
        state.init("minpts", 30, state.clamped(2, 100000))
        params["min_points"] = int(
            sb.number_input("Minimum records per core location", 2, 100000, key="minpts")
        )
    if method == "kde" or "density" in layers:
        state.init("kernel", "quartic", lambda v: v if v in ("quartic", "gaussian") else "quartic")
        params["kernel"] = sb.radio(
            "Kernel", ["quartic", "gaussian"], key="kernel", horizontal=True
        )
        state.init("cell", 50, state.clamped(10, 250, 10))
        params["cell_size_m"] = float(sb.slider("KDE cell size (m)", 10, 250, step=10, key="cell"))
        state.init("bw", 300, state.clamped(50, 2000, 50))
        params["bandwidth_m"] = float(sb.slider("KDE bandwidth (m)", 50, 2000, step=50, key="bw"))
        state.init("top", 2.0, state.clamped(0.5, 10.0, 0.5, float))
        params["top_share"] = (
            sb.slider("Hotspot = densest share of the area (%)", 0.5, 10.0, step=0.5, key="top")
            / 100
        )
    if method == "gistar" or "gistar" in layers:
        state.init("gicell", 100, state.clamped(50, 500, 25))
        params["gi_cell_size_m"] = float(
            sb.slider("Gi* cell size (m)", 50, 500, step=25, key="gicell")
        )
if (method == "gistar" or "gistar" in layers) and filters.area != "bcp":
    GI_SCOPES = {"bcp": "BCP's hotspots in this area", "area": "Unusual for this area alone"}
    state.init("giscope", "bcp", lambda v: v if v in GI_SCOPES else "bcp")
    params["gistar_scope"] = sb.radio(
        "Gi* in an area",
        list(GI_SCOPES),
        format_func=GI_SCOPES.get,
        key="giscope",
        help="BCP's hotspots: Gi* tested over all of BCP, clipped to the area. Unusual for "
        "this area alone: Gi* tested inside the area only.",
    )
params["layers"] = tuple(layers)
widgets.permalink(
    {
        "method": method,
        "layers": ",".join(layers),
        "manual": manual,
        "compare": compare,
        **({"giscope": params["gistar_scope"]} if "gistar_scope" in params else {}),
        **(
            {
                k: st.session_state.get(k)
                for k in ("eps", "minpts", "kernel", "cell", "bw", "top", "gicell")
            }
            if manual
            else {}
        ),
    }
)

# search: a street (the data's own police.uk locations), a named place or a ward
query = st.text_input(
    "Find a street, place or ward",
    key="find",
    placeholder="e.g. Old Christchurch Road, Lansdowne, Poole Town",
    help='Spelling and abbreviations are forgiven ("old christchurch rd"). The map zooms there.',
)
zoom_to = None
if query.strip():
    hits = find_places(dataset, query)
    if hits:
        found = st.selectbox("Matches", hits, format_func=lambda h: h.label, key="find_pick")
        zoom_to = found.bounds if found is not None else None
    else:
        st.info("No street, place or ward matches that name.")

map_key = f"map-{method}"
try:
    view = compute("hotspot_view", dataset, filters, **params)
    # a click on the map (reported on the previous run) chooses that hotspot and zooms to it;
    # st_folium repeats the last click on every rerun: act on a click once
    hid = clicked_hotspot_id(st.session_state.get(map_key))
    if hid in set(view.hotspots[S.HOTSPOT_ID]) and hid != st.session_state.get("_spot_clicked"):
        st.session_state["spot_pick"] = hid
        st.session_state["_spot_zoom"] = True
    st.session_state["_spot_clicked"] = hid
    fmap = hotspot_map(
        dataset,
        filters,
        selected=st.session_state.get("spot_pick"),
        zoom_to_selected=bool(st.session_state.get("_spot_zoom")) and zoom_to is None,
        zoom_to=zoom_to,
        suppress_below=k,
        **params,
    )
except Exception as exc:  # InputError and friends: shown, not a traceback
    widgets.show_error(exc)
    st.stop()

st.markdown(
    hp.records_line(view.n_records, view.area.name, filters.start, filters.end, METHODS[method], k)
)
st.caption(
    "police.uk locations are anonymised map points (“On or near …”), not addresses: "
    "a hotspot made of one map point may stand for a whole street or block."
)
# the map takes the full width (a screen in a meeting); the table and details follow
left, right = st.container(), st.container()
with left:
    out = st_folium(
        fmap,
        height=620,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
        key=map_key,
    )
    point = clicked_point(out)
    if point is not None:  # a location circle: what happened there (as police.uk shows it)
        at = records_at(filtered(dataset, filters), *lonlat_to_metres(*point), suppress_below=k)
        if at.count:
            st.markdown(f"**Records at this map point: {md_text(at.location)}** ({at.shown})")
            if at.suppressed:
                st.caption("Fewer than 5 records: they are not listed.")
            else:
                st.dataframe(at.table, hide_index=True, height=min(36 * (len(at.table) + 1), 300))
    ring = drawn_polygon(out)
    if ring:
        st.button(
            "Use the drawn polygon as the area",
            key="use_drawn",
            on_click=_use_area,
            args=(polygon_spec(ring),),
            type="primary",
        )
    else:
        st.caption(
            "Draw a polygon or rectangle (tools at the top left of the map) to make it the area."
        )
    with st.expander("Parameters used (automatic values are chosen from the data)"):
        for note in view.notes:
            st.markdown(f"- {md_text(withhold_in_text(note, k))}")
        st.json(view.parameters, expanded=False)
with right:
    st.subheader("Ranked hotspots")
    st.caption("The table is the text alternative to the map: one row per hotspot, biggest first.")
    table = hotspot_table(view.hotspots, suppress_below=k)
    changes = None
    if compare != "none" and len(view.hotspots):
        try:
            changes = hotspot_changes(dataset, filters, compare, **params)
        except Exception as exc:  # noqa: BLE001 - e.g. an impossible window: say so, keep the page
            widgets.show_error(exc)
    if changes is not None:  # in the table's order: children under their parents
        order = nest_hotspots(view.hotspots)[S.HOTSPOT_ID].tolist()
        cur = changes.current.set_index(S.HOTSPOT_ID).loc[order].reset_index()
        cur[S.RANK] = range(1, len(cur) + 1)  # change_columns reads rows in rank order
        for col, values in hp.change_columns(cur, changes.then.label, k).items():
            table[col] = values
    table, more = top_rows(table)
    st.dataframe(table, hide_index=True, height=360)
    if more:
        st.caption(more)
    if changes is not None:
        for note in changes.notes[:1]:
            st.caption(note)
        if len(changes.former):  # gone only when the fall is distinguishable from none
            n_gone = len(changes.gone)
            with st.expander(
                f"Gone since {changes.then.label}: {n_gone} hotspots"
                + (f" ({len(changes.former) - n_gone} more overlap none now: too few to tell)"
                   if len(changes.former) > n_gone else "")
            ):  # fmt: skip
                st.dataframe(hp.gone_table(changes.former, k), hide_index=True)
    meta = {
        **view.parameters,
        "months": f"{filters.start}..{filters.end}",
        "area": view.area.name,
        "categories": list(filters.categories),
        "dataset": dataset,
    }
    files = hotspot_files(dataset, filters, meta, f"hotspots-{method}", k, **params)
    for col, (fmt, f) in zip(st.columns(len(files)), files.items(), strict=True):
        col.download_button(
            f.label if fmt == "csv-json" else f"Download {f.label}",
            f.data,  # written when clicked (ui.cache.hotspot_files)
            file_name=f.name,
            mime=f.mime,
            key=DOWNLOAD_KEYS[fmt],
            on_click=widgets.log_export(f"hotspots {f.label}", dataset),
            help="The method, its parameters, the months and the data source of the CSV."
            if fmt == "csv-json"
            else None,
        )
    pack_cmp = compare if compare != "none" else "previous"
    if st.button("Make the PCG pack (PDF and HTML)", key="make_pack", help="The monthly pack "
                 "for the Partnership Coordinating Group: numbered map, ranked table with change "
                 f"against {COMPARE[pack_cmp].lower()}, focus areas (geodata/focus_areas.toml)."):  # fmt: skip
        try:
            st.session_state["_pack"] = (
                (dataset, version, filters, compare, tuple(sorted(params.items()))),
                pcg_pack(dataset, filters, pack_cmp, suppress_below=k, **params),
            )
        except Exception as exc:  # noqa: BLE001 - shown, not a traceback
            widgets.show_error(exc)
    made = st.session_state.get("_pack")
    if made and made[0] == (dataset, version, filters, compare, tuple(sorted(params.items()))):
        p1, p2 = st.columns(2)
        name = f"pcg-pack-{filters.start}-{filters.end}"
        p1.download_button("Download the PCG pack (PDF)", made[1][0], file_name=f"{name}.pdf",
                           mime="application/pdf", key="dl_pack_pdf",
                           on_click=widgets.log_export("PCG pack PDF", dataset))  # fmt: skip
        p2.download_button("Download the PCG pack (HTML)", made[1][1].encode("utf-8"),
                           file_name=f"{name}.html", mime="text/html", key="dl_pack_html",
                           on_click=widgets.log_export("PCG pack HTML", dataset))  # fmt: skip

    ids = list(view.hotspots[S.HOTSPOT_ID]) if len(view.hotspots) else []
    if ids:
        nested = nest_hotspots(view.hotspots)  # the table's order and numbers ("1.1")
        labels = {
            int(h): f"{lb}. {n}"
            for h, lb, n in zip(nested[S.HOTSPOT_ID], nested["label"], nested[S.NAME], strict=True)
        }
        pick = st.selectbox(
            "Hotspot details (or click one on the map)",
            list(labels),
            format_func=labels.get,
            key="spot_pick",
            on_change=lambda: st.session_state.update(_spot_zoom=True),
        )
        row = view.hotspots[view.hotspots[S.HOTSPOT_ID] == pick].iloc[0]
        detail = compute("hotspot_detail", dataset, filters, geometry=row.geometry.wkb)
        dp = hp.hotspot_detail_page(row, detail, k)
        st.markdown(dp.heading)  # data text is never markup
        st.markdown(dp.facts)
        if dp.caveat:
            st.caption(dp.caveat)  # it quotes location text: never markup
        if len(dp.by_category):
            st.altair_chart(
                bar_chart(
                    dp.by_category, "category", "records", "Records by category", "Category",
                    "Records",
                ),
                width="stretch",
            )  # fmt: skip
        st.altair_chart(trend_chart(dp.trend, "Monthly trend in this hotspot"), width="stretch")
        st.markdown("**Top locations**")
        st.dataframe(dp.top_locations, hide_index=True)
        if dp.outcomes is not None and len(dp.outcomes):
            st.markdown("**What happened next** (police.uk's last outcome of each record)")
            st.dataframe(dp.outcomes, hide_index=True)
    else:
        st.info("No hotspots for these filters: widen the months, categories or area.")
widgets.footer(records)
