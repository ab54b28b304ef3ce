"""The page edge: no traceback, no server path, ever reaches the browser.

:func:`install` registers a handler on the running script's context (Streamlit's
``on_script_error``), so an exception anywhere in a page is logged on the server with
a short reference and the page shows one sentence instead. ``client.showErrorDetails``
is ``"none"`` in ``.streamlit/config.toml`` as the fallback for anything this misses.
A :class:`~hotspots.errors.HotspotsError` is a message meant for people: it is shown
(escaped, with folder paths reduced to file names); anything else is a bug.
"""

from __future__ import annotations

import logging
import re
import uuid

import streamlit as st

from hotspots.errors import HotspotsError
from hotspots.present.escape import markdown

__all__ = ["GENERIC", "install", "public_message"]

_LOG = logging.getLogger("hotspots.ui")
GENERIC = "This page could not be drawn for these settings"
# an absolute path (POSIX or Windows) in a message: only its last part is shown
# (not a URL's "//host/path": a path starts after a space, a quote or the start of the text)
_PATH = re.compile(r"(?<![\w:/.\\])(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"`]+){2,}[\\/]?")


def public_message(text: str) -> str:
    """``text`` with folder paths reduced to their last part (``/tmp/x/0/f.csv`` -> ``f.csv``)."""
    return _PATH.sub(lambda m: re.split(r"[\\/]", m.group(0).rstrip("\\/"))[-1], str(text))


def _on_error(ex: Exception) -> bool:
    ref = uuid.uuid4().hex[:8]
    if isinstance(ex, HotspotsError):
        _LOG.warning("page stopped (ref %s): %s", ref, ex)
        st.error(markdown(public_message(str(ex))))
    else:
        _LOG.error("page error (ref %s)", ref, exc_info=ex)
        st.error(
            f"{GENERIC} (reference {ref}, logged on the server). "
            "Try other settings, or open the page without the settings in its address.",
        )
    return True  # Streamlit shows nothing more


def install() -> None:
    """Catch this run's uncaught exceptions at the page edge (call early on every page)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
    except Exception:  # outside a Streamlit run
        return
    if ctx is not None and hasattr(ctx, "on_script_error"):
        ctx.on_script_error = _on_error
