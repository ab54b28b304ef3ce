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


def _code_fingerprint() -> str:
    """Size and modification time of every module of the ``hotspots`` package, hashed."""
    import pandas as pd

    root = Path(__file__).resolve().parents[1]  # the hotspots package
    h = hashlib.sha256(f"{sys.version}|{pd.__version__}".encode())
    for p in sorted(root.rglob("*.py")):
        st = p.stat()
        h.update(f"{p.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def cache_file(store_path: str | Path, manifest_id: str, filters: object) -> Path:
    """Where the first page's values of this store content, filters and code are kept."""
    key = hashlib.sha256(f"{manifest_id}|{filters!r}|{_code_fingerprint()}".encode())
    return Path(store_path) / CACHE_DIR / f"first-page-{key.hexdigest()[:24]}.pickle"


def load(path: Path) -> dict[str, Any] | None:
    """Return the values kept in ``path`` (name -> value), or None when there is no such file."""
    try:
        with path.open("rb") as fh:
            data = pickle.load(fh)  # our own file, in the store's own folder
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    return data if isinstance(data, dict) else None


def save(path: Path, values: dict[str, Any]) -> bool:
    """Write ``values`` to ``path`` (atomically, old files of the page removed); False if not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(values, fh, protocol=pickle.HIGHEST_PROTOCOL)
        Path(tmp).replace(path)
        for old in path.parent.glob("first-page-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return False
    return True
