"""Intervention evaluation: target, buffer ring and control, before and after.

For a target area (e.g. the town-centre open spaces of the Seasonal Response),
a ring of ``buffer_m`` metres around it (where crime could be displaced to, or
benefits diffuse to) and a control area (default: the rest of BCP outside target
and ring), counts before (``T0, D0, C0``: target, ring/displacement area,
control) and after (``T1, D1, C1``) give:

* the change in each zone, with exact intervals (:func:`hotspots.compare.rates.rate_ratio`);
* the relative effect of the target against the control, the ratio of rate
  ratios ``(T1/T0) / (C1/C0)``, with a log-scale Wald 95% interval
  (``se = sqrt(1/T0 + 1/T1 + 1/C0 + 1/C1)``), and the same for the ring;
* the Weighted Displacement Difference (Wheeler and Ratcliffe 2018), with the
  control weighted to the size of the target and ring (see :func:`wdd`);
* the Weighted Displacement Quotient (Bowers and Johnson 2003), see :func:`wdq`;
* the total net effect (Bowers and Johnson 2003), see :func:`total_net_effect`.

Crime and ASB are evaluated separately.

References
----------
Bowers, K. J. and Johnson, S. D. (2003). Measuring the geographical displacement
and diffusion of benefit effects of crime prevention activity. Journal of
Quantitative Criminology 19(3), 275-301.
Wheeler, A. P. and Ratcliffe, J. H. (2018). A simple weighted displacement
difference test to evaluate place based crime interventions. Crime Science 7:11.
Wheeler, A. P. (2021). The WDD test with different pre/post time periods; The WDD
test with different area sizes (blog notes giving the time and area weights).
Guerette, R. T. and Bowers, K. J. (2009). Assessing the extent of crime
displacement and diffusion of benefits. Criminology 47(4), 1331-1368.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy import stats

from hotspots.compare.rates import RateRatio, rate_ratio, small_count_flag
from hotspots.compare.windows import Window, dataset_months, window
from hotspots.data import schema as S
from hotspots.data.areas import Area, area_mask, resolve_area
from hotspots.data.boundaries import load_boundaries
from hotspots.data.points import unique_locations
from hotspots.data.select import filter_records
from hotspots.errors import InputError

__all__ = [
    "DEFAULT_BUFFER_M",
    "WDDResult",
    "wdd",
    "weighted_wdd",
    "wdq",
    "wdq_reading",
    "total_net_effect",
    "RelativeEffect",
    "relative_effect",
    "Zones",
    "evaluation_zones",
    "GroupEvaluation",
    "Evaluation",
    "evaluate",
]

#: Default width of the ring around the target, metres (about a five-minute walk).
DEFAULT_BUFFER_M = 400.0


# --------------------------------------------------------------------------- statistics
@dataclass(frozen=True)
class WDDResult:
    """Weighted Displacement Difference and its normal-approximation interval.

    Attributes
    ----------
    local, local_se : the target part ``(T1 - T0) - (C1 - C0)`` (weighted) and its SE.
    displacement, displacement_se : the same for the displacement area.
    total, se : their sum and its SE; z = total / se; p_value two-sided normal.
    ci_low, ci_high : ``total -/+ z_(1-alpha/2) se``.
    Negative values mean fewer records than the control's trend implies.
    """

    local: float
    local_se: float
    displacement: float
    displacement_se: float
    total: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    conf: float


def wdd(
    control: tuple[float, float],
    treated: tuple[float, float],
    disp_control: tuple[float, float] = (0, 0),
    disp_treated: tuple[float, float] = (0, 0),
    *,
    time_weights: tuple[float, float] = (1.0, 1.0),
    area_weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
    conf: float = 0.95,
    shared_control: bool = False,
) -> WDDResult:
    """Weighted Displacement Difference test (Wheeler and Ratcliffe 2018).

    Parameters
    ----------
    control, treated, disp_control, disp_treated : (before, after) counts for the
        control of the target, the target, the control of the displacement area
        and the displacement area.
    time_weights : (before, after) lengths, e.g. months; counts are divided by them.
    area_weights : weights of (control, treated, disp_control, disp_treated);
        counts are divided by them (Wheeler 2021).
    conf : confidence level of the interval (default 0.95).
    shared_control : True when ``disp_control`` is the same area and counts as
        ``control``: its variance is then counted once, with the two weights
        combined, instead of twice as for independent areas.

    Returns
    -------
    WDDResult

    Notes
    -----
    ``WDD = dT - dCt + dD - dCd`` with ``dX = X1/w_X1 - X0/w_X0`` and
    ``w = time weight * area weight``; ``Var = sum X / w_X**2`` (Poisson counts,
    normal approximation). With unit weights, ``control = (20, 20)`` and
    ``treated = (20, 10)`` give WDD = -10 and SE = sqrt(70).
    """
    tb, ta = map(float, time_weights)
    ac, at, adc, adt = map(float, area_weights)
    for v in (tb, ta, ac, at, adc, adt):
        if not (math.isfinite(v) and v > 0):
            raise InputError("weights", (time_weights, area_weights), "positive finite numbers")
    c0, c1 = map(float, control)
    t0, t1 = map(float, treated)
    dc0, dc1 = map(float, disp_control)
    dt0, dt1 = map(float, disp_treated)
    local = (t1 / (ta * at) - t0 / (tb * at)) - (c1 / (ta * ac) - c0 / (tb * ac))
    var_t = t1 / (ta * at) ** 2 + t0 / (tb * at) ** 2
    var_c = c1 / (ta * ac) ** 2 + c0 / (tb * ac) ** 2
    disp = (dt1 / (ta * adt) - dt0 / (tb * adt)) - (dc1 / (ta * adc) - dc0 / (tb * adc))
    var_dt = dt1 / (ta * adt) ** 2 + dt0 / (tb * adt) ** 2
    var_dc = dc1 / (ta * adc) ** 2 + dc0 / (tb * adc) ** 2
    total = local + disp
    if shared_control:
        if (dc0, dc1) != (c0, c1):
            raise InputError(
                "disp_control", disp_control, f"equal to control {control} when shared"
            )
        k = 1.0 / ac + 1.0 / adc
        var_total = var_t + var_dt + k**2 * (c1 / ta**2 + c0 / tb**2)
    else:
        var_total = var_t + var_c + var_dt + var_dc
    se = math.sqrt(var_total)
    q = stats.norm.ppf(1 - (1 - conf) / 2)
    z = total / se if se > 0 else (0.0 if total == 0 else math.copysign(math.inf, total))
    p = float(2 * stats.norm.sf(abs(z))) if math.isfinite(z) else 0.0
    return WDDResult(
        local,
        math.sqrt(var_t + var_c),
        disp,
        math.sqrt(var_dt + var_dc),
        total,
        se,
        z,
        p,
        total - q * se,
        total + q * se,
        conf,
    )


def wdq(t0: float, t1: float, d0: float, d1: float, c0: float, c1: float) -> float:
    """Weighted Displacement Quotient (Bowers and Johnson 2003).

    ``WDQ = (D1/C1 - D0/C0) / (T1/C1 - T0/C0)``: the displacement measure over
    the success measure, with T the target, D the buffer (displacement area) and
    C the control, 0 before and 1 after. NaN where undefined (a zero control
    count or a success measure of zero). Window lengths cancel out.
    """
    if c0 <= 0 or c1 <= 0:
        return float("nan")
    success = t1 / c1 - t0 / c0
    if success == 0:
        return float("nan")
    return (d1 / c1 - d0 / c0) / success


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


def total_net_effect(
    t0: float, t1: float, d0: float, d1: float, c0: float, c1: float
) -> tuple[float, float, float]:
    """Total net effect (Bowers and Johnson 2003), in records over the after window.

    Returns ``(total, target part, buffer part)`` with
    ``target = T0 (C1/C0) - T1`` (records prevented in the target, the control's
    trend applied to the target's before count) and
    ``buffer = D0 (C1/C0) - D1`` (positive: benefits diffused to the buffer;
    negative: records displaced into it). Positive totals are records
    prevented overall. NaN when ``C0 == 0``.
    """
    if c0 <= 0:
        nan = float("nan")
        return nan, nan, nan
    r = c1 / c0
    target = t0 * r - t1
    buffer = d0 * r - d1
    return target + buffer, target, buffer


@dataclass(frozen=True)
class RelativeEffect:
    """Ratio of rate ratios ``(X1/X0) / (C1/C0)`` with a log-scale Wald interval.

    ``ratio`` 0.76 means the zone ended 24% below what the control's change
    implies. ``corrected`` is True when 0.5 was added to every count because one
    was zero (Haldane's correction).
    """

    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    se_log: float
    corrected: bool
    conf: float

    @property
    def pct(self) -> float:
        return 100.0 * (self.ratio - 1.0)

    @property
    def pct_ci(self) -> tuple[float, float]:
        return 100.0 * (self.ci_low - 1.0), 100.0 * (self.ci_high - 1.0)


def relative_effect(x0: int, x1: int, c0: int, c1: int, conf: float = 0.95) -> RelativeEffect:
    """Ratio of rate ratios of a zone against the control, log-scale Wald interval.

    ``log RRR = log(x1/x0) - log(c1/c0)``, ``se = sqrt(1/x0 + 1/x1 + 1/c0 + 1/c1)``
    (independent Poisson counts; window lengths cancel). When any count is 0,
    0.5 is added to all four (Haldane 1956). The p-value is the two-sided Wald
    test of ``RRR = 1``.
    """
    counts = [float(v) for v in (x0, x1, c0, c1)]
    corrected = min(counts) <= 0
    if corrected:
        counts = [v + 0.5 for v in counts]
    a0, a1, b0, b1 = counts
    log_r = math.log(a1 / a0) - math.log(b1 / b0)
    se = math.sqrt(1 / a0 + 1 / a1 + 1 / b0 + 1 / b1)
    q = stats.norm.ppf(1 - (1 - conf) / 2)
    p = float(2 * stats.norm.sf(abs(log_r) / se))
    return RelativeEffect(
        math.exp(log_r), math.exp(log_r - q * se), math.exp(log_r + q * se), p, se, corrected, conf
    )


# --------------------------------------------------------------------------- zones
@dataclass(frozen=True)
class Zones:
    """Target, buffer ring and control geometries (EPSG:27700).

    The ring is ``target.buffer(buffer_m) - target`` clipped to BCP; the
    control is the given area (default BCP) minus the target and ring.
    """

    target: Area
    buffer: shapely.Geometry
    control: Area
    buffer_m: float
    notes: tuple[str, ...]

    @property
    def buffer_area_km2(self) -> float:
        return float(self.buffer.area) / 1e6

    def zone_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """0 target, 1 ring, 2 control, -1 elsewhere, for points in metres (pass unique locations)."""
        out = np.full(len(x), -1, dtype=np.int8)
        out[area_mask(x, y, self.control)] = 2
        if not self.buffer.is_empty:
            ring = Area("ring", "polygon", "ring", self.buffer)
            out[area_mask(x, y, ring)] = 1
        out[area_mask(x, y, self.target)] = 0
        return out


def evaluation_zones(
    target: Area | str, *, buffer_m: float = DEFAULT_BUFFER_M, control: Area | str | None = None
) -> Zones:
    """Build the target, ring and control of an evaluation (see :class:`Zones`)."""
    if (
        isinstance(buffer_m, bool)
        or not isinstance(buffer_m, (int, float))
        or not (math.isfinite(buffer_m) and buffer_m >= 0)
    ):
        raise InputError(
            "buffer_m", buffer_m, "a distance in metres, 0 or more", "For example 400."
        )
    b = load_boundaries()
    t = resolve_area(target, b)
    if t.kind == "bcp":
        raise InputError(
            "target", "bcp", "an area smaller than BCP", "For example town-centre or a ward."
        )
    notes: list[str] = []
    tgeom = shapely.intersection(t.geometry, b.outline)
    if tgeom.area < t.geometry.area * 0.999:
        notes.append(f"the target was clipped to the BCP boundary ({t.name})")
        t = Area(t.name, t.kind, t.spec, tgeom)
    outer = t.geometry.buffer(buffer_m) if buffer_m > 0 else t.geometry
    ring = shapely.intersection(shapely.difference(outer, t.geometry), b.outline)
    c = resolve_area(control, b)
    cgeom = shapely.difference(shapely.intersection(c.geometry, b.outline), outer)
    if c.kind != "bcp" and cgeom.area < c.geometry.area * 0.999:
        notes.append(f"the parts of the control ({c.name}) inside the target or ring were left out")
    if cgeom.is_empty:
        raise InputError(
            "control",
            c.spec,
            "an area outside the target and its ring",
            "Choose other wards or a smaller ring.",
        )
    cname = "the rest of BCP" if c.kind == "bcp" else c.name
    control_area = Area(cname, c.kind, c.spec, cgeom)
    return Zones(t, ring, control_area, float(buffer_m), tuple(notes))


# --------------------------------------------------------------------------- evaluation
def _group_label(categories: tuple[str, ...]) -> str:
    cats = set(categories)
    if cats == set(S.CRIME_CATEGORIES):
        return "crime"
    if cats == {S.ASB}:
        return "anti-social behaviour"
    if len(categories) == 1:
        return categories[0].lower()
    return f"{len(categories)} selected crime categories"


def _pct(v: float) -> str:
    return f"{v:+.0f}%" if math.isfinite(v) else "n/a"


def _num(v) -> float | None:
    return float(v) if isinstance(v, (int, float, np.floating)) and math.isfinite(v) else None


@dataclass(frozen=True)
class GroupEvaluation:
    """The evaluation of one group of categories (crime, or ASB).

    Counts: ``target_before`` ... ``control_after``. Changes per zone: exact rate
    ratios per month of data (:class:`RateRatio`). ``relative`` and
    ``buffer_relative``: target and ring against the control. ``wdd``: the
    Weighted Displacement Difference (control weighted to target + ring), in
    records over the after window. ``wdq`` and ``wdq_meaning``; ``net_effect``
    (records prevented: positive is good) with its target and buffer parts.
    ``spillover``: "diffusion of benefits" or "displacement", read from the sign
    of the ring's relative effect when the target improved relative to the
    control; "not applicable" when it did not; "none" without a ring. ``spillover_significant``
    when its 95% interval excludes no change.
    """

    label: str
    categories: tuple[str, ...]
    target_before: int
    target_after: int
    buffer_before: int
    buffer_after: int
    control_before: int
    control_after: int
    months_before: int
    months_after: int
    target_change: RateRatio
    buffer_change: RateRatio
    control_change: RateRatio
    relative: RelativeEffect
    buffer_relative: RelativeEffect | None
    wdd: WDDResult
    wdq: float
    wdq_meaning: str
    net_effect: float
    net_effect_target: float
    net_effect_buffer: float
    spillover: str
    spillover_significant: bool
    reading: str
    notes: tuple[str, ...]

    def to_dict(self) -> dict:
        def change(prefix: str, r: RateRatio) -> dict:
            lo, hi = r.pct_ci
            return {
                f"{prefix}_pct_change": _num(r.pct_change),
                f"{prefix}_ci_low": _num(lo),
                f"{prefix}_ci_high": _num(hi),
                f"{prefix}_p_value": r.p_value,
            }

        rel_lo, rel_hi = self.relative.pct_ci
        out = {
            "group": self.label,
            "categories": list(self.categories),
            "target_before": self.target_before,
            "target_after": self.target_after,
            "buffer_before": self.buffer_before,
            "buffer_after": self.buffer_after,
            "control_before": self.control_before,
            "control_after": self.control_after,
            "months_before": self.months_before,
            "months_after": self.months_after,
            **change("target", self.target_change),
            **change("buffer", self.buffer_change),
            **change("control", self.control_change),
            "relative_effect_pct": _num(self.relative.pct),
            "relative_ci_low": _num(rel_lo),
            "relative_ci_high": _num(rel_hi),
            "relative_p_value": self.relative.p_value,
            "wdd": _num(self.wdd.total),
            "wdd_se": _num(self.wdd.se),
            "wdd_ci_low": _num(self.wdd.ci_low),
            "wdd_ci_high": _num(self.wdd.ci_high),
            "wdd_p_value": self.wdd.p_value,
            "wdd_local": _num(self.wdd.local),
            "wdd_displacement": _num(self.wdd.displacement),
            "wdq": _num(self.wdq),
            "wdq_meaning": self.wdq_meaning,
            "net_effect": _num(self.net_effect),
            "net_effect_target": _num(self.net_effect_target),
            "net_effect_buffer": _num(self.net_effect_buffer),
            "spillover": self.spillover,
            "spillover_significant": self.spillover_significant,
            "small_count_flag": small_count_flag(
                self.target_before, self.target_after, self.control_before, self.control_after
            ),
            "reading": self.reading,
            "notes": list(self.notes),
        }
        if self.buffer_relative is not None:
            blo, bhi = self.buffer_relative.pct_ci
            out.update(
                buffer_relative_pct=_num(self.buffer_relative.pct),
                buffer_relative_ci_low=_num(blo),
                buffer_relative_ci_high=_num(bhi),
                buffer_relative_p_value=self.buffer_relative.p_value,
            )
        return out


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
        for g in self.groups:
            if g.label == label:
                return g
        raise KeyError(label)

    @property
    def reading(self) -> str:
        return " ".join(g.reading for g in self.groups)

    def to_dict(self) -> dict:
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
        """One row per group, the main numbers (for CSV / table output)."""
        keys = [
            "group", "target_before", "target_after", "target_pct_change", "buffer_before",
            "buffer_after", "buffer_pct_change", "control_before", "control_after",
            "control_pct_change", "relative_effect_pct", "relative_ci_low", "relative_ci_high",
            "wdd", "wdd_ci_low", "wdd_ci_high", "wdq", "net_effect", "spillover",
        ]  # fmt: skip
        return pd.DataFrame(
            [{k: g.to_dict().get(k) for k in keys} for g in self.groups], columns=keys
        )


def _reading(
    label: str, target: str, control: str, buffer_m: float, tc: RateRatio, cc: RateRatio,
    rel: RelativeEffect, brel: RelativeEffect | None, spill: str, sig: bool, net: float,
    w: WDDResult,
) -> str:  # fmt: skip
    def moved(r: RateRatio) -> str:
        if r.count_a == r.count_b == 0:
            return "had no records before or after"
        if r.count_a == 0:
            return f"went from none to {r.count_b:,}"
        verb = "fell" if r.pct_change < 0 else "rose"
        return f"{verb} {abs(r.pct_change):.0f}%"

    def moved_noun(r: RateRatio) -> str:
        if r.count_a == 0:
            return "no records before"
        pct = f"{abs(r.pct_change):.0f}"
        article = "an" if pct.startswith("8") or pct in ("11", "18") else "a"
        return f"{article} {pct}% {'fall' if r.pct_change < 0 else 'rise'}"

    lo, hi = rel.pct_ci
    s = (
        f"{label[:1].upper() + label[1:]} {moved(tc)} in {target} against {moved_noun(cc)} in "
        f"{control}: a relative effect of {_pct(rel.pct)} (95% CI {_pct(lo)} to {_pct(hi)})."
    )
    if brel is not None:
        blo, bhi = brel.pct_ci
        fewer = "less" if brel.pct < 0 else "more"
        if spill == "not applicable":
            meaning = (
                "the target did not improve against the control, so there is no benefit to "
                "diffuse and nothing displaced"
            )
        else:
            meaning = spill + ("" if sig else " (not clearly beyond chance)")
        s += (
            f" The streets around ({buffer_m:g} m ring) saw {fewer} {label} than the control's trend "
            f"implies ({_pct(brel.pct)}, 95% CI {_pct(blo)} to {_pct(bhi)}): {meaning}."
        )
    if math.isfinite(net):
        s += (
            f" Net effect: about {abs(net):,.0f} {'fewer' if net > 0 else 'more'} records than "
            f"expected (WDD {w.total:+,.0f}, 95% CI {w.ci_low:+,.0f} to {w.ci_high:+,.0f})."
        )
    return s


def evaluate(
    records: pd.DataFrame,
    target: Area | str,
    *,
    before: Window | str,
    after: Window | str,
    buffer_m: float = DEFAULT_BUFFER_M,
    control: Area | str | None = None,
    categories=None,
    available_months: Iterable[str] | None = None,
    conf: float = 0.95,
) -> Evaluation:
    """Evaluate an intervention in ``target`` between the ``before`` and ``after`` windows.

    Parameters
    ----------
    records : canonical records (the whole dataset; its months define exposures).
    target : area spec or :class:`Area` (e.g. ``"town-centre"``, a ward, a place@radius).
    before, after : windows ``FROM:TO`` (or :class:`Window`).
    buffer_m : width of the ring around the target in metres (default 400; 0: no ring).
    control : area spec; default the rest of BCP outside target and ring.
    categories : ``--types`` value; crime and ASB are always evaluated separately
        (default: both groups).
    available_months : months the dataset covers, if known better than from records.
    conf : confidence level (default 0.95).

    Returns
    -------
    Evaluation

    Notes
    -----
    The WDD here weights the control so that its before count equals the
    target's plus the ring's (Wheeler and Ratcliffe's area weights): with the
    rest of BCP as control, an unweighted difference of differences would be
    dominated by the control's size. Then ``WDD = (T1 + D1) - (T0 + D0) C1/C0``
    and ``total net effect = -WDD``. A month missing from a window shortens its
    exposure: rates and the WDD variance use Wheeler's time weights; ratios of
    ratios and the WDQ are unaffected.
    """
    wb, wa = window(before, "before"), window(after, "after")
    zones = evaluation_zones(target, buffer_m=buffer_m, control=control)
    cats = S.resolve_categories(categories)
    groups_cats = [
        g for g in (tuple(c for c in cats if c != S.ASB), tuple(c for c in cats if c == S.ASB)) if g
    ]
    have = list(available_months) if available_months is not None else dataset_months(records)
    pb, mb = wb.coverage(have)
    pa, ma = wa.coverage(have)
    for label, present, w in (("before", pb, wb), ("after", pa, wa)):
        if not present:
            raise InputError(label, w.spec, "a window with at least one month of data",
                             f"The data covers {', '.join(have) or 'no months'}.")  # fmt: skip
    notes = list(zones.notes)
    for w, present, missing in ((wb, pb, mb), (wa, pa, ma)):
        if missing:
            notes.append(
                f"{', '.join(missing)} missing from the data: {w.label} covers {len(present)} of "
                f"{w.n_months} months"
            )
    if set(pb) & set(pa):
        notes.append("the before and after windows overlap: the tests assume they do not")
    tb, ta = len(pb), len(pa)
    if tb != ta:
        notes.append(
            f"windows differ in length ({tb} and {ta} months of data): changes are per month; the "
            "WDD is in records over the after window"
        )
    sub = filter_records(records, categories=cats)
    month = sub[S.MONTH]
    period = np.where(month.isin(pb).to_numpy(), 0, np.where(month.isin(pa).to_numpy(), 1, -1))
    keep = period >= 0
    sub, period = sub[keep], period[keep]
    pts = unique_locations(sub[S.X].to_numpy(), sub[S.Y].to_numpy())
    zone = zones.zone_of(pts.x, pts.y)[pts.inverse] if len(sub) else np.empty(0, dtype=np.int8)
    has_ring = not zones.buffer.is_empty
    results = []
    for gcats in groups_cats:
        gmask = sub[S.CATEGORY].isin(gcats).to_numpy(dtype=bool)
        cnt = np.zeros((3, 2), dtype=np.int64)
        sel = gmask & (zone >= 0)
        np.add.at(cnt, (zone[sel].astype(np.int64), period[sel]), 1)
        (t0, t1), (d0, d1), (c0, c1) = (tuple(int(v) for v in cnt[i]) for i in range(3))
        label = _group_label(gcats)
        gnotes: list[str] = []
        tc, dc, cc = (
            rate_ratio(t0, t1, tb, ta),
            rate_ratio(d0, d1, tb, ta),
            rate_ratio(c0, c1, tb, ta),
        )
        rel = relative_effect(t0, t1, c0, c1, conf)
        brel = relative_effect(d0, d1, c0, c1, conf) if has_ring else None
        if rel.corrected or (brel is not None and brel.corrected):
            gnotes.append(
                "a zero count: 0.5 added to every count of the relative effects (Haldane)"
            )
        flag = small_count_flag(t0, t1)
        if flag:
            gnotes.append(f"{flag} counts in the target ({t0} before, {t1} after): read with care")
        if c0 > 0:
            w = weighted_wdd(t0, t1, d0, d1, c0, c1, tb, ta, conf)
        else:
            w = WDDResult(*([float("nan")] * 10), conf)  # type: ignore[arg-type]
            gnotes.append("no control records before: the WDD and net effect are not defined")
        q = wdq(t0, t1, d0, d1, c0, c1) if has_ring else float("nan")
        q_meaning = wdq_reading(t0, t1, c0, c1, q) if has_ring else "no ring (buffer_m = 0)"
        net, net_t, net_d = total_net_effect(t0, t1, d0, d1, c0, c1)
        if brel is None:
            spill, sig = "none", False
        else:
            if rel.ratio < 1:
                spill = "diffusion of benefits" if brel.ratio < 1 else "displacement"
            else:
                spill = "not applicable"
            sig = brel.ci_high < 1 or brel.ci_low > 1
        reading = _reading(
            label, zones.target.name, zones.control.name, zones.buffer_m, tc, cc, rel, brel, spill, sig,
            net, w,
        )  # fmt: skip
        results.append(
            GroupEvaluation(
                label,
                gcats,
                t0,
                t1,
                d0,
                d1,
                c0,
                c1,
                tb,
                ta,
                tc,
                dc,
                cc,
                rel,
                brel,
                w,
                q,
                q_meaning,
                net,
                net_t,
                net_d,
                spill,
                sig,
                reading,
                tuple(gnotes),
            )  # fmt: skip
        )
    return Evaluation(
        zones.target.name,
        zones.target.spec,
        zones.control.name,
        zones.buffer_m,
        wb,
        wa,
        tuple(results),
        tuple(notes),
        zones.target.area_km2,
        zones.buffer_area_km2,
    )


def weighted_wdd(
    t0: int, t1: int, d0: int, d1: int, c0: int, c1: int, tb: float = 1.0, ta: float = 1.0,
    conf: float = 0.95,
) -> WDDResult:  # fmt: skip
    """WDD with one control shared by target and ring, weighted to their size.

    The control is weighted by ``kt = T0/C0`` against the target and by
    ``kd = D0/C0`` against the ring (Wheeler and Ratcliffe's area weights), so
    its before count matches theirs; with ``tau = ta/tb`` (Wheeler's time
    weights, after-window units)::

        local = (T1 - tau T0) - kt (C1 - tau C0)      = T1 - T0 C1/C0
        disp  = (D1 - tau D0) - kd (C1 - tau C0)      = D1 - D0 C1/C0
        Var   = T1 + D1 + tau^2 (T0 + D0) + (kt + kd)^2 (C1 + tau^2 C0)

    The shared control's variance is counted once, with the weights added.
    Equal to ``wdd((C0, C1), (T0, T1), (C0, C1), (D0, D1), time_weights=(tb/ta, 1),
    area_weights=(1/kt, 1, 1/kd, 1), shared_control=True)`` when T0, D0 > 0.
    """
    if c0 <= 0:
        raise InputError("control_before", c0, "at least one control record before")
    tau = ta / tb
    kt, kd = t0 / c0, d0 / c0
    dc = c1 - tau * c0
    vc = c1 + tau**2 * c0
    local = (t1 - tau * t0) - kt * dc
    disp = (d1 - tau * d0) - kd * dc
    var_t = t1 + tau**2 * t0
    var_d = d1 + tau**2 * d0
    se = math.sqrt(var_t + var_d + (kt + kd) ** 2 * vc)
    total = local + disp
    q = stats.norm.ppf(1 - (1 - conf) / 2)
    z = total / se if se > 0 else 0.0
    p = float(2 * stats.norm.sf(abs(z)))
    return WDDResult(
        local,
        math.sqrt(var_t + kt**2 * vc),
        disp,
        math.sqrt(var_d + kd**2 * vc),
        total,
        se,
        z,
        p,
        total - q * se,
        total + q * se,
        conf,
    )
