"""The warm-up's second half: the default views of the pages after the Overview.

:func:`warm_up` fills the Overview's values first (the first page),
then the Hotspot map's (:func:`warm_hotspot_map`); :func:`warm_pages`, run next by
:mod:`hotspots.ui.warm`, computes, into the same shared caches and with the same keys the
pages use on their first run with no link parameters:

- the Hotspot map: each method's map as ``st_folium`` sends it, for the page's first run
  (nothing selected) and for a method switch (the picker's hotspot of the method before
  is kept selected), so every switch finds its map ready;
- Seasonal comparison: the default evaluation (``seasonal_view``) of the intervention
  register's default windows, town centre, 400 m ring, the rest of BCP as control;
- Ward view: the default ward's view, map and one-page report (HTML and PDF);
- Patrol planning: the top 10 cells of 150 m, their map and downloads (files and the
  patrol sheet).

Each default here mirrors the page's own widget default (``state.init`` in
``app_pages/*`` and ``hotspots.ui.seasonal_controls``); ``tests/ui/test_warm_up.py``
opens every page after a warm-up and fails if one computes its view or map again.

Between two steps (one cached call each) the warm-up calls ``pause()``: at server start
:func:`hotspots.ui.warm.yield_to_sessions`, which waits while a session's script runs.
"""

from __future__ import annotations

import importlib
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from hotspots.present import views
__all__ = [
    "DEFAULT_WARD",
    "PATROL_DEFAULTS",
    "Laps",
    "keep_compute",
    "read_kept",
    "save_kept",
    "seasonal_defaults",
    "warm_hotspot_map",
    "warm_pages",
    "warm_up",
]

#: Ward view's ward before anyone picks one (Bournemouth Central).
DEFAULT_WARD = "E05012653"
#: Patrol planning's ``patrol_view`` parameters before anyone touches its sidebar.
PATROL_DEFAULTS = {"top_n": 10, "cell_size_m": 150.0, "judge_next": False}
#: Seasonal comparison's target, ring and control before anyone touches its sidebar.
SEASONAL_TARGET = "town-centre"
SEASONAL_BUFFER_M = 400
#: Modules the later pages import that nothing earlier in the warm-up does.
PAGE_MODULES = (
    "hotspots.ui.hotspot_controls",
    "hotspots.present.change_map",
    "hotspots.ui.seasonal_controls",
    "hotspots.present.ward_page",
    "hotspots.present.patrol_page",
    "hotspots.present.data_page",
)

#: The Hotspot map's methods in the order of its radio (a person tries them in turn).
METHODS = ("dbscan", "kde", "gistar")
#: What each method's view and map import first, smallest parts first. Imported one at a
#: time, with a pause between, before the method's view: imports are most of a method's
#: first view (DBSCAN's 5.2 s on a loaded machine: 2.5 s of it importing scipy's sparse
#: graphs and spatial trees), and one import cannot be paused halfway.
METHOD_MODULES = {
    "dbscan": (
        "scipy.linalg", "scipy.sparse", "scipy.sparse.linalg", "scipy.sparse.csgraph",
        "scipy.special", "scipy.spatial", "hotspots.methods.dbscan", "hotspots.methods.hierarchy",
        "branca", "folium", "folium.plugins", "streamlit_folium", "hotspots.present.maps",
        "hotspots.present.streets", "hotspots.present.hotspot_page",
    ),
    "kde": ("scipy.ndimage", "hotspots.methods.kde"),
    "gistar": (
        "scipy.interpolate", "scipy.stats", "scipy.signal", "hotspots.methods.gistar_stat",
        "hotspots.methods.gistar",
    ),
}  # fmt: skip


# The values the warm-up computed for the later pages, by seed key (``cache._SEEDS``): written
# to the store's ``.cache/warm-pages-<key>.pickle`` at its end (hotspots.ui.first_page).
_KEEP: dict[tuple, Any] = {}
_READ: set[tuple] = set()  # the keys read back from that file at this start


def _kept_file(dataset: str) -> Any:
    from hotspots.ui import cache, first_page

    store = cache._open(dataset)
    filters = cache._default_filters(cache._records(str(store.path), store.version))
    return first_page.cache_file(
        store.path, store.manifest()["id"], filters, name="warm-pages",
        libraries=first_page.LIBRARIES,
    )  # fmt: skip


# The store's version is its path and content (``Store.version``); the file is named after the
# content, and the path may differ at the next start (a store reached through a link).
_VERSION = "<store version>"


def _portable(key: tuple, version: str) -> tuple:
    return tuple(_VERSION if part == version else part for part in key)


def _local(key: tuple, version: str) -> tuple:
    return tuple(version if part == _VERSION else part for part in key)


