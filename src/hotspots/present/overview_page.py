"""The Overview page's view-model: everything it shows, with the disclosure rule applied.

:func:`overview_page` turns an :class:`~hotspots.present.views.OverviewView` (the
figures) into text, metrics and tables; ``overview.py`` only lays them out. With a
threshold (a viewer always has one, see :mod:`hotspots.present.disclosure`) no count
from 1 to 4 reaches the page: counts read ``<5``, a change or reading computed from
such a count is withheld, and chart points of such months are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from hotspots.present.disclosure import (
    WITHHELD_READING,
    count_text,
    suppression_caption,
    withheld,
    withhold_in_text,
)
from hotspots.present.page_parts import Metric, change_delta, chart_values, table_counts
from hotspots.present.tables import format_month, format_period

if TYPE_CHECKING:
    from hotspots.present.views import OverviewView

__all__ = ["OverviewPage", "coverage_for_people", "overview_page"]

SERIES = ("Anti-social behaviour", "Crime")


@dataclass(frozen=True)
class OverviewPage:
    """What the Overview shows (markdown strings are written by this module, not by users)."""

    heading: str
    metrics: tuple[Metric, ...]
    readings: tuple[str, ...]  # markdown
    captions: tuple[str, ...]
    notes: tuple[str, ...]
    trend_title: str
    trend_chart: pd.DataFrame  # month + one column per series, withheld values missing
    trend_table: pd.DataFrame
    categories_chart: pd.DataFrame  # category, records (withheld rows left out)
    categories_table: pd.DataFrame
    disclosure: str | None


def overview_page(
    ov: OverviewView,
    start: str,
    end: str,
    *,
    suppress_below: int | None,
) -> OverviewPage:
    """Return the Overview's content for the window ``start``..``end`` (YYYY-MM).

    Parameters
    ----------
    ov : the figures (:func:`hotspots.present.views.overview_view`).
    suppress_below : the disclosure threshold
        (:func:`hotspots.present.disclosure.suppress_below_for`); None shows exact counts.
    """
    k = suppress_below
    prev = ov.previous
    delta, arrow = change_delta(prev.result if prev is not None else None, k)
    if delta is not None:
        head, _, ci = delta.partition(" (")
        delta = f"{head} vs a year earlier ({ci}"
    # complementary suppression: with one part withheld, the total would give it away
    # through the other part, so that part is withheld too (the total is the headline)
    asb, crime = count_text(ov.n_asb, k), count_text(ov.n_crime, k)
    small = [withheld((n,), k) for n in (ov.n_asb, ov.n_crime)]
    if small[0] != small[1] and not withheld((ov.n_records,), k):
        asb, crime = ("withheld", crime) if small[1] else (asb, "withheld")
    metrics = (
        Metric(
            "Records",
            count_text(ov.n_records, k),
            delta,
            arrow,
            "Change against the same months a year earlier with its 95% interval; the arrow "
            "shows only when the interval is wholly on one side of no change.",
        ),
        Metric("Anti-social behaviour", asb),
        Metric("Crime", crime),
    )
    readings: list[str] = []
    captions: list[str] = []
    if prev is not None:
        if withheld((prev.count_a, prev.count_b), k):
            readings.append("**Against a year earlier:** " + WITHHELD_READING.format(k=k))
        else:
            readings.append(f"**Against a year earlier:** {prev.reading}")
            captions.append(prev.dispersion.description)
    base = ov.baseline
    if base is not None:
        if withheld((base.count, *base.counts), k):
            readings.append("**Against previous years:** " + WITHHELD_READING.format(k=k))
        else:
            readings.append(f"**Against previous years:** {base.reading}")
    trend = ov.trend
    trend_table = table_counts(
        trend.assign(month=[format_month(m) for m in trend["month"]]),
        SERIES,
        k,
    )
    cats = ov.categories
    cat_chart = cats[[not withheld((n,), k) for n in cats["records"]]] if k and len(cats) else cats
    return OverviewPage(
        heading=f"{ov.area.name}: {format_period(start, end)}",
        metrics=metrics,
        readings=tuple(readings),
        captions=tuple(captions),
        notes=tuple(withhold_in_text(n, k) for n in ov.notes),
        trend_title=f"Records per month in {ov.area.name}",
        trend_chart=chart_values(trend, SERIES, k),
        trend_table=trend_table,
        categories_chart=cat_chart,
        categories_table=table_counts(cats, ("records",), k),
        disclosure=suppression_caption(k),
    )


def coverage_for_people(table: pd.DataFrame, *, suppress_below: int | None) -> pd.DataFrame:
    """Return the coverage table (months by category) with its counts under the disclosure rule."""
    counts = [
        c for c in table.columns if c != "missing" and pd.api.types.is_integer_dtype(table[c])
    ]
    return table_counts(table, counts, suppress_below)
