"""Tables for people: formatted numbers, disclosure control and display frames.

Disclosure control: counts from 1 to ``suppress_below - 1`` are shown as ``"<5"``
(for the default ``suppress_below=5``); zero is shown as 0. Derived figures that
would let a reader recover a suppressed count (share, density) are withheld too.
Analyst views pass ``suppress_below=None`` to show everything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from hotspots.comparison.figures import location_counts  # re-exported: moved to the analysis layer
from hotspots.data import schema as S

__all__ = [
    "DEFAULT_SUPPRESS_BELOW",
    "HOTSPOT_TABLE_LABELS",
    "TABLE_TOP_N",
    "format_count",
    "format_month",
    "format_number",
    "format_period",
    "format_share",
    "format_top",
    "hotspot_table",
    "is_suppressed",
    "location_counts",
    "nest_hotspots",
    "top_rows",
]

CHILD_MARK = "\u2514 "  # "└ " before a child's name, under its parent

DEFAULT_SUPPRESS_BELOW = 5

# Column headings for people, by hotspot column, in the order tables show them: the key
# columns (rank, name, records) first, so a phone shows them without scrolling sideways.
HOTSPOT_TABLE_LABELS: dict[str, str] = {
    S.RANK: "Rank",
    S.NAME: "Name",
    S.COUNT: "Records",
    S.WARD_NAME: "Ward",
    S.SHARE: "Share of records",
    S.AREA_KM2: "Area (km²)",
    S.DENSITY_PER_KM2: "Records per km²",
    S.TOP_CATEGORIES: "Top categories",
    S.TOP_LOCATIONS: "Top locations",
    S.HOTSPOT_ID: "Hotspot ID",
}


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def is_suppressed(count: object, suppress_below: int | None) -> bool:
    """Return True when ``count`` is between 1 and ``suppress_below - 1`` (inclusive)."""
    if not suppress_below or _missing(count):
        return False
    return 0 < float(count) < suppress_below


def format_count(count: object, suppress_below: int | None = None) -> str:
    """``1234 -> "1,234"``; suppressed counts -> ``"<5"``; missing -> ``"–"``."""
    if _missing(count):
        return "–"
    if is_suppressed(count, suppress_below):
        return f"<{suppress_below}"
    c = float(count)
    return f"{int(c):,}" if c.is_integer() else f"{c:,.1f}"


def format_number(value: object, decimals: int = 1) -> str:
    """Thousands separators and a fixed number of decimals; missing -> ``"–"``."""
    if _missing(value):
        return "–"
    return f"{float(value):,.{decimals}f}"


def format_share(share: object) -> str:
    """Return a share given as a fraction in [0, 1] -> ``"12.3%"``; missing -> ``"–"``."""
    if _missing(share):
        return "–"
    return f"{100.0 * float(share):.1f}%"


_PAREN_COUNT = re.compile(r"\((\d+)\)")
_COLON_COUNT = re.compile(r":\s*(\d+)\b(?!\s*%)")


def _suppress_in_text(text: str, suppress_below: int | None) -> str:
    if not suppress_below:
        return text

    def paren(m: re.Match[str]) -> str:
        return (
            f"(<{suppress_below})" if is_suppressed(int(m.group(1)), suppress_below) else m.group(0)
        )

    def colon(m: re.Match[str]) -> str:
        return (
            f": <{suppress_below}" if is_suppressed(int(m.group(1)), suppress_below) else m.group(0)
        )

    return _COLON_COUNT.sub(colon, _PAREN_COUNT.sub(paren, text))


def format_top(value: object, suppress_below: int | None = None, sep: str = "; ") -> str:
    """Format a "top categories" / "top locations" value as one line of text.

    Accepts a string (counts written ``"Name (12)"`` or ``"Name: 12"`` are
    suppressed in place), a list of names, a list of ``(name, count)`` pairs, a
    list of dicts with ``name``/``category``/``location`` and ``count``, or a
    ``{name: count}`` mapping. The text is *not* HTML-escaped: escape at output.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return _suppress_in_text(value, suppress_below)
    if isinstance(value, Mapping):
        items: Iterable[object] = list(value.items())
    elif isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        items = list(value)
    else:
        return _suppress_in_text(str(value), suppress_below)
    parts = []
    for item in items:
        if isinstance(item, Mapping):
            name = next((item[k] for k in ("name", "category", "location") if k in item), "")
            count = item.get("count")
            parts.append(
                f"{name} ({format_count(count, suppress_below)})"
                if count is not None
                else str(name),
            )
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            parts.append(f"{item[0]} ({format_count(item[1], suppress_below)})")
        else:
            parts.append(_suppress_in_text(str(item), suppress_below))
    return sep.join(parts)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{2})")


def format_month(month: object) -> str:
    """Return a month as people write it: ``"2024-01"`` (or a date / Timestamp) -> ``"Jan 2024"``.

    Text that is not a month is returned unchanged (as text); missing values give "–".
    """
    if _missing(month):
        return "–"
    if isinstance(month, (pd.Timestamp, pd.Period)) or hasattr(month, "year"):
        y, m = int(month.year), int(month.month)
    else:
        hit = _MONTH_RE.match(str(month))
        if not hit or not 1 <= int(hit.group(2)) <= 12:
            return str(month)
        y, m = int(hit.group(1)), int(hit.group(2))
    return f"{_MONTHS[m - 1]} {y}"


def format_period(start: object, end: object) -> str:
    """``("2024-01", "2024-03")`` -> ``"Jan 2024 – Mar 2024"``; one month -> ``"Jan 2024"``."""
    a, b = format_month(start), format_month(end)
    return a if a == b else f"{a} – {b}"


