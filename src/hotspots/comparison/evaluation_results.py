"""The result of an intervention evaluation, as a composition of small result objects.

:class:`Evaluation` holds the zones' names, the windows and one
:class:`GroupEvaluation` per group of categories, itself made of
:class:`ZoneCounts`, :class:`ZoneChanges`, :class:`Effect`, :class:`Displacement`
and the dispersion of the zone counts. They are built by
:func:`hotspots.comparison.evaluation.evaluate`; the statistics are in
:mod:`hotspots.comparison.ratio`, :mod:`hotspots.comparison.relative` and
:mod:`hotspots.comparison.wdd`, the readings in :mod:`hotspots.present.evaluation_words`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from hotspots.comparison import wording as W
from hotspots.comparison.dispersion import POISSON_LABEL, Dispersion
from hotspots.comparison.ratio import RateRatio, small_count_flag
from hotspots.comparison.wdd import WDD_RAW_FORMULA, WDD_SCALED_FORMULA, WDQ_FORMULA, WDDResult

if TYPE_CHECKING:
    from hotspots.comparison.relative import RelativeEffect
    from hotspots.comparison.windows import Window

__all__ = [
    "TABLE_COLUMNS",
    "Displacement",
    "Effect",
    "Evaluation",
    "GroupEvaluation",
    "ZoneChanges",
    "ZoneCounts",
]


@dataclass(frozen=True)
class ZoneCounts:
    """Records in each zone before and after, and the months of data in each window."""

    target_before: int
    target_after: int
    buffer_before: int
    buffer_after: int
    control_before: int
    control_after: int
    months_before: int
    months_after: int


@dataclass(frozen=True)
class ZoneChanges:
    """Each zone's own change, after against before, per month of data (:class:`RateRatio`)."""

    target: RateRatio
    buffer: RateRatio
    control: RateRatio


@dataclass(frozen=True)
class Effect:
    """The target's and the ring's change against the control, and what the ring's means.

    ``relative`` and ``buffer_relative`` (None without a ring): ratios of rate
    ratios against the control. ``spillover``: "diffusion of benefits" or
    "displacement", read from the sign of the ring's relative effect when the
    target improved relative to the control; "not applicable" when it did not;
    "none" without a ring. ``spillover_significant`` when the ring's 95%
    interval excludes no change.
    """

    relative: RelativeEffect
    buffer_relative: RelativeEffect | None
    spillover: str
    spillover_significant: bool


@dataclass(frozen=True)
class Displacement:
    """WDD, WDQ and total net effect, in records over the after window.

    ``wdd``: control weighted to target + ring (:func:`weighted_wdd`);
    ``wdd_raw``: Wheeler and Ratcliffe's unweighted one (:func:`raw_wdd`).
    ``wdq`` with its delta-method interval ``wdq_ci`` (NaN without a ring).
    ``net_effect`` (records prevented: positive is good) with its target and
    buffer parts.
    """

    wdd: WDDResult
    wdd_raw: WDDResult
    wdq: float
    wdq_ci: tuple[float, float]
    net_effect: float
    net_effect_target: float
    net_effect_buffer: float


