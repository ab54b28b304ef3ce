"""Page state in the URL query string, so every view is a link people can bookmark.

Pattern: before a widget is drawn, :func:`init` seeds ``st.session_state[key]``
from the query string (once per session, validated by the caller's ``parse``);
after the widgets, :func:`publish` writes the current values back to the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

__all__ = ["init", "keep", "mark_page", "publish", "query_value", "same_page"]

_KEEP = "_keep_"  # prefix of copies that survive a page switch (widget state does not)


def query_value(name: str) -> str | None:
    """The raw value of ``name`` in the URL, or None."""
    v = st.query_params.get(name)
    return None if v in (None, "") else str(v)


def _page_id() -> str:
    """An id of the page being run."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return str(getattr(ctx, "page_script_hash", "") or "")
    except Exception:  # outside a Streamlit run
        return ""


def same_page(key: str) -> bool:
    """True when widget ``key`` was last drawn by the page being run now.

    Streamlit keeps a widget's state across a page switch but the widget on the new
    page does not show it reliably, so such state is re-seeded, never trusted.
    """
    return st.session_state.get("_widget_page", {}).get(key) == _page_id()


def mark_page(key: str) -> None:
    st.session_state.setdefault("_widget_page", {})[key] = _page_id()


def init(
    key: str, default: Any, parse: Callable[[str], Any] | None = None, param: str | None = None
) -> None:
    """Seed the widget state ``st.session_state[key]`` before the widget is drawn.

    Order: the live widget value; the value kept from another page of this
    session; the URL parameter (``param`` or ``key``) if ``parse`` accepts it;
    ``default``. A URL value that ``parse`` rejects is ignored.
    """
    if key in st.session_state and same_page(key):
        return
    mark_page(key)
    if _KEEP + key in st.session_state:
        st.session_state[key] = st.session_state[_KEEP + key]
        return
    raw = query_value(param or key)
    value = default
    if raw is not None:
        try:
            value = parse(raw) if parse else raw
        except Exception:  # a hand-edited or stale link: fall back to the default
            value = default
    st.session_state[key] = value


def keep(*keys: str) -> None:
    """Remember widget values so other pages of the session start from them."""
    for k in keys:
        if k in st.session_state:
            st.session_state[_KEEP + k] = st.session_state[k]


def publish(values: dict[str, Any]) -> None:
    """Write page state to the URL (lists joined by commas; None and "" removed)."""
    current = dict(st.query_params)
    new: dict[str, str] = {}
    for k, v in values.items():
        if v is None or v == "" or v == []:
            continue
        if isinstance(v, (list, tuple)):
            v = ",".join(str(x) for x in v)
        elif isinstance(v, bool):
            v = "1" if v else "0"
        new[k] = str(v)
    if new != current:
        st.query_params.from_dict(new)
