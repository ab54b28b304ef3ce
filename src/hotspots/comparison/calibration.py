"""How often the evaluation's 95% interval holds the simulator's true effect.

For each seed, the simulator's model (:func:`hotspots.data.simulate.zone_month_counts`)
draws monthly counts in the target, the ring and the control for the Seasonal
Response windows (Apr-Aug 2021 and Apr-Aug 2022), with Poisson counts
(``dispersion=1``) or overdispersed ones (gamma month and location-month random
effects). The evaluation's count model (:func:`~hotspots.comparison.relative.zone_month_dispersion`
and :func:`~hotspots.comparison.relative.relative_effect`) gives the 95% interval of
the ratio of rate ratios; the share of seeds whose interval holds the true effect
is its coverage, reported with the coverage the Poisson-only interval would have had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

__all__ = ["AFTER_MONTHS", "BEFORE_MONTHS", "pipeline_coverage", "relative_effect_coverage"]

BEFORE_MONTHS = tuple(f"2021-{m:02d}" for m in range(4, 9))
AFTER_MONTHS = tuple(f"2022-{m:02d}" for m in range(4, 9))


def relative_effect_coverage(
    n_seeds: int = 200,
    dispersion: float = 1.0,
    first_seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Coverage of the relative effect's 95% interval over ``n_seeds`` simulated seeds.

    Returns
    -------
    dict
        ``{"crime" | "asb": {"model": share, "poisson": share, "median_dispersion": x}}``:
        the coverage of the interval that allows for the estimated dispersion, of
        the Poisson-only interval, and the median dispersion used.
    """
    from hotspots.comparison.relative import relative_effect, zone_month_dispersion
    from hotspots.data.simulate import ASB_EFFECT_PCT, CRIME_EFFECT_PCT, zone_month_counts

    months = list(BEFORE_MONTHS + AFTER_MONTHS)
    after = np.array([m in AFTER_MONTHS for m in months])
    truth = {"crime": 1 + CRIME_EFFECT_PCT / 100, "asb": 1 + ASB_EFFECT_PCT / 100}
    model = dict.fromkeys(truth, 0)
    poisson = dict.fromkeys(truth, 0)
    phis: dict[str, list[float]] = {k: [] for k in truth}
    for seed in range(first_seed, first_seed + n_seeds):
        c = zone_month_counts(seed, months, dispersion=dispersion)  # (zones, kinds, months)
        for j, kind in enumerate(truth):
            y = c[:, j, :]
            d = zone_month_dispersion(y, after, "simulated", months)
            t0, t1 = int(y[0, ~after].sum()), int(y[0, after].sum())
            c0, c1 = int(y[2, ~after].sum()), int(y[2, after].sum())
            r = relative_effect(t0, t1, c0, c1, dispersion=d)
            model[kind] += r.ci_low <= truth[kind] <= r.ci_high
            poisson[kind] += r.poisson_ci_low <= truth[kind] <= r.poisson_ci_high
            phis[kind].append(d.phi)
    return {
        k: {
            "model": model[k] / n_seeds,
            "poisson": poisson[k] / n_seeds,
            "median_dispersion": float(np.median(phis[k])),
        }
        for k in truth
    }


