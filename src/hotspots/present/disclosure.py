"""The one disclosure rule: who sees counts under 5, and how a withheld figure reads.

Every output (each page's view-model, the exporter, the pack, the ward report and the
CLI) asks :func:`suppress_below_for` for its threshold and never decides on its own:

* a **viewer** (signed in with the viewer role) always gets ``5``: counts from 1 to 4
  are shown as ``"<5"``, whatever the page's setting or the link says;
* everyone else (an **analyst** or **admin**, the local single user, the CLI) gets
  ``5`` too *unless they ask for exact counts* (a page's "show exact counts" setting,
  the CLI's ``--exact-counts`` flag, which the audit log records).

A figure computed from a withheld count gives it away (a rise "from 1 to 7" of 600%,
a monthly rate of 0.3 over three months, a bar of height 2), so the view-models
withhold those too: :func:`withheld` says whether any count behind a figure is
withheld, and :data:`WITHHELD_READING` is what is said instead.

References
----------
Office for National Statistics (2019). Statistical disclosure control guidance for
crime statistics: cells with fewer than 5 are suppressed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from hotspots.errors import InputError
from hotspots.present.tables import DEFAULT_SUPPRESS_BELOW, format_count, is_suppressed

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from hotspots.comparison.tables import PublishedTable


__all__ = [
    "DEFAULT_SUPPRESS_BELOW",
    "ROLES_EXACT_ALLOWED",
    "WITHHELD_READING",
    "count_columns_as_text",
    "count_text",
    "frame_for_people",
    "published_table_for_people",
    "suppress_below_for",
    "suppression_caption",
    "withheld",
    "withhold_in_text",
]

# roles that may ask for exact counts; "local" is the single user without sign-in
ROLES_EXACT_ALLOWED = ("analyst", "admin", "local")
_ROLES = ("viewer", *ROLES_EXACT_ALLOWED)

WITHHELD_READING = (
    "Figures withheld: a count under {k} is involved, and a change or rate "
    "computed from it would give it away (disclosure control)."
)


def suppress_below_for(role: str | None, *, exact_counts: bool = False) -> int | None:
    """Return the disclosure threshold for ``role``: counts from 1 to it minus 1 are withheld.

    Parameters
    ----------
    role : ``"viewer"``, ``"analyst"``, ``"admin"``, or ``"local"`` / None (no sign-in:
        the single user of a laptop, or the CLI).
    exact_counts : the person asked to see exact counts (a page setting, the CLI's
        ``--exact-counts``). Ignored for a viewer.

    Returns
    -------
    ``5`` (:data:`DEFAULT_SUPPRESS_BELOW`) or None (nothing withheld).

    Examples
    --------
    >>> suppress_below_for("viewer", exact_counts=True)
    5
    >>> suppress_below_for("analyst"), suppress_below_for("analyst", exact_counts=True)
    (5, None)
    """
    role = "local" if role is None else role
    if role not in _ROLES:
        raise InputError("role", role, f"one of {', '.join(_ROLES)}")
    if role == "viewer" or not exact_counts:
        return DEFAULT_SUPPRESS_BELOW
    return None


def withheld(counts: Iterable[object], suppress_below: int | None) -> bool:
    """Return True when any of ``counts`` is withheld (from 1 to ``suppress_below - 1``)."""
    return any(is_suppressed(c, suppress_below) for c in counts)


def count_text(count: object, suppress_below: int | None) -> str:
    """Return a count for people: ``"1,234"``, ``"<5"`` when withheld, ``"–"`` when missing."""
    return format_count(count, suppress_below)


def count_columns_as_text(
    df: pd.DataFrame,
    columns: Sequence[str],
    suppress_below: int | None,
) -> pd.DataFrame:
    """Return a copy of ``df`` with ``columns`` as text counts (``"<5"`` where withheld).

    With ``suppress_below`` None the frame is returned unchanged (numbers stay numbers,
    so that an analyst's table sorts numerically).
    """
    if not suppress_below:
        return df
    out = df.copy()
    for c in columns:
        if c in out.columns:
            out[c] = [count_text(v, suppress_below) for v in out[c]]
    return out


def suppression_caption(suppress_below: int | None) -> str | None:
    """Return the note shown under withheld figures, or None when nothing is withheld."""
    if not suppress_below:
        return None
    return (
        f"Counts under {suppress_below} (other than 0) are shown as <{suppress_below}, and "
        "figures computed from them are withheld (disclosure control)."
    )


_RECORDS = re.compile(r"(?<![\d.,])(\d+)(\s+records?\b)")
_COUNT_PAIR = re.compile(r"(counts \()(\d+) and (\d+)")  # "small counts (12 and 2; ...)"


def withhold_in_text(text: str, suppress_below: int | None) -> str:
    """``text`` with "N records" read "<5 records" when N is withheld.

    The pair in "small counts (12 and 2; ...)" likewise (notes of methods and comparisons).
    """
    if not suppress_below:
        return text

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"<{suppress_below}{m.group(2)}" if is_suppressed(n, suppress_below) else m.group(0)

    def pair(m: re.Match[str]) -> str:
        a, b = (
            f"<{suppress_below}" if is_suppressed(int(x), suppress_below) else x
            for x in (m.group(2), m.group(3))
        )
        return f"{m.group(1)}{a} and {b}"

    return _COUNT_PAIR.sub(pair, _RECORDS.sub(sub, text))


_DERIVED_NAME = re.compile(r"pct|change|share|rate|%|ratio|p_value|flag", re.IGNORECASE)


def frame_for_people(
    frame: pd.DataFrame,
    suppress_below: int | None,
    counts: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return a table with its counts under the rule.

    ``"<5"`` for a withheld count, "withheld" for a derived figure (pct, change, share, rate, ratio,
    p-value, %) in the same row.

    ``counts``: the count columns; default every numeric column whose name does not say
    it is derived. Unchanged without a threshold.
    """
    if not suppress_below or not len(frame):
        return frame
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]  # fmt: skip
    if counts is None:
        counts = [c for c in numeric if not _DERIVED_NAME.search(str(c))]
    derived = [c for c in numeric if c not in counts]
    small = (
        frame[list(counts)]
        .apply(lambda col: col.map(lambda v: is_suppressed(v, suppress_below)))
        .astype(bool)
    )
    row_small = small.any(axis=1) if counts else pd.Series(False, index=frame.index)
    out = frame.astype(object)
    for c in counts:
        out[c] = [f"<{suppress_below}" if s else v for s, v in zip(small[c], frame[c], strict=True)]
    for c in derived:
        out[c] = ["withheld" if s else v for s, v in zip(row_small, frame[c], strict=True)]
    return out


def published_table_for_people(table: PublishedTable, suppress_below: int | None):
    """Return a :class:`~hotspots.comparison.tables.PublishedTable` with its counts under the rule.

    The rule is :func:`frame_for_people`; its CSV, Markdown and HTML then all show ``"<5"``.
    """
    from dataclasses import replace

    if not suppress_below:
        return table
    return replace(table, frame=frame_for_people(table.frame, suppress_below))
