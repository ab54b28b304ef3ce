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

from hotspots.compare import wording as W
from hotspots.compare.dispersion import (
    MIN_DF,
    POISSON,
    POISSON_LABEL,
    Dispersion,
    PoissonFallback,
    glm_dispersion,
    quantile,
)
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
class RelativeEffect(PoissonFallback):
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
    poisson_ci_low: float = float("nan")
    poisson_ci_high: float = float("nan")
    poisson_p_value: float = float("nan")
    dispersion: Dispersion = POISSON

    @property
    def excludes_one(self) -> bool:
        """True when the interval excludes "no effect" (ratio 1)."""
        return self.ci_high < 1 or self.ci_low > 1

    @property
    def pct(self) -> float:
        return 100.0 * (self.ratio - 1.0)

    @property
    def pct_ci(self) -> tuple[float, float]:
        return 100.0 * (self.ci_low - 1.0), 100.0 * (self.ci_high - 1.0)


def relative_effect(
    x0: int, x1: int, c0: int, c1: int, conf: float = 0.95, dispersion: Dispersion | None = None
) -> RelativeEffect:
    """Ratio of rate ratios of a zone against the control, log-scale Wald interval.

    ``log RRR = log(x1/x0) - log(c1/c0)``, ``se = sqrt(1/x0 + 1/x1 + 1/c0 + 1/c1)``
    (independent Poisson counts; window lengths cancel). When any count is 0,
    0.5 is added to all four (Haldane 1956). The p-value is the two-sided Wald
    test of ``RRR = 1``. With a ``dispersion`` (phi > 1) the standard error is
    multiplied by ``sqrt(phi)`` and quantiles are Student's t with its degrees
    of freedom (quasi-Poisson); the Poisson interval stays in ``poisson_*``.
    This is the zone x after interaction of a log-linear count model with zone,
    month and zone x period terms (see :func:`zone_month_dispersion`).
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
    lo, hi = math.exp(log_r - q * se), math.exp(log_r + q * se)
    d = dispersion or POISSON
    if not d.estimated:
        return RelativeEffect(math.exp(log_r), lo, hi, p, se, corrected, conf, lo, hi, p, d)
    qse = se * d.scale
    qq = quantile(conf, d.df)
    qp = float(2 * stats.t.sf(abs(log_r) / qse, d.df))
    return RelativeEffect(
        math.exp(log_r), math.exp(log_r - qq * qse), math.exp(log_r + qq * qse), qp, qse,
        corrected, conf, lo, hi, p, d,
    )  # fmt: skip


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
    """JSON/CSV-safe number to 4 significant figures; NaN and infinities become None."""
    if isinstance(v, (int, float, np.integer, np.floating)) and math.isfinite(v):
        return W.sig_round(float(v), 4)
    return None


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
    wdd_raw: WDDResult | None = None
    wdq_ci: tuple[float, float] = (float("nan"), float("nan"))
    dispersion: Dispersion = POISSON

    def to_dict(self) -> dict:
        def change(prefix: str, r: RateRatio) -> dict:
            lo, hi = r.pct_ci
            plo, phi = r.poisson_pct_ci
            return {
                f"{prefix}_pct_change": _num(r.pct_change),
                f"{prefix}_ci_low": _num(lo),
                f"{prefix}_ci_high": _num(hi),
                f"{prefix}_p_value": W.sig_round(r.p_value),
                f"{prefix}_dispersion": round(r.dispersion.phi, 2),
                f"{prefix}_poisson_ci_low": _num(plo),
                f"{prefix}_poisson_ci_high": _num(phi),
            }

        def wdd_keys(prefix: str, w: WDDResult | None, formula: str) -> dict:
            if w is None:
                return {}
            return {
                prefix: _num(w.total),
                f"{prefix}_se": _num(w.se),
                f"{prefix}_ci_low": _num(w.ci_low),
                f"{prefix}_ci_high": _num(w.ci_high),
                f"{prefix}_p_value": W.sig_round(w.p_value),
                f"{prefix}_formula": formula,
            }

        rel_lo, rel_hi = self.relative.pct_ci
        prel_lo, prel_hi = self.relative.poisson_pct_ci
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
            "relative_p_value": W.sig_round(self.relative.p_value),
            "relative_poisson_ci_low": _num(prel_lo),
            "relative_poisson_ci_high": _num(prel_hi),
            "relative_poisson_p_value": W.sig_round(self.relative.poisson_p_value),
            **self.dispersion.to_dict(),
            "poisson_note": f"*_poisson_* keys: intervals that {POISSON_LABEL}",
            "wdd": _num(self.wdd.total),
            "wdd_se": _num(self.wdd.se),
            "wdd_ci_low": _num(self.wdd.ci_low),
            "wdd_ci_high": _num(self.wdd.ci_high),
            "wdd_p_value": W.sig_round(self.wdd.p_value),
            "wdd_local": _num(self.wdd.local),
            "wdd_displacement": _num(self.wdd.displacement),
            **wdd_keys("wdd_scaled", self.wdd, WDD_SCALED_FORMULA),
            **wdd_keys("wdd_raw", self.wdd_raw, WDD_RAW_FORMULA),
            "wdq": _num(self.wdq),
            "wdq_ci_low": _num(self.wdq_ci[0]),
            "wdq_ci_high": _num(self.wdq_ci[1]),
            "wdq_formula": WDQ_FORMULA,
            "wdq_meaning": self.wdq_meaning,
            "net_effect_ci_low": _num(-self.wdd.ci_high),
            "net_effect_ci_high": _num(-self.wdd.ci_low),
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
                buffer_relative_p_value=W.sig_round(self.buffer_relative.p_value),
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
            "relative_poisson_ci_low", "relative_poisson_ci_high", "dispersion",
            "wdd_raw", "wdd_raw_ci_low", "wdd_raw_ci_high", "wdd_scaled", "wdd_scaled_ci_low",
            "wdd_scaled_ci_high", "wdq", "wdq_ci_low", "wdq_ci_high", "wdq_meaning", "net_effect",
            "net_effect_ci_low", "net_effect_ci_high", "spillover", "wdd_raw_formula",
            "wdd_scaled_formula", "wdq_formula",
        ]  # fmt: skip
        return pd.DataFrame(
            [{k: g.to_dict().get(k) for k in keys} for g in self.groups], columns=keys
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
        return f"{verb} {W.pct(r.pct_change, signed=False)} ({r.count_a:,} to {r.count_b:,})"

    lo, hi = rel.pct_ci
    verb = "fell" if rel.ratio < 1 else "rose"
    s = (
        f"{label[:1].upper() + label[1:]} in {target} {verb} by {W.about(rel.pct)} "
        f"({W.between(lo, hi)}) compared with {control}; {W.chance(rel.excludes_one)}."
        f" On their own, {label} in the target {moved(tc)} while {control} {moved(cc)}."
    )
    if brel is not None:
        blo, bhi = brel.pct_ci
        if spill == "not applicable":
            meaning = (
                "the target did not improve against the control, so there is no benefit to "
                "diffuse and nothing displaced"
            )
        elif not sig:
            meaning = f"no clear {spill} (the interval includes no change)"
        else:
            meaning = spill
        s += (
            f" The streets around it ({buffer_m:g} m ring) changed by {W.pct(brel.pct)} against "
            f"the control ({W.between(blo, bhi)}): {meaning}."
        )
    if math.isfinite(net):
        s += f" Net effect: {net_effect_words(net, -w.ci_high, -w.ci_low)}."
    if not rel.dispersion.estimated:
        s += f" Too few months to estimate the overdispersion: intervals {POISSON_LABEL}."
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
    if common := sorted(set(wb.months) & set(wa.months)):
        raise InputError(
            "after", wa.spec, "a window that does not overlap the before window",
            f"{wb.label} and {wa.label} share {', '.join(common)}: a month cannot be both "
            "before and after.",
        )  # fmt: skip
    tb, ta = len(pb), len(pa)
    if tb != ta:
        notes.append(
            f"windows differ in length ({tb} and {ta} months of data): changes are per month; the "
            "WDD is in records over the after window"
        )
    sub = filter_records(records, categories=cats)
    months = pb + [m for m in pa if m not in set(pb)]
    month_idx = pd.Index(months).get_indexer(sub[S.MONTH])
    keep = month_idx >= 0
    sub, month_idx = sub[keep], month_idx[keep]
    after_m = np.array([m in set(pa) and m not in set(pb) for m in months])
    pts = unique_locations(sub[S.X].to_numpy(), sub[S.Y].to_numpy())
    zone = zones.zone_of(pts.x, pts.y)[pts.inverse] if len(sub) else np.empty(0, dtype=np.int8)
    has_ring = not zones.buffer.is_empty
    results = []
    for gcats in groups_cats:
        gmask = sub[S.CATEGORY].isin(gcats).to_numpy(dtype=bool)
        cntm = np.zeros((3, len(months)), dtype=np.int64)
        sel = gmask & (zone >= 0)
        np.add.at(cntm, (zone[sel].astype(np.int64), month_idx[sel]), 1)
        cnt = np.column_stack([cntm[:, ~after_m].sum(axis=1), cntm[:, after_m].sum(axis=1)])
        (t0, t1), (d0, d1), (c0, c1) = (tuple(int(v) for v in cnt[i]) for i in range(3))
        label = _group_label(gcats)
        gnotes: list[str] = []
        rows = [0, 1, 2] if has_ring else [0, 2]
        disp = zone_month_dispersion(
            cntm[rows], after_m,
            f"monthly counts of {label} in the target, ring and control over the "
            f"{len(months)} months of the two windows",
            months,
        )  # fmt: skip
        zdisp = [
            period_dispersion(cntm[i], after_m, f"monthly counts of {label} in the {name}")
            for i, name in enumerate(("target", "ring", "control"))
        ]
        gnotes.append(disp.description)
        tc, dc, cc = (
            rate_ratio(cnt[i, 0], cnt[i, 1], tb, ta, dispersion=zdisp[i]) for i in range(3)
        )
        rel = relative_effect(t0, t1, c0, c1, conf, disp)
        brel = relative_effect(d0, d1, c0, c1, conf, disp) if has_ring else None
        if rel.corrected or (brel is not None and brel.corrected):
            gnotes.append(
                "a zero count: 0.5 added to every count of the relative effects (Haldane)"
            )
        flag = small_count_flag(t0, t1)
        if flag:
            gnotes.append(f"{flag} counts in the target ({t0} before, {t1} after): read with care")
        nanw = WDDResult(*([float("nan")] * 10), conf)  # type: ignore[arg-type]
        if c0 > 0:
            w = weighted_wdd(t0, t1, d0, d1, c0, c1, tb, ta, conf, disp)
        else:
            w = nanw
            gnotes.append("no control records before: the WDD and net effect are not defined")
        w_raw = raw_wdd(
            t0, t1, d0, d1, c0, c1, tb, ta, conf, tuple(z.phi for z in zdisp),
            min(z.df for z in zdisp), ring=has_ring,
        )  # fmt: skip
        if has_ring:
            q = wdq(t0, t1, d0, d1, c0, c1)
            q_lo, q_hi, _ = wdq_interval(t0, t1, d0, d1, c0, c1, disp, conf)
            q_meaning = wdq_reading(t0, t1, c0, c1, q)
            if math.isfinite(q) and rel.ratio < 1:
                if not rel.excludes_one:
                    q_meaning = (
                        "too uncertain to read: the target's change against the control is not "
                        "distinguishable from none"
                    )
                elif brel is not None and not brel.excludes_one:
                    q_meaning = (
                        "too uncertain to read: the ring's own change against the control is "
                        "not distinguishable from none"
                    )
        else:
            q, q_lo, q_hi, q_meaning = (*([float("nan")] * 3), "no ring (buffer_m = 0)")
        net, net_t, net_d = total_net_effect(t0, t1, d0, d1, c0, c1)
        if brel is None:
            spill, sig = "none", False
        else:
            if rel.ratio < 1:
                spill = "diffusion of benefits" if brel.ratio < 1 else "displacement"
            else:
                spill = "not applicable"
            sig = brel.excludes_one
        reading = _reading(
            label, zones.target.name, zones.control.name, zones.buffer_m, tc, cc, rel, brel, spill, sig,
            net, w,
        )  # fmt: skip
        results.append(
            GroupEvaluation(
                label, gcats, t0, t1, d0, d1, c0, c1, tb, ta, tc, dc, cc, rel, brel, w, q,
                q_meaning, net, net_t, net_d, spill, sig, reading, tuple(gnotes), w_raw,
                (q_lo, q_hi), disp,
            )
        )  # fmt: skip
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
    conf: float = 0.95, dispersion: Dispersion | None = None,
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
    With a ``dispersion`` the variance is multiplied by ``phi`` and the interval
    and p-value use Student's t with its degrees of freedom.
    """
    if c0 <= 0:
        raise InputError("control_before", c0, "at least one control record before")
    tau = ta / tb
    kt, kd = t0 / c0, d0 / c0
    dc = c1 - tau * c0
    vc = c1 + tau**2 * c0
    local = (t1 - tau * t0) - kt * dc
    disp = (d1 - tau * d0) - kd * dc
    d = dispersion or POISSON
    var_t = d.phi * (t1 + tau**2 * t0)
    var_d = d.phi * (d1 + tau**2 * d0)
    vc = d.phi * vc
    return _wdd_result(
        local, var_t + kt**2 * vc, disp, var_d + kd**2 * vc, var_t + var_d + (kt + kd) ** 2 * vc,
        conf, d.df,
    )  # fmt: skip


