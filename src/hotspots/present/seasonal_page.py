"""The Seasonal comparison page's view-model: the evaluation as text, metrics and tables.

:func:`seasonal_page` turns a :class:`~hotspots.present.views.SeasonalView` into what
``app_pages/2_Seasonal_comparison.py`` shows; the page only lays it out. The
per-hotspot change (new / growing / persistent / shrinking / gone / too few to tell)
comes as a :class:`ChangeSection` (map layer, legend with counts, sentence, table).
:func:`windows_caption`, :func:`no_verdict`, :func:`intervention_years` and
:func:`partnership_tables` are the rest of the page's words and tables. The
disclosure rule (:mod:`hotspots.present.disclosure`) is applied here: for a group in
which any zone has from 1 to 4 records before or after, the counts read ``<5`` and the
changes, effect, WDD, WDQ and readings computed from them are withheld ("robbery rose
600% (1 to 7)" would give the 1 away).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspots.comparison import wording as W
from hotspots.comparison.dispersion import POISSON_LABEL
from hotspots.comparison.evaluation import WDD_RAW_FORMULA, WDD_SCALED_FORMULA, WDQ_FORMULA
from hotspots.data import schema as S
from hotspots.present.change_map import (
    ClassCount,
    change_legend,
    change_says_something,
    classed_hotspots,
    legend_html,
)
from hotspots.present.disclosure import (
    WITHHELD_READING,
    count_text,
    published_table_for_people,
    suppression_caption,
    withheld,
    withhold_in_text,
)
from hotspots.present.escape import markdown as md_escape
from hotspots.present.evaluation_words import (
    dispersion_caption,
    evaluation_table,
    group_reading,
    wdd_details,
    wdq_meaning,
)
from hotspots.present.page_parts import Metric, change_delta, chart_values, table_counts

if TYPE_CHECKING:
    from collections.abc import Iterable

    import geopandas as gpd

    from hotspots.comparison.evaluation_results import Evaluation, GroupEvaluation
    from hotspots.comparison.hotspot_trend import HotspotChanges
    from hotspots.comparison.interventions import Intervention
    from hotspots.comparison.windows import Baseline, Window
    from hotspots.present.views import SeasonalView

__all__ = [
    "ZONE_COUNT_COLUMNS",
    "ChangeSection",
    "GroupPanel",
    "PartnershipTab",
    "SeasonalPage",
    "change_section",
    "change_table_for_people",
    "evaluation_dict_for_people",
    "evaluation_table_for_people",
    "group_notes",
    "group_readings_for_people",
    "intervention_years",
    "no_verdict",
    "partnership_tables",
    "seasonal_page",
    "windows_caption",
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
class ChangeSection:
    """The per-hotspot change: what the map draws and what is said and tabled beside it.

    ``hotspots``: the classed hotspots (EPSG:27700) for
    :func:`hotspots.present.change_map.change_map`; ``show_map`` False (one class, or
    none) means the page shows ``one_colour`` and the table instead of a map.
    """

    heading: str
    hotspots: gpd.GeoDataFrame
    legend: tuple[ClassCount, ...]
    legend_html: str  # safe HTML: class words escaped
    show_map: bool
    one_colour: str | None
    reading: str  # markdown, data escaped
    table: pd.DataFrame  # one row per hotspot, counts under the disclosure rule
    notes: tuple[str, ...]


@dataclass(frozen=True)
class SeasonalPage:
    """What the evaluation part of the Seasonal page shows."""

    heading: str
    description: str
    notes: tuple[str, ...]
    groups: tuple[GroupPanel, ...]
    table: pd.DataFrame  # the evaluation table, for the page and its CSV download
    change: ChangeSection | None
    change_notes: tuple[str, ...]  # why there is no change section, if there is none
    yearly_chart: pd.DataFrame
    yearly_table: pd.DataFrame
    baselines: tuple[str, ...]  # markdown bullet lines
    disclosure: str | None


_OWN_DISP = "The relative effect of the target allows for its own dispersion"


def group_notes(g: GroupEvaluation) -> tuple[str, ...]:
    """Return a group's notes less the two on dispersion.

    :func:`dispersion_caption` says them together: ``notes[0]`` (the pooled dispersion) and the note
    on the effect's own.
    """
    return tuple(n for n in g.notes[1:] if not n.startswith(_OWN_DISP))


def _group_withheld(g: GroupEvaluation, k: int | None) -> bool:
    return withheld((getattr(g, c) for c in ZONE_COUNT_COLUMNS), k)


def _panel(ev: Evaluation, g: GroupEvaluation, k: int | None) -> GroupPanel:
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
            ),
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
            ),
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
        dispersion=dispersion_caption(g),
        wdd=wdd,
        wdd_help=f"{WDD_SCALED_FORMULA}\n\n{WDD_RAW_FORMULA}\n\n{WDQ_FORMULA}",
        notes=() if hide else group_notes(g),
        withheld=hide,
    )


def _table(ev: Evaluation, k: int | None) -> pd.DataFrame:
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


def _baseline_line(name: str, b: Baseline, k: int | None) -> str:
    if withheld((b.count, *b.counts), k):
        return f"- **{name} in the target:** " + WITHHELD_READING.format(k=k)
    return f"- **{name} in the target:** {b.reading}"


def seasonal_page(sv: SeasonalView, *, suppress_below: int | None) -> SeasonalPage:
    """Return the evaluation part of the Seasonal page.

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
        change=(
            change_section(ch, method=getattr(sv, "change_method", "dbscan"), suppress_below=k)
            if ch is not None
            else None
        ),
        change_notes=tuple(sv.notes),
        yearly_chart=chart_values(sv.yearly, YEARLY_SERIES, k),
        yearly_table=table_counts(sv.yearly, YEARLY_SERIES, k),
        baselines=baselines,
        disclosure=suppression_caption(k),
    )


