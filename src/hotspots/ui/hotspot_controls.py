"""The Hotspot map page's widgets.

Method and layer settings, the place search, the map's clicks, the ranked table, the downloads and
the PCG pack buttons.

The labels, the permalink values and every number shown come from the page's view-model
(:mod:`hotspots.present.hotspot_page`); these functions only read widgets and render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

from hotspots.data import schema as S
from hotspots.data.areas import polygon_spec
from hotspots.methods.result import METHOD_LABELS
from hotspots.present import hotspot_page as hp
from hotspots.present.draw import drawn_polygon
from hotspots.present.drilldown import lonlat_to_metres, records_at
from hotspots.present.escape import markdown as md_text
from hotspots.present.maps import clicked_hotspot_id, clicked_point
from hotspots.ui import state, widgets
from hotspots.ui.cache import filtered, find_places, pcg_pack

if TYPE_CHECKING:
    from hotspots.present.exports import ExportFile
    from hotspots.present.views import Filters

__all__ = [
    "HotspotControls",
    "download_buttons",
    "drawn_area_button",
    "follow_map_click",
    "hotspot_controls",
    "map_point_records",
    "pack_buttons",
    "place_search",
    "ranked_table",
]

DOWNLOAD_KEYS = {
    "csv": "dl_csv", "geojson": "dl_geojson", "kml": "dl_kml", "gpx": "dl_gpx",
    "csv-json": "dl_csv_meta",
}  # fmt: skip


@dataclass(frozen=True)
class HotspotControls:
    """The sidebar's choices.

    The method, the map layers, the comparison and the ``hotspot_view`` parameters (``method`` and
    ``layers`` included).
    """

    method: str
    layers: tuple[str, ...]
    compare: str
    params: dict[str, Any]


def hotspot_controls(filters: Filters) -> HotspotControls:
    """Draw the method, layer, comparison and parameter widgets in the sidebar, kept in the URL."""
    sb = st.sidebar
    sb.divider()
    methods = hp.METHODS
    state.init("method", "dbscan", lambda v: v if v in methods else "dbscan")
    method = sb.radio(
        "Hotspot method", list(methods), format_func=methods.get, key="method",
        help="\n\n".join(f"**{methods[m]}**: {METHOD_LABELS[m]}." for m in methods),
    )  # fmt: skip
    sb.caption(METHOD_LABELS[method] + ".")
    state.init("layers", ",".join(hp.DEFAULT_LAYERS), str)
    st.session_state.setdefault(
        "layers_pick",
        [x for x in st.session_state["layers"].split(",") if x in hp.LAYERS]
        or list(hp.DEFAULT_LAYERS),
    )
    layers = tuple(
        sb.multiselect(
            "Map layers",
            list(hp.LAYERS),
            format_func=lambda v: hp.LAYERS[v],
            key="layers_pick",
        ),
    )
    st.session_state["layers"] = ",".join(layers)
    state.init("compare", "none", lambda v: v if v in hp.COMPARE else "none")
    compare = sb.radio(
        "Compare with", list(hp.COMPARE), format_func=hp.COMPARE.get, key="compare",
        help="Each hotspot's records now against the comparison period: change with its 95% "
        "interval, and new / persistent / growing / shrinking / gone.",
    )  # fmt: skip
    state.init("manual", False, lambda v: v == "1")
    manual = sb.toggle(
        "Set method parameters by hand", key="manual",
        help="Off: the automatic values (shown under the map) are used.",
    )  # fmt: skip
    params: dict[str, Any] = {"method": method}
    if manual:
        params.update(_manual_params(method, layers))
    if (method == "gistar" or "gistar" in layers) and filters.area != "bcp":
        state.init("giscope", "bcp", lambda v: v if v in hp.GI_SCOPES else "bcp")
        params["gistar_scope"] = sb.radio(
            "Gi* in an area", list(hp.GI_SCOPES), format_func=hp.GI_SCOPES.get, key="giscope",
            help="BCP's hotspots: Gi* tested over all of BCP, clipped to the area. Unusual for "
            "this area alone: Gi* tested inside the area only.",
        )  # fmt: skip
    params["layers"] = layers
    widgets.permalink(
        hp.permalink_params(
            method, layers, manual, compare, params.get("gistar_scope"),
            {k: st.session_state.get(k) for k in hp.MANUAL_KEYS},
        ),
    )  # fmt: skip
    return HotspotControls(method, layers, compare, params)


def _manual_params(method: str, layers: tuple[str, ...]) -> dict[str, Any]:
    sb = st.sidebar
    out: dict[str, Any] = {}
    if method == "dbscan":
        state.init("eps", 150, state.clamped(25, 1000, 25))
        out["eps_m"] = float(
            sb.slider("Neighbourhood radius eps (m)", 25, 1000, step=25, key="eps"),
        )
        state.init("minpts", 30, state.clamped(2, 100000))
        out["min_points"] = int(
            sb.number_input("Minimum records per core location", 2, 100000, key="minpts"),
        )
    if method == "kde" or "density" in layers:
        state.init("kernel", "quartic", lambda v: v if v in ("quartic", "gaussian") else "quartic")
        out["kernel"] = sb.radio("Kernel", ["quartic", "gaussian"], key="kernel", horizontal=True)
        state.init("cell", 50, state.clamped(10, 250, 10))
        out["cell_size_m"] = float(sb.slider("KDE cell size (m)", 10, 250, step=10, key="cell"))
        state.init("bw", 300, state.clamped(50, 2000, 50))
        out["bandwidth_m"] = float(sb.slider("KDE bandwidth (m)", 50, 2000, step=50, key="bw"))
        state.init("top", 2.0, state.clamped(0.5, 10.0, 0.5, float))
        out["top_share"] = (
            sb.slider("Hotspot = densest share of the area (%)", 0.5, 10.0, step=0.5, key="top")
            / 100
        )
    if method == "gistar" or "gistar" in layers:
        state.init("gicell", 100, state.clamped(50, 500, 25))
        out["gi_cell_size_m"] = float(
            sb.slider("Gi* cell size (m)", 50, 500, step=25, key="gicell"),
        )
    return out


def place_search(dataset: str) -> Any:
    """Draw the street / place / ward search box; return the bounds to zoom to (or None)."""
    query = st.text_input(
        "Find a street, place or ward",
        key="find",
        placeholder="e.g. Old Christchurch Road, Lansdowne, Poole Town",
        help=(
            'Spelling and abbreviations are forgiven ("old christchurch rd"). The map zooms there.'
        ),
    )
    if not query.strip():
        return None
    hits = find_places(dataset, query)
    if not hits:
        st.info("No street, place or ward matches that name.")
        return None
    found = st.selectbox("Matches", hits, format_func=lambda h: h.label, key="find_pick")
    return found.bounds if found is not None else None


def follow_map_click(map_key: str, hotspot_ids: set[int]) -> None:
    """Choose and zoom to a hotspot clicked (as reported on the previous run).

    st_folium repeats the last click on every rerun, so a click is acted on once.
    """
    hid = clicked_hotspot_id(st.session_state.get(map_key))
    if hid in hotspot_ids and hid != st.session_state.get("_spot_clicked"):
        st.session_state["spot_pick"] = hid
        st.session_state["_spot_zoom"] = True
    st.session_state["_spot_clicked"] = hid


def map_point_records(out: Any, dataset: str, filters: Filters, k: int | None) -> None:
    """Show what happened at a clicked location circle (as police.uk shows it)."""
    point = clicked_point(out)
    if point is None:
        return
    at = records_at(filtered(dataset, filters), *lonlat_to_metres(*point), suppress_below=k)
    if not at.count:
        return
    st.markdown(f"**Records at this map point: {md_text(at.location)}** ({at.shown})")
    if at.suppressed:
        st.caption("Fewer than 5 records: they are not listed.")
    else:
        st.dataframe(at.table, hide_index=True, height=min(36 * (len(at.table) + 1), 300))


def _use_area(spec: str) -> None:
    st.session_state["area"] = spec
    st.session_state["area_pick"] = spec


def drawn_area_button(out: Any) -> None:
    """Offer to make a polygon drawn on the map the area."""
    ring = drawn_polygon(out)
    if ring:
        st.button(
            "Use the drawn polygon as the area", key="use_drawn", on_click=_use_area,
            args=(polygon_spec(ring),), type="primary",
        )  # fmt: skip
    else:
        st.caption(
            "Draw a polygon or rectangle (tools at the top left of the map) to make it the area.",
        )


def ranked_table(rt: hp.RankedTable) -> None:
    """Draw the ranked table (scrolling in its box, key columns first), notes, gone hotspots."""
    config = {
        c: st.column_config.Column(width=w)  # type: ignore[arg-type]
        for c, w in rt.widths.items()
    }
    st.dataframe(rt.table, hide_index=True, height=360, column_config=config)
    if rt.more:
        st.caption(rt.more)
    if rt.change_note:
        st.caption(rt.change_note)
    if rt.gone_title is not None and rt.gone is not None:
        with st.expander(rt.gone_title):
            st.dataframe(rt.gone, hide_index=True)


def download_buttons(files: dict[str, ExportFile], dataset: str) -> None:
    """One download button per file (CSV, GeoJSON, KML, GPX, the CSV's settings)."""
    for col, (fmt, f) in zip(st.columns(len(files)), files.items(), strict=True):
        col.download_button(
            f.label if fmt == "csv-json" else f"Download {f.label}",
            f.text,
            file_name=f.name,
            mime=f.mime,
            key=DOWNLOAD_KEYS[fmt],
            on_click=widgets.log_export(f"hotspots {f.label}", dataset),
            help="The method, its parameters, the months and the data source of the CSV."
            if fmt == "csv-json"
            else None,
        )


def pack_buttons(
    dataset: str,
    version: str,
    filters: Filters,
    c: HotspotControls,
    k: int | None,
) -> None:
    """Make the PCG pack on request, then offer it as PDF and HTML while the choices stay."""
    pack_cmp = c.compare if c.compare != "none" else "previous"
    key = (dataset, version, filters, c.compare, tuple(sorted(c.params.items())))
    if st.button(
        "Make the PCG pack (PDF and HTML)", key="make_pack",
        help="The monthly pack for the Partnership Coordinating Group: numbered map, ranked "
        f"table with change against {hp.COMPARE[pack_cmp].lower()}, focus areas "
        "(geodata/focus_areas.toml).",
    ):  # fmt: skip
        try:
            st.session_state["_pack"] = (
                key, pcg_pack(dataset, filters, pack_cmp, suppress_below=k, **c.params),
            )  # fmt: skip
        except Exception as exc:
            widgets.show_error(exc)
    made = st.session_state.get("_pack")
    if not made or made[0] != key:
        return
    p1, p2 = st.columns(2)
    name = f"pcg-pack-{filters.start}-{filters.end}"
    p1.download_button(
        "Download the PCG pack (PDF)", made[1][0], file_name=f"{name}.pdf",
        mime="application/pdf", key="dl_pack_pdf",
        on_click=widgets.log_export("PCG pack PDF", dataset),
    )  # fmt: skip
    p2.download_button(
        "Download the PCG pack (HTML)", made[1][1].encode("utf-8"), file_name=f"{name}.html",
        mime="text/html", key="dl_pack_html", on_click=widgets.log_export("PCG pack HTML", dataset),
    )  # fmt: skip


def hotspot_ids(hotspots: Any) -> set[int]:
    """Return the ids of the drawn hotspots (for :func:`follow_map_click`)."""
    return {int(h) for h in hotspots[S.HOTSPOT_ID]} if len(hotspots) else set()