def _wdd_result(
    local: float, var_local: float, disp: float, var_disp: float, var_total: float,
    conf: float, df: float = math.inf,
) -> WDDResult:  # fmt: skip
    total = local + disp
    se = math.sqrt(var_total)
    q = quantile(conf, df)
    z = total / se if se > 0 else 0.0
    sf = stats.norm.sf(abs(z)) if not math.isfinite(df) else stats.t.sf(abs(z), df)
    return WDDResult(
        local, math.sqrt(var_local), disp, math.sqrt(var_disp), total, se, z, float(2 * sf),
        total - q * se, total + q * se, conf,
    )  # fmt: skip


#: How each WDD is computed, for tooltips and exports.
WDD_RAW_FORMULA = (
    "raw WDD (Wheeler and Ratcliffe 2018) = ΔT − ΔC + ΔD − ΔC, with ΔX = X_after − X_before "
    "(before counts scaled to the after window's length) for target T, ring D and control C; "
    "Var = φT(T1 + T0) + φD(D1 + D0) + 4 φC(C1 + C0) (the shared control counted twice); "
    "in records. With the rest of BCP as control it is dominated by the control's size."
)
WDD_SCALED_FORMULA = (
    "control-scaled WDD = (T1 − T0·C1/C0) + (D1 − D0·C1/C0): the control's change scaled to "
    "the target's and ring's before counts (Wheeler and Ratcliffe's area weights); "
    "Var = φ[T1 + T0 + D1 + D0 + (T0/C0 + D0/C0)²(C1 + C0)] (time-weighted when the windows "
    "differ); minus the total net effect of Bowers and Johnson (2003)."
)
WDQ_FORMULA = (
    "WDQ (Bowers and Johnson 2003) = (D1/C1 − D0/C0) / (T1/C1 − T0/C0): the ring's change "
    "against the control over the target's; 95% interval by the delta method with variances "
    "φ·count; read only when both changes are distinguishable from none."
)