def pipeline_coverage(
    n_seeds: int = 200,
    dispersion: float = 1.0,
    first_seed: int = 0,
    *,
    scale: float = 0.2,
    workdir: str | os.PathLike[str] | None = None,
    progress: Callable[[dict], None] | None = None,
) -> dict:
    """Coverage of the evaluation's 95% intervals measured end to end, seed by seed.

    Each seed runs the whole pipeline a user runs: :func:`hotspots.data.simulate.simulate`
    (Apr 2021 to Aug 2022, ``scale`` times BCP's volumes) → police.uk CSVs written by
    :func:`~hotspots.data.simulate.write_simulation` → the two windows' monthly files
    (Apr-Aug 2021 and Apr-Aug 2022) imported into a fresh store
    (:meth:`hotspots.data.store.Store.ingest`, the ``hotspots ingest`` path) → the
    store's records evaluated for the registered "Seasonal Response" 2022 with
    :func:`hotspots.comparison.evaluation.evaluate` (what ``hotspots evaluate
    --intervention "Seasonal Response" --year 2022`` runs).

    The truth is the simulator's: the relative effect is its effect factor (crime
    -25.59%, ASB -23.64%); the control-scaled WDD's truth is the same statistic on
    the simulator's expected counts, ``(T1 - T0 C1/C0) + (D1 - D0 C1/C0)``.

    Returns
    -------
    dict
        ``{"crime" | "asb": {"relative": share, "wdd": share, "poisson": share,
        "median_dispersion": x}, "seeds": n, "rows": [per seed and kind]}``.
    """
    import json
    import tempfile
    from pathlib import Path

    from hotspots.comparison.evaluation import evaluate
    from hotspots.comparison.interventions import intervention_windows, load_interventions
    from hotspots.data.simulate import simulate, write_simulation
    from hotspots.data.store import Store

    iv = next(i for i in load_interventions() if i.name == "Seasonal Response")
    window_months = BEFORE_MONTHS + AFTER_MONTHS
    kinds = ("crime", "asb")
    hit = {k: {"relative": 0, "wdd": 0, "poisson": 0} for k in kinds}
    phis: dict[str, list[float]] = {k: [] for k in kinds}
    rows = []
    for seed in range(first_seed, first_seed + n_seeds):
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            sim = simulate(
                seed=seed,
                start="2021-04",
                end="2022-08",
                scale=scale,
                dispersion=dispersion,
            )
            files = write_simulation(sim, Path(tmp) / "csv")
            truth = json.loads(Path(files[-1]).read_text(encoding="utf-8"))
            # only the two windows' files are imported (Sep 2021-Mar 2022 are not used)
            keep = [
                f for f in files if f.suffix == ".csv" and any(m in str(f) for m in window_months)
            ]
            st = Store(Path(tmp) / "store")
            st.ingest(keep, fmt="police.uk")
            months = st.months()
            c = intervention_windows(iv, 2022, months)
            ev = evaluate(
                st.records(), c.target, before=c.before, after=c.after, buffer_m=c.buffer_m,
                available_months=months,
            )  # fmt: skip
        summ = truth["windows_summary"]
        for g in ev.groups:
            kind = "asb" if "anti-social" in g.label.lower() else "crime"
            factor = truth["effects"][kind]["factor"]
            rel = g.relative
            e = {z: {w: summ[z][kind][w]["expected"] for w in ("before", "after")} for z in summ}
            k = e["control"]["after"] / e["control"]["before"]
            true_wdd = (e["target"]["after"] - e["target"]["before"] * k) + (
                e["ring"]["after"] - e["ring"]["before"] * k
            )
            w = g.wdd
            ok_rel = rel.ci_low <= factor <= rel.ci_high
            ok_wdd = w.ci_low <= true_wdd <= w.ci_high
            hit[kind]["relative"] += ok_rel
            hit[kind]["wdd"] += ok_wdd
            hit[kind]["poisson"] += rel.poisson_ci_low <= factor <= rel.poisson_ci_high
            phis[kind].append(rel.dispersion.phi)
            rows.append(
                {
                    "seed": seed, "kind": kind, "effect_pct": round(100 * (rel.ratio - 1), 1),
                    "ci": (round(100 * (rel.ci_low - 1), 1), round(100 * (rel.ci_high - 1), 1)),
                    "true_pct": round(100 * (factor - 1), 2), "covered": bool(ok_rel),
                    "wdd": round(w.total, 1), "true_wdd": round(true_wdd, 1),
                    "wdd_covered": bool(ok_wdd), "dispersion": round(rel.dispersion.phi, 2),
                },
            )  # fmt: skip
            if progress is not None:
                progress(rows[-1])
    out: dict = {
        k: {
            **{m: v / n_seeds for m, v in hit[k].items()},
            "median_dispersion": float(np.median(phis[k])) if phis[k] else float("nan"),
        }
        for k in kinds
    }
    out["seeds"] = n_seeds
    out["rows"] = rows
    return out


def coverage_of(rows: list[dict]) -> dict:
    """Coverage shares by kind from :func:`pipeline_coverage` rows (for partial runs)."""
    out = {}
    for kind in ("crime", "asb"):
        r = [x for x in rows if x["kind"] == kind]
        n = len(r) or 1
        out[kind] = {
            "seeds": len(r),
            "relative": sum(x["covered"] for x in r) / n,
            "wdd": sum(x["wdd_covered"] for x in r) / n,
        }
    return out
