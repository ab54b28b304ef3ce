"""The first page's values kept on disk, so a server start needs neither their work nor scipy.

The Overview's values on its default filters (its view, "what is new" and the coverage
table) take about 0.4 CPU s to compute, and computing them imports ``scipy.stats``
(about 0.8 CPU s; the exact rate-ratio test and the control chart's limits). At the end
of a server's warm-up they are written to ``<store>/.cache/first-page-<key>.pickle``; the
next start of a server on the same store and the same code reads them back (about
0.05 s) and puts them into Streamlit's shared caches under the keys the page asks for
(:func:`hotspots.ui.cache.seed`), so the first page draws without either.

The file's name holds everything the values depend on: the store's content (its
manifest id), the default filters, the code of the ``hotspots`` package (the size and
modification time of each of its modules) and the versions of Python and pandas (the
pickle's format). Anything else changed and the name changes: the file is not found and
the values are computed as before. The file is written only by this process, into the
store's own folder (the place ``scripts/setup.sh`` builds the bundled store); a store
that cannot be written to simply gets no file. Nothing here changes a value: a test
checks the values read back equal the ones computed.

The later pages' views (the Hotspot map's three methods, their page models and first
hotspots' details, the street layer, Seasonal comparison's, Ward view's and Patrol
planning's defaults: :mod:`hotspots.ui.warm_pages`) are kept the same way in
``warm-pages-<key>.pickle``, whose name also holds the versions of the libraries that
make them (numpy, geopandas, shapely, scikit-learn, scipy). Computing them took 12-16 s
of a loaded 2-core machine, reading them back 0.1-0.5 s, so a restarted server is warm
before its first visitor's first click.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["cache_file", "load", "save"]

CACHE_DIR = ".cache"


#: Libraries whose versions are part of the later pages' file name (their objects are kept).
LIBRARIES = ("numpy", "geopandas", "shapely", "scikit-learn", "scipy")


def _code_fingerprint(libraries: tuple[str, ...] = ()) -> str:
    """Size and modification time of every module of the ``hotspots`` package, hashed.

    With the versions of Python, pandas and ``libraries`` (distribution names).
    """
    from importlib.metadata import PackageNotFoundError, version

    import pandas as pd

    root = Path(__file__).resolve().parents[1]  # the hotspots package
    h = hashlib.sha256(f"{sys.version}|{pd.__version__}".encode())
    for lib in libraries:
        try:
            h.update(f"|{lib}={version(lib)}".encode())
        except PackageNotFoundError:
            h.update(f"|{lib}=none".encode())
    for p in sorted(root.rglob("*.py")):
        st = p.stat()
        h.update(f"{p.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def cache_file(
    store_path: str | Path,
    manifest_id: str,
    filters: object,
    *,
    name: str = "first-page",
    libraries: tuple[str, ...] = (),
) -> Path:
    """Where the values ``name`` of this store content, filters and code are kept.

    ``name``: ``"first-page"`` (the Overview's) or ``"warm-pages"`` (the later pages',
    with ``libraries=LIBRARIES``).
    """
    code = _code_fingerprint(libraries)
    key = hashlib.sha256(f"{manifest_id}|{filters!r}|{code}".encode())
    return Path(store_path) / CACHE_DIR / f"{name}-{key.hexdigest()[:24]}.pickle"


def load(path: Path) -> dict[Any, Any] | None:
    """Return the values kept in ``path`` (name -> value), or None when there is no such file."""
    try:
        with path.open("rb") as fh:
            data = pickle.load(fh)  # our own file, in the store's own folder
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    return data if isinstance(data, dict) else None


def save(path: Path, values: dict[Any, Any]) -> bool:
    """Write ``values`` to ``path`` (atomically, older files of the same name removed); False if not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(values, fh, protocol=pickle.HIGHEST_PROTOCOL)
        Path(tmp).replace(path)
        prefix = path.name.rsplit("-", 1)[0]  # first-page-<key>.pickle: first-page
        for old in path.parent.glob(f"{prefix}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return False
    return True
