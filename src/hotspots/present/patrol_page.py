"""The Patrol planning page's view-model: everything it shows, with the disclosure rule applied.

:func:`patrol_page` turns a :class:`~hotspots.present.views.PatrolView` (the chosen
places, their coverage and PAI) into a :class:`PatrolPage`: the headline, the PAI
caption, warnings, the ranked table and the coverage table;
``app_pages/4_Patrol_planning.py`` only lays them out. The patrol sheet
(:mod:`hotspots.present.patrol_sheet`) and the downloads are drawn from the same
``PatrolView.places``, so the page, the sheet and the files number and count the
places alike.

References
----------
Chainey, S., Tompson, L. and Uhlig, S. (2008). The utility of hotspot mapping for
predicting spatial patterns of crime. *Security Journal* 21, 4-28 (the PAI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from hotspots.data import schema as S
from hotspots.present.disclosure import withhold_in_text
from hotspots.present.escape import markdown as md_text
from hotspots.present.tables import format_count, format_period, format_share, is_suppressed

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hotspots.present.views import PatrolView

__all__ = ["COVERAGE_POINTS", "PLACE_COLUMNS", "PatrolPage", "patrol_page"]

#: Shares of the area patrolled at which the coverage table reads the curve.
COVERAGE_POINTS = (0.01, 0.02, 0.05, 0.10)
#: The ranked table's columns, key columns first.
# the key columns first (number, place, records), so a narrow column or a phone shows them
PLACE_COLUMNS = (S.RANK, S.NAME, "records", "share", "cumulative", S.WARD_NAME, "PAI",
                 S.TOP_CATEGORIES)  # fmt: skip
SMALL_SELECTION = 20  # records: below this, rankings and PAI swing widely


@dataclass(frozen=True)
class PatrolPage:
    """What the Patrol planning page shows (markdown strings are escaped here)."""

    empty: bool  # no records for the filters: the page says so and shows nothing else
    headline: str | None  # markdown
    pai_caption: str | None
    small_warning: str | None
    score: str | None  # the plan judged on the next month
    time_caption: str | None  # hours/days filters on records with months only
    places_table: pd.DataFrame  # PLACE_COLUMNS, counts and shares as text
    coverage_title: str
    coverage_table: list[dict[str, object]]
    notes: tuple[str, ...]  # markdown
    sheet_categories: tuple[str, ...]  # listed on the printed sheet (() = all categories)


def _places_table(places: pd.DataFrame, k: int | None) -> pd.DataFrame:
    shown = places.assign(
        records=[format_count(v, k) for v in places[S.COUNT]],
        share=[
            "withheld" if is_suppressed(n, k) else format_share(v)
            for n, v in zip(places[S.COUNT], places[S.SHARE], strict=True)
        ],
        cumulative=[format_share(v) for v in places["cumulative_share"]],
        PAI=places["pai"].round(0),
    )
    return pd.DataFrame(shown[list(PLACE_COLUMNS)])


def patrol_page(
    pv: PatrolView,
    start: str,
    end: str,
    *,
    categories: Sequence[str],
    hours: Sequence[int] | None = (),
    days: Sequence[int] | None = (),
    suppress_below: int | None,
) -> PatrolPage:
    """Return the Patrol planning page's content for the window ``start``..``end`` (YYYY-MM).

    Parameters
    ----------
    pv : the places and their coverage (:func:`hotspots.present.views.patrol_view`).
    categories : the categories chosen (all of them: the sheet says "all").
    hours, days : the time filters chosen, empty or None for none (police.uk records have
        months only).
    suppress_below : the disclosure threshold; None shows exact counts.
    """
    k = suppress_below
    cov = pv.coverage
    cell = f"{pv.cell_size_m:g}"
    n_places = len(pv.places)
    share = float(pv.places["cumulative_share"].iloc[-1]) if n_places else 0.0
    area_share = float(pv.places["cumulative_area_share"].iloc[-1]) if n_places else 0.0
    headline = pai = small = None
    if pv.n_records and area_share > 0:
        chance = cov.chance_share_at(min(area_share, 1.0))
        headline = (
            f"**Patrolling these {n_places} places ({100 * area_share:.2f}% of "
            f"{md_text(pv.area.name)}'s area) covers {100 * share:.0f}% of the "
            f"{format_count(pv.n_records, k)} records** chosen ({format_period(start, end)}). "
            f"The same number of records scattered at random would put about "
            f"{100 * chance:.0f}% in the busiest cells of that size."
        )
        pai = (
            f"Predictive Accuracy Index (share of records ÷ share of area, Chainey et al. 2008): "
            f"{share / area_share:.0f}, in-sample: the places were chosen and counted on the same "
            "months, which flatters them. Switch on “Judge the plan on the next month” for the "
            "figure a plan is really judged on."
        )
        if pv.n_records < SMALL_SELECTION:
            small = (
                f"Only {format_count(pv.n_records, k)} records: rankings and PAI this small "
                "swing widely from month to month."
            )
    coverage = [
        {
            "area patrolled": f"{100 * a:g}%",
            "records covered": f"{100 * cov.record_share_at(a):.0f}%",
            "by chance": f"{100 * cov.chance_share_at(a):.0f}%",
            "PAI (in-sample)": round(cov.record_share_at(a) / a, 1),
        }
        for a in COVERAGE_POINTS
    ]
    return PatrolPage(
        empty=pv.n_records == 0,
        headline=headline,
        pai_caption=pai,
        small_warning=small,
        score=pv.score.sentence() if pv.score is not None else None,
        time_caption="Hours / days filters applied to records with a time; police.uk records "
        "have months only."
        if hours or days
        else None,
        places_table=_places_table(pv.places, k),
        coverage_title=f"Share of records covered by the densest {cell} m cells",
        coverage_table=coverage,
        notes=tuple(md_text(withhold_in_text(n, k)) for n in pv.notes),
        sheet_categories=tuple(categories) if len(categories) < len(S.CATEGORIES) else (),
    )
