"""Crime and ASB hotspot analysis for Bournemouth, Christchurch and Poole (BCP).

Use from Python (see the README)::

    import hotspots as hs
    ds = hs.open_dataset("bundled")
    res = hs.detect(ds.records(months=("2024-01", "2024-03"), area="Poole Town"), method="kde")
    res.hotspots            # GeoDataFrame, EPSG:27700, fixed columns

The five verbs (:mod:`hotspots.api`) are loaded on first use, so ``import hotspots``
is cheap and imports neither Streamlit nor folium nor fpdf2.

Layers (arrows point down only)::

    app_pages/, cli.py  ->  ui/, present/  ->  comparison/, methods/  ->  data/

``data`` knows nothing of methods or screens; ``methods`` and ``comparison`` never
import streamlit or folium; only ``ui`` imports streamlit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotspots.version import __version__ as __version__

__all__ = ["open_dataset", "detect", "compare", "evaluate", "ingest"]

if TYPE_CHECKING:
    from hotspots.api import compare, detect, evaluate, ingest, open_dataset


def __getattr__(name: str) -> Any:
    if name in __all__:
        from hotspots import api

        return getattr(api, name)
    msg = f"module 'hotspots' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