@dataclass(frozen=True)
class GroupEvaluation:
    """The evaluation of one group of categories (crime, or ASB).

    Composed of ``counts`` (:class:`ZoneCounts`), ``changes``
    (:class:`ZoneChanges`), ``effect`` (:class:`Effect`), ``displacement``
    (:class:`Displacement`) and ``dispersion``, the dispersion of the zone
    counts behind the relative effects, the WDD and the WDQ. The flat names
    (``target_before``, ``target_change``, ``relative``, ``wdd``, ``wdq``,
    ``net_effect``, ``spillover``...) read through to them. The plain-English
    reading is :func:`hotspots.present.evaluation_words.group_reading`.
    """

    label: str
    categories: tuple[str, ...]
    counts: ZoneCounts
    changes: ZoneChanges
    effect: Effect
    displacement: Displacement
    dispersion: Dispersion
    notes: tuple[str, ...]

    # counts
    @property
    def target_before(self) -> int:
        """Records in the target in the before window (``counts.target_before``)."""
        return self.counts.target_before

    @property
    def target_after(self) -> int:
        """Records in the target in the after window (``counts.target_after``)."""
        return self.counts.target_after

    @property
    def buffer_before(self) -> int:
        """Records in the ring in the before window (``counts.buffer_before``)."""
        return self.counts.buffer_before

    @property
    def buffer_after(self) -> int:
        """Records in the ring in the after window (``counts.buffer_after``)."""
        return self.counts.buffer_after

    @property
    def control_before(self) -> int:
        """Records in the control in the before window (``counts.control_before``)."""
        return self.counts.control_before

    @property
    def control_after(self) -> int:
        """Records in the control in the after window (``counts.control_after``)."""
        return self.counts.control_after

    @property
    def months_before(self) -> int:
        """Months of data in the before window (``counts.months_before``)."""
        return self.counts.months_before

    @property
    def months_after(self) -> int:
        """Months of data in the after window (``counts.months_after``)."""
        return self.counts.months_after

    # changes
    @property
    def target_change(self) -> RateRatio:
        """The target's rate ratio, after against before (``changes.target``)."""
        return self.changes.target

    @property
    def buffer_change(self) -> RateRatio:
        """The ring's rate ratio, after against before (``changes.buffer``)."""
        return self.changes.buffer

    @property
    def control_change(self) -> RateRatio:
        """The control's rate ratio, after against before (``changes.control``)."""
        return self.changes.control

    # effect
    @property
    def relative(self) -> RelativeEffect:
        """The relative effect in the target against the control (``effect.relative``)."""
        return self.effect.relative

    @property
    def buffer_relative(self) -> RelativeEffect | None:
        """The relative effect in the ring, or None without a ring (``effect.buffer_relative``)."""
        return self.effect.buffer_relative

    @property
    def spillover(self) -> str:
        """What the ring shows: "diffusion of benefits", "displacement" or "none"."""
        return self.effect.spillover

    @property
    def spillover_significant(self) -> bool:
        """True when the ring's 95% interval excludes no change."""
        return self.effect.spillover_significant

    # displacement
    @property
    def wdd(self) -> WDDResult:
        """The WDD with the control weighted to target and ring (``displacement.wdd``)."""
        return self.displacement.wdd

    @property
    def wdd_raw(self) -> WDDResult:
        """Wheeler and Ratcliffe's unweighted WDD (``displacement.wdd_raw``)."""
        return self.displacement.wdd_raw

    @property
    def wdq(self) -> float:
        """The weighted displacement quotient, NaN without a ring (``displacement.wdq``)."""
        return self.displacement.wdq

    @property
    def wdq_ci(self) -> tuple[float, float]:
        """The WDQ's delta-method interval (``displacement.wdq_ci``)."""
        return self.displacement.wdq_ci

    @property
    def net_effect(self) -> float:
        """Records prevented in target and ring, positive is good (``displacement.net_effect``)."""
        return self.displacement.net_effect

    @property
    def net_effect_target(self) -> float:
        """The target's part of the net effect, in records."""
        return self.displacement.net_effect_target

    @property
    def net_effect_buffer(self) -> float:
        """The ring's part of the net effect, in records."""
        return self.displacement.net_effect_buffer

    def to_dict(self) -> dict:
        """Return the numbers, JSON-safe (``present.evaluation_words`` adds the readings)."""
        num = W.json_number

        def change(prefix: str, r: RateRatio) -> dict:
            lo, hi = r.pct_ci
            plo, phi = r.poisson_pct_ci
            return {
                f"{prefix}_pct_change": num(r.pct_change),
                f"{prefix}_ci_low": num(lo),
                f"{prefix}_ci_high": num(hi),
                f"{prefix}_p_value": W.sig_round(r.p_value),
                f"{prefix}_dispersion": round(r.dispersion.phi, 2),
                f"{prefix}_poisson_ci_low": num(plo),
                f"{prefix}_poisson_ci_high": num(phi),
            }

        def wdd_keys(prefix: str, w: WDDResult, formula: str) -> dict:
            return {
                prefix: num(w.total),
                f"{prefix}_se": num(w.se),
                f"{prefix}_ci_low": num(w.ci_low),
                f"{prefix}_ci_high": num(w.ci_high),
                f"{prefix}_p_value": W.sig_round(w.p_value),
                f"{prefix}_formula": formula,
            }

        c, rel, d = self.counts, self.relative, self.displacement
        rel_lo, rel_hi = rel.pct_ci
        prel_lo, prel_hi = rel.poisson_pct_ci
        out = {
            "group": self.label,
            "categories": list(self.categories),
            "target_before": c.target_before,
            "target_after": c.target_after,
            "buffer_before": c.buffer_before,
            "buffer_after": c.buffer_after,
            "control_before": c.control_before,
            "control_after": c.control_after,
            "months_before": c.months_before,
            "months_after": c.months_after,
            **change("target", self.changes.target),
            **change("buffer", self.changes.buffer),
            **change("control", self.changes.control),
            "relative_effect_pct": num(rel.pct),
            "relative_ci_low": num(rel_lo),
            "relative_ci_high": num(rel_hi),
            "relative_p_value": W.sig_round(rel.p_value),
            "relative_poisson_ci_low": num(prel_lo),
            "relative_poisson_ci_high": num(prel_hi),
            "relative_poisson_p_value": W.sig_round(rel.poisson_p_value),
            **self.dispersion.to_dict(),
            "poisson_note": f"*_poisson_* keys: intervals that {POISSON_LABEL}",
            "wdd": num(d.wdd.total),
            "wdd_se": num(d.wdd.se),
            "wdd_ci_low": num(d.wdd.ci_low),
            "wdd_ci_high": num(d.wdd.ci_high),
            "wdd_p_value": W.sig_round(d.wdd.p_value),
            "wdd_local": num(d.wdd.local),
            "wdd_displacement": num(d.wdd.displacement),
            **wdd_keys("wdd_scaled", d.wdd, WDD_SCALED_FORMULA),
            **wdd_keys("wdd_raw", d.wdd_raw, WDD_RAW_FORMULA),
            "wdq": num(d.wdq),
            "wdq_ci_low": num(d.wdq_ci[0]),
            "wdq_ci_high": num(d.wdq_ci[1]),
            "wdq_formula": WDQ_FORMULA,
            "net_effect_ci_low": num(-d.wdd.ci_high),
            "net_effect_ci_high": num(-d.wdd.ci_low),
            "net_effect": num(d.net_effect),
            "net_effect_target": num(d.net_effect_target),
            "net_effect_buffer": num(d.net_effect_buffer),
            "spillover": self.spillover,
            "spillover_significant": self.spillover_significant,
            "small_count_flag": small_count_flag(
                c.target_before,
                c.target_after,
                c.control_before,
                c.control_after,
            ),
            "notes": list(self.notes),
        }
        if (brel := self.buffer_relative) is not None:
            blo, bhi = brel.pct_ci
            out.update(
                buffer_relative_pct=num(brel.pct),
                buffer_relative_ci_low=num(blo),
                buffer_relative_ci_high=num(bhi),
                buffer_relative_p_value=W.sig_round(brel.p_value),
            )
        return out


