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

import numpy as np

__all__ = ["relative_effect_coverage", "BEFORE_MONTHS", "AFTER_MONTHS"]

BEFORE_MONTHS = tuple(f"2021-{m:02d}" for m in range(4, 9))
AFTER_MONTHS = tuple(f"2022-{m:02d}" for m in range(4, 9))


def relative_effect_coverage(
    n_seeds: int = 200, dispersion: float = 1.0, first_seed: int = 0
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
