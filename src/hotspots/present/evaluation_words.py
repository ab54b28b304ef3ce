"""Plain-English readings of an intervention evaluation, for a councillor.

"Crime in Town-centre fell by about a quarter (between 14% and 32%) compared
with the rest of BCP; this is unlikely to be chance." The numbers come from
:func:`hotspots.comparison.evaluation.evaluate`; this module only words them, with
the shared phrasing of :mod:`hotspots.comparison.wording`. The WDQ is read as
Bowers and Johnson (2003) read it.

References
----------
Bowers, K. J. and Johnson, S. D. (2003). Measuring the geographical displacement
and diffusion of benefit effects of crime prevention activity. Journal of
Quantitative Criminology 19(3), 275-301.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hotspots.comparison import wording as W
from hotspots.comparison.dispersion import POISSON_LABEL, two_figures
from hotspots.comparison.evaluation_results import TABLE_COLUMNS, Evaluation, GroupEvaluation

if TYPE_CHECKING:
    import pandas as pd

    from hotspots.comparison.ratio import RateRatio

__all__ = [
    "NOT_APPLICABLE",
    "count_change_words",
    "dispersion_caption",
    "evaluation_dict",
    "evaluation_reading",
    "evaluation_table",
    "group_reading",
    "net_effect_words",
    "ring_sentence",
    "spillover_words",
    "wdd_details",
    "wdq_meaning",
    "wdq_reading",
]

#: the ring's words when the target did not improve against the control
NOT_APPLICABLE = (
    "displacement and diffusion do not apply, as the target did not improve against the "
    "control (no benefit to spread, nothing pushed next door)"
)
_DISPERSION_SCALE = "Dispersion 1 means counts vary as much as chance alone would make them."


def wdq_reading(t0: float, t1: float, c0: float, c1: float, value: float) -> str:
    """Bowers and Johnson's reading of a WDQ value (the success measure must be negative)."""
    if c0 <= 0 or c1 <= 0 or not math.isfinite(value):
        return "not defined (no change relative to the control, or no control records)"
    if t1 / c1 - t0 / c0 >= 0:
        return "not interpretable: the target did not improve relative to the control"
    if value > 1:
        return "diffusion of benefits larger than the direct effect"
    if value > 0:
        return "diffusion of benefits"
    if value == 0:
        return "no displacement or diffusion"
    if value >= -1:
        return "some displacement, smaller than the direct effect (a net benefit)"
    return "displacement larger than the direct effect (a net loss)"


def wdq_meaning(g: GroupEvaluation) -> str:
    """Return what a group's WDQ says, or why it cannot be read (no ring, an uncertain change)."""
    if g.buffer_relative is None:
        return "no ring (buffer_m = 0)"
    q, rel = g.wdq, g.relative
    qlo, qhi = g.wdq_ci
    if math.isfinite(q) and rel.ratio < 1 and not (qlo > 0 or qhi < 0):
        return (
            f"too uncertain to read: its 95% interval ({qlo:.2f} to {qhi:.2f}) includes 0 "
            "(no displacement and no diffusion)"
        )
    if math.isfinite(q) and rel.ratio < 1:
        if not rel.excludes_one:
            return (
                "too uncertain to read: the target's change against the control is not "
                "distinguishable from none"
            )
        if not g.buffer_relative.excludes_one:
            return (
                "too uncertain to read: the ring's own change against the control is "
                "not distinguishable from none"
            )
    return wdq_reading(g.target_before, g.target_after, g.control_before, g.control_after, q)


def spillover_words(g: GroupEvaluation) -> str:
    """Return what the ring did, in the words both the table and the reading use."""
    if g.buffer_relative is None:
        return "no ring (buffer_m = 0)"
    spill = g.spillover
    if spill == "not applicable":
        return NOT_APPLICABLE
    if not g.spillover_significant:
        return f"no clear {spill} (the interval includes no change)"
    qlo, qhi = g.wdq_ci
    if not (qlo > 0 or qhi < 0):
        return f"{spill}, though its size against the target's change (the WDQ) is unclear"
    return spill