# --- the per-hotspot change --------------------------------------------------------------------
METHOD_NAMES = {"dbscan": "DBSCAN", "kde": "kernel density", "gistar": "Gi*", "grid": "grid"}
_CLASS_WORDS = {"too few to tell": "too few to tell"}


def _class_list(counts: dict[str, int], order: tuple[str, ...]) -> str:
    parts = [f"{counts[c]} {_CLASS_WORDS.get(c, c)}" for c in order if counts.get(c)]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def change_table_for_people(table: gpd.GeoDataFrame, suppress_below: int | None) -> pd.DataFrame:
    """One row per classed hotspot.

    Rank now (or before, for a former one), name, ward, records before and after, the change and the
    class, under the disclosure rule (a withheld count reads ``<5`` and the change computed from it
    "withheld").
    """
    k = suppress_below
    h = classed_hotspots(table)
    rows = []
    for r in h.drop(columns="geometry").to_dict("records"):
        then, now, pct = r.get("count_then"), r.get("count_now"), r.get("change_pct")
        if withheld((then, now), k):
            change = "withheld"
        elif pct is None or pd.isna(pct) or not math.isfinite(float(pct)):
            change = "–"
        else:
            change = W.pct(float(pct))
        rows.append(
            {
                "Rank now": r.get(S.RANK),
                "Rank before": r.get("rank_then"),
                "Hotspot": r.get(S.NAME),
                "Ward": r.get(S.WARD_NAME),
                "Records before": then,
                "Records after": now,
                "Change": change,
                "Class": r["change_class"],
            },
        )
    cols = ["Rank now", "Rank before", "Hotspot", "Ward", "Records before", "Records after",
            "Change", "Class"]  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    for c in ("Rank now", "Rank before", "Records before", "Records after"):
        out[c] = out[c].astype("Int64")
    return table_counts(out, ["Records before", "Records after"], k)


def change_section(
    ch: HotspotChanges,
    *,
    method: str = "dbscan",
    suppress_below: int | None,
) -> ChangeSection:
    """Return the per-hotspot change of the Seasonal page from a ``HotspotChanges``.

    ``ch`` is a :class:`~hotspots.comparison.hotspot_trend.HotspotChanges` (after window = now).

    The sentence counts hotspots by class: "DBSCAN finds 31 hotspots in Jan–Feb 2024:
    3 new, 6 growing, ...; of the hotspots of Jan–Feb 2019, 5 are gone." Numbers of
    hotspots are not counts of records, so the disclosure rule leaves them; the table's
    record counts follow it.
    """
    name = METHOD_NAMES.get(method, method)
    legend = change_legend(ch.table)
    cur_classes = ("new", "growing", "persistent", "shrinking", "too few to tell")
    n_now = len(ch.current)
    now_label, then_label = md_escape(ch.now.label), md_escape(ch.then.label)
    if not ch.has_comparison:
        reading = (
            f"{name} finds {n_now} hotspot{'s' if n_now != 1 else ''} in {now_label}; "
            f"{then_label} has no data, so no hotspot can be classed."
        )
    else:
        cur = ch.current["change_class"].value_counts()
        cur_counts = {c: int(cur.get(c, 0)) for c in cur_classes}
        former = ch.former["change_class"].value_counts()
        n_gone, n_unclear = int(former.get("gone", 0)), int(former.get("too few to tell", 0))
        reading = f"{name} finds {n_now} hotspot{'s' if n_now != 1 else ''} in {now_label}"
        listed = _class_list(cur_counts, cur_classes)
        reading += f": {listed}." if listed else "."
        if n_gone or n_unclear:
            gone = f"{n_gone} {'is' if n_gone == 1 else 'are'} gone"
            unclear = f"{n_unclear} too few to tell" if n_unclear else ""
            reading += (
                f" Of the hotspots of {then_label} that overlap none now, "
                + " and ".join(p for p in (gone, unclear) if p)
                + "."
            )
    show = change_says_something(ch.table)
    if show:
        one_colour = None
    elif legend:
        one_colour = (
            f"Every hotspot falls in one class ({legend[0].label}), so a map would be one "
            "colour: the table below lists them instead."
        )
    else:
        one_colour = "No hotspot could be classed, so there is no change map."
    return ChangeSection(
        heading=f"Hotspot change ({name}, before vs after)",
        hotspots=classed_hotspots(ch.table),
        legend=legend,
        legend_html=legend_html(legend),
        show_map=show,
        one_colour=one_colour,
        reading=reading,
        table=change_table_for_people(ch.table, suppress_below),
        notes=tuple(withhold_in_text(n, suppress_below) for n in ch.notes),
    )


