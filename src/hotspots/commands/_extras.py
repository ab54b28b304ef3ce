"""Commands that need the ``[app]`` extras say so before they start, in one sentence.

The core install (``pip install hotspots``) is the library and most commands; ``hotspots pack``
writes a PDF with fpdf2, which only ``pip install hotspots[app]`` brings.
"""

from __future__ import annotations

from importlib.util import find_spec

from hotspots.errors import HotspotsError

# import name -> distribution name, for the message
APP_MODULES = {"fpdf": "fpdf2", "folium": "folium", "PIL": "pillow", "altair": "altair"}


def require_app_extras(*modules: str) -> None:
    """Raise a :class:`HotspotsError` naming ``pip install hotspots[app]`` for a missing module."""
    missing = [APP_MODULES.get(m, m) for m in modules if find_spec(m) is None]
    if missing:
        msg = f"this command needs `pip install hotspots[app]` ({', '.join(missing)} not installed)"
        raise HotspotsError(msg)
