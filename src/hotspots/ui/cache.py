"""Streamlit caching: the only module that wraps ``st.cache_*``.

Cached functions depend only on their arguments, and the store version (which
changes whenever a store's content changes) is part of every key, so an import
invalidates exactly what it should. Results are treated as read-only.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import streamlit as st

from hotspots.data.store import Store, open_dataset
from hotspots.present import views

if TYPE_CHECKING:
    import folium
    import pandas as pd

    from hotspots.comparison.hotspot_trend import HotspotChanges
    from hotspots.present.hotspot_page import HotspotPage
    from hotspots.present.search import SearchIndex
    from hotspots.present.seasonal_page import SeasonalPage
    from hotspots.present.streets import StreetLayer
    from hotspots.present.whats_new import WhatsNew
    from hotspots.ui.map_component import FoliumPayload

__all__ = [
    "DATASET_LABELS",
    "change_map",
    "compute",
    "filtered",
    "get_store",
    "hotspot_map_payload",
    "hotspot_page_model",
    "load_records",
    "partnership_tables",
    "patrol_page_model",
    "seasonal_page_model",
    "view_map",
    "ward_map_payload",
    "whats_new",
]

DATASET_LABELS = {
    "bundled": "Real data: police.uk, Dorset Police (bundled months + months added)",
    "simulated": "SIMULATED data: 2020–2023 with a known Seasonal Response",
    "uploaded": "Uploaded data (Data page)",
    "imported": "Imported data (hotspots ingest)",  # listed once it exists
}


@st.cache_resource(show_spinner="Preparing the dataset (first run only)…")
def _open(dataset: str) -> Store:
    return open_dataset(dataset)


def get_store(dataset: str) -> Store:
    """Open (and on first use build) a dataset's store, if the session's principal may read it.

    Every cached reader below goes through here, so a restricted dataset is refused
    (:class:`~hotspots.errors.AccessDeniedError`) for a signed-in person without the
    right, whichever page or export asks; in local mode (no sign-in) nothing changes.
    """
    from hotspots.data.access import check_read
    from hotspots.ui.auth import session_principal

    check_read(session_principal(), dataset)
    return _open(dataset)


@st.cache_resource(show_spinner="Loading records…", max_entries=4)
def _records(path: str, version: str) -> pd.DataFrame:
    return Store(path).records()


def load_records(dataset: str) -> tuple[pd.DataFrame, str]:
    """Return (records, version) for a dataset; cached on the store version."""
    store = get_store(dataset)
    version = store.version
    return _records(str(store.path), version), version


@st.cache_resource(max_entries=16, show_spinner=False)
def _filtered(path: str, version: str, filters: views.Filters) -> pd.DataFrame:
    return views.apply_filters(_records(path, version), filters)


def filtered(dataset: str, filters: views.Filters) -> pd.DataFrame:
    """Return the records of a dataset matching the filters (cached on version and filters)."""
    store = get_store(dataset)
    return _filtered(str(store.path), store.version, filters)


# Values read back from disk by the warm-up (hotspots.ui.first_page), by cache key (the
# function's name and its arguments but the store's path): a cached function below that
# misses takes its value from here instead of computing it.
_SEEDS: dict[tuple, Any] = {}


def _seeded(*key: object) -> Any:
    return _SEEDS.pop(key, None)


@st.cache_resource(max_entries=32, show_spinner="Computing…")
def _compute(name: str, path: str, version: str, filters: views.Filters, params: tuple) -> Any:
    seeded = _seeded("compute", name, version, filters, params)
    if seeded is not None:
        return seeded
    fn = getattr(views, name)
    recs = _records(path, version)
    return fn(recs, filters, **dict(params))


def compute(name: str, dataset: str, filters: views.Filters, **params: object) -> Any:
    """Run ``hotspots.present.views.<name>(records, filters, **params)``, cached."""
    store = get_store(dataset)
    return _compute(name, str(store.path), store.version, filters, tuple(sorted(params.items())))


@st.cache_resource(max_entries=4, show_spinner="Drawing the streets…")
def _streets(path: str, version: str) -> StreetLayer:
    seeded = _seeded("streets", version)
    if seeded is not None:
        return seeded
    from hotspots.present.streets import build_streets

    return build_streets(_records(path, version))


def street_layer(dataset: str) -> StreetLayer:
    """Return the dataset's street layer (police.uk location texts joined into streets), cached."""
    store = get_store(dataset)
    return _streets(str(store.path), store.version)


