"""Intervention evaluation: target, buffer ring and control, before and after.

For a target area (e.g. the town-centre open spaces of the Seasonal Response),
a ring of ``buffer_m`` metres around it (where crime could be displaced to, or
benefits diffuse to) and a control area (default: the rest of BCP outside target
and ring), counts before (``T0, D0, C0``: target, ring/displacement area,
control) and after (``T1, D1, C1``) give:

* the change in each zone, with exact intervals (:func:`hotspots.comparison.ratio.rate_ratio`);
* the relative effect of the target against the control, the ratio of rate
  ratios ``(T1/T0) / (C1/C0)``, and the same for the ring
  (:mod:`hotspots.comparison.relative`, with the dispersion of the zone counts);
* the Weighted Displacement Difference (Wheeler and Ratcliffe 2018), the Weighted
  Displacement Quotient and the total net effect (Bowers and Johnson 2003)
  (:mod:`hotspots.comparison.wdd`).

This module counts the records per zone and month and puts the statistics
together; the zones are built by :mod:`hotspots.comparison.zones` and the
plain-English readings are written by :mod:`hotspots.present.evaluation_words`.
Crime and ASB are evaluated separately. The statistics' names are re-exported
here, where callers have always found them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hotspots.comparison.dispersion import Dispersion, two_figures
from hotspots.comparison.evaluation_results import (
    TABLE_COLUMNS,
    Displacement,
    Effect,
    Evaluation,
    GroupEvaluation,
    ZoneChanges,
    ZoneCounts,
)
from hotspots.comparison.ratio import rate_ratio, small_count_flag
from hotspots.comparison.relative import (
    RelativeEffect,
    period_dispersion,
    relative_effect,
    relative_effect_zones,
    subunit_dispersion,
    zone_month_dispersion,
)
from hotspots.comparison.wdd import (
    WDD_RAW_FORMULA,
    WDD_SCALED_FORMULA,
    WDQ_FORMULA,
    WDDResult,
    raw_wdd,
    total_net_effect,
    wdd,
    wdq,
    wdq_interval,
    weighted_wdd,
)
from hotspots.comparison.windows import Window, dataset_months, window
from hotspots.comparison.zones import DEFAULT_BUFFER_M, Zones, evaluation_zones
from hotspots.data import schema as S
from hotspots.data.points import unique_locations
from hotspots.data.select import filter_records
from hotspots.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from hotspots.data.areas import Area

__all__ = [
    "DEFAULT_BUFFER_M",
    "TABLE_COLUMNS",
    "WDD_RAW_FORMULA",
    "WDD_SCALED_FORMULA",
    "WDQ_FORMULA",
    "Displacement",
    "Effect",
    "Evaluation",
    "GroupEvaluation",
    "RelativeEffect",
    "WDDResult",
    "ZoneChanges",
    "ZoneCounts",
    "Zones",
    "evaluate",
    "evaluation_zones",
    "period_dispersion",
    "raw_wdd",
    "relative_effect",
    "total_net_effect",
    "wdd",
    "wdq",
    "wdq_interval",
    "weighted_wdd",
    "zone_month_dispersion",
]


def _group_label(categories: tuple[str, ...]) -> str:
    cats = set(categories)
    if cats == set(S.CRIME_CATEGORIES):
        return "crime"
    if cats == {S.ASB}:
        return "anti-social behaviour"
    if len(categories) == 1:
        return categories[0].lower()
    return f"{len(categories)} selected crime categories"


# --------------------------------------------------------------------------- evaluation
def evaluate(
    records: pd.DataFrame,
    target: Area | str,
    *,
    before: Window | str,
    after: Window | str,
    buffer_m: float = DEFAULT_BUFFER_M,
    control: Area | str | None = None,
    categories: str | list[str] | tuple[str, ...] | None = None,
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
                f"{w.n_months} months",
            )
    from hotspots.comparison.windows import check_windows

    check = check_windows(wb, wa, have, names=("the before", "the after"))
    if check.problem == "overlap":
        raise InputError(
            "after",
            wa.spec,
            "a window that does not overlap the before window",
            check.message,
        )
    tb, ta = len(pb), len(pa)
    if tb != ta:
        notes.append(
            f"windows differ in length ({tb} and {ta} months of data): changes are per month; the "
            "WDD is in records over the after window",
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
        # the same counts by snap point: each zone's own dispersion (relative effects)
        loc = pts.inverse[sel] if len(sub) else np.empty(0, dtype=np.int64)
        zdisp = [
            _snap_point_dispersion(loc[zone[sel] == z], month_idx[sel][zone[sel] == z],
                                   len(months), after_m, months, name, gcats)
            for z, name in enumerate(("target", "ring", "control"))
        ]  # fmt: skip
        results.append(_evaluate_group(gcats, cntm, after_m, months, tb, ta, conf, has_ring, zdisp))
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


def _snap_point_dispersion(
    loc: np.ndarray, month_idx: np.ndarray, n_months: int, after_m: np.ndarray,
    months: list[str], zone_name: str, gcats: tuple[str, ...],
) -> Dispersion:  # fmt: skip
    """Return a zone's dispersion from its points' monthly counts (:func:`subunit_dispersion`)."""
    codes, inv = np.unique(loc, return_inverse=True)
    y = np.zeros((len(codes), n_months), dtype=np.int64)
    np.add.at(y, (inv, month_idx), 1)
    return subunit_dispersion(
        y, after_m, f"monthly counts of {_group_label(gcats)} at the {zone_name}'s "
        f"{len(codes)} snap points", months,
    )  # fmt: skip


def _evaluate_group(
    gcats: tuple[str, ...], cntm: np.ndarray, after_m: np.ndarray, months: list[str],
    tb: int, ta: int, conf: float, has_ring: bool, snap_disp: list[Dispersion] | None = None,
) -> GroupEvaluation:  # fmt: skip
    """Return the statistics of one group from its zones x months counts (target, ring, control)."""
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
        rate_ratio(int(cnt[i, 0]), int(cnt[i, 1]), tb, ta, dispersion=zdisp[i]) for i in range(3)
    )
    if snap_disp is not None and all(d.estimated for d in (snap_disp[0], snap_disp[2])):
        # each zone's own dispersion: the zone model's one phi (few df) is mostly the
        # smaller zones' average and too small for a target busier per point than its ring
        rel = relative_effect_zones(t0, t1, c0, c1, snap_disp[0], snap_disp[2], conf)
    else:
        rel = relative_effect(t0, t1, c0, c1, conf, disp)
    if not has_ring:
        brel = None
    elif snap_disp is not None and all(d.estimated for d in (snap_disp[1], snap_disp[2])):
        brel = relative_effect_zones(d0, d1, c0, c1, snap_disp[1], snap_disp[2], conf)
    else:
        brel = relative_effect(d0, d1, c0, c1, conf, disp)
    if rel.dispersion.model.startswith("separate"):
        rd = rel.dispersion
        gnotes.append(
            f"The relative effect of the target allows for its own dispersion and the control's "
            f"(effective {two_figures(rd.phi)}; {rd.model}; {rd.df:.0f} degrees of freedom); the "
            "WDD and WDQ use the dispersion above.",
        )
    if rel.corrected or (brel is not None and brel.corrected):
        gnotes.append("a zero count: 0.5 added to every count of the relative effects (Haldane)")
    flag = small_count_flag(t0, t1)
    if flag:
        gnotes.append(f"{flag} counts in the target ({t0} before, {t1} after): read with care")
    if c0 > 0:
        w = weighted_wdd(t0, t1, d0, d1, c0, c1, tb, ta, conf, disp)
    else:
        nan = float("nan")
        w = WDDResult(nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, conf)
        gnotes.append("no control records before: the WDD and net effect are not defined")
    w_raw = raw_wdd(
        t0, t1, d0, d1, c0, c1, tb, ta, conf, (zdisp[0].phi, zdisp[1].phi, zdisp[2].phi),
        min(z.df for z in zdisp), ring=has_ring,
    )  # fmt: skip
    if has_ring:
        q = wdq(t0, t1, d0, d1, c0, c1)
        q_lo, q_hi, _ = wdq_interval(t0, t1, d0, d1, c0, c1, disp, conf)
    else:
        q = q_lo = q_hi = float("nan")
    net, net_t, net_d = total_net_effect(t0, t1, d0, d1, c0, c1)
    if brel is None:
        spill, sig = "none", False
    else:
        if rel.ratio < 1:
            spill = "diffusion of benefits" if brel.ratio < 1 else "displacement"
        else:
            spill = "not applicable"
        sig = brel.excludes_one
    return GroupEvaluation(
        label,
        gcats,
        ZoneCounts(t0, t1, d0, d1, c0, c1, tb, ta),
        ZoneChanges(tc, dc, cc),
        Effect(rel, brel, spill, sig),
        Displacement(w, w_raw, q, (q_lo, q_hi), net, net_t, net_d),
        disp,
        tuple(gnotes),
    )
