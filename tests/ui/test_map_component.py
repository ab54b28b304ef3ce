"""A folium map prepared once and drawn in every session (``hotspots.ui.map_component``).

The payload must be exactly what ``st_folium`` itself sends to the browser for the same
map, the proxy must pass every other ``st_folium`` call through, and a session must not
see another's changes to the map's value.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def _components(at: AppTest) -> list[dict]:
    return [
        json.loads(e.proto.json_args)
        for e in at.main
        if getattr(e, "type", None) == "component_instance"
    ]


def _app() -> None:
    import copy

    import folium
    import streamlit as st
    from streamlit_folium import st_folium

    from hotspots.ui.map_component import draw, folium_payload

    m = folium.Map(location=[50.72, -1.88], zoom_start=14, tiles=None)
    folium.Marker([50.7201, -1.8795], tooltip="Bournemouth Square").add_to(m)
    folium.GeoJson(
        {"type": "Point", "coordinates": [-1.87, 50.721]},
        tooltip="a <b>point</b>",
    ).add_to(m)
    twin = copy.deepcopy(m)  # the same map, ids included, not yet rendered
    kw = {"height": 300, "use_container_width": True, "returned_objects": []}
    payload = folium_payload(m, key="prepared", **kw)
    st.write(f"payload keys: {sorted(payload[1])}")
    value = draw(payload)
    value["changed by this session"] = True  # a page may change what it got
    st.write(f"default untouched: {'changed by this session' not in payload[1]['default']}")
    st_folium(twin, key="plain", **kw)  # plain st_folium after the proxy is in: still drawn


def test_payload_draws_what_st_folium_draws_and_the_proxy_passes_others_through():
    at = AppTest.from_function(_app, default_timeout=60).run()
    assert not at.exception, at.exception
    drawn, plain = _components(at)
    assert drawn["script"] == plain["script"]
    assert "Bournemouth Square" in drawn["script"]
    for field in ("header", "html", "height", "returned_objects", "css_links", "js_links"):
        assert drawn.get(field) == plain.get(field), field
    texts = [m.value for m in at.markdown]
    assert "default untouched: True" in texts


def test_each_map_is_built_once_for_every_session(run_page, monkeypatch):
    """Two sessions on the same view: the Hotspot map and the Ward map are built once."""
    from hotspots.present import maps
    from hotspots.ui import cache

    built: list[int] = []
    real = maps.build_map

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(maps, "build_map", counting)
    for cached in (cache._hotspot_map_payload, cache._ward_map_payload,
                   cache._hotspot_map_built, cache._view_map):  # fmt: skip
        cached.clear()
    scripts = []
    for page in ("hotspot_map", "hotspot_map", "ward", "ward"):
        at = run_page(page)  # a new session each time
        assert not at.exception, at.exception
        scripts += [c["script"] for c in _components(at)]
    assert len(built) == 2  # one Hotspot map, one Ward map
    assert len(scripts) == 4 and scripts[0] == scripts[1] and scripts[2] == scripts[3]
    assert scripts[0] != scripts[2]


def test_no_full_garbage_collection_after_every_run():
    """.streamlit/config.toml: Streamlit's gc.collect(2) after each run (0.4-0.7 s with the
    shared caches in memory, holding the GIL for every session) is off.
    """
    import tomllib
    from pathlib import Path

    config = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
    assert tomllib.loads(config.read_text(encoding="utf-8"))["runner"]["postScriptGC"] is False