def ring_sentence(ev: Evaluation, g: GroupEvaluation) -> str:
    """Return what the ring did, as one sentence of the reading ("" without a ring).

    ``The streets around it (400 m ring) changed by -12% against the control (between
    -20% and -3%): diffusion of benefits.`` When the target did not improve against the
    control there is no benefit to spread and nothing pushed next door, and the sentence
    says so in one go rather than as a label ("…: not applicable: …"). Its words after
    the ring's change are :func:`spillover_words`, the table's ``spillover`` column.
    """
    brel = g.buffer_relative
    if brel is None:
        return ""
    blo, bhi = brel.pct_ci
    head = (
        f"The streets around it ({ev.buffer_m:g} m ring) changed by {W.pct(brel.pct)} against "
        f"the control ({W.between(blo, bhi)})"
    )
    joiner = "; " if g.spillover == "not applicable" else ": "
    return f"{head}{joiner}{spillover_words(g)}."


def dispersion_caption(g: GroupEvaluation) -> str:
    """Which dispersion each figure of a group allows for, in one caption.

    The relative effect (the lead figure) uses the target's and the control's own
    dispersions, from their map points' monthly counts (Satterthwaite's degrees of
    freedom for the sum); the WDD and WDQ use one dispersion pooled over the target,
    ring and control (:func:`hotspots.comparison.relative.zone_month_dispersion`). A
    caption that named only the pooled one read as if it governed the effect too.
    Dispersion 1 is as variable as chance (Poisson); 2 is twice the variance.
    """
    pooled = g.dispersion
    if pooled.estimated:
        lo, hi = pooled.ci
        pooled_words = (
            f"{two_figures(pooled.phi)} (95% range {two_figures(lo)} to {two_figures(hi)}; "
            f"{pooled.df:g} degrees of freedom)"
        )
    else:
        pooled_words = f"not estimated, too few months ({POISSON_LABEL})"
    rd = g.relative.dispersion
    if rd.model.startswith("separate"):
        effect = (
            "The effect against the control allows for the target's and the control's own "
            f"dispersion, from their map points' monthly counts (together {two_figures(rd.phi)}, "
            f"{rd.df:.0f} degrees of freedom)"
        )
        rest = "the WDD and WDQ use one dispersion pooled over the target, ring and control"
        return f"{effect}; {rest}: {pooled_words}. {_DISPERSION_SCALE}"
    return (
        "The effect against the control, the WDD and the WDQ all use one dispersion pooled "
        f"over the target, ring and control: {pooled_words}. {_DISPERSION_SCALE}"
    )


def count_change_words(a: int, b: int, pct: float) -> str:
    """``fell 28% (1,200 to 864)``; small counts as counts: ``went from 1 to 17 records``.

    A percentage is given only when the earlier count is at least
    :data:`~hotspots.comparison.wording.COUNTS_BELOW` (5) and the change is at most +300%:
    "+1600%" from one record says less than "from 1 to 17".
    """
    if a == b == 0:
        return "had no records before or after"
    if a == 0:
        return f"went from none to {b:,}"
    if a < W.COUNTS_BELOW or not math.isfinite(pct) or pct > W.COUNTS_ABOVE_PCT:
        return f"went from {a:,} to {b:,} records"
    verb = "fell" if pct < 0 else "rose"
    return f"{verb} {W.pct(pct, signed=False)} ({a:,} to {b:,})"


