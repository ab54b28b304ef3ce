"""Where the package's bundled files are: boundaries, gazetteer, months, vendored web assets.

They live inside the package (``hotspots/geodata``, ``hotspots/static``) and are found with
:mod:`importlib.resources`, so an installed wheel works outside the checkout. The checkout's
top-level ``geodata`` and ``static`` are symlinks to these folders (Streamlit serves
``static/`` next to ``app.py``). ``HOTSPOTS_GEODATA`` / ``HOTSPOTS_STATIC`` override both.
"""

from __future__ import annotations

import os
from importlib.resources import as_file, files
from pathlib import Path

__all__ = ["geodata_dir", "static_dir"]


def _package_dir(name: str) -> Path:
    # A wheel or an editable install: the folder is a real directory on disk, so as_file()
    # returns it without extracting (zip imports are not supported for the data folders).
    with as_file(files("hotspots") / name) as path:
        return Path(path)


def geodata_dir() -> Path:
    """Return the bundled ``geodata`` folder (``HOTSPOTS_GEODATA`` overrides)."""
    env = os.environ.get("HOTSPOTS_GEODATA")
    return Path(env) if env else _package_dir("geodata")


def static_dir() -> Path:
    """Return the vendored web assets folder, ``static`` (``HOTSPOTS_STATIC`` overrides)."""
    env = os.environ.get("HOTSPOTS_STATIC")
    return Path(env) if env else _package_dir("static")