def raw_wdd(
    t0: int, t1: int, d0: int, d1: int, c0: int, c1: int, tb: float = 1.0, ta: float = 1.0,
    conf: float = 0.95, phis: tuple[float, float, float] = (1.0, 1.0, 1.0), df: float = math.inf,
    ring: bool = True,
) -> WDDResult:  # fmt: skip
    """Wheeler and Ratcliffe's (2018) WDD with one control shared by target and ring.

    ``WDD = (T1 - tau T0) - (C1 - tau C0) + (D1 - tau D0) - (C1 - tau C0)`` with
    ``tau = ta / tb`` (in after-window records) and
    ``Var = phi_T (T1 + tau^2 T0) + phi_D (D1 + tau^2 D0) + 4 phi_C (C1 + tau^2 C0)``:
    the shared control enters twice, so its variance four times (its own
    dispersion ``phis = (phi_T, phi_D, phi_C)`` per zone; 1 for Poisson). Without
    a ring (``ring=False``) the control enters once. Equal to
    ``wdd((C0, C1), (T0, T1), (C0, C1), (D0, D1), time_weights=(tb/ta, 1),
    shared_control=True)`` for Poisson counts.
    """
    tau = ta / tb
    pt, pd_, pc = phis
    dc = c1 - tau * c0
    vc = pc * (c1 + tau**2 * c0)
    vt = pt * (t1 + tau**2 * t0)
    vd = pd_ * (d1 + tau**2 * d0)
    local = (t1 - tau * t0) - dc
    if not ring:
        return _wdd_result(local, vt + vc, 0.0, 0.0, vt + vc, conf, df)
    disp = (d1 - tau * d0) - dc
    return _wdd_result(local, vt + vc, disp, vd + vc, vt + vd + 4 * vc, conf, df)


