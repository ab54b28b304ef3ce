"""Pieces every page's view-model is built from: a metric, and charts' data with withheld values.

A view-model (:mod:`hotspots.present.overview_page`, :mod:`hotspots.present.seasonal_page`)
returns everything a page shows as plain values; the page only lays them out. The
disclosure rule is applied here, once, so no page can forget it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hotspots.comparison import wording as W
from hotspots.present.disclosure import withheld
from hotspots.present.tables import is_suppressed

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from hotspots.comparison.ratio import RateRatio


__all__ = ["Metric", "change_delta", "chart_values", "counts_with_shares", "table_counts"]


@dataclass(frozen=True)
class Metric:
    """One ``st.metric``: ``value`` as text, ``delta`` with its ``arrow`` (up/down/off)."""

    label: str
    value: str
    delta: str | None = None
    arrow: str = "off"
    help: str | None = None

    @property
    def delta_color(self) -> str:
        """Streamlit's ``delta_color``: "inverse" (a fall is good) unless there is no arrow."""
        return "inverse" if self.arrow != "off" else "off"


def change_delta(change: RateRatio | None, suppress_below: int | None) -> tuple[str | None, str]:
    """Return a metric's delta and arrow from a change (a ``RateRatio`` or one like it).

    The arrow agrees with the interval's sign; nothing is said when the earlier count is
    0, or when either count is withheld (the percentage would give it away).
    """
    if change is None or change.count_a == 0:
        return None, "off"
    if withheld((change.count_a, change.count_b), suppress_below):
        return None, "off"
    lo, hi = change.pct_ci
    arrow = "down" if hi < 0 else "up" if lo > 0 else "off"
    return f"{W.pct(change.pct_change)} ({W.pct(lo)} to {W.pct(hi)})", arrow


def chart_values(
    df: pd.DataFrame,
    columns: Sequence[str],
    suppress_below: int | None,
) -> pd.DataFrame:
    """Chart data with withheld counts as missing (a bar or point of height 2 gives 2 away)."""
    if not suppress_below:
        return df
    out = df.copy()
    for c in columns:
        if c in out.columns:
            v = out[c].astype("float64")
            out[c] = v.where(~v.map(lambda x: is_suppressed(x, suppress_below)), np.nan)
    return out


def table_counts(df: pd.DataFrame, columns: Sequence[str], suppress_below: int | None):
    """Return a table with ``columns`` as text counts (``"<5"`` where withheld); same without k."""
    from hotspots.present.disclosure import count_columns_as_text

    return count_columns_as_text(df, columns, suppress_below)


def counts_with_shares(df: pd.DataFrame, count_column: str, suppress_below: int | None):
    """Return a table of counts and their shares.

    Withheld counts read ``<5`` and, in the same rows, every column whose name holds "share" reads
    "withheld" (a share of a known total gives the count away).
    """
    if not suppress_below or not len(df):
        return df
    small = [is_suppressed(v, suppress_below) for v in df[count_column]]
    out = table_counts(df, (count_column,), suppress_below).astype(object)
    for c in out.columns:
        if "share" in str(c).lower():
            out[c] = ["withheld" if s else v for s, v in zip(small, out[c], strict=True)]
    return out