def wdd_details(g: GroupEvaluation) -> tuple[str, str]:
    """Explain the raw and the control-scaled WDD, one sentence each (for "details")."""
    w, wr = g.wdd, g.wdd_raw
    return (
        (
            f"Control-scaled WDD {w.total:+,.0f} records (95% CI {w.ci_low:+,.0f} to "
            f"{w.ci_high:+,.0f}): the target's and ring's after counts minus what the control's "
            "change would have given them; negative means fewer records than expected."
        ),
        (
            f"Raw WDD {wr.total:+,.0f} (95% CI {wr.ci_low:+,.0f} to {wr.ci_high:+,.0f}): Wheeler "
            "and Ratcliffe's difference of raw changes in records; with the rest of BCP as the "
            "control it mostly measures the control's own change, so its sign can disagree with "
            "the effect above."
        ),
    )


def net_effect_words(net: float, lo: float, hi: float) -> str:
    """``about 263 fewer records than expected (95% CI 120 to 406 fewer)``, no double negatives.

    ``net``, ``lo`` and ``hi`` are records prevented (positive: fewer than expected).
    """
    if not math.isfinite(net):
        return "not defined"
    head = f"about {W.fewer_more(-net)} records than expected"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return head
    if lo > 0:
        ci = f"{round(lo):,} to {round(hi):,} fewer"
    elif hi < 0:
        ci = f"{round(-hi):,} to {round(-lo):,} more"
    else:
        ci = f"anywhere from {round(-lo):,} more to {round(hi):,} fewer"
    return f"{head} (95% CI {ci})"


def group_reading(ev: Evaluation, g: GroupEvaluation) -> str:
    """Sentences for one group: its effect against the control, the ring, the net effect."""

    def moved(r: RateRatio) -> str:
        return count_change_words(r.count_a, r.count_b, r.pct_change)

    label, target, control = g.label, ev.target_name, ev.control_name
    rel, brel, w = g.relative, g.buffer_relative, g.wdd
    lo, hi = rel.pct_ci
    verb = "fell" if rel.ratio < 1 else "rose"
    s = (
        f"{label[:1].upper() + label[1:]} in {target} {verb} by {W.about(rel.pct)} "
        f"({W.between(lo, hi)}) compared with {control}; {W.chance(rel.excludes_one)}."
        f" On their own, {label} in the target {moved(g.target_change)} while {control} "
        f"{moved(g.control_change)}."
    )
    if brel is not None:
        s += " " + ring_sentence(ev, g)
    if math.isfinite(g.net_effect):
        s += f" Net effect: {net_effect_words(g.net_effect, -w.ci_high, -w.ci_low)}."
    if not rel.dispersion.estimated:
        s += f" Too few months to estimate the overdispersion: intervals {POISSON_LABEL}."
    return s


def evaluation_reading(ev: Evaluation) -> str:
    """Return the readings of every group of ``ev``, one after another."""
    return " ".join(group_reading(ev, g) for g in ev.groups)


def evaluation_dict(ev: Evaluation) -> dict:
    """``ev.to_dict()`` with each group's ``wdq_meaning`` and ``reading`` (JSON output).

    Also the page's caption on dispersion, ``dispersion_reading``.
    """
    d = ev.to_dict()
    d["groups"] = [
        {
            **gd,
            "wdq_meaning": wdq_meaning(g),
            "spillover_reading": spillover_words(g),
            "dispersion_reading": dispersion_caption(g),
            "reading": group_reading(ev, g),
            "details": list(wdd_details(g)),
        }
        for gd, g in zip(d["groups"], ev.groups, strict=True)
    ]
    return d


def evaluation_table(ev: Evaluation) -> pd.DataFrame:
    """``ev.table()`` with the ``wdq_meaning`` column after the WDQ's interval.

    The one table of the CLI (table and CSV) and the Seasonal page: its ``spillover``
    and ``wdq_meaning`` are worded by :func:`spillover_words` and :func:`wdq_meaning`,
    the functions :func:`group_reading` uses, so the table and the reading agree.
    """
    tab = ev.table()
    tab["spillover"] = [spillover_words(g) for g in ev.groups]  # the reading's words
    tab.insert(
        TABLE_COLUMNS.index("wdq_ci_high") + 1,
        "wdq_meaning",
        [wdq_meaning(g) for g in ev.groups],
    )
    return tab
