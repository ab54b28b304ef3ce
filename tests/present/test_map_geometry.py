"""The shared transformers of hotspots.present.map_geometry (one PROJ object for every thread)."""

from __future__ import annotations

import threading

import numpy as np
from pyproj import Transformer

from hotspots.data import schema as S
from hotspots.present.map_geometry import TO_WGS84, OneThreadTransformer


def test_one_thread_transformer_gives_pyprojs_answer_from_any_thread():
    ref = Transformer.from_crs(S.CRS_METRES, S.CRS_DISPLAY, always_xy=True)
    x, y = np.array([407300.0, 409100.0]), np.array([91200.0, 91000.0])
    want = ref.transform(x, y)
    got: list = []
    threads = [
        threading.Thread(target=lambda: got.append(TO_WGS84.transform(x, y))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(got) == 4
    for lon, lat in got:
        np.testing.assert_allclose(lon, want[0], atol=1e-9)
        np.testing.assert_allclose(lat, want[1], atol=1e-9)
    assert TO_WGS84.transform_bounds(407000, 91000, 408000, 92000) == ref.transform_bounds(
        407000,
        91000,
        408000,
        92000,
    )


def test_one_thread_transformer_builds_its_proj_object_once_on_one_worker():
    t = OneThreadTransformer(S.CRS_METRES, "EPSG:3857")
    names: list[str] = []
    t.transform(400000.0, 90000.0)
    first = t._t
    for _ in range(3):
        th = threading.Thread(target=lambda: names.append(str(t.transform(400000.0, 90000.0))))
        th.start()
        th.join(30)
    assert t._t is first and len(names) == 3
    assert t._call("transform", 400000.0, 90000.0) == first.transform(400000.0, 90000.0)
    assert OneThreadTransformer._worker()._thread_name_prefix == "hotspots-proj"