def nest_hotspots(hotspots: pd.DataFrame) -> pd.DataFrame:
    """Hotspots in reading order: each top-level hotspot followed by its children.

    Street-sized children (``level`` 1, :mod:`hotspots.methods.hierarchy`) come right
    under their ``parent``, most records first; a ``label`` column numbers them
    within it ("1", "1.1", "1.2", "2", ...) and ``display_name`` indents their names
    ("└ Bournemouth Square"). A frame without ``level`` is ordered by rank and
    labelled by rank. The input's columns are kept; the index is reset.
    """
    df = pd.DataFrame(hotspots)
    if S.RANK in df.columns:
        df = df.sort_values(S.RANK, kind="stable")
    df = df.reset_index(drop=True)
    names = df[S.NAME].astype(str) if S.NAME in df.columns else pd.Series([""] * len(df))
    if "level" not in df.columns or not (df["level"] == 1).any():
        ranks = df[S.RANK] if S.RANK in df.columns else pd.Series(range(1, len(df) + 1))
        return df.assign(label=[str(r) for r in ranks], display_name=names.to_numpy())
    top = df[df["level"] == 0]
    kids = df[df["level"] == 1]
    # children of each parent, most records first (one sort and one grouping, not a
    # selection per parent: that was 0.3-1.2 s of every Hotspot map rerun)
    by_parent: dict[object, list[int]] = {}
    if len(kids):
        ranked = kids.sort_values([S.COUNT, S.RANK], ascending=[False, True], kind="stable")
        for j, parent in zip(ranked.index, ranked["parent"].tolist(), strict=True):
            by_parent.setdefault(parent, []).append(j)
    order: list[int] = []
    labels: list[str] = []
    under: list[bool] = []  # shown under its parent
    for pos, (i, hid) in enumerate(zip(top.index, top[S.HOTSPOT_ID].tolist(), strict=True), 1):
        order.append(i)
        labels.append(str(pos))
        under.append(False)
        for k, j in enumerate(by_parent.get(hid, ()), start=1):
            order.append(j)
            labels.append(f"{pos}.{k}")
            under.append(True)
    placed = set(order)
    for j in kids.index:  # a child whose parent is not in the frame (filtered out)
        if j not in placed:
            order.append(j)
            labels.append(str(df.at[j, S.RANK]) if S.RANK in df.columns else "")
            under.append(False)
    out = df.loc[order].reset_index(drop=True)
    name = out[S.NAME].astype(str) if S.NAME in out.columns else pd.Series([""] * len(out))
    shown = name.where(~np.asarray(under), CHILD_MARK + name)
    return out.assign(label=labels, display_name=shown.to_numpy())


def hotspot_table(hotspots: pd.DataFrame, *, suppress_below: int | None = None) -> pd.DataFrame:
    """Return a display table of hotspots with headings for people, children under their parents.

    Rows come in :func:`nest_hotspots` order: a street-sized child right under the
    district it lies in, its rank shown as "1.1", "1.2" and its name indented.
    Counts are formatted as text so that suppressed values read ``"<5"``; with
    suppression on, share and density of a suppressed hotspot are withheld. The
    geometry is dropped. Columns absent from ``hotspots`` are skipped.
    """
    df = pd.DataFrame(hotspots).drop(columns="geometry", errors="ignore")
    nested = "level" in df.columns and bool((df["level"] == 1).any())
    if nested:
        n = nest_hotspots(df)
        df = n.assign(**{S.RANK: n["label"], S.NAME: n["display_name"]}).drop(
            columns=["label", "display_name"],
        )
    elif S.RANK in df.columns:
        df = df.sort_values(S.RANK, kind="stable")
    out = {}
    sup = (
        df[S.COUNT].map(lambda c: is_suppressed(c, suppress_below))
        if S.COUNT in df.columns
        else pd.Series(False, index=df.index)
    )
    for col, label in HOTSPOT_TABLE_LABELS.items():
        if col not in df.columns:
            continue
        s = df[col]
        if col == S.COUNT:
            s = s.map(lambda c: format_count(c, suppress_below))
        elif col == S.SHARE:
            s = s.map(format_share).where(~sup, "–")
        elif col == S.DENSITY_PER_KM2:
            s = s.map(lambda v: format_number(v, 0)).where(~sup, "–")
        elif col == S.AREA_KM2:
            s = s.map(lambda v: format_number(v, 3))
        elif col in (S.TOP_CATEGORIES, S.TOP_LOCATIONS):
            s = s.map(lambda v: format_top(v, suppress_below))
        out[label] = s.to_numpy()
    return pd.DataFrame(out)


#: rows of the ranked hotspot table a page shows (the downloads hold every hotspot)
TABLE_TOP_N = 25


def top_rows(table: pd.DataFrame, top_n: int = TABLE_TOP_N) -> tuple[pd.DataFrame, str | None]:
    """Return the first ``top_n`` hotspots of a ranked table and a sentence on how many more exist.

    In a nested table (:func:`hotspot_table`: ranks "1", "1.1", "1.2", "2", ...) the count is
    of top-level hotspots, each kept with the street-sized hotspots under it, so the table,
    the map and the downloads list the same hotspots. Returns ``(table, None)`` when nothing
    is left out.
    """
    rank = HOTSPOT_TABLE_LABELS[S.RANK]
    if rank in table.columns:
        top = ~table[rank].astype(str).str.contains(".", regex=False).to_numpy()
    else:
        top = np.ones(len(table), dtype=bool)
    n_top = int(top.sum())
    if n_top <= top_n:
        return table, None
    more = n_top - top_n
    return table[np.cumsum(top) <= top_n], (
        f"The {top_n} biggest of {n_top:,} hotspots; {more:,} smaller "
        f"{'one is' if more == 1 else 'ones are'} in the downloads."
    )
