"""Page state in the URL query string, so every view is a link people can bookmark.

Pattern: before a widget is drawn, :func:`init` seeds ``st.session_state[key]``
from the query string (once per session, validated by the caller's ``parse``);
after the widgets, :func:`publish` writes the current values back to the URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "clamped",
    "clear_rejected",
    "closest",
    "init",
    "keep",
    "link_notices",
    "mark_page",
    "one_of",
    "publish",
    "query_value",
    "rejected",
    "same_page",
]

_MAX_PARAM_LEN = 2000  # a longer query value is never a real link: ignored

_KEEP = "_keep_"  # prefix of copies that survive a page switch (widget state does not)
_REJECTED = "_link_rejected"  # key -> the link's raw value that parse refused
_ADJUSTED = "_link_adjusted"  # key -> (raw, value used) when parse clamped a number


def query_value(name: str) -> str | None:
    """Return the raw value of ``name`` in the URL, or None."""
    v = st.query_params.get(name)
    return None if v in (None, "") else str(v)


def clamped(lo: float, hi: float, step: float | None = None, kind: type = int):
    """Make a ``parse`` for :func:`init`: a number from a link, rounded and clamped.

    Rounded to ``step`` and clamped to the widget's range (``?eps=99999`` becomes the
    slider's maximum; ``nan`` is refused).
    """
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
    """Make a ``parse`` for :func:`init`: the value if it is one of ``choices``, else refused."""
    allowed = set(choices)

    def parse(raw: str):
        if raw in allowed:
            return raw
        if default is not None:
            return default
        raise ValueError(raw)

    return parse


def _page_id() -> str:
    """Return an id of the page being run."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return str(getattr(ctx, "page_script_hash", "") or "")
    except Exception:  # outside a Streamlit run
        return ""


def same_page(key: str) -> bool:
    """Return True when widget ``key`` was last drawn by the page being run now.

    Streamlit keeps a widget's state across a page switch but the widget on the new
    page does not show it reliably, so such state is re-seeded, never trusted.
    """
    return st.session_state.get("_widget_page", {}).get(key) == _page_id()


def mark_page(key: str) -> None:
    """Record that widget ``key`` was drawn by the page being run now (see :func:`same_page`)."""
    st.session_state.setdefault("_widget_page", {})[key] = _page_id()


def init(
    key: str,
    default: Any,
    parse: Callable[[str], Any] | None = None,
    param: str | None = None,
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
        clear_rejected(key)  # a link's notice belongs to the page it was opened on
        return
    raw = query_value(param or key)
    value = default
    if raw is not None and len(raw) <= _MAX_PARAM_LEN:
        try:
            value = parse(raw) if parse else raw
            _note_adjusted(key, raw, value)
        except Exception:  # a hand-edited or stale link: the default, and a notice
            value = default
            st.session_state.setdefault(_REJECTED, {})[key] = raw
    st.session_state[key] = value


def _note_adjusted(key: str, raw: str, value: Any) -> None:
    """Remember a number from a link that was clamped or rounded, to say so."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    try:
        asked = float(raw)
    except ValueError:
        return
    if abs(asked - float(value)) > 1e-9:
        st.session_state.setdefault(_ADJUSTED, {})[key] = (raw, value)


def rejected(key: str) -> str | None:
    """Return the link's value for ``key`` that was refused (None if none was, or it was dealt with)."""
    return st.session_state.get(_REJECTED, {}).get(key)


def clear_rejected(key: str) -> None:
    """Forget the link's refused or clamped value for ``key`` (it has been dealt with)."""
    st.session_state.get(_REJECTED, {}).pop(key, None)
    st.session_state.get(_ADJUSTED, {}).pop(key, None)


def closest(text: str, options: list[str], n: int = 3) -> list[str]:
    """Return the options nearest to ``text`` (difflib ratio, case and "and"/"&" ignored), best first."""
    import difflib

    def norm(t: str) -> str:
        return " ".join(t.lower().replace(" and ", " & ").split())

    by_norm: dict[str, str] = {}
    for o in options:
        by_norm.setdefault(norm(o), o)
    hits = difflib.get_close_matches(norm(text), list(by_norm), n=n, cutoff=0.6)
    return [by_norm[h] for h in hits]


def link_notices(labels: dict[str, str] | None = None) -> list[str]:
    """Sentences about link values that were refused or clamped on this page, still in force.

    A notice is dropped once the widget holds another value (the reader chose).
    ``labels`` names parameters for people (``{"buffer": "Buffer ring width (m)"}``).
    """
    labels = labels or {}
    out = []
    ss = st.session_state
    for key, (raw, value) in list(ss.get(_ADJUSTED, {}).items()):
        if ss.get(key) != value:
            ss[_ADJUSTED].pop(key, None)
            continue
        out.append(
            f"The link asked for {labels.get(key, key)} = {raw}, outside what this page "
            f"allows: {value} is used.",
        )
    for key, raw in list(ss.get(_REJECTED, {}).items()):
        if key in ("ward", "area"):  # the pages name the closest matches themselves
            continue
        out.append(
            f"The link's {labels.get(key, key)} = “{raw[:80]}” was not understood: "
            f"the usual value ({ss.get(key)}) is used.",
        )
        ss[_REJECTED].pop(key, None)
    return out


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
