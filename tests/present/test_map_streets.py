"""The street layer on the screen map (hotspots.present.map_streets), as generated HTML."""

from __future__ import annotations

import pandas as pd

from hotspots.present.map_streets import NO_STREET_MAP, street_label_payload
from hotspots.present.maps import build_map
from hotspots.present.streets import build_streets


def _layer():
    df = pd.DataFrame(
        {
            "x": [408500.0, 408600.0, 408700.0],
            "y": [91200.0, 91210.0, 91220.0],
            "location": ["On or near <img src=x onerror=alert(1)> Road"] * 2
            + ["On or near Gervis Place"],
        },
    )
    return build_streets(df)


def test_payload_escapes_names_and_sets_the_zoom():
    p = street_label_payload(_layer(), zoom=14)
    assert p["z"] == 14
    assert "&lt;img src=x onerror=alert(1)&gt; Road" in p["t"] and "<img" not in "".join(p["t"])
    lat, lon, k, angle = p["a"][0]
    assert 50.7 < lat < 50.73 and -1.9 < lon < -1.86 and p["t"][k] and -90 <= angle <= 90


def test_streets_shown_without_tiles_and_offered_with_tiles():
    off = build_map(streets=_layer(), tiles="none").get_root().render()
    assert "HotspotsLeaflet.streetLabels(" in off and NO_STREET_MAP not in off
    assert "<img src=x" not in off
    on = build_map(streets=_layer(), tiles="osm")
    html = on.get_root().render()
    assert "HotspotsLeaflet.streetLabels(" in html
    # with tiles the street layers are in the layer control but not added at first
    from hotspots.present.map_elements import StreetLabels

    labels = [c for c in on._children.values() if isinstance(c, StreetLabels)]
    assert len(labels) == 1 and labels[0].show is False


def test_no_tiles_and_no_streets_says_no_street_map():
    html = build_map(tiles="none").get_root().render()
    assert NO_STREET_MAP in html
    assert NO_STREET_MAP not in build_map(tiles="osm").get_root().render()
