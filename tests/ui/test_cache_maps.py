"""The Hotspot map's folium map is cached and handed out as a copy (hotspots.ui.cache).

``st_folium`` renames a map's elements in place as it renders it, so a map drawn once
cannot be drawn again: each run gets a deep copy of the cached map. The copy must draw
exactly what a map built afresh draws (element ids aside, which are random per build).
"""

from __future__ import annotations

import re

import pytest
from streamlit_folium import _get_header, _get_html, _get_map_string

from hotspots.ui import cache

ID = re.compile(r"[0-9a-f]{32}")  # folium's random element ids


def _drawn(m) -> str:
    """What ``st_folium`` sends to the browser for map ``m`` (it renders ``m`` in place)."""
    m.get_root().render()
    m.render()
    return ID.sub("ID", _get_html(m) + _get_header(m) + _get_map_string(m))


@pytest.mark.slow
@pytest.mark.parametrize("method", ["dbscan", "kde", "gistar"])
def test_each_run_gets_a_copy_that_draws_as_a_fresh_map(method):
    store = cache.get_store("bundled")
    path, version = str(store.path), store.version
    f = cache._default_filters(cache._records(path, version))
    params = tuple(sorted({**cache.HOTSPOT_DEFAULTS, "method": method}.items()))
    args = (path, version, f, params, cache.HOTSPOT_DEFAULTS["layers"], "none", None, 620)
    first, second = cache._hotspot_map(*args), cache._hotspot_map(*args)
    assert first is not second
    assert cache._hotspot_map_built(*args) is cache._hotspot_map_built(*args)  # built once
    drawn = _drawn(first)
    assert _drawn(second) == drawn  # the first one drawn changed nothing shared
    cache._hotspot_map_built.clear()
    assert _drawn(cache._hotspot_map(*args)) == drawn  # a map built afresh draws the same


@pytest.mark.slow
@pytest.mark.parametrize(("name", "params"), [("ward_view", {"ward": "E05012653"}),
                                              ("patrol_view", {"top_n": 10})])  # fmt: skip
def test_ward_and_patrol_maps_are_copies_that_draw_as_a_fresh_map(name, params):
    store = cache.get_store("bundled")
    f = cache._default_filters(cache._records(str(store.path), store.version))
    first, second = (cache.view_map(name, "bundled", f, 5, **params) for _ in range(2))
    assert first is not second
    drawn = _drawn(first)
    assert _drawn(second) == drawn
    cache._view_map.clear()
    assert _drawn(cache.view_map(name, "bundled", f, 5, **params)) == drawn


@pytest.mark.slow
def test_the_seasonal_change_map_is_a_copy_that_draws_as_a_fresh_map():
    from hotspots.ui.warm_pages import seasonal_defaults

    recs, _ = cache.load_records("bundled")
    f, params = seasonal_defaults(recs)
    first, second = (cache.change_map("bundled", f, None, **params) for _ in range(2))
    assert first is not None and first is not second
    drawn = _drawn(first)
    assert _drawn(second) == drawn
    cache._change_map.clear()
    assert _drawn(cache.change_map("bundled", f, None, **params)) == drawn
