"""Simulated police.uk data for BCP with a known truth (the "Seasonal Response").

The simulator writes monthly police.uk street files (or a force-export variant)
whose data-generating process is written down here, so that every method and
comparison in the package can be checked against a known answer. Everything it
writes is labelled as simulated: ``Reported by`` / ``Falls within`` read
``Dorset Police (SIMULATED)``, and every output folder holds ``truth.json`` and a
``README.txt`` saying "SIMULATED DATA — not real crime records".

Data-generating process
-----------------------
Locations ``l`` are the BCP snap points of the bundled real police.uk files
(``geodata/police_uk/*.csv``: 8 months of Dorset Police data, 2018-10..2019-02 and
2024-01..2024-03): 5,231 points with their real "On or near" text, in one LSOA
vintage (2021: the code police.uk gave where it is a 2021 code, else the 2021
LSOA containing the point). Categories
``c`` are the 14 police.uk categories; ``k(c)`` is ``asb`` for anti-social
behaviour and ``crime`` otherwise. For every month ``m`` the count at each
(location, category) is independent Poisson::

    N[l, c, m] ~ Poisson(lambda[l, c, m])
    lambda[l, c, m] = scale * B[l, c] * T_k(m) * S_lk(m) * E_lk(m)

``T_k(m) = exp(b_k * (t_m - t_0))``
    Trend, common to every location (target, ring and control alike). ``b_k`` is
    the least-squares slope of the deseasonalised log monthly BCP totals of the
    real data: crime about -0.9 % a year, ASB about -5 % a year between 2018/19
    and 2024. (The COVID-19 months of 2020-21 are not modelled.)
``S_lk(m) = 1 + A_lk * cos(2 pi (month_of_year - 7.5) / 12)``
    Seasonality peaking between July and August, averaging 1 over a year, with
    amplitude ``A_lk = A_k + A_seaside * exp(-d_l / 500 m)``: ``A_crime = 0.03``,
    ``A_asb = 0.15`` everywhere, plus ``A_seaside = 0.25`` decaying with the
    distance ``d_l`` from the seafront (the coast from Sandbanks to Highcliffe)
    or the town-centre open spaces. Summer peaks are strongest in the town
    centre and on the seafront; ASB peaks in summer everywhere.
``E_lk(m)``
    The intervention. During the Seasonal Response (2022-04..2022-08) at
    locations inside the target (:func:`simulated_target`: 250 m around the
    Square, Central and Lower Gardens, Pier Approach, the pier; deliberately not
    the tool's 200 m ``town-centre`` polygon) ``E = 0.7441``
    for crime (-25.59 %) and ``0.7636`` for ASB (-23.64 %); in the ring within
    ``ring_m`` metres around the target ``E = 1 + spillover`` for both (negative:
    diffusion of benefits, positive: displacement); ``E = 1`` elsewhere and in
    every other month.
Known unusual months (:data:`~hotspots.data.sim_params.SPIKES`, listed in the truth's
``spikes``): in 2020-10 every location's Burglary rate is doubled and in 2023-02 its
anti-social behaviour rate is multiplied by 1.4 (in the expectation and the
counterfactual alike), so the Overview's control chart has months it must find.
``B[l, c]``
    Calibration: chosen so that the expected count of each location over the
    real months equals its real count, with the category mix of each location
    shrunk towards the BCP mix by 2 pseudo-records (so a location seen once
    still gets every category, mostly the one seen). Real BCP volumes are
    about 3,000-4,000 records a month.

Because ``T`` is common to all locations and ``S`` depends only on the calendar
month, for any set of locations ``A`` and the windows before = 2021-04..2021-08
and after = 2022-04..2022-08 (the same calendar months one year apart)::

    E[N_A(after)] / E[N_A(before)] = exp(12 b_k) * E_A

so the ratio of expected counts (target after / before) / (control after /
before) equals the effect factor exactly, and the counts are Poisson given these
rates, so exact rate tests downstream have their nominal coverage. The
expected counts per zone, category kind and month are returned with every
simulation (:attr:`Simulation.expected`).

Within a month, the day is uniform, the hour follows a profile per category
(ASB in the evening, violence and disorder late evening and night, thefts in
the daytime), and ASB is personal / nuisance / environmental with shares
0.20 / 0.70 / 0.10; crime outcomes follow the real outcome mix of their
category. police.uk files carry the month only; the force-export variant
carries the date, time and ASB type.

The code is in four modules: the parameters (:mod:`hotspots.data.sim_params`),
the calibration on the real months (:mod:`hotspots.data.sim_calibration`), the
model (:mod:`hotspots.data.sim_model`) and the output files
(:mod:`hotspots.data.sim_output`); their public names are importable from here.

Random numbers come from ``numpy.random.default_rng([seed, year, month])``, one
stream per month, so a month's records do not depend on the simulated range.

References
----------
Bowers, K. J. and Johnson, S. D. (2003). Measuring the geographical displacement
and diffusion of benefit effects of crime prevention activity. Journal of
Quantitative Criminology 19(3), 275-301.
data.police.uk, "About the data" (CSV format, anonymised map points).
"""

from __future__ import annotations

