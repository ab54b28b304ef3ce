"""The Ward view's view-model: everything the page shows, with the disclosure rule applied.

:func:`ward_page` turns a :class:`~hotspots.present.views.WardView` (the figures of
one ward) into a :class:`WardPage`: the heading, the plain-English paragraph, the
metrics, the reading against a year earlier, and the tables and chart data.
``app_pages/3_Ward_view.py`` only lays them out. The one-page ward report
(:mod:`hotspots.present.reports`) is drawn from the same ``WardView`` (its
``report``), so the page and the report give the ward the same count
(``tests/present/test_ward_page.py``).

With a threshold (a viewer always has one, :mod:`hotspots.present.disclosure`) no
count from 1 to 4 reaches the page: counts read ``<5``, a share or reading computed
from such a count is withheld, and chart bars and points of such counts are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hotspots.data import schema as S
from hotspots.present.disclosure import WITHHELD_READING, withheld
from hotspots.present.escape import markdown as md_text
from hotspots.present.page_parts import Metric, chart_values
from hotspots.present.tables import format_count, format_period, hotspot_table, is_suppressed
from hotspots.present.views import WardView, ward_paragraph

__all__ = ["SERIES", "WardPage", "outcome_table", "unknown_ward_message", "ward_page"]

SERIES = ("Anti-social behaviour", "Crime")
TOP_LOCATIONS = 10


@dataclass(frozen=True)
class WardPage:
    """What the Ward view shows for one ward and window.

    Markdown strings are escaped here (names come from data); ``heading`` is the
    ward's name from the bundled boundaries and the period.
    """

    heading: str
    paragraph: str  # markdown
    metrics: tuple[Metric, ...]
    previous: str | None  # markdown: the reading against a year earlier
    comparison_note: str | None  # why there is no comparison (when there is none)
    hotspots_table: pd.DataFrame  # the text alternative to the map (may have no rows)
    trend_title: str
    trend_chart: pd.DataFrame  # month + one column per series, withheld values missing
    categories_chart: pd.DataFrame  # category, records (withheld rows left out)
    categories_table: pd.DataFrame  # category, records as text
    outcomes_table: pd.DataFrame | None  # outcome, records as text, share (%) (None: none)
    locations_table: pd.DataFrame | None  # location, records as text (the top 10)


def outcome_table(table: pd.DataFrame, suppress_below: int | None) -> pd.DataFrame:
    """Return the outcome mix with small counts as ``<k`` and their shares left empty.

    A share of a known total gives the count away.
    """
    k = suppress_below
    hide = [is_suppressed(v, k) for v in table["records"]]
    return table.assign(
        records=[format_count(v, k) for v in table["records"]],
        **{"share (%)": [None if h else v for h, v in zip(hide, table["share (%)"], strict=True)]},
    )


def ward_page(
    wv: WardView,
    start: str,
    end: str,
    *,
    suppress_below: int | None,
    bcp_area_km2: float,
) -> WardPage:
    """Return the Ward view's content for the window ``start``..``end`` (YYYY-MM).

    Parameters
    ----------
    wv : the ward's figures (:func:`hotspots.present.views.ward_view`).
    start, end : the window, as the filters give it.
    suppress_below : the disclosure threshold
        (:func:`hotspots.present.disclosure.suppress_below_for`); None shows exact counts.
    bcp_area_km2 : BCP's area in km² (the outline's), for the share of area in the help text.
    """
    k = suppress_below
    cats = wv.categories
    n_asb = int(cats.loc[cats["category"] == S.ASB, "records"].sum()) if len(cats) else 0
    if is_suppressed(wv.n_records, k):
        share = "withheld"
    else:
        share = f"{100 * wv.share_of_bcp:.1f}%" if wv.n_bcp else "n/a"
    metrics = (
        Metric("Records", format_count(wv.n_records, k)),
        Metric("Anti-social behaviour", format_count(n_asb, k)),
        Metric("Crime", format_count(wv.n_records - n_asb, k)),
        Metric(
            "Share of all BCP records",
            share,
            help=f"The ward covers {100 * wv.area.area_km2 / bcp_area_km2:.1f}% of BCP's area.",
        ),
    )
    previous = note = None
    if wv.previous is not None:
        small = withheld((wv.previous.count_a, wv.previous.count_b), k)
        reading = WITHHELD_READING.format(k=k) if small else wv.previous.reading
        previous = f"**Against a year earlier:** {reading}"  # wording of figures, not data
    else:
        note = wv.comparison_note
    top = wv.locations.head(TOP_LOCATIONS)
    locations = (
        top.assign(records=[format_count(v, k) for v in top[S.COUNT]])[[S.LOCATION, "records"]]
        if len(top)
        else None
    )
    return WardPage(
        heading=f"{wv.ward_name}: {format_period(start, end)}",
        paragraph=md_text(ward_paragraph(wv, start, end, k)),
        metrics=metrics,
        previous=previous,
        comparison_note=note,
        hotspots_table=hotspot_table(wv.hotspots, suppress_below=k)
        if len(wv.hotspots)
        else pd.DataFrame(),
        trend_title=f"Records per month in {wv.ward_name}",
        trend_chart=chart_values(wv.trend, SERIES, k),
        categories_chart=cats[[not is_suppressed(v, k) for v in cats["records"]]],
        categories_table=pd.DataFrame(
            {
                "category": cats["category"],
                "records": [format_count(v, k) for v in cats["records"]],
            },
        ),
        outcomes_table=outcome_table(wv.outcomes, k)
        if wv.outcomes is not None and len(wv.outcomes)
        else None,
        locations_table=locations,
    )


def unknown_ward_message(asked: str, near: list[str]) -> str:
    """Markdown for a link naming no BCP ward, with the closest names (escaped)."""
    return (
        md_text(f"No ward called “{asked[:80]}” in BCP.")
        + (f" Did you mean **{md_text(' or '.join(near))}**?" if near else "")
        + " Choose one below or in the sidebar."
    )