# --- the rest of the page's words ----------------------------------------------------------------
def intervention_years(iv: Intervention, months: list[str] | tuple[str, ...]) -> list[int]:
    """Years in which the dataset has any of the intervention's months."""
    have = set(months)
    return [
        y for y in sorted({int(m[:4]) for m in months})
        if any(m in have for m in iv.after(y).months)
    ]  # fmt: skip


def windows_caption(
    before: Window,
    after: Window,
    months: Iterable[str],
    *,
    intervention: Intervention | None = None,
    year: int | None = None,
    note: str = "",
) -> str:
    """Return the "Windows in use: …" caption (markdown).

    The intervention and year when the windows are its own, the months and months of data
    (:func:`describe_windows`), then ``note``.
    """
    from hotspots.comparison.interventions import describe_windows, intervention_windows

    in_use = describe_windows(before, after, months)
    if intervention is not None and year:
        c = intervention_windows(intervention, year, months)
        if (c.before, c.after) == (before, after):
            in_use = f"{md_escape(intervention.name)} {c.year}. {in_use}"
    return f"Windows in use: {in_use} {note}".rstrip()


def no_verdict(problems: list[str]) -> tuple[tuple[str, ...], str | None]:
    """(warnings, advice) for windows that cannot be evaluated; ((), None) when they can."""
    if not problems:
        return (), None
    return (
        tuple(f"No verdict: {p}" for p in problems),
        "Choose an intervention and a year, or set before and after windows that do not overlap.",
    )


@dataclass(frozen=True)
class PartnershipTab:
    """One of the partnership's tables.

    Its tab, file stem, and the table under the disclosure rule (or the message saying why there is
    none).
    """

    tab: str
    name: str
    table: Any  # PublishedTable | None
    message: str | None


def partnership_tables(records: pd.DataFrame, suppress_below: int | None) -> tuple:
    """Return the ASB-by-subtype and quarterly-indicator tables, under the disclosure rule."""
    from hotspots.comparison.tables import asb_subtype_table, quarterly_table
    from hotspots.errors import InputError

    out = []
    for tab, make, name in (
        ("ASB by subtype and financial year", asb_subtype_table, "asb-subtypes"),
        ("Quarterly indicators", quarterly_table, "quarterly-indicators"),
    ):
        try:
            out.append(
                PartnershipTab(tab, name, published_table_for_people(make(records),
                                                                     suppress_below), None),
            )  # fmt: skip
        except (InputError, ValueError, KeyError) as exc:  # e.g. no ASB subtypes
            out.append(PartnershipTab(tab, name, None, str(exc)))
    return tuple(out)


# --- the same rule for the CLI (``hotspots evaluate``) -----------------------------------------
def evaluation_table_for_people(ev: Evaluation, suppress_below: int | None) -> pd.DataFrame:
    """Return the evaluation table (one row per group) under the disclosure rule."""
    return _table(ev, suppress_below)


def group_readings_for_people(ev: Evaluation, suppress_below: int | None) -> list[str]:
    """Each group's reading, or the withheld sentence for a group with a small count."""
    k = suppress_below
    return [
        f"{g.label}: " + WITHHELD_READING.format(k=k) if _group_withheld(g, k)
        else group_reading(ev, g)
        for g in ev.groups
    ]  # fmt: skip


def evaluation_dict_for_people(ev: Evaluation, suppress_below: int | None) -> dict:
    """:func:`~hotspots.present.evaluation_words.evaluation_dict` under the rule.

    A group with a small zone count keeps its label and categories, its counts read ``"<5"`` and
    everything computed from them is replaced by the withheld sentence.
    """
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