def wdq_interval(
    t0: float, t1: float, d0: float, d1: float, c0: float, c1: float,
    dispersion: Dispersion | None = None, conf: float = 0.95,
) -> tuple[float, float, float]:  # fmt: skip
    """Delta-method interval of the WDQ: ``(low, high, se)``; NaNs where it is undefined.

    With ``N = D1/C1 - D0/C0``, ``S = T1/C1 - T0/C0`` and ``q = N/S``, the
    gradient is ``dq/dD1 = 1/(C1 S)``, ``dq/dD0 = -1/(C0 S)``,
    ``dq/dT1 = -q/(C1 S)``, ``dq/dT0 = q/(C0 S)``, ``dq/dC1 = (q T1 - D1)/(C1^2 S)``,
    ``dq/dC0 = (D0 - q T0)/(C0^2 S)``; each count has variance ``phi`` times itself
    (independent quasi-Poisson counts), and the quantile is Student's t with the
    dispersion's degrees of freedom (Oehlert 1992 on the delta method).
    """
    q = wdq(t0, t1, d0, d1, c0, c1)
    if not math.isfinite(q):
        nan = float("nan")
        return nan, nan, nan
    d = dispersion or POISSON
    succ = t1 / c1 - t0 / c0
    g = np.array(
        [
            q / (c0 * succ),
            -q / (c1 * succ),
            -1 / (c0 * succ),
            1 / (c1 * succ),
            (d0 - q * t0) / (c0**2 * succ),
            (q * t1 - d1) / (c1**2 * succ),
        ]
    )
    x = np.array([t0, t1, d0, d1, c0, c1], dtype=float)
    se = math.sqrt(d.phi * float((g**2 * x).sum()))
    k = quantile(conf, d.df)
    return q - k * se, q + k * se, se


