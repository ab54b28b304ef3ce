"""Weighted Displacement Difference, Weighted Displacement Quotient and total net effect.

Counts of the target ``T``, the ring around it (the displacement area) ``D``
and the control ``C``, before (``0``) and after (``1``) an intervention:

* the Weighted Displacement Difference (Wheeler and Ratcliffe 2018), with the
  time and area weights of Wheeler (2021): :func:`wdd`; with one control shared
  by target and ring, scaled to their size (:func:`weighted_wdd`) or raw
  (:func:`raw_wdd`);
* the Weighted Displacement Quotient (Bowers and Johnson 2003): :func:`wdq`,
  with a delta-method interval (:func:`wdq_interval`);
* the total net effect (Bowers and Johnson 2003): :func:`total_net_effect`.

Counts are Poisson, or quasi-Poisson with a dispersion from
:func:`hotspots.comparison.relative.zone_month_dispersion`. The orchestration is
:func:`hotspots.comparison.evaluation.evaluate`.

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
Oehlert, G. W. (1992). A note on the delta method. The American Statistician
46(1), 27-29.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from hotspots.comparison.dispersion import POISSON, Dispersion, quantile
from hotspots.errors import InputError

__all__ = [
    "WDD_RAW_FORMULA",
    "WDD_SCALED_FORMULA",
    "WDQ_FORMULA",
    "WDDResult",
    "raw_wdd",
    "total_net_effect",
    "wdd",
    "wdq",
    "wdq_interval",
    "weighted_wdd",
]


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
                "disp_control",
                disp_control,
                f"equal to control {control} when shared",
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
        ],
    )
    x = np.array([t0, t1, d0, d1, c0, c1], dtype=float)
    se = math.sqrt(d.phi * float((g**2 * x).sum()))
    k = quantile(conf, d.df)
    return q - k * se, q + k * se, se


def total_net_effect(
    t0: float,
    t1: float,
    d0: float,
    d1: float,
    c0: float,
    c1: float,
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
