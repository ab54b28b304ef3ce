"""Ward view: what is happening in my ward? A page a councillor can bookmark and share."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from hotspots.data import schema as S
from hotspots.data.areas import link_area_spec
from hotspots.data.boundaries import load_boundaries
from hotspots.present.charts import bar_chart, trend_chart
from hotspots.present.disclosure import WITHHELD_READING, withheld
from hotspots.present.escape import markdown as md_text
from hotspots.present.maps import build_map
from hotspots.present.page_parts import chart_values
from hotspots.present.tables import format_count, format_period, hotspot_table, is_suppressed
from hotspots.present.views import ward_paragraph
from hotspots.ui import state, widgets
from hotspots.ui.cache import compute, street_layer, ward_report_files

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


def _outcomes(table, k):
    """The outcome mix with small counts hidden when asked (shares of hidden counts too)."""
    hide = [is_suppressed(v, k) for v in table["records"]]
    return table.assign(
        records=[format_count(v, k) for v in table["records"]],
        **{"share (%)": [None if h else v for h, v in zip(hide, table["share (%)"], strict=True)]},
    )


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
    st.warning(
        md_text(f"No ward called “{bad[:80]}” in BCP.")
        + (f" Did you mean **{md_text(' or '.join(near))}**?" if near else "")
        + " Choose one below or in the sidebar."
    )
    for col, name in zip(st.columns(max(len(near), 1)), near, strict=False):
        col.button(f"Show {name}", on_click=_choose_ward, args=(codes[name],), key=f"near_{name}")
    widgets.footer(records)
    st.stop()
state.init("suppress", True, lambda v: v != "0")
forced = widgets.disclosure_forced()  # a signed-in viewer cannot turn it off
if forced:
    st.session_state["suppress"] = True
suppress = st.sidebar.toggle(
    "Hide counts under 5 (public / councillor setting)", key="suppress", disabled=forced
)
k = widgets.suppress_below(exact_counts=not suppress)  # the one disclosure rule
widgets.permalink({"ward": ward, "suppress": suppress})

try:
    wv = compute("ward_view", dataset, filters, ward=ward)
except Exception as exc:
    widgets.show_error(exc)
    st.stop()

st.header(f"{wv.ward_name}: {format_period(filters.start, filters.end)}")
st.markdown(md_text(ward_paragraph(wv, filters.start, filters.end, k)))
st.caption("Bookmark this page: the link keeps the ward, months and categories.")
c = st.columns(4)
n_asb = (
    int(wv.categories.loc[wv.categories["category"] == S.ASB, "records"].sum())
    if len(wv.categories)
    else 0
)
c[0].metric("Records", format_count(wv.n_records, k))
c[1].metric("Anti-social behaviour", format_count(n_asb, k))
c[2].metric("Crime", format_count(wv.n_records - n_asb, k))
c[3].metric(
    "Share of all BCP records",
    "withheld"
    if is_suppressed(wv.n_records, k)
    else f"{100 * wv.share_of_bcp:.1f}%"
    if wv.n_bcp
    else "n/a",
    help=f"The ward covers {100 * wv.area.area_km2 / load_boundaries().outline_area_km2:.1f}% of BCP's area.",
)
if wv.previous is not None:
    small = withheld((wv.previous.count_a, wv.previous.count_b), k)
    reading = WITHHELD_READING.format(k=k) if small else wv.previous.reading
    st.markdown(f"**Against a year earlier:** {reading}")
else:
    st.info(wv.comparison_note)

left, right = st.columns([3, 2])
with left:
    m = build_map(
        points=None,
        hotspots=wv.hotspots if len(wv.hotspots) else None,
        area=wv.area,
        height=460,
        suppress_below=k,
        simulated=bool(records[S.SIMULATED].any()),
        streets=street_layer(dataset),
    )
    st_folium(m, height=460, use_container_width=True, returned_objects=[], key=f"ward-map-{ward}")
    st.markdown("**Hotspots in the ward** (DBSCAN; the table is the text alternative to the map)")
    st.dataframe(
        hotspot_table(wv.hotspots, suppress_below=k) if len(wv.hotspots) else [], hide_index=True
    )
with right:
    st.altair_chart(
        trend_chart(
            chart_values(wv.trend, ("Anti-social behaviour", "Crime"), k),
            f"Records per month in {wv.ward_name}",
        ),
        width="stretch",
    )
    if len(wv.categories):
        cats = wv.categories.assign(shown=[format_count(v, k) for v in wv.categories["records"]])
        st.altair_chart(
            bar_chart(
                wv.categories[[not is_suppressed(v, k) for v in wv.categories["records"]]],
                "category",
                "records",
                "Records by category",
                "Category",
                "Records",
            ),
            width="stretch",
        )
        st.dataframe(
            cats[["category", "shown"]].rename(columns={"shown": "records"}), hide_index=True
        )
    if wv.outcomes is not None and len(wv.outcomes):
        st.markdown("**What happened next** (police.uk's last outcome of each record)")
        st.dataframe(_outcomes(wv.outcomes, k), hide_index=True)
    st.markdown("**Top locations**")
    top = wv.locations.head(10)
    if len(top):
        st.dataframe(
            top.assign(records=[format_count(v, k) for v in top[S.COUNT]])[[S.LOCATION, "records"]],
            hide_index=True,
        )

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