def zone_month_dispersion(
    counts: np.ndarray, after: np.ndarray, source: str, months: list[str] | None = None
) -> Dispersion:
    """Dispersion of the evaluation's count model: zone, month and zone x period terms.

    ``counts`` is zones x months (control last), ``after`` flags the after
    window's months. When the two windows cover the same calendar months
    (``months`` given, e.g. Apr-Aug of two years) the model also has zone x
    month-of-year terms, so that a target whose season differs from the
    control's is not mistaken for overdispersion: ``log mu = a[zone, month of
    year] + b[after-year month] + g[zone] after``, with ``(Z - 1)(K - 1)``
    residual degrees of freedom for K calendar months, fitted by statsmodels'
    Poisson GLM with ``scale="X2"``. Otherwise the model is zone + month + zone x
    period, whose fitted values are ``row total x column total / period total``
    in each period, with ``(Z - 1)(M - 2)`` degrees of freedom. Either way the
    dispersion is the Pearson chi-square over the residual degrees of freedom,
    and the zone x after interaction is (or, with month-of-year terms, is close
    to) the log ratio of rate ratios.
    """
    counts = np.asarray(counts, dtype=float)
    after = np.asarray(after, dtype=bool)
    z, m = counts.shape
    if months is not None:
        cal_b = [mm[5:] for mm, a in zip(months, after, strict=True) if not a]
        cal_a = [mm[5:] for mm, a in zip(months, after, strict=True) if a]
        k = len(cal_b)
        if cal_b == cal_a and len(set(cal_b)) == k and (z - 1) * (k - 1) >= MIN_DF:
            return _seasonal_zone_dispersion(counts, after, k, source)
    x2 = 0.0
    for p in (False, True):
        sub = counts[:, after == p]
        tot = sub.sum()
        if tot <= 0:
            continue
        mu = np.outer(sub.sum(axis=1), sub.sum(axis=0)) / tot
        ok = mu > 0
        x2 += float(((sub[ok] - mu[ok]) ** 2 / mu[ok]).sum())
    df = (z - 1) * (m - 2)
    est = x2 / df if df > 0 else float("nan")
    return glm_dispersion(est, df, m, "quasi-Poisson count model with zone, month and "
                          "zone × period terms", source)  # fmt: skip