@st.cache_resource(max_entries=4, show_spinner=False)
def _search_index(path: str, version: str) -> SearchIndex:
    from hotspots.data.boundaries import load_boundaries
    from hotspots.present.search import build_index

    b = load_boundaries()
    return build_index(_streets(path, version), b.gazetteer, b.wards)


def find_places(dataset: str, query: str, limit: int = 6) -> list:
    """Streets, places and wards matching ``query`` (:func:`hotspots.present.search.search`)."""
    from hotspots.present.search import search

    store = get_store(dataset)
    return search(_search_index(str(store.path), store.version), query, limit=limit)


def _hotspot_map(*args: Any) -> folium.Map:
    """Return a copy of the cached map (see :func:`_hotspot_map_built`) that the caller may change.

    ``st_folium`` renames a map's elements in place as it renders, so the cached map is
    never handed out: a deep copy takes about 10 ms against 130-250 ms to build the map
    (measured on the bundled data), and draws the same map.
    """
    return copy.deepcopy(_hotspot_map_built(*args))


@st.cache_resource(max_entries=16, show_spinner=False)
def _hotspot_map_built(
    path: str,
    version: str,
    filters: views.Filters,
    params: tuple,
    layers: tuple,
    tiles: str,
    suppress_below: int | None,
    height: int,
    selected: int | None = None,
    zoom_to_selected: bool = False,
    zoom_to: tuple[float, float, float, float] | None = None,
) -> folium.Map:
    seeded = _seeded(
        "hotspot_map_built", version, filters, params, layers, tiles, suppress_below, height,
        selected, zoom_to_selected, zoom_to,
    )  # fmt: skip
    if seeded is not None:
        return seeded
    from hotspots.present.draw import add_draw_control
    from hotspots.present.maps import build_map

    view = _compute("hotspot_view", path, version, filters, params)
    m = build_map(
        points=view.locations if "points" in layers and len(view.locations) else None,
        density=view.kde if "density" in layers and view.kde is not None else None,
        hotspots=view.hotspots if "hotspots" in layers else None,
        gistar=view.gistar.grid if "gistar" in layers and view.gistar is not None else None,
        area=view.area,
        tiles=tiles,
        height=height,
        suppress_below=suppress_below,
        simulated=bool(_records(path, version)["simulated"].any()),
        selected=selected,
        zoom_to_selected=zoom_to_selected,
        streets=_streets(path, version),
        zoom_to=zoom_to,
    )
    return add_draw_control(m)


def hotspot_map(
    dataset: str,
    filters: views.Filters,
    *,
    tiles: str = "auto",
    suppress_below: int | None = None,
    height: int = 620,
    selected: int | None = None,
    zoom_to_selected: bool = False,
    zoom_to: tuple[float, float, float, float] | None = None,
    **params: Any,
) -> folium.Map:
    """Return the hotspot page's folium map for ``views.hotspot_view(**params)``.

    The view and the map are cached; each run gets a deep copy of the map (10 ms, where
    building it took 0.1-0.25 s), because ``st_folium`` renames a map's elements in place
    and a map drawn once then fails to draw on the next run.
    """
    store = get_store(dataset)
    return _hotspot_map(
        str(store.path),
        store.version,
        filters,
        tuple(sorted(params.items())),
        tuple(params.get("layers", ())),
        tiles,
        suppress_below,
        height,
        None if selected is None else int(selected),
        bool(zoom_to_selected),
        zoom_to,
    )


@st.cache_resource(max_entries=32, show_spinner=False)
def _hotspot_map_payload(
    path: str,
    version: str,
    filters: views.Filters,
    params: tuple,
    layers: tuple,
    tiles: str,
    suppress_below: int | None,
    height: int,
    selected: int | None,
    zoom_to_selected: bool,
    zoom_to: tuple[float, float, float, float] | None,
    key: str,
    returned_objects: tuple[str, ...],
) -> FoliumPayload:
    from hotspots.ui.map_component import folium_payload

    fmap = _hotspot_map(
        path, version, filters, params, layers, tiles, suppress_below, height, selected,
        zoom_to_selected, zoom_to,
    )  # fmt: skip
    return folium_payload(
        fmap,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=list(returned_objects),
    )