def read_kept(dataset: str) -> int:
    """Seed the caches with the later pages' values the last start kept; how many there were.

    Each value is then taken (not computed) by the first call of its cached function
    with the same arguments, the warm-up's or a session's. The modules the values are
    made of should be imported first (:data:`METHOD_MODULES`): reading them would import
    the rest in one go, and a read cannot be paused.
    """
    from hotspots.ui import cache, first_page

    kept = first_page.load(_kept_file(dataset))
    if not kept:
        return 0
    version = cache._open(dataset).version
    seeds = {_local(key, version): value for key, value in kept.items()}
    cache._SEEDS.update(seeds)
    _READ.update(seeds)
    return len(seeds)


def save_kept(dataset: str) -> bool:
    """Write what this warm-up computed for the next start, unless it was read back; True if written."""
    from hotspots.ui import cache, first_page

    keep, read = dict(_KEEP), set(_READ)
    _KEEP.clear()
    _READ.clear()
    for key in read:  # seeds nobody asked for: not kept in memory
        cache._SEEDS.pop(key, None)
    if not keep or set(keep) <= read:
        return False
    version = cache._open(dataset).version
    portable = {_portable(key, version): value for key, value in keep.items()}
    return first_page.save(_kept_file(dataset), portable)


def keep_compute(name: str, path: str, version: str, filters: views.Filters, params: tuple) -> Any:
    """``cache._compute``, its value kept for the next start."""
    from hotspots.ui import cache

    value = cache._compute(name, path, version, filters, params)
    _KEEP[("compute", name, version, filters, params)] = value
    return value


class Laps:
    """The warm-up's ``(step, seconds)`` list, and its pauses between steps.

    ``between()`` calls ``pause`` (if any) and leaves its time out of the step's;
    ``lap(name)`` closes a step.
    """

    def __init__(self, pause: Callable[[], object] | None = None) -> None:
        self.pause = pause
        self.steps: list[tuple[str, float]] = []
        self._t = time.perf_counter()
        self._paused = 0.0

    def between(self) -> None:
        """A point between two cached calls, where the warm-up may give way to sessions."""
        if self.pause is not None:
            t = time.perf_counter()
            self.pause()
            self._paused += time.perf_counter() - t

    def lap(self, name: str) -> None:
        """Close the step ``name``: its seconds of work since the last lap, pauses left out."""
        now = time.perf_counter()
        self.steps.append((name, now - self._t - self._paused))
        self._t, self._paused = now, 0.0


def seasonal_defaults(records: pd.DataFrame) -> tuple[views.Filters, dict] | None:
    """Return (filters, ``seasonal_view`` parameters) of the Seasonal page's first run, or None.

    None when the page would show no evaluation on its defaults (fewer than two months,
    or windows the page refuses).
    """
    from hotspots.comparison.interventions import (
        check_windows,
        default_evaluation,
        load_interventions,
    )
    from hotspots.comparison.windows import dataset_months, default_windows
    from hotspots.comparison.windows import window as make_window
    from hotspots.present import views
    from hotspots.present.seasonal_page import no_verdict

    months = dataset_months(records)
    if len(months) < 2:
        return None
    dw = default_windows(records)
    choice = default_evaluation(months, load_interventions())
    before, after = (choice.before, choice.after) if choice is not None else (dw.a, dw.b)
    # as the page: each window's two months in order
    w_before = make_window((min(before.start, before.end), max(before.start, before.end)))
    w_after = make_window((min(after.start, after.end), max(after.start, after.end)))
    if no_verdict(check_windows(w_before, w_after, months))[1]:
        return None
    filters = views.Filters(dw.b.start, dw.b.end)
    params = {
        "before": w_before.spec,
        "after": w_after.spec,
        "target": SEASONAL_TARGET,
        "buffer_m": float(SEASONAL_BUFFER_M),
        "control": None,
    }
    return filters, params


def _hotspot_payload(path: str, version: str, filters: views.Filters, method: str,
                     selected: int | None, suppress_below: int | None) -> None:  # fmt: skip
    """The Hotspot map's payload as the page asks for it (``app_pages/1_Hotspot_map.py``)."""
    from hotspots.ui import cache

    params: dict[str, Any] = {**cache.HOTSPOT_DEFAULTS, "method": method}
    args = cache._hotspot_payload_args(
        path, version, filters, key=f"map-{method}", returned_objects=cache.HOTSPOT_MAP_RETURNS,
        suppress_below=suppress_below, selected=selected, **params,
    )  # fmt: skip
    cache._hotspot_map_payload(*args)
    # the map it was drawn from (never changed: each run draws a copy), kept for the next start
    _KEEP[("hotspot_map_built", *args[1:11])] = cache._hotspot_map_built(*args[:11])


