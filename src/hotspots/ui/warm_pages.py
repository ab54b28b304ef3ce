"""The warm-up's second half: the default views of the pages after the Overview.

:func:`hotspots.ui.cache.warm_up` fills the Overview's values first (the first page),
then the Hotspot map's; :func:`warm_pages`, run next by :mod:`hotspots.ui.warm`, computes,
into the same shared caches and with the same keys the pages use on their first run with
no link parameters:

- the Hotspot map: each method's map drawn once (its density image or Gi* grid layer is
  kept for later maps) and the details panel of its first hotspot (the picker's
  default), so a method switch finds them ready;
- Seasonal comparison: the default evaluation (``seasonal_view``) of the intervention
  register's default windows, town centre, 400 m ring, the rest of BCP as control;
- Ward view: the default ward's view, map and one-page report (HTML and PDF);
- Patrol planning: the top 10 cells of 150 m, their map and downloads (files and the
  patrol sheet).

Each default here mirrors the page's own widget default (``state.init`` in
``app_pages/*`` and ``hotspots.ui.seasonal_controls``); ``tests/ui/test_warm_up.py``
opens every page after a warm-up and fails if one computes its view again.
"""

from __future__ import annotations

import importlib
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from hotspots.present import views
__all__ = ["DEFAULT_WARD", "PATROL_DEFAULTS", "seasonal_defaults", "warm_pages"]

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


def warm_pages(dataset: str = "bundled") -> list[tuple[str, float]]:
    """Compute the other pages' default views into the shared caches; ``(step, seconds)`` pairs.

    Run after :func:`hotspots.ui.cache.warm_up` (which has the store, its records and the
    Hotspot map's three default views in the caches already).
    """
    from hotspots.present.disclosure import suppress_below_for
    from hotspots.ui import cache

    store = cache._open(dataset)
    path, version = str(store.path), store.version
    records = cache._records(path, version)
    if not len(records):
        return []
    filters = cache._default_filters(records)
    # the Hotspot map's, Seasonal comparison's and Patrol planning's default disclosure
    # threshold without sign-in (exact counts)
    suppress_below = suppress_below_for("local", exact_counts=True)
    steps: list[tuple[str, float]] = []
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        steps.append((name, now - t))
        t = now

    for module in PAGE_MODULES:  # the pages' own imports, done before anyone opens them
        importlib.import_module(module)
    # the details panel of each method's first hotspot (the page's picker starts on it)
    from hotspots.present import hotspot_page as hp

    for method in ("dbscan", "kde", "gistar"):
        hot = tuple(sorted({**cache.HOTSPOT_DEFAULTS, "method": method}.items()))
        view = cache._compute("hotspot_view", path, version, filters, hot)
        # the page's map drawn once and rendered to HTML as st_folium does: each method's
        # layers (density image, Gi* grid) are drawn once and kept for later maps
        cache._hotspot_map(
            path, version, filters, hot, tuple(cache.HOTSPOT_DEFAULTS["layers"]), "auto",
            suppress_below, 620,
        ).get_root().render()  # fmt: skip
        page = cache._hotspot_page(path, version, dataset, filters, hot, "none", suppress_below)
        if page.picker:
            row = hp.hotspot_row(view.hotspots, next(iter(page.picker)))
            cache._compute(
                "hotspot_detail",
                path,
                version,
                filters,
                (("geometry", row.geometry.wkb),),
            )
    lap("hotspot details")

    seasonal = seasonal_defaults(records)
    if seasonal is not None:
        f, params = seasonal
        cache._compute("seasonal_view", path, version, f, tuple(sorted(params.items())))
        # its change map, as the page draws it (built once, handed out as copies)
        cache._change_map(path, version, f, tuple(sorted(params.items())), suppress_below)
    cache._partnership_tables(path, version, suppress_below)
    lap("seasonal comparison")
    ward, ward_k = (("ward", DEFAULT_WARD),), suppress_below_for("local", exact_counts=False)
    cache._compute("ward_view", path, version, filters, ward)
    # Ward view hides counts under 5 until its toggle is turned off
    cache._view_map(path, version, "ward_view", filters, ward, ward_k)
    cache._ward_report_files(path, version, filters, DEFAULT_WARD, ward_k)
    lap("ward view")
    patrol = tuple(sorted(PATROL_DEFAULTS.items()))
    cache._compute("patrol_view", path, version, filters, patrol)
    cache._view_map(path, version, "patrol_view", filters, patrol, suppress_below)
    # Patrol planning shows exact counts until its toggle is turned on
    cache._patrol_downloads(path, version, dataset, filters, patrol, suppress_below)
    lap("patrol planning")
    return steps