def _seasonal_zone_dispersion(counts: np.ndarray, after: np.ndarray, k: int, source: str):
    import warnings

    import statsmodels.api as sm

    z, m = counts.shape
    zi, mi = np.meshgrid(np.arange(z), np.arange(m), indexing="ij")
    zi, mi = zi.ravel(), mi.ravel()
    pos = np.empty(m, dtype=int)  # position of each month within its window = month of year
    pos[~after] = np.arange(k)
    pos[after] = np.arange(k)
    aft = after[mi]
    cols = [((zi == a) & (pos[mi] == b)).astype(float) for a in range(z) for b in range(k)]
    cols += [(aft & (pos[mi] == b)).astype(float) for b in range(k)]
    cols += [(aft & (zi == a)).astype(float) for a in range(z - 1)]
    y = counts.ravel()
    X = np.column_stack(cols)
    keep = X[y > 0].sum(axis=0) > 0  # drop terms whose cells are all zero
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, X[:, keep], family=sm.families.Poisson()).fit(scale="X2")
    return glm_dispersion(
        float(fit.scale), float(fit.df_resid), m,
        "quasi-Poisson count model with zone × month-of-year, month and zone × period terms",
        source,
    )  # fmt: skip


def period_dispersion(series: np.ndarray, after: np.ndarray, source: str) -> Dispersion:
    """Dispersion of one zone's monthly counts around its before and after means (n - 2 df)."""
    y = np.asarray(series, dtype=float)
    after = np.asarray(after, dtype=bool)
    x2 = 0.0
    for p in (False, True):
        sub = y[after == p]
        if len(sub) and sub.mean() > 0:
            x2 += float(((sub - sub.mean()) ** 2).sum() / sub.mean())
    df = len(y) - 2
    est = x2 / df if df > 0 else float("nan")
    return glm_dispersion(est, df, len(y), "quasi-Poisson, a level before and one after", source)