def _default_view(dataset: str) -> tuple[str, str, pd.DataFrame, views.Filters] | None:
    """The dataset's store path, version, records and default filters; None when it is empty."""
    from hotspots.ui import cache

    store = cache._open(dataset)
    path, version = str(store.path), store.version
    records = cache._records(path, version)
    if not len(records):
        return None
    return path, version, records, cache._default_filters(records)


def warm_hotspot_map(
    dataset: str = "bundled",
    *,
    pause: Callable[[], object] | None = None,
) -> list[tuple[str, float]]:
    """Compute the Hotspot map's first views into the shared caches; ``(step, seconds)`` pairs.

    For each method in turn (DBSCAN, the page's default, first): its view, its page model
    (tables, downloads), its map as the page sends it and its first hotspot's details.
    A person who opens the page sees DBSCAN's map with nothing selected; on a switch to
    the next method the picker's hotspot of the method before stays selected (its id),
    so that map is warmed too; the remaining pairings follow in :func:`warm_pages`.
    """
    from hotspots.present import hotspot_page as hp
    from hotspots.present.disclosure import suppress_below_for
    from hotspots.ui import cache

    laps = Laps(pause)
    opened = _default_view(dataset)
    if opened is None:
        return []
    path, version, _records, filters = opened
    k = suppress_below_for("local", exact_counts=True)  # the page's default without sign-in
    selected: int | None = None  # the map of the page's first run: nothing selected
    for method in METHODS:
        for module in METHOD_MODULES[method]:
            laps.between()
            importlib.import_module(module)
        hot = tuple(sorted({**cache.HOTSPOT_DEFAULTS, "method": method}.items()))
        laps.between()
        view = keep_compute("hotspot_view", path, version, filters, hot)
        laps.between()
        page = cache._hotspot_page(path, version, dataset, filters, hot, "none", k)
        _KEEP[("hotspot_page", version, dataset, filters, hot, "none", k)] = page
        if method == METHODS[0]:
            laps.between()
            # for every later map (Seasonal, Ward view)
            _KEEP[("streets", version)] = cache._streets(path, version)
        laps.between()
        _hotspot_payload(path, version, filters, method, selected, k)
        if page.picker:
            first = next(iter(page.picker))
            row = hp.hotspot_row(view.hotspots, first)
            laps.between()
            keep_compute(
                "hotspot_detail",
                path,
                version,
                filters,
                (("geometry", row.geometry.wkb),),
            )
            selected = int(first)  # kept selected on the switch to the next method
        laps.lap("hotspot map" if method == METHODS[0] else f"method {method}")
    return laps.steps


def warm_up(
    dataset: str = "bundled",
    *,
    pages: bool = True,
    on_first_page: Callable[[float], None] | None = None,
    pause: Callable[[], object] | None = None,
) -> list[tuple[str, float]]:
    """Compute, into the shared caches, what the first page (and then the Hotspot map) needs.

    In order: open (build) the store, read its records, the Overview (its view, what is
    new, coverage); then, with ``pages``, the Overview's quick category choices (ASB,
    Crime) and the Hotspot map's three methods on their defaults, each with its map as
    the page sends it and its first hotspot's details
    (:func:`hotspots.ui.warm_hotspot_map`). Returns ``(step, seconds)`` pairs;
    ``on_first_page(seconds)`` is called as soon as the Overview's values are in;
    ``pause()`` between two steps after that (the server's warm-up gives way to the
    sessions' scripts there: :func:`hotspots.ui.warm.yield_to_sessions`).
    Every value is computed by the same cached function a page calls, with the same key.
    :mod:`hotspots.ui.warm` runs it in the background at server start.
    """
    from hotspots.ui import cache, first_page

    laps = Laps(pause)
    store = cache._open(dataset)
    path, version = str(store.path), store.version
    laps.lap("store")
    recs = cache._records(path, version)
    laps.lap("records")
    if not len(recs):
        return laps.steps
    f = cache._default_filters(recs)
    # the Overview's values from the last start on the same store and code, if kept
    kept = first_page.cache_file(store.path, store.manifest()["id"], f)
    saved = first_page.load(kept)
    if saved is not None:
        cache._SEEDS[("compute", "overview_view", version, f, ())] = saved.get("overview")
        cache._SEEDS[("whats_new", version)] = saved.get("whats_new")
        cache._SEEDS[("coverage", version)] = saved.get("coverage")
    values = {"overview": cache._compute("overview_view", path, version, f, ())}
    laps.lap("overview" if saved is None else "overview (kept)")
    values["whats_new"] = cache._whats_new(path, version)
    values["coverage"] = cache._coverage(path, version)
    cache._SEEDS.clear()
    # the Overview's own imports (charts) and the sidebar's boundaries
    from hotspots.data.boundaries import load_boundaries
    from hotspots.present import charts, overview_page  # noqa: F401

    load_boundaries()
    laps.lap("what is new, coverage")
    if on_first_page is not None:
        on_first_page(sum(sec for _, sec in laps.steps))
    if saved is None:
        first_page.save(kept, values)  # for the next start
    if not pages:
        return laps.steps
    from hotspots.data import schema as S

    # the methods' modules one at a time (a read of the kept values would import them at once)
    for module in (m for mods in METHOD_MODULES.values() for m in mods):
        laps.between()
        importlib.import_module(module)
    laps.lap("methods' modules")
    laps.between()
    # the later pages' values from the last start on the same store and code, if kept
    laps.lap("kept values read" if read_kept(dataset) else "no kept values")
    # the sidebar's quick category buttons on the Overview (ASB, Crime), as they set them
    for chosen in ((S.ASB,), S.CRIME_CATEGORIES):
        laps.between()
        cats = tuple(c for c in S.CATEGORIES if c in chosen)
        keep_compute("overview_view", path, version, f.with_(categories=cats), ())
    laps.lap("overview categories")
    return [*laps.steps, *warm_hotspot_map(dataset, pause=pause)]


