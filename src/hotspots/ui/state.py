"""Page state in the URL query string, so every view is a link people can bookmark.

Pattern: before a widget is drawn, :func:`init` seeds ``st.session_state[key]``
from the query string (once per session, validated by the caller's ``parse``);
after the widgets, :func:`publish` writes the current values back to the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

__all__ = [
    "init",
    "keep",
    "mark_page",
    "publish",
    "query_value",
    "same_page",
    "clamped",
    "one_of",
]

_MAX_PARAM_LEN = 2000  # a longer query value is never a real link: ignored

_KEEP = "_keep_"  # prefix of copies that survive a page switch (widget state does not)


def query_value(name: str) -> str | None:
    """The raw value of ``name`` in the URL, or None."""
    v = st.query_params.get(name)
    return None if v in (None, "") else str(v)


def clamped(lo: float, hi: float, step: float | None = None, kind: type = int):
    """A ``parse`` for :func:`init`: a number from a link, rounded to ``step`` and clamped to
    the widget's range (``?eps=99999`` becomes the slider's maximum; ``nan`` is refused)."""
    import math

    def parse(raw: str):
        v = float(raw)
        if not math.isfinite(v):
            raise ValueError(raw)
        if step:
            v = lo + round((v - lo) / step) * step
        v = min(max(v, lo), hi)
        return kind(round(v, 6)) if kind is float else kind(round(v))

    return parse


def one_of(choices, default=None):
    """A ``parse`` for :func:`init`: the value if it is one of ``choices``, else refused."""
    allowed = set(choices)

    def parse(raw: str):
        if raw in allowed:
            return raw
        if default is not None:
            return default
        raise ValueError(raw)

    return parse


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
    if raw is not None and len(raw) <= _MAX_PARAM_LEN:
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
