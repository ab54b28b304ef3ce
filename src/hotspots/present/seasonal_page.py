"""The Seasonal comparison page's view-model: the evaluation as text, metrics and tables.

:func:`seasonal_page` turns a :class:`~hotspots.present.views.SeasonalView` into what
``app_pages/2_Seasonal_comparison.py`` shows; the page only lays it out. The
disclosure rule (:mod:`hotspots.present.disclosure`) is applied here: for a group in
which any zone has from 1 to 4 records before or after, the counts read ``<5`` and the
changes, effect, WDD, WDQ and readings computed from them are withheld ("robbery rose
600% (1 to 7)" would give the 1 away).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hotspots.comparison import wording as W
from hotspots.comparison.dispersion import POISSON_LABEL
from hotspots.comparison.evaluation import WDD_RAW_FORMULA, WDD_SCALED_FORMULA, WDQ_FORMULA
from hotspots.present.disclosure import (
    WITHHELD_READING,
    count_text,
    suppression_caption,
    withheld,
    withhold_in_text,
)
from hotspots.present.evaluation_words import (
    evaluation_table,
    group_reading,
    wdd_details,
    wdq_meaning,
)
from hotspots.present.page_parts import Metric, change_delta, chart_values, table_counts
from hotspots.present.views import SeasonalView

__all__ = [
    "GroupPanel",
    "SeasonalPage",
    "seasonal_page",
    "ZONE_COUNT_COLUMNS",
    "evaluation_table_for_people",
    "evaluation_dict_for_people",
    "group_readings_for_people",
]

ZONE_COUNT_COLUMNS = (
    "target_before", "target_after", "buffer_before", "buffer_after",
    "control_before", "control_after",
)  # fmt: skip
YEARLY_SERIES = ("Crime", "Anti-social behaviour")
# evaluation-table columns kept for a withheld group (counts are shown as "<5" instead)
_KEY_COLUMNS = (
    "group", "wdd_raw_formula", "wdd_scaled_formula", "wdq_formula", *ZONE_COUNT_COLUMNS,
)  # fmt: skip


@dataclass(frozen=True)
class GroupPanel:
    """One group of categories (crime, ASB, ...): its heading, reading, metrics and WDD text."""

    title: str
    reading: str  # markdown
    metrics: tuple[Metric, ...]  # target, buffer ring, control, effect vs control
    dispersion: str
    wdd: str  # markdown
    wdd_help: str
    notes: tuple[str, ...]
    withheld: bool


@dataclass(frozen=True)
class SeasonalPage:
    """What the evaluation part of the Seasonal page shows."""

    heading: str
    description: str
    notes: tuple[str, ...]
    groups: tuple[GroupPanel, ...]
    table: pd.DataFrame  # the evaluation table, for the page and its CSV download
    change_reading: str | None
    change_cells: list[dict]  # [{"change": class, "cells": n}]
    change_notes: tuple[str, ...]
    yearly_chart: pd.DataFrame
    yearly_table: pd.DataFrame
    baselines: tuple[str, ...]  # markdown bullet lines
    disclosure: str | None


def _group_withheld(g, k: int | None) -> bool:
    return withheld((getattr(g, c) for c in ZONE_COUNT_COLUMNS), k)


def _panel(ev, g, k: int | None) -> GroupPanel:
    hide = _group_withheld(g, k)
    zones = (
        ("Target", g.target_before, g.target_after, g.target_change),
        ("Buffer ring", g.buffer_before, g.buffer_after, g.buffer_change),
        ("Control", g.control_before, g.control_after, g.control_change),
    )
    metrics = []
    for label, before_n, after_n, change in zones:
        delta, arrow = (None, "off") if hide else change_delta(change, k)
        how = (
            f"allowing for dispersion {change.dispersion.phi:.1f}"
            if change.dispersion.estimated
            else f"which {POISSON_LABEL}: too few months to estimate the overdispersion"
        )
        metrics.append(
            Metric(
                label,
                count_text(after_n, k),
                delta,
                arrow,
                f"{count_text(before_n, k)} before; change with its 95% interval, {how}",
            )
        )
    rel = g.relative
    lo, hi = rel.pct_ci
    effect_help = (
        "Ratio of rate ratios (target against control), from a count model with zone, month "
        f"and zone × period terms. {g.dispersion.description} Assuming Poisson counts "
        f"instead: {W.pct(rel.poisson_pct_ci[0])} to {W.pct(rel.poisson_pct_ci[1])} "
        f"({POISSON_LABEL})."
    )
    if hide:
        metrics.append(Metric("Effect vs control", "withheld", None, "off", effect_help))
    else:
        metrics.append(
            Metric(
                "Effect vs control",
                W.pct(rel.pct),
                # Streamlit colours a delta by its leading sign: lead with the interval's
                f"{W.pct(lo)} to {W.pct(hi)} (95% CI)",
                "down" if hi < 0 else "up" if lo > 0 else "off",
                effect_help,
            )
        )
    withheld_text = WITHHELD_READING.format(k=k)
    if hide:
        reading, wdd = withheld_text, "WDD and WDQ: " + withheld_text
    else:
        reading = group_reading(ev, g)
        q = (
            "not defined (no change in the target against the control)"
            if math.isnan(g.wdq)
            else f"**{g.wdq:.2f}** (95% CI {g.wdq_ci[0]:.2f} to {g.wdq_ci[1]:.2f})"
        )
        wdd = (
            "  \n".join(wdd_details(g))
            + f"  \nWeighted Displacement Quotient: {q} — {wdq_meaning(g)} "
            "(Bowers and Johnson 2003)."
        )
    return GroupPanel(
        title=g.label[:1].upper() + g.label[1:],
        reading=reading,
        metrics=tuple(metrics),
        dispersion=g.dispersion.description,
        wdd=wdd,
        wdd_help=f"{WDD_SCALED_FORMULA}\n\n{WDD_RAW_FORMULA}\n\n{WDQ_FORMULA}",
        notes=() if hide else tuple(g.notes[1:]),
        withheld=hide,
    )


def _table(ev, k: int | None) -> pd.DataFrame:
    tab = evaluation_table(ev)
    if not k:
        return tab
    out = tab.astype(object)
    for i, g in enumerate(ev.groups):
        if _group_withheld(g, k):
            for c in out.columns:
                if c not in _KEY_COLUMNS:
                    out.iat[i, out.columns.get_loc(c)] = "withheld"
    return table_counts(out, [c for c in ZONE_COUNT_COLUMNS if c in out.columns], k)


def _baseline_line(name: str, b, k: int | None) -> str:
    if withheld((b.count, *b.counts), k):
        return f"- **{name} in the target:** " + WITHHELD_READING.format(k=k)
    return f"- **{name} in the target:** {b.reading}"


def seasonal_page(sv: SeasonalView, *, suppress_below: int | None) -> SeasonalPage:
    """The evaluation part of the Seasonal page.

    Parameters
    ----------
    sv : the figures (:func:`hotspots.present.views.seasonal_view`).
    suppress_below : the disclosure threshold
        (:func:`hotspots.present.disclosure.suppress_below_for`); None shows exact counts.
    """
    k = suppress_below
    ev: Any = sv.evaluation  # an Evaluation (typed object in SeasonalView)
    ch = sv.change
    baselines = tuple(
        _baseline_line(name, b, k)
        for name, b in (("Crime", sv.baseline_crime), ("ASB", sv.baseline_asb))
        if b is not None
    )
    return SeasonalPage(
        heading=f"{ev.target_name}: {ev.before.label} → {ev.after.label}",
        description=(
            f"Target {ev.target_area_km2:.2f} km²; buffer ring {ev.buffer_m:g} m "
            f"({ev.buffer_area_km2:.2f} km²); control: {ev.control_name}."
        ),
        notes=tuple(withhold_in_text(n, k) for n in ev.notes),
        groups=tuple(_panel(ev, g, k) for g in ev.groups),
        table=_table(ev, k),
        change_reading=ch.reading if ch is not None else None,
        change_cells=(
            [{"change": c, "cells": n} for c, n in ch.class_counts().items()]
            if ch is not None
            else []
        ),
        change_notes=tuple(sv.notes),
        yearly_chart=chart_values(sv.yearly, YEARLY_SERIES, k),
        yearly_table=table_counts(sv.yearly, YEARLY_SERIES, k),
        baselines=baselines,
        disclosure=suppression_caption(k),
    )


# --- the same rule for the CLI (``hotspots evaluate``) -----------------------------------------
def evaluation_table_for_people(ev, suppress_below: int | None) -> pd.DataFrame:
    """The evaluation table (one row per group) under the disclosure rule."""
    return _table(ev, suppress_below)


def group_readings_for_people(ev, suppress_below: int | None) -> list[str]:
    """Each group's reading, or the withheld sentence for a group with a small count."""
    k = suppress_below
    return [
        f"{g.label}: " + WITHHELD_READING.format(k=k) if _group_withheld(g, k)
        else group_reading(ev, g)
        for g in ev.groups
    ]  # fmt: skip


def evaluation_dict_for_people(ev, suppress_below: int | None) -> dict:
    """:func:`~hotspots.present.evaluation_words.evaluation_dict` under the rule: a group
    with a small zone count keeps its label and categories, its counts read ``"<5"``
    and everything computed from them is replaced by the withheld sentence."""
    from hotspots.present.evaluation_words import evaluation_dict

    k = suppress_below
    d = evaluation_dict(ev)
    groups = []
    for gd, g in zip(d["groups"], ev.groups, strict=True):
        if _group_withheld(g, k):
            gd = {
                "label": g.label,
                "categories": list(g.categories),
                **{c: count_text(getattr(g, c), k) for c in ZONE_COUNT_COLUMNS},
                "withheld": True,
                "reading": WITHHELD_READING.format(k=k),
            }
        groups.append(gd)
    d["groups"] = groups
    d["notes"] = [withhold_in_text(n, k) for n in d.get("notes", [])]
    d["suppress_below"] = k
    return d