def warm_pages(
    dataset: str = "bundled",
    *,
    pause: Callable[[], object] | None = None,
) -> list[tuple[str, float]]:
    """Compute the other pages' default views into the shared caches; ``(step, seconds)`` pairs.

    Run after :func:`warm_up` (which has the store, its records and the
    Hotspot map's three default views and their first maps in the caches already).
    ``pause()`` is called between two cached calls.
    """
    from hotspots.present.disclosure import suppress_below_for
    from hotspots.ui import cache

    opened = _default_view(dataset)
    if opened is None:
        return []
    path, version, records, filters = opened
    # the Hotspot map's, Seasonal comparison's and Patrol planning's default disclosure
    # threshold without sign-in (exact counts)
    suppress_below = suppress_below_for("local", exact_counts=True)
    laps = Laps(pause)
    step = laps.between

    for module in PAGE_MODULES:  # the pages' own imports, done before anyone opens them
        step()
        importlib.import_module(module)
    # each method's map with nothing selected and with each method's first hotspot
    # selected (the picker's pick carried over a switch), the pairs warm_hotspot_map left
    firsts: list[int | None] = [None]
    for method in METHODS:
        hot = tuple(sorted({**cache.HOTSPOT_DEFAULTS, "method": method}.items()))
        page = cache._hotspot_page(path, version, dataset, filters, hot, "none", suppress_below)
        if page.picker and int(next(iter(page.picker))) not in firsts:
            firsts.append(int(next(iter(page.picker))))
    for method in METHODS:
        for selected in firsts:
            step()  # a pair already warmed is a cache hit: no work
            _hotspot_payload(path, version, filters, method, selected, suppress_below)
    laps.lap("hotspot maps")

    seasonal = seasonal_defaults(records)
    if seasonal is not None:
        f, params = seasonal
        key = tuple(sorted(params.items()))
        step()
        keep_compute("seasonal_view", path, version, f, key)
        step()
        # its change map, as the page draws it (built once, handed out as copies)
        cache._change_map(path, version, f, key, suppress_below)
    step()
    cache._partnership_tables(path, version, suppress_below)
    laps.lap("seasonal comparison")
    ward, ward_k = (("ward", DEFAULT_WARD),), suppress_below_for("local", exact_counts=False)
    step()
    keep_compute("ward_view", path, version, filters, ward)
    step()
    # Ward view hides counts under 5 until its toggle is turned off; its map as the page
    # sends it (cache.ward_map_payload)
    cache._ward_map_payload(path, version, filters, DEFAULT_WARD, ward_k, 460,
                            f"ward-map-{DEFAULT_WARD}")  # fmt: skip
    _KEEP[("view_map", version, "ward_view", filters, ward, ward_k)] = cache._view_map(
        path, version, "ward_view", filters, ward, ward_k,
    )  # fmt: skip
    step()
    cache._ward_report_files(path, version, filters, DEFAULT_WARD, ward_k)
    laps.lap("ward view")
    patrol = tuple(sorted(PATROL_DEFAULTS.items()))
    step()
    keep_compute("patrol_view", path, version, filters, patrol)
    step()
    _KEEP[("view_map", version, "patrol_view", filters, patrol, suppress_below)] = cache._view_map(
        path,
        version,
        "patrol_view",
        filters,
        patrol,
        suppress_below,
    )
    step()
    # Patrol planning shows exact counts until its toggle is turned on
    cache._patrol_downloads(path, version, dataset, filters, patrol, suppress_below)
    laps.lap("patrol planning")
    step()
    if save_kept(dataset):  # for the next start on the same store and code
        laps.lap("values kept")
    return laps.steps