from hotspots.data.boundaries import geodata_dir
from hotspots.data.select import month_range
from hotspots.data.sim_calibration import load_calibration
from hotspots.data.sim_model import (
    SIM_CONSTRAINTS,
    SIM_HINTS,
    build_truth,
    build_zones,
    check_sim_months,
    draw_records,
    simulated_records,
    simulated_target,
    spill_kind,
    zone_month_counts,
)
from hotspots.data.sim_output import Simulation, mapping_toml, write_simulation
from hotspots.data.sim_params import (
    AFTER,
    ASB_EFFECT_PCT,
    BEFORE,
    CALIBRATED_DISPERSION,
    CRIME_EFFECT_PCT,
    DEFAULT_END,
    DEFAULT_RING_M,
    DEFAULT_SPILLOVER,
    DEFAULT_START,
    FORCE_EXPORT_COLUMNS,
    GENERATOR,
    GENERATOR_VERSION,
    INTERVENTION_NAME,
    LOCAL_ASB_TYPES,
    LOCAL_CATEGORIES,
    LOCATION_MONTH_VAR,
    MAX_SCALE,
    MONTH_EFFECT_VAR,
    POLICE_UK_HEADER,
    SIMULATED_LABEL,
    SIMULATED_WARNING,
)
from hotspots.validation import validate_params

__all__ = [
    "AFTER",
    "ASB_EFFECT_PCT",
    "BEFORE",
    "CALIBRATED_DISPERSION",
    "CRIME_EFFECT_PCT",
    "DEFAULT_END",
    "DEFAULT_RING_M",
    "DEFAULT_SPILLOVER",
    "DEFAULT_START",
    "FORCE_EXPORT_COLUMNS",
    "GENERATOR",
    "GENERATOR_VERSION",
    "INTERVENTION_NAME",
    "LOCAL_ASB_TYPES",
    "LOCAL_CATEGORIES",
    "LOCATION_MONTH_VAR",
    "MAX_SCALE",
    "MONTH_EFFECT_VAR",
    "POLICE_UK_HEADER",
    "SIMULATED_LABEL",
    "SIMULATED_WARNING",
    "Simulation",
    "mapping_toml",
    "simulate",
    "simulated_target",
    "write_simulation",
    "zone_month_counts",
]


@validate_params(SIM_CONSTRAINTS, SIM_HINTS)
def simulate(
    seed: int = 0,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
    spillover: float = DEFAULT_SPILLOVER,
    ring_m: float = DEFAULT_RING_M,
    scale: float = 1.0,
    dispersion: float = 1.0,
) -> Simulation:
    """Simulate police.uk-like BCP records with a known Seasonal Response effect.

    Parameters
    ----------
    seed : int >= 0. The same seed (and parameters) gives the same records.
    start, end : ``YYYY-MM``, inclusive (default 2020-01 to 2023-12).
    spillover : signed fraction applied to the ring during the Seasonal Response:
        -0.10 is a 10 % diffusion of benefits, +0.10 a 10 % displacement.
    ring_m : ring width in metres around the target (EPSG:27700), default 400.
        0 means no ring.
    scale : multiplies every expected count (1 gives real BCP volumes, about
        3,000-4,000 records a month; about 6 gives 1M records over 4 years).
    dispersion : 1 (default) draws Poisson counts. Above 1, lambda is multiplied by
        gamma random effects with mean 1: one per month and kind shared by all
        of BCP (variance ``MONTH_EFFECT_VAR (dispersion - 1)``) and one per snap
        point, month and kind (variance ``LOCATION_MONTH_VAR (dispersion - 1)``),
        so counts are gamma-Poisson (negative binomial) mixtures.
        :data:`CALIBRATED_DISPERSION` (2.5) gives a typical ward's monthly counts
        a dispersion near 2.5 and all of BCP near 10, as in the real months.

    Returns
    -------
    Simulation
        records, truth and expected counts; see the module docstring for the
        data-generating process.

    Notes
    -----
    Cost: O(locations x 14 x months) Poisson draws (~3.5M for 4 years) plus
    O(records) vectorised work; about 0.5 s for 4 years at scale 1 once the
    calibration (~1 s, once per process) is cached.
    """
    start, end = check_sim_months(start, end)
    cal = load_calibration(str(geodata_dir()))
    target_area, ring, zone = build_zones(cal.loc, ring_m)
    months = month_range(start, end)
    a, expected = draw_records(
        cal,
        zone,
        months,
        seed=seed,
        spillover=spillover,
        scale=scale,
        dispersion=dispersion,
    )
    records = simulated_records(cal, months, a)
    notes = [
        (
            f"calibrated on {int(cal.counts.sum()):,} real BCP records at {len(cal.loc):,} "
            f"police.uk snap points ({cal.months[0]}..{cal.months[-1]}, {len(cal.months)} months)"
        ),
        (
            f"{len(records):,} records simulated over {len(months)} months "
            f"(scale {scale:g}, seed {seed})"
        ),
        (
            f"target: {int((zone == 0).sum())} snap points; ring of {ring_m:g} m: "
            f"{int((zone == 1).sum())} snap points ({spill_kind(spillover)} {spillover:+.0%})"
        ),
    ]
    if dispersion > 1:
        notes.append(
            f"overdispersed counts (dispersion {dispersion:g}): gamma month and location-month "
            "random effects on lambda",
        )
    if not set(month_range(*BEFORE) + month_range(*AFTER)) <= set(months):
        notes.append(
            f"the simulated months {start}..{end} do not cover both windows "
            f"(before {BEFORE[0]}..{BEFORE[1]}, after {AFTER[0]}..{AFTER[1]})",
        )
    truth = build_truth(
        cal,
        target_area,
        ring,
        zone,
        expected,
        a,
        months,
        params={
            "seed": seed,
            "scale": scale,
            "start": start,
            "end": end,
            "dispersion": dispersion,
        },
        spillover=spillover,
        ring_m=ring_m,
        notes=notes,
    )
    return Simulation(
        records=records,
        truth=truth,
        expected=expected,
        seed=seed,
        start=start,
        end=end,
        spillover=spillover,
        ring_m=ring_m,
        scale=scale,
        notes=tuple(notes),
        _loc=a["loc"],
        _minute=a["minute"],
        _local=a["local"],
        _locations=cal.loc,
    )