#: Columns of :meth:`Evaluation.table` (one row per group).
TABLE_COLUMNS: list[str] = [
    "group", "target_before", "target_after", "target_pct_change", "buffer_before",
    "buffer_after", "buffer_pct_change", "control_before", "control_after",
    "control_pct_change", "relative_effect_pct", "relative_ci_low", "relative_ci_high",
    "relative_poisson_ci_low", "relative_poisson_ci_high", "dispersion",
    "wdd_raw", "wdd_raw_ci_low", "wdd_raw_ci_high", "wdd_scaled", "wdd_scaled_ci_low",
    "wdd_scaled_ci_high", "wdq", "wdq_ci_low", "wdq_ci_high", "net_effect",
    "net_effect_ci_low", "net_effect_ci_high", "spillover", "wdd_raw_formula",
    "wdd_scaled_formula", "wdq_formula",
]  # fmt: skip


@dataclass(frozen=True)
class Evaluation:
    """An intervention evaluation: zones, windows and one :class:`GroupEvaluation` per group."""

    target_name: str
    target_spec: str
    control_name: str
    buffer_m: float
    before: Window
    after: Window
    groups: tuple[GroupEvaluation, ...]
    notes: tuple[str, ...]
    target_area_km2: float
    buffer_area_km2: float

    def group(self, label: str) -> GroupEvaluation:
        """Return the group called ``label`` ("crime" or "ASB"); KeyError if there is none."""
        for g in self.groups:
            if g.label == label:
                return g
        raise KeyError(label)

    def to_dict(self) -> dict:
        """Return the zones, windows and each group's numbers, JSON-safe."""
        return {
            "target": self.target_name,
            "target_spec": self.target_spec,
            "target_area_km2": self.target_area_km2,
            "buffer_m": self.buffer_m,
            "buffer_area_km2": self.buffer_area_km2,
            "control": self.control_name,
            "before": self.before.spec,
            "after": self.after.spec,
            "label_before": self.before.label,
            "label_after": self.after.label,
            "groups": [g.to_dict() for g in self.groups],
            "notes": list(self.notes),
        }

    def table(self) -> pd.DataFrame:
        """One row per group, the main numbers (:data:`TABLE_COLUMNS`, for CSV / table output)."""
        rows = [g.to_dict() for g in self.groups]
        return pd.DataFrame(
            [{k: r.get(k) for k in TABLE_COLUMNS} for r in rows],
            columns=TABLE_COLUMNS,
        )
