"""Folium maps prepared once per view and drawn from that in every session.

``streamlit_folium.st_folium`` renders a folium map to HTML and Leaflet script on every
run of every session before it hands them to its browser component: for the Hotspot
map's default view 0.25-0.7 s, plus 0.4-0.9 s to build the map, holding the GIL, on a
loaded 2-core machine (issue 23: twenty people at once). The same view gives the same
script, so :func:`folium_payload` runs ``st_folium``'s own preparation once, for a map
built by a cached function (:mod:`hotspots.ui.cache`), and keeps what it would send to
the browser; :func:`draw` sends that, in any session, through the same component.

How: ``st_folium`` ends by calling its module's ``_component_func``. That name is
replaced once by a proxy that passes every call through, except in a thread that is
preparing a payload, where it keeps the call's arguments and draws nothing. Everything
else (the map's HTML, its header, the Leaflet script, the component key, the
``on_change`` that stores the map's value under the page's key) is ``st_folium``'s own,
whatever its version.
"""

from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import folium

__all__ = ["FoliumPayload", "draw", "folium_payload"]

#: The arguments ``st_folium`` gives its browser component: (positional, keyword).
FoliumPayload = tuple[tuple, dict]

_capture = threading.local()
_lock = threading.Lock()
_real: Any = None


def _component() -> Callable[..., Any]:
    """Install the pass-through proxy (once per process); return the real component."""
    global _real  # one proxy per process, installed on first use
    import streamlit_folium as sf  # type: ignore[import-untyped]

    with _lock:
        if _real is None:
            real = sf._component_func  # the one name st_folium calls

            def proxy(*args: object, **kwargs: object) -> object:
                box = getattr(_capture, "box", None)
                if box is not None:  # this thread prepares a payload: keep, do not draw
                    box.append((args, kwargs))
                    return None
                return real(*args, **kwargs)

            sf._component_func = proxy
            _real = real
    return _real


def folium_payload(fmap: folium.Map, **st_folium_kwargs: object) -> FoliumPayload:
    """Return what ``st_folium(fmap, **st_folium_kwargs)`` would send to the browser.

    Parameters
    ----------
    fmap : folium.Map
        The map; ``st_folium`` renders it (and renames its elements in place, so a map is
        prepared once and not drawn again by ``st_folium`` itself).
    **st_folium_kwargs
        ``st_folium``'s arguments as the page would give them (``key``, ``height``,
        ``use_container_width``, ``returned_objects``...).

    Returns
    -------
    FoliumPayload
        The component call's arguments, for :func:`draw`. Nothing is drawn.
    """
    from streamlit_folium import st_folium

    _component()
    box: list[FoliumPayload] = []
    _capture.box = box
    try:
        st_folium(fmap, **st_folium_kwargs)
    finally:
        _capture.box = None
    if len(box) != 1:
        msg = f"st_folium called its component {len(box)} times, not once"
        raise RuntimeError(msg)
    return box[0]


def draw(payload: FoliumPayload) -> Any:
    """Draw a prepared map in this session; return the map's value as ``st_folium`` does.

    The payload is shared by every session and never changed: the component's default
    value (a dict the page may read) is a copy per call.
    """
    real = _component()
    args, kwargs = payload
    if "default" in kwargs:
        kwargs = {**kwargs, "default": copy.deepcopy(kwargs["default"])}
    return real(*args, **kwargs)
