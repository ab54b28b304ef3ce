"""The Hotspot map's deferred downloads (hotspots.ui.cache.hotspot_files) are the page's files.

The page hands ``st.download_button`` a callable per file, so a rerun writes none of them;
what a click writes must be exactly what ``hotspot_page.download_files`` writes for the same
view and settings (the one exporter), with names, media types and labels in the same order.
"""

from __future__ import annotations

import re

import pytest

from hotspots.comparison.windows import default_window
from hotspots.data.store import open_dataset
from hotspots.present import views
from hotspots.present.disclosure import suppress_below_for
from hotspots.present.hotspot_page import download_files
from hotspots.ui import cache

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\+00:00|Z)")


@pytest.mark.parametrize("who", ["viewer", "local"])
def test_deferred_files_equal_the_pages_files(who):
    store = open_dataset("bundled")
    recs = store.records()
    dw = default_window(sorted(recs["month"].unique()))
    f = views.Filters(dw.start, dw.end)
    params = (("layers", ("density", "hotspots")), ("method", "dbscan"))
    k = suppress_below_for(who, exact_counts=True)
    meta = {"months": f"{f.start}..{f.end}", "dataset": "bundled", "method": "dbscan"}
    lazy = cache._hotspot_files(str(store.path), store.version, f, params, meta, "hs", k)
    view = cache._compute("hotspot_view", str(store.path), store.version, f, params)
    eager = download_files(view.hotspots, meta, "hs", k)
    assert list(lazy) == list(eager)
    for fmt, e in eager.items():
        d = lazy[fmt]
        assert (d.name, d.mime, d.label) == (e.name, e.mime, e.label)
        text = d.data()
        assert isinstance(text, str) and text
        assert STAMP.sub("T", text) == STAMP.sub("T", e.text), fmt
        assert d.data() is text  # written once, then kept