def _hotspot_payload_args(
    path: str,
    version: str,
    filters: views.Filters,
    *,
    key: str,
    returned_objects: tuple[str, ...] = (),
    tiles: str = "auto",
    suppress_below: int | None = None,
    height: int = 620,
    selected: int | None = None,
    zoom_to_selected: bool = False,
    zoom_to: tuple[float, float, float, float] | None = None,
    **params: Any,
) -> tuple:
    """The arguments of :func:`_hotspot_map_payload` (its cache key) for a page's choices.

    One place for the page (:func:`hotspot_map_payload`) and the warm-up
    (:func:`hotspots.ui.warm_pages.warm_hotspot_map`): Streamlit keys a cached call on
    the arguments as passed, so the same map asked for another way is built again.
    """
    return (
        path, version, filters, tuple(sorted(params.items())), tuple(params.get("layers", ())),
        tiles, suppress_below, height, None if selected is None else int(selected),
        bool(zoom_to_selected), zoom_to, key, tuple(returned_objects),
    )  # fmt: skip


def hotspot_map_payload(dataset: str, filters: views.Filters, **choices: Any) -> FoliumPayload:
    """Return the Hotspot map as ``st_folium`` sends it to the browser, once per view for everyone.

    ``choices``: the component ``key``, ``returned_objects``, ``tiles``, ``suppress_below``,
    ``height`` (px), ``selected``, ``zoom_to_selected``, ``zoom_to`` and the
    ``hotspot_view`` parameters. The map of :func:`hotspot_map`, prepared by
    :func:`hotspots.ui.map_component.folium_payload` (full width); draw it with
    :func:`hotspots.ui.map_component.draw`. Building and rendering it took 0.7-1.6 s of
    every rerun of every session on a loaded machine (issue 23).
    """
    store = get_store(dataset)
    return _hotspot_map_payload(
        *_hotspot_payload_args(str(store.path), store.version, filters, **choices),
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def _ward_map_payload(
    path: str,
    version: str,
    filters: views.Filters,
    ward: str,
    suppress_below: int | None,
    height: int,
    key: str,
) -> FoliumPayload:
    from hotspots.ui.map_component import folium_payload

    # the map of view_map("ward_view"), built once (and warmed); st_folium renders a copy
    fmap = copy.deepcopy(
        _view_map(path, version, "ward_view", filters, (("ward", ward),), suppress_below),
    )
    return folium_payload(
        fmap, key=key, height=height, use_container_width=True, returned_objects=[],
    )  # fmt: skip


def ward_map_payload(
    dataset: str,
    filters: views.Filters,
    ward: str,
    suppress_below: int | None,
    *,
    height: int = 460,
) -> FoliumPayload:
    """Return the Ward view's map (its DBSCAN hotspots, the ward, the streets), once per view.

    Drawn with :func:`hotspots.ui.map_component.draw`; its component key is
    ``ward-map-<ward code>``. The ward's numbers are ``compute("ward_view", ...)``'s.
    """
    store = get_store(dataset)
    return _ward_map_payload(
        str(store.path), store.version, filters, ward, suppress_below, height, f"ward-map-{ward}",
    )  # fmt: skip


@st.cache_resource(max_entries=16, show_spinner=False)
def _hotspot_page(
    path: str,
    version: str,
    dataset: str,
    filters: views.Filters,
    params: tuple,
    compare: str,
    suppress_below: int | None,
) -> HotspotPage:
    seeded = _seeded("hotspot_page", version, dataset, filters, params, compare, suppress_below)
    if seeded is not None:
        return seeded
    from hotspots.present.hotspot_page import hotspot_page

    view = _compute("hotspot_view", path, version, filters, params)
    changes = (
        None if compare == "none" else _hotspot_changes(path, version, filters, params, compare)
    )
    return hotspot_page(view, filters, dataset=dataset, changes=changes, k=suppress_below)


def hotspot_page_model(
    dataset: str,
    filters: views.Filters,
    compare: str,
    suppress_below: int | None,
    **params: object,
) -> HotspotPage:
    """:func:`hotspots.present.hotspot_page.hotspot_page` of the page's view, cached.

    ``compare``: the comparison whose per-hotspot changes the page shows ("none": no
    changes). The view-model (ranked table, download files, picker) took 1.3-3 s to
    build on every rerun of the Hotspot map on a loaded machine; now once per view,
    comparison and disclosure threshold.
    """
    store = get_store(dataset)
    return _hotspot_page(
        str(store.path), store.version, dataset, filters, tuple(sorted(params.items())),
        compare, suppress_below,
    )  # fmt: skip


@st.cache_resource(max_entries=8, show_spinner="Counting coverage…")
def _coverage(path: str, version: str) -> pd.DataFrame:
    seeded = _seeded("coverage", version)
    if seeded is not None:
        return seeded
    from hotspots.data.coverage import collapse_missing, coverage_table

    return collapse_missing(coverage_table(_records(path, version)))


def coverage(dataset: str) -> pd.DataFrame:
    """Return the dataset's coverage table (months by category, gaps collapsed), once per version.

    About 2 s on 1M records: too slow to redo on every rerun of a page.
    """
    store = get_store(dataset)
    return _coverage(str(store.path), store.version)


@st.cache_resource(max_entries=16, show_spinner="Writing the report…")
def _ward_report_files(
    path: str,
    version: str,
    filters: views.Filters,
    ward: str,
    suppress_below: int | None,
) -> tuple[str, bytes]:
    from hotspots.present.reports import ward_report_html, ward_report_pdf

    wv = _compute("ward_view", path, version, filters, (("ward", ward),))
    return (
        ward_report_html(wv.report, suppress_below=suppress_below),
        ward_report_pdf(wv.report, suppress_below=suppress_below),
    )


def ward_report_files(
    dataset: str,
    filters: views.Filters,
    ward: str,
    suppress_below: int | None,
) -> tuple[str, bytes]:
    """(HTML, PDF) of a ward's one-page report, rendered once per dataset version and filters."""
    store = get_store(dataset)
    return _ward_report_files(str(store.path), store.version, filters, ward, suppress_below)


@st.cache_resource(max_entries=16, show_spinner=False)
def _patrol_downloads(
    path: str,
    version: str,
    dataset: str,
    filters: views.Filters,
    params: tuple,
    suppress_below: int | None,
) -> tuple[Any, dict, str]:
    from hotspots.present import exports
    from hotspots.present.patrol_page import patrol_page
    from hotspots.present.patrol_sheet import patrol_sheet_html

    pv = _compute("patrol_view", path, version, filters, params)
    page = patrol_page(
        pv, filters.start, filters.end, categories=filters.categories, hours=filters.hours,
        days=filters.days, suppress_below=suppress_below,
    )  # fmt: skip
    if page.empty:
        return page, {}, ""
    files = exports.export_files(
        pv.places, ("geojson", "kml", "gpx", "csv", "csv-json"), stem="patrol-places",
        parameters={**pv.parameters, "dataset": dataset}, suppress_below=suppress_below,
        title="Patrol places",
    )  # fmt: skip
    sheet = patrol_sheet_html(
        pv.places, start=filters.start, end=filters.end, categories=page.sheet_categories,
        area=pv.area, suppress_below=suppress_below,
        simulated=bool(_records(path, version)["simulated"].any()), streets=_streets(path, version),
    )  # fmt: skip
    return page, files, sheet


def patrol_page_model(
    dataset: str,
    filters: views.Filters,
    suppress_below: int | None,
    **params: object,
) -> tuple[Any, dict, str]:
    """(view-model, download files, patrol sheet HTML) of Patrol planning, cached.

    ``params``: ``views.patrol_view``'s (``top_n``, ``cell_size_m``, ``judge_next``). The
    page built the five download files and the patrol sheet (its map drawn) on every
    rerun; now once per view and disclosure threshold.
    """
    store = get_store(dataset)
    return _patrol_downloads(
        str(store.path), store.version, dataset, filters, tuple(sorted(params.items())),
        suppress_below,
    )  # fmt: skip


@st.cache_resource(max_entries=16, show_spinner=False)
def _view_map(path: str, version: str, name: str, filters: views.Filters, params: tuple,
              suppress_below: int | None) -> folium.Map:  # fmt: skip
    seeded = _seeded("view_map", version, name, filters, params, suppress_below)
    if seeded is not None:
        return seeded
    from hotspots.present.maps import build_map

    view = _compute(name, path, version, filters, params)
    simulated = bool(_records(path, version)["simulated"].any())
    if name == "ward_view":
        return build_map(
            points=None, hotspots=view.hotspots if len(view.hotspots) else None, area=view.area,
            height=460, suppress_below=suppress_below, simulated=simulated,
            streets=_streets(path, version),
        )  # fmt: skip
    return build_map(  # patrol_view: the places, numbered, fitted to them
        hotspots=view.places, area=view.area, height=560, max_labels=50, fit_to_hotspots=True,
        suppress_below=suppress_below, simulated=simulated, streets=_streets(path, version),
    )  # fmt: skip


def view_map(name: str, dataset: str, filters: views.Filters, suppress_below: int | None,
             **params: object) -> folium.Map:  # fmt: skip
    """Return the map of Ward view (``name="ward_view"``) or Patrol planning (``"patrol_view"``).

    Built once per view and disclosure threshold and handed out as a deep copy, as
    :func:`hotspot_map` does (``st_folium`` changes the map it draws).
    """
    store = get_store(dataset)
    return copy.deepcopy(
        _view_map(str(store.path), store.version, name, filters, tuple(sorted(params.items())),
                  suppress_below),
    )  # fmt: skip


@st.cache_resource(max_entries=8, show_spinner=False)
def _change_map(path: str, version: str, filters: views.Filters, params: tuple,
                suppress_below: int | None) -> folium.Map | None:  # fmt: skip
    from hotspots.data.areas import resolve_area
    from hotspots.present.change_map import change_map

    change = _seasonal_page(path, version, filters, params, suppress_below).change
    if change is None or not change.show_map:
        return None
    return change_map(
        change.hotspots, area=resolve_area(dict(params)["target"]),
        streets=_streets(path, version), simulated=bool(_records(path, version)["simulated"].any()),
        suppress_below=suppress_below,
    )  # fmt: skip


def change_map(
    dataset: str,
    filters: views.Filters,
    suppress_below: int | None,
    **params: object,
) -> folium.Map | None:
    """Seasonal comparison's change map for ``views.seasonal_view(**params)`` (a deep copy).

    Built once per view and disclosure threshold (``st_folium`` changes the map it
    draws, so each run gets a copy, as :func:`hotspot_map` does). None when the page
    shows no change map.
    """
    store = get_store(dataset)
    return copy.deepcopy(
        _change_map(str(store.path), store.version, filters, tuple(sorted(params.items())),
                    suppress_below),
    )  # fmt: skip


@st.cache_resource(max_entries=16, show_spinner=False)
def _seasonal_page(path: str, version: str, filters: views.Filters, params: tuple,
                   suppress_below: int | None) -> SeasonalPage:  # fmt: skip
    from hotspots.present.seasonal_page import seasonal_page

    sv = _compute("seasonal_view", path, version, filters, params)
    return seasonal_page(sv, suppress_below=suppress_below)


def seasonal_page_model(dataset: str, filters: views.Filters, suppress_below: int | None,
                        **params: object) -> SeasonalPage:  # fmt: skip
    """:func:`hotspots.present.seasonal_page.seasonal_page` of ``seasonal_view(**params)``.

    Cached once per view and disclosure threshold.
    """
    store = get_store(dataset)
    return _seasonal_page(str(store.path), store.version, filters, tuple(sorted(params.items())),
                          suppress_below)  # fmt: skip


@st.cache_resource(max_entries=8, show_spinner=False)
def _partnership_tables(path: str, version: str, suppress_below: int | None) -> tuple:
    from hotspots.present.seasonal_page import partnership_tables as build

    return build(_records(path, version), suppress_below)


def partnership_tables(dataset: str, suppress_below: int | None) -> tuple:
    """Seasonal comparison's partnership tables of the whole dataset, once per version."""
    store = get_store(dataset)
    return _partnership_tables(str(store.path), store.version, suppress_below)


# --- per-hotspot change and the PCG pack (Hotspot map page) ------------------------------
def _detect_params(params: dict) -> dict:
    """Return the ``detect`` settings of the method among the page's ``hotspot_view`` parameters."""
    m = params.get("method", "dbscan")
    keys = {
        "dbscan": ("eps_m", "min_points"),
        "kde": ("kernel", "cell_size_m", "bandwidth_m", "top_share"),
        "gistar": ("gi_cell_size_m", "gistar_scope"),
    }.get(m, ())
    out = {k: params[k] for k in keys if params.get(k) is not None}
    if "gi_cell_size_m" in out:
        out["cell_size_m"] = out.pop("gi_cell_size_m")
    if "gistar_scope" in out:
        out["scope"] = out.pop("gistar_scope")
    return out


@st.cache_resource(max_entries=16, show_spinner="Comparing each hotspot with the other period…")
def _hotspot_changes(
    path: str,
    version: str,
    filters: views.Filters,
    params: tuple,
    compare: str,
) -> HotspotChanges:
    from hotspots.comparison.hotspot_trend import comparison_window, hotspot_changes

    view = _compute("hotspot_view", path, version, filters, params)
    return hotspot_changes(
        _records(path, version), view.result, filters.window,
        comparison_window(filters.window, compare), categories=filters.categories,
        params=_detect_params(dict(params)),
    )  # fmt: skip


def hotspot_changes(
    dataset: str,
    filters: views.Filters,
    compare: str,
    **params: object,
) -> HotspotChanges:
    """:func:`hotspots.comparison.hotspot_trend.hotspot_changes` of the page's view, cached."""
    store = get_store(dataset)
    return _hotspot_changes(
        str(store.path),
        store.version,
        filters,
        tuple(sorted(params.items())),
        compare,
    )


@st.cache_resource(max_entries=4, show_spinner="Writing the PCG pack…")
def _pcg_pack(
    path: str,
    version: str,
    dataset: str,
    filters: views.Filters,
    params: tuple,
    compare: str,
    suppress_below: int | None,
) -> tuple[bytes, str]:
    from hotspots.data.select import month_range
    from hotspots.present.pack import build_pack
    from hotspots.present.pack_html import pack_html
    from hotspots.present.pack_pdf import pack_pdf

    p = dict(params)
    pack = build_pack(
        _records(path, version), filters.end, len(month_range(filters.start, filters.end)),
        compare, method=p.get("method", "dbscan"), categories=filters.categories,
        area=filters.area, params=_detect_params(p), dataset=dataset, version=version,
        suppress_below=suppress_below,
    )  # fmt: skip
    return pack_pdf(pack), pack_html(pack)


def pcg_pack(
    dataset: str,
    filters: views.Filters,
    compare: str,
    *,
    suppress_below: int | None = 5,
    **params: object,
) -> tuple[bytes, str]:
    """(PDF bytes, HTML text) of the PCG pack for the page's choices, cached.

    ``suppress_below``: the session's disclosure threshold (``widgets.suppress_below``).
    """
    store = get_store(dataset)
    return _pcg_pack(
        str(store.path), store.version, dataset, filters, tuple(sorted(params.items())),
        compare, suppress_below,
    )  # fmt: skip


@st.cache_resource(max_entries=8, show_spinner="Checking the months…")
def _whats_new(path: str, version: str) -> WhatsNew:
    seeded = _seeded("whats_new", version)
    if seeded is not None:
        return seeded
    from hotspots.data.fetch import last_updated
    from hotspots.present.whats_new import whats_new as build

    store = Store(path)
    months = store.months()
    newest = [
        e.get("imported_at")
        for e in store.files().values()
        if months and months[-1] in e.get("months", [])
    ]
    return build(
        _records(path, version), months, last_updated=last_updated(store),
        imported_at=max([n for n in newest if n], default=None),
    )  # fmt: skip


def whats_new(dataset: str) -> WhatsNew:
    """Return the Overview's "what is new" (``present.whats_new.whats_new``), cached."""
    store = get_store(dataset)
    return _whats_new(str(store.path), store.version)


# --- warm-up: the first page's work done once per server process, before anyone asks -----
# Streamlit's caches above are per process and shared by every session, so work done here in
# a background thread (hotspots.ui.warm: started at server start by ``python -m
# hotspots.ui.serve``, or by the first session's app.py) is not redone by any session: a
# session that asks for a value being computed waits on the cache's own per-key lock.

#: The Hotspot map's parameters before anyone touches its sidebar (``compute`` keys).
HOTSPOT_DEFAULTS = {"layers": ("density", "hotspots")}
#: What the Hotspot map's ``st_folium`` component sends back (part of its payload's key).
HOTSPOT_MAP_RETURNS = ("last_active_drawing",)


def _default_filters(records: pd.DataFrame) -> views.Filters:
    """Return the filters every page starts with (``widgets.filter_sidebar`` before any change)."""
    from hotspots.comparison.windows import default_window

    dw = default_window(sorted(records["month"].unique()))
    return views.Filters(dw.start, dw.end)
