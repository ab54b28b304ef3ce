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

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import Transformer

from hotspots import __version__
from hotspots.data import schema as S
from hotspots.data.areas import Area, area_mask, town_centre_area
from hotspots.data.boundaries import POLICE_UK_DIR, geodata_dir, load_boundaries, locate
from hotspots.data.police_uk import HEADER
from hotspots.data.select import month_range, parse_month
from hotspots.errors import FileReadError, InputError

__all__ = [
    "Simulation",
    "simulate",
    "write_simulation",
    "GENERATOR",
    "GENERATOR_VERSION",
    "SIMULATED_LABEL",
    "SIMULATED_WARNING",
    "POLICE_UK_HEADER",
    "FORCE_EXPORT_COLUMNS",
    "LOCAL_CATEGORIES",
    "LOCAL_ASB_TYPES",
    "CRIME_EFFECT_PCT",
    "ASB_EFFECT_PCT",
    "BEFORE",
    "AFTER",
    "mapping_toml",
]

GENERATOR = "hotspots.data.simulate"
GENERATOR_VERSION = "1.0"
SIMULATED_LABEL = "Dorset Police (SIMULATED)"
SIMULATED_WARNING = "SIMULATED DATA — not real crime records"

POLICE_UK_HEADER: list[str] = list(HEADER)  # the reader's header, written down once
FORCE_EXPORT_COLUMNS: list[str] = [
    "OccurrenceRef",
    "CommittedDate",
    "CommittedTime",
    "Easting",
    "Northing",
    "LocationText",
    "OffenceGroup",
    "ASBType",
]

# --- the truth ----------------------------------------------------------------
CRIME_EFFECT_PCT = -25.59
ASB_EFFECT_PCT = -23.64
BEFORE: tuple[str, str] = ("2021-04", "2021-08")
AFTER: tuple[str, str] = ("2022-04", "2022-08")
INTERVENTION_NAME = "Seasonal Response"
DEFAULT_START, DEFAULT_END = "2020-01", "2023-12"
DEFAULT_SPILLOVER = -0.10
DEFAULT_RING_M = 400.0
MAX_SCALE = 25.0  # ~4M records over 4 years; more does not fit comfortably in memory
#: ``--dispersion`` that reproduces the overdispersion of real police.uk months: a typical
#: ward's monthly counts about 2.5 times as variable as Poisson, all of BCP about 10 times.
CALIBRATED_DISPERSION = 2.5
#: Variances of the gamma random effects per unit of ``dispersion - 1``: a month effect
#: shared by all of BCP (per kind) and a location-month effect (per snap point and kind).
#: Calibrated with :func:`zone_month_counts` so that ``dispersion = 2.5`` gives BCP-level
#: monthly dispersion near 10 and ward-level near 2.5 (see the test of the simulator).
MONTH_EFFECT_VAR = 0.002
LOCATION_MONTH_VAR = 0.95
#: Radius of the simulator's own target outline around each open space (the tool's is 200 m).
SIM_TARGET_RADIUS_M = 250.0

# --- model constants (see module docstring) ---------------------------------------
SEASON_AMPLITUDE = {"crime": 0.03, "asb": 0.15}
SEASIDE_AMPLITUDE = 0.25
SEASIDE_DECAY_M = 500.0
PEAK_MONTH = 7.5  # between July and August
MIX_PRIOR = 2.0  # pseudo-records shrinking each location's category mix to the BCP mix
ASB_SUBTYPE_SHARES = (0.20, 0.70, 0.10)  # personal, nuisance, environmental (S.ASB_SUBTYPES)

# The seafront, Sandbanks to Highcliffe (lat, lon; approximate, within ~400 m of the
# coast). The coast itself is the part of the BCP outline within 600 m of this line.
_SEAFRONT_LATLON = (
    (50.6880, -1.9420),
    (50.7000, -1.9170),
    (50.7065, -1.9105),
    (50.7113, -1.8985),
    (50.7145, -1.8880),
    (50.71597, -1.8756),
    (50.7195, -1.8434),
    (50.7215, -1.8185),
    (50.7225, -1.7950),
    (50.7128, -1.7620),
    (50.7244, -1.7419),
    (50.7329, -1.7200),
    (50.7362, -1.6950),
)

# Hour-of-day profiles: weights 1 + base + exp(kappa * cos(2 pi (h - peak) / 24)) mixtures.
_HOUR_PROFILES: dict[str, tuple[tuple[float, float, float], ...]] = {
    # (weight, peak hour, concentration)
    "asb": ((1.0, 20.5, 2.5),),  # evenings
    "night": ((0.7, 23.0, 2.5), (0.3, 15.0, 1.5)),  # violence, disorder: late evening and night
    "day": ((1.0, 14.0, 2.0),),  # thefts: shop hours
    "any": ((0.5, 2.0, 2.0), (0.5, 13.0, 1.5)),  # burglary, vehicle: night and day
}
_CATEGORY_PROFILE = {
    S.ASB: "asb",
    "Violence and sexual offences": "night",
    "Public order": "night",
    "Criminal damage and arson": "night",
    "Drugs": "night",
    "Possession of weapons": "night",
    "Robbery": "night",
    "Shoplifting": "day",
    "Theft from the person": "day",
    "Other theft": "day",
    "Bicycle theft": "day",
    "Other crime": "day",
    "Burglary": "any",
    "Vehicle crime": "any",
}

# Force-export local offence groups: (local name, police.uk category, share of that category).
LOCAL_CATEGORIES: tuple[tuple[str, str, float], ...] = (
    ("ASB", S.ASB, 1.0),
    ("Theft - Bicycle", "Bicycle theft", 1.0),
    ("Burglary - Residential", "Burglary", 0.7),
    ("Burglary - Business and Community", "Burglary", 0.3),
    ("Criminal Damage & Arson", "Criminal damage and arson", 1.0),
    ("Drug Offences", "Drugs", 1.0),
    ("Miscellaneous Crimes Against Society", "Other crime", 1.0),
    ("Theft - Other", "Other theft", 1.0),
    ("Possession of Weapons", "Possession of weapons", 1.0),
    ("Public Order Offences", "Public order", 1.0),
    ("Robbery", "Robbery", 1.0),
    ("Theft - Shoplifting", "Shoplifting", 1.0),
    ("Theft - From the Person", "Theft from the person", 1.0),
    ("Vehicle Offences", "Vehicle crime", 1.0),
    ("Violence Against the Person", "Violence and sexual offences", 0.88),
    ("Sexual Offences", "Violence and sexual offences", 0.12),
)
LOCAL_ASB_TYPES: tuple[tuple[str, str], ...] = (
    ("Personal", "personal"),
    ("Nuisance", "nuisance"),
    ("Environmental", "environmental"),
)

_TO_BNG = Transformer.from_crs(S.CRS_DISPLAY, S.CRS_METRES, always_xy=True)
_TO_WGS = Transformer.from_crs(S.CRS_METRES, S.CRS_DISPLAY, always_xy=True)
_N_CAT = len(S.CATEGORIES)
_IS_ASB = np.array([c == S.ASB for c in S.CATEGORIES])
_KINDS = ("crime", "asb")
_ZONES = ("target", "ring", "control")


# =================================================================================
# Calibration on the bundled real data (once per process)
# =================================================================================
@dataclass(frozen=True, eq=False)
class _Calibration:
    """Real BCP snap points and what the model needs from them (internal)."""

    loc: pd.DataFrame  # one row per snap point, police.uk order (LSOA, location)
    counts: np.ndarray  # (k, 14) real records per location and category
    months: tuple[str, ...]  # real months used
    seaside: np.ndarray  # (k,) exp(-d / SEASIDE_DECAY_M)
    amplitude: np.ndarray  # (k, 2) seasonal amplitude for crime, asb
    slope: np.ndarray  # (2,) trend b_k per month for crime, asb
    t0: float  # month index where T_k = 1
    base: np.ndarray  # (k, 14) B[l, c]
    outcomes: tuple[str, ...]
    outcome_cum: np.ndarray  # (14, n_outcomes) cumulative outcome probabilities per category
    real_monthly: pd.Series  # real BCP records per month
    real_mix: pd.Series  # real BCP share per category


def _month_index(months) -> np.ndarray:
    """``YYYY-MM`` -> months since 1970-01 (float)."""
    m = pd.Series(months, dtype="string")
    return (m.str[:4].astype(int) * 12 + m.str[5:7].astype(int) - 1 - 1970 * 12).to_numpy(float)


def _season(amplitude: np.ndarray, months) -> np.ndarray:
    """Seasonal factor, shape amplitude.shape + (n_months,)."""
    moy = _month_index(months) % 12 + 1
    wave = np.cos(2 * np.pi * (moy - PEAK_MONTH) / 12.0)
    return 1.0 + amplitude[..., None] * wave


def _seaside_geometry(boundaries) -> shapely.Geometry:
    lat = [p[0] for p in _SEAFRONT_LATLON]
    lon = [p[1] for p in _SEAFRONT_LATLON]
    x, y = _TO_BNG.transform(lon, lat)
    line = shapely.LineString(np.column_stack([x, y]))
    coast = shapely.intersection(boundaries.outline.boundary, line.buffer(600.0))
    return shapely.union_all([coast, town_centre_area(boundaries).geometry])


def _lsoa21(loc: pd.DataFrame, b) -> tuple[np.ndarray, np.ndarray]:
    """LSOA 2021 code and name per snap point, so every simulated file uses one vintage.

    The code as police.uk gave it where it is a 2021 code (the 2024 files, and 2011
    LSOAs that did not change), else the 2021 LSOA containing (or nearest to) the point.
    """
    names21 = b.lsoa21.set_index("lsoa_code")["lsoa_name"]
    code = loc[S.LSOA_CODE].to_numpy(object).copy()
    known = pd.Series(code).isin(names21.index).to_numpy()
    if (~known).any():
        pts = shapely.points(loc[S.X].to_numpy()[~known], loc[S.Y].to_numpy()[~known])
        tree = shapely.STRtree(b.lsoa21.geometry.values)
        nearest = tree.query_nearest(pts, all_matches=False)[1]  # distance 0 inside a polygon
        code[~known] = b.lsoa21["lsoa_code"].to_numpy()[nearest]
    return code, names21.loc[code].to_numpy(object)


@functools.lru_cache(maxsize=2)
def _calibration(geodir: str) -> _Calibration:
    files = sorted((Path(geodir) / POLICE_UK_DIR).glob("*-street.csv"))
    if not files:
        raise FileReadError(
            str(Path(geodir) / POLICE_UK_DIR),
            "no police.uk street files to calibrate the simulator on; is geodata/ complete?",
        )
    cols = ["Month", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Crime type"]
    cols += ["Last outcome category"]
    raw = pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False, usecols=cols) for f in files],
        ignore_index=True,
    )
    raw = raw[(raw["Longitude"] != "") & (raw["Latitude"] != "")]
    raw = raw[raw["Crime type"].isin(S.CATEGORIES)]
    # one row per distinct coordinate pair (police.uk map point)
    key = raw["Longitude"] + "," + raw["Latitude"]
    inv, uniq = pd.factorize(key)
    lonlat = pd.Series(uniq).str.split(",", expand=True)
    lon = lonlat[0].astype(float).to_numpy()
    lat = lonlat[1].astype(float).to_numpy()
    x, y = _TO_BNG.transform(lon, lat)
    x, y = np.round(x, 2), np.round(y, 2)  # as hotspots.data.ingest does
    b = load_boundaries()
    where = locate(x, y, b)
    in_bcp = where[S.IN_BCP].to_numpy()
    keep_row = in_bcp[inv]
    raw = raw[keep_row]
    inv = inv[keep_row]

    # newest text and LSOA per point (2024 files carry the 2021 LSOAs)
    raw = raw.assign(_p=inv)
    newest = raw.sort_values("Month", kind="stable").groupby("_p").tail(1).set_index("_p")
    pts = np.flatnonzero(in_bcp)
    loc = pd.DataFrame(
        {
            "lon_text": lonlat[0].to_numpy()[pts],
            "lat_text": lonlat[1].to_numpy()[pts],
            S.LON: lon[pts],
            S.LAT: lat[pts],
            S.X: x[pts],
            S.Y: y[pts],
            S.LOCATION: newest.loc[pts, "Location"].to_numpy(),
            S.LSOA_CODE: newest.loc[pts, "LSOA code"].to_numpy(),
            S.LSOA_NAME: newest.loc[pts, "LSOA name"].to_numpy(),
            S.WARD_CODE: where[S.WARD_CODE].to_numpy()[pts],
            S.WARD_NAME: where[S.WARD_NAME].to_numpy()[pts],
            S.TOWN: where[S.TOWN].to_numpy()[pts],
            "_p": pts,
        }
    )
    loc[S.LSOA_CODE], loc[S.LSOA_NAME] = _lsoa21(loc, b)
    loc = loc.sort_values([S.LSOA_CODE, S.LOCATION, S.X, S.Y], kind="stable").reset_index(drop=True)
    pos = np.full(len(uniq), -1, dtype=np.int64)
    pos[loc["_p"].to_numpy()] = np.arange(len(loc))
    loc = loc.drop(columns="_p")
    k = len(loc)

    cat_idx = pd.Categorical(raw["Crime type"], categories=list(S.CATEGORIES)).codes
    li = pos[raw["_p"].to_numpy()]
    counts = np.bincount(li * _N_CAT + cat_idx, minlength=k * _N_CAT).reshape(k, _N_CAT)
    months = tuple(sorted(raw["Month"].unique()))
    real_monthly = raw.groupby("Month").size()
    real_mix = raw["Crime type"].value_counts(normalize=True).reindex(S.CATEGORIES, fill_value=0)

    # seasonality
    sea = _seaside_geometry(b)
    dist = shapely.distance(sea, shapely.points(loc[S.X].to_numpy(), loc[S.Y].to_numpy()))
    seaside = np.exp(-np.asarray(dist) / SEASIDE_DECAY_M)
    amplitude = np.column_stack(
        [SEASON_AMPLITUDE[kd] + SEASIDE_AMPLITUDE * seaside for kd in _KINDS]
    )  # (k, 2)
    season_cal = _season(amplitude, months)  # (k, 2, n_cal)

    # trend: slope of deseasonalised log monthly totals, per kind
    t = _month_index(months)
    kind_counts = np.column_stack([counts[:, ~_IS_ASB].sum(1), counts[:, _IS_ASB].sum(1)])
    month_pos = pd.Series(np.arange(len(months)), index=list(months))
    mi = month_pos.loc[raw["Month"]].to_numpy()
    slope = np.zeros(2)
    for j, is_asb in enumerate((False, True)):
        sel = _IS_ASB[cat_idx] == is_asb
        monthly = np.bincount(mi[sel], minlength=len(months)).astype(float)
        w = kind_counts[:, j] / max(kind_counts[:, j].sum(), 1)
        s_bar = (w[:, None] * season_cal[:, j, :]).sum(0)
        slope[j] = np.polyfit(t, np.log(np.maximum(monthly, 1.0) / s_bar), 1)[0]
    t0 = float(t.mean())
    trend_cal = np.exp(slope[:, None] * (t[None, :] - t0))  # (2, n_cal)

    # base rates: real total per location, category mix shrunk to the BCP mix
    n_l = counts.sum(1, keepdims=True).astype(float)
    mix = real_mix.to_numpy()
    shrunk = n_l * (counts + MIX_PRIOR * mix) / (n_l + MIX_PRIOR)
    exposure = (season_cal * trend_cal[None, :, :]).sum(2)  # (k, 2)
    base = shrunk / exposure[:, _IS_ASB.astype(int)]

    # outcomes per crime category (ASB has none)
    oc = raw["Last outcome category"].where(raw["Last outcome category"] != "", "")
    outcomes = tuple(sorted(o for o in oc.unique() if o))
    o_idx = pd.Categorical(oc.where(oc != ""), categories=list(outcomes)).codes  # -1: none
    probs = np.zeros((_N_CAT, len(outcomes)))
    has = o_idx >= 0
    np.add.at(probs, (cat_idx[has], o_idx[has]), 1.0)
    tot = probs.sum(1, keepdims=True)
    probs = np.divide(probs, tot, out=np.zeros_like(probs), where=tot > 0)
    return _Calibration(
        loc=loc,
        counts=counts,
        months=months,
        seaside=seaside,
        amplitude=amplitude,
        slope=slope,
        t0=t0,
        base=base,
        outcomes=outcomes,
        outcome_cum=np.cumsum(probs, axis=1),
        real_monthly=real_monthly,
        real_mix=real_mix,
    )


def _str_take(values, idx: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """String array of ``values[idx]`` (``-1`` gives NA), built from the small table once."""
    return pd.array(list(values), dtype="string").take(np.asarray(idx), allow_fill=True)


def _hour_cum() -> tuple[np.ndarray, np.ndarray]:
    """Cumulative hour probabilities per profile (n_profiles, 24) and profile per category."""
    names = list(_HOUR_PROFILES)
    h = np.arange(24.0)
    rows = []
    for name in names:
        w = np.full(24, 0.05)
        for weight, peak, kappa in _HOUR_PROFILES[name]:
            vm = np.exp(kappa * np.cos(2 * np.pi * (h - peak) / 24.0))
            w += weight * vm / vm.sum()
        rows.append(np.cumsum(w / w.sum()))
    prof = np.array([names.index(_CATEGORY_PROFILE[c]) for c in S.CATEGORIES])
    return np.array(rows), prof


def _inverse_cdf(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw: index of the first cumulative probability above u (row-wise)."""
    return np.minimum((u[:, None] >= cum).sum(1), cum.shape[1] - 1)


def _local_cum() -> np.ndarray:
    """(14, n_local) cumulative probability of each local offence group per category."""
    p = np.zeros((_N_CAT, len(LOCAL_CATEGORIES)))
    for j, (_, cat, share) in enumerate(LOCAL_CATEGORIES):
        p[S.CATEGORIES.index(cat), j] = share
    return np.cumsum(p / p.sum(1, keepdims=True), axis=1)


# =================================================================================
# The simulation
# =================================================================================
@dataclass(frozen=True, eq=False)
class Simulation:
    """A simulated data set and its truth.

    Attributes
    ----------
    records : canonical records (:data:`hotspots.data.schema.RECORD_COLUMNS`), one per
        simulated crime or ASB incident, ``source == "simulated"``, ``simulated`` True,
        x/y in EPSG:27700 metres, with the day, hour and ASB type that only the
        force-export variant writes (police.uk files carry the month only).
        ``source_file`` / ``source_row`` are those of the police.uk CSVs written.
    truth : the JSON-ready truth (see :func:`write_simulation`, ``truth.json``).
    expected : expected counts (Poisson means) per ``zone`` (target, ring, control),
        ``kind`` (crime, asb) and ``month``, with and without the intervention
        (columns ``expected``, ``counterfactual``).
    seed, start, end, spillover, ring_m, scale : the parameters used.
    notes : automatic choices and facts worth showing ("calibrated on ...").
    """

    records: pd.DataFrame
    truth: dict
    expected: pd.DataFrame
    seed: int
    start: str
    end: str
    spillover: float
    ring_m: float
    scale: float
    notes: tuple[str, ...]
    _loc: np.ndarray = field(repr=False)  # snap-point index per record
    _minute: np.ndarray = field(repr=False)
    _local: np.ndarray = field(repr=False)  # index into LOCAL_CATEGORIES per record
    _locations: pd.DataFrame = field(repr=False)

    def __len__(self) -> int:
        return len(self.records)

    def police_uk_frame(self, rows: slice | None = None) -> pd.DataFrame:
        """The records as police.uk street rows (all text), header :data:`POLICE_UK_HEADER`.

        ``rows``: only these records (a slice, e.g. one month's), so a writer can go month
        by month with memory that follows the month, not the span."""
        rows = rows if rows is not None else slice(None)
        r = self.records.iloc[rows]
        loc = self._locations
        n = len(r)
        loc_idx = self._loc[rows]

        def const(text: str):
            return _str_take([text], np.zeros(n, dtype=np.int64))

        return pd.DataFrame(
            {
                "Crime ID": r[S.CRIME_ID].fillna("").array,
                "Month": r[S.MONTH].array,
                "Reported by": const(SIMULATED_LABEL),
                "Falls within": const(SIMULATED_LABEL),
                "Longitude": _str_take(loc["lon_text"], loc_idx),
                "Latitude": _str_take(loc["lat_text"], loc_idx),
                "Location": r[S.LOCATION].array,
                "LSOA code": r[S.LSOA_CODE].array,
                "LSOA name": r[S.LSOA_NAME].array,
                "Crime type": r[S.CATEGORY].array,
                "Last outcome category": r[S.OUTCOME].fillna("").array,
                "Context": const(""),
            },
            columns=POLICE_UK_HEADER,
        )

    def force_export_frame(self) -> pd.DataFrame:
        """The records as a simulated force export, columns :data:`FORCE_EXPORT_COLUMNS`.

        Dates ``dd/mm/yyyy``, times ``HH:MM``, British National Grid metres as
        integers, local offence groups (:data:`LOCAL_CATEGORIES`) and ASB types
        (:data:`LOCAL_ASB_TYPES`); read it with :func:`mapping_toml`.
        """
        r = self.records
        n = len(r)
        date = r[S.DATE]
        year = date.dt.year.to_numpy()
        seq = np.zeros(n, dtype=np.int64)
        if n:
            # running number within each year (records are in date order within a month only)
            starts = np.r_[0, np.flatnonzero(np.diff(year)) + 1]
            seq = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n])) + 1
        ref = "SIM" + pd.Series(year % 100).astype(str).str.zfill(2).to_numpy(object)
        ref = ref + "/" + pd.Series(seq).astype(str).str.zfill(6).to_numpy(object)
        hhmm = (
            r[S.HOUR].astype("int64").astype(str).str.zfill(2).to_numpy(object)
            + ":"
            + pd.Series(self._minute).astype(str).str.zfill(2).to_numpy(object)
        )
        local_names = np.array([lc[0] for lc in LOCAL_CATEGORIES], dtype=object)
        asb_local = {v: k for k, v in LOCAL_ASB_TYPES}
        asb = r[S.ASB_SUBTYPE].astype(object).map(asb_local).fillna("").to_numpy()
        text = self._locations[S.LOCATION].str.replace(r"^On or near\s+", "", regex=True)
        return pd.DataFrame(
            {
                "OccurrenceRef": ref,
                "CommittedDate": date.dt.strftime("%d/%m/%Y").to_numpy(object),
                "CommittedTime": hhmm,
                "Easting": np.round(r[S.X].to_numpy()).astype(np.int64),
                "Northing": np.round(r[S.Y].to_numpy()).astype(np.int64),
                "LocationText": text.to_numpy(object)[self._loc],
                "OffenceGroup": local_names[self._local],
                "ASBType": asb,
            },
            columns=FORCE_EXPORT_COLUMNS,
        )

    def write(self, out_dir: str | Path, *, force_export: bool = False) -> list[Path]:
        """Shorthand for :func:`write_simulation`."""
        return write_simulation(self, out_dir, force_export=force_export)


def _check_params(seed, start, end, spillover, ring_m, scale) -> tuple:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("seed", seed, "a whole number 0 or more", "For example --seed 1.")
    start = parse_month(start, "start")
    end = parse_month(end, "end")
    if end < start:
        raise InputError("end", end, f"a month not before start ({start})")
    try:
        spillover = float(spillover)
        ring_m = float(ring_m)
        scale = float(scale)
    except (TypeError, ValueError):
        raise InputError(
            "spillover / ring_m / scale", (spillover, ring_m, scale), "numbers"
        ) from None
    if not (math.isfinite(spillover) and -1.0 <= spillover <= 1.0):
        raise InputError(
            "spillover",
            spillover,
            "a signed fraction between -1 and 1",
            "-0.10 is a 10% diffusion of benefits in the ring, +0.10 a 10% displacement.",
        )
    if not (math.isfinite(ring_m) and 0.0 <= ring_m <= 5000.0):
        raise InputError(
            "ring_m", ring_m, "a ring width between 0 and 5,000 metres", "Default 400."
        )
    if not (math.isfinite(scale) and 0.0 < scale <= MAX_SCALE):
        raise InputError(
            "scale",
            scale,
            f"a volume multiplier above 0 and at most {MAX_SCALE:g}",
            "1 gives real BCP volumes (~3,500 records a month); 6 gives ~1M records over 4 years.",
        )
    return int(seed), start, end, spillover, ring_m, scale


def _check_dispersion(dispersion) -> float:
    try:
        d = float(dispersion)
    except (TypeError, ValueError):
        d = float("nan")
    if not (math.isfinite(d) and 1.0 <= d <= 50.0):
        raise InputError(
            "dispersion", dispersion, "a number from 1 (Poisson) to 50",
            f"{CALIBRATED_DISPERSION:g} reproduces the overdispersion of real police.uk months.",
        )  # fmt: skip
    return d


def zone_month_counts(
    seed: int, months: list[str], *, dispersion: float = 1.0, spillover: float = DEFAULT_SPILLOVER,
    ring_m: float = DEFAULT_RING_M, scale: float = 1.0, by: str = "zone",
) -> np.ndarray:  # fmt: skip
    """Counts per (group, kind, month) from the simulator's model, without records.

    The same lambda and random effects as :func:`simulate`; the Poisson draw is
    made per group (the sum over a group's snap points of independent Poisson
    counts given the random effects is Poisson with the summed lambda), which
    makes hundreds of seeds cheap for coverage checks. ``by="zone"`` gives
    (3, 2, M) for target, ring and control; ``by="ward"`` gives (n_wards + 1, 2, M),
    the last row being the snap points outside every ward.
    """
    cal = _calibration(str(geodata_dir()))
    _, _, zone = _zones(cal.loc, ring_m)
    if by == "ward":
        codes = cal.loc[S.WARD_CODE].astype("string").fillna("")
        group, uniq = pd.factorize(codes)
        n_groups = len(uniq)
    else:
        group, n_groups = zone, 3
    k = len(cal.loc)
    after = set(month_range(*AFTER))
    f = _effect_factors()
    eff = np.ones((3, 2))
    eff[0] = [f["crime"], f["asb"]]
    eff[1] = [1.0 + spillover, 1.0 + spillover]
    t = _month_index(months)
    trend = np.exp(cal.slope[:, None] * (t[None, :] - cal.t0))
    season = _season(cal.amplitude, months)
    kind_of_cat = _IS_ASB.astype(int)
    kind_1hot = (kind_of_cat[:, None] == np.arange(2)[None, :]).astype(float)
    g_1hot = np.zeros((n_groups, k))
    g_1hot[group, np.arange(k)] = 1.0
    out = np.zeros((n_groups, 2, len(months)), dtype=np.int64)
    rng = np.random.default_rng([seed, 99])
    for mi, month in enumerate(months):
        cf = scale * cal.base * (trend[kind_of_cat, mi][None, :] * season[:, kind_of_cat, mi])
        lam = (cf * eff[zone][:, kind_of_cat] if month in after else cf) @ kind_1hot  # (k, 2)
        re = _random_effects(seed, month, k, dispersion)
        if re is not None:
            lam = lam * re
        out[:, :, mi] = rng.poisson(g_1hot @ lam)
    return out


def _geojson(geom: shapely.Geometry) -> dict:
    wgs = shapely.transform(geom, lambda c: np.column_stack(_TO_WGS.transform(c[:, 0], c[:, 1])))
    wgs = shapely.set_precision(wgs, 1e-7)
    return json.loads(shapely.to_geojson(wgs))


def _spill_kind(spillover: float) -> str:
    if spillover < 0:
        return "diffusion of benefits"
    if spillover > 0:
        return "displacement"
    return "none"


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
    seed, start, end, spillover, ring_m, scale = _check_params(
        seed, start, end, spillover, ring_m, scale
    )
    cal = _calibration(str(geodata_dir()))
    target_area, ring, zone = _zones(cal.loc, ring_m)
    months = month_range(start, end)
    dispersion = _check_dispersion(dispersion)
    a, expected = _draw(
        cal, zone, months, seed=seed, spillover=spillover, scale=scale, dispersion=dispersion
    )
    records = _records(cal, months, a)
    notes = [
        f"calibrated on {int(cal.counts.sum()):,} real BCP records at {len(cal.loc):,} police.uk "
        f"snap points ({cal.months[0]}..{cal.months[-1]}, {len(cal.months)} months)",
        f"{len(records):,} records simulated over {len(months)} months "
        f"(scale {scale:g}, seed {seed})",
        f"target: {int((zone == 0).sum())} snap points; ring of {ring_m:g} m: "
        f"{int((zone == 1).sum())} snap points ({_spill_kind(spillover)} {spillover:+.0%})",
    ]
    if dispersion > 1:
        notes.append(
            f"overdispersed counts (dispersion {dispersion:g}): gamma month and location-month "
            "random effects on lambda"
        )
    if not set(month_range(*BEFORE) + month_range(*AFTER)) <= set(months):
        notes.append(
            f"the simulated months {start}..{end} do not cover both windows "
            f"(before {BEFORE[0]}..{BEFORE[1]}, after {AFTER[0]}..{AFTER[1]})"
        )
    truth = _truth(
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


def simulated_target(b=None) -> Area:
    """The simulator's own outline of the Seasonal Response area (the truth's target).

    Circles of :data:`SIM_TARGET_RADIUS_M` (250 m) around the five town-centre open
    spaces, clipped to BCP: deliberately not the tool's default ``town-centre``
    polygon (200 m), so that evaluating with the tool's polygon is tested against
    a true zone it does not know exactly, as with a real patrol area.
    """
    from hotspots.data.areas import TOWN_CENTRE_PLACES

    b = b or load_boundaries()
    gz = b.gazetteer.set_index("name")
    geoms = [gz.loc[p, "geometry"].buffer(SIM_TARGET_RADIUS_M) for p in TOWN_CENTRE_PLACES]
    return Area(
        "Seasonal Response area (the simulator's outline: 250 m around the five open spaces)",
        "polygon",
        "simulated-target",
        shapely.intersection(shapely.union_all(geoms), b.outline),
    )


def _zones(loc: pd.DataFrame, ring_m: float):
    """Target area, ring geometry and zone per snap point (0 target, 1 ring, 2 control)."""
    b = load_boundaries()
    target_area = simulated_target(b)
    target = target_area.geometry
    if ring_m > 0:
        ring = shapely.intersection(shapely.difference(target.buffer(ring_m), target), b.outline)
    else:
        ring = shapely.Polygon()
    lx, ly = loc[S.X].to_numpy(), loc[S.Y].to_numpy()
    in_target = area_mask(lx, ly, target_area)
    in_ring = np.zeros(len(loc), dtype=bool)
    if not ring.is_empty:
        shapely.prepare(ring)
        in_ring = shapely.contains_xy(ring, lx, ly) & ~in_target
    return target_area, ring, np.where(in_target, 0, np.where(in_ring, 1, 2))


def _effect_factors() -> dict[str, float]:
    return {"crime": 1.0 + CRIME_EFFECT_PCT / 100.0, "asb": 1.0 + ASB_EFFECT_PCT / 100.0}


def _random_effects(seed: int, month: str, k: int, dispersion: float) -> np.ndarray | None:
    """Gamma (mean 1) multipliers of lambda for one month, (k, 2): month x location-month.

    ``None`` when ``dispersion == 1`` (Poisson counts; the draws of the Poisson
    simulator are then unchanged). The month effect is shared by every location
    (one per kind); the location-month effect is drawn per snap point and kind.
    """
    if dispersion <= 1.0:
        return None
    rng = np.random.default_rng([seed, int(month[:4]), int(month[5:7]), 7])
    vu, vv = MONTH_EFFECT_VAR * (dispersion - 1), LOCATION_MONTH_VAR * (dispersion - 1)
    u = rng.gamma(1.0 / vu, vu, size=2)
    v = rng.gamma(1.0 / vv, vv, size=(k, 2))
    return u[None, :] * v


def _draw(
    cal: _Calibration, zone: np.ndarray, months: list[str], *, seed, spillover, scale,
    dispersion: float = 1.0,
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:  # fmt: skip
    """Poisson counts per (location, category, month), then per-record attributes.

    Returns per-record int64 arrays (``loc``, ``cat``, ``month`` index, ``day``,
    ``hour``, ``minute``, ``sub``, ``out``, ``local``; -1 = none) plus ``crime_hex``
    (64 hex bytes per crime record, in order) and the expected counts frame.
    """
    k = len(cal.loc)
    after = set(month_range(*AFTER))
    f = _effect_factors()
    eff = np.ones((3, 2))  # zone x kind, during the intervention
    eff[0] = [f["crime"], f["asb"]]
    eff[1] = [1.0 + spillover, 1.0 + spillover]
    t = _month_index(months)
    trend = np.exp(cal.slope[:, None] * (t[None, :] - cal.t0))  # (2, M)
    season = _season(cal.amplitude, months)  # (k, 2, M)
    kind_of_cat = _IS_ASB.astype(int)
    hour_cum, hour_prof = _hour_cum()
    local_cum = _local_cum()
    sub_cum = np.cumsum(ASB_SUBTYPE_SHARES)[None, :]
    zone_1hot = (zone[None, :] == np.arange(3)[:, None]).astype(float)  # (3, k)
    kind_1hot = (kind_of_cat[:, None] == np.arange(2)[None, :]).astype(float)  # (14, 2)

    names = ("loc", "cat", "month", "day", "hour", "minute", "sub", "out", "local")
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
    crime_hex: list[bytes] = []
    exp_rows = []
    for mi, month in enumerate(months):
        rng = np.random.default_rng([seed, int(month[:4]), int(month[5:7])])
        cf = scale * cal.base * (trend[kind_of_cat, mi][None, :] * season[:, kind_of_cat, mi])
        lam = cf * eff[zone][:, kind_of_cat] if month in after else cf
        e_zk, c_zk = zone_1hot @ lam @ kind_1hot, zone_1hot @ cf @ kind_1hot  # (3, 2)
        re = _random_effects(seed, month, k, dispersion)
        if re is not None:
            lam = lam * re[:, kind_of_cat]
        exp_rows += [
            (zn, kd, month, e_zk[z, j], c_zk[z, j])
            for z, zn in enumerate(_ZONES)
            for j, kd in enumerate(_KINDS)
        ]
        cell = np.repeat(np.arange(k * _N_CAT), rng.poisson(lam).ravel())
        n = len(cell)
        ci = cell % _N_CAT
        is_asb = _IS_ASB[ci]
        arrays = {
            "loc": cell // _N_CAT,
            "cat": ci,
            "month": np.full(n, mi),
            "day": rng.integers(1, pd.Period(month, "M").days_in_month + 1, size=n),
            "hour": _inverse_cdf(hour_cum[hour_prof[ci]], rng.random(n)),
            "minute": rng.integers(0, 60, size=n),
            "sub": np.where(is_asb, _inverse_cdf(sub_cum.repeat(n, 0), rng.random(n)), -1),
            "out": np.where(is_asb, -1, _inverse_cdf(cal.outcome_cum[ci], rng.random(n))),
            "local": _inverse_cdf(local_cum[ci], rng.random(n)),
        }
        for name in names:
            parts[name].append(arrays[name])
        crime_hex.append(rng.bytes(32 * int((~is_asb).sum())).hex().encode("ascii"))
    a = {
        name: np.concatenate(v).astype(np.int64) if v else np.empty(0, np.int64)
        for name, v in parts.items()
    }
    a["crime_hex"] = b"".join(crime_hex)
    expected = pd.DataFrame(
        exp_rows, columns=["zone", "kind", "month", "expected", "counterfactual"]
    )
    return a, expected


def _records(cal: _Calibration, months: list[str], a: dict) -> pd.DataFrame:
    """Canonical records from the drawn arrays, in the order of the police.uk files."""
    loc = cal.loc
    li, ci, mi = a["loc"], a["cat"], a["month"]
    n = len(li)
    is_asb = _IS_ASB[ci]
    per_month = np.bincount(mi, minlength=len(months))
    first = np.repeat(np.cumsum(per_month) - per_month, per_month)
    source_row = np.arange(n, dtype=np.int64) - first + 2  # line 1 is the header
    source_file = _str_take([f"{m}-dorset-simulated-street.csv" for m in months], mi)
    # Crime IDs: 64 hex digits like police.uk's; ASB rows: ``<file>#<row>`` (as the reader does)
    n_crime = int((~is_asb).sum())
    hexes = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(64), n_crime, [None, pa.py_buffer(a["crime_hex"])]
    )
    crime_ids = hexes.cast(pa.binary()).cast(pa.string())
    asb_ids = pa.array(
        (
            pd.Series(source_file[is_asb]) + "#" + pd.Series(source_row[is_asb]).astype("string")
        ).to_numpy(object),
        pa.string(),
    )
    crime_pos = np.cumsum(~is_asb) - 1
    asb_pos = np.cumsum(is_asb) - 1
    cid = pd.array(
        crime_ids.take(pa.array(np.where(is_asb, -1, crime_pos), mask=is_asb)), dtype="string"
    )
    rid_idx = np.where(is_asb, n_crime + asb_pos, crime_pos)
    rid = pd.array(pa.concat_arrays([crime_ids, asb_ids]).take(pa.array(rid_idx)), dtype="string")
    month_start = np.array([np.datetime64(m + "-01", "ns") for m in months])
    date = month_start[mi] + (a["day"] - 1).astype("timedelta64[D]").astype("timedelta64[ns]")

    def take(col: str) -> pd.api.extensions.ExtensionArray:
        return _str_take(loc[col], li)

    return S.conform(
        pd.DataFrame(
            {
                S.RECORD_ID: rid,
                S.CRIME_ID: cid,
                S.SOURCE: _str_take([S.SOURCE_SIMULATED], np.zeros(n, np.int64)),
                S.SOURCE_FILE: source_file,
                S.SOURCE_ROW: source_row,
                S.MONTH: _str_take(months, mi),
                S.DATE: date,
                S.HOUR: a["hour"].astype(np.int8),
                S.CATEGORY: _str_take(S.CATEGORIES, ci),
                S.ASB_SUBTYPE: _str_take(S.ASB_SUBTYPES, a["sub"]),
                S.LON: loc[S.LON].to_numpy()[li],
                S.LAT: loc[S.LAT].to_numpy()[li],
                S.X: loc[S.X].to_numpy()[li],
                S.Y: loc[S.Y].to_numpy()[li],
                S.LOCATION: take(S.LOCATION),
                S.LSOA_CODE: take(S.LSOA_CODE),
                S.LSOA_NAME: take(S.LSOA_NAME),
                S.WARD_CODE: take(S.WARD_CODE),
                S.WARD_NAME: take(S.WARD_NAME),
                S.TOWN: take(S.TOWN),
                S.IN_BCP: np.ones(n, dtype=bool),
                S.OUTCOME: _str_take(cal.outcomes, a["out"]),
                S.SIMULATED: np.ones(n, dtype=bool),
            }
        )
    )


def _truth(
    cal, target_area, ring, zone, expected, a, months, *, params, spillover, ring_m, notes
) -> dict:
    """The JSON-ready truth (see :func:`write_simulation`)."""
    # observed and expected counts per zone, kind and window
    rec_zone = zone[a["loc"]]
    rec_kind = _IS_ASB[a["cat"]].astype(int)
    month_np = np.array(months)
    summary: dict = {}
    for wname, (w0, w1) in (("before", BEFORE), ("after", AFTER)):
        in_w = ((month_np >= w0) & (month_np <= w1))[a["month"]]
        ew = expected[(expected["month"] >= w0) & (expected["month"] <= w1)]
        for z, zn in enumerate(_ZONES):
            for j, kd in enumerate(_KINDS):
                e = ew[(ew["zone"] == zn) & (ew["kind"] == kd)]
                summary.setdefault(zn, {}).setdefault(kd, {})[wname] = {
                    "observed": int((in_w & (rec_zone == z) & (rec_kind == j)).sum()),
                    "expected": round(float(e["expected"].sum()), 3),
                    "counterfactual": round(float(e["counterfactual"].sum()), 3),
                }
    target = target_area.geometry
    f = _effect_factors()
    return {
        "warning": SIMULATED_WARNING,
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "hotspots_version": __version__,
        **params,
        "n_records": len(a["loc"]),
        "labelled_as": SIMULATED_LABEL,
        "intervention": {
            "name": INTERVENTION_NAME,
            "months": list(AFTER),
            "area": target_area.spec,
            "area_name": target_area.name,
        },
        "windows": {"before": list(BEFORE), "after": list(AFTER)},
        "effects": {
            "crime": {"percent": CRIME_EFFECT_PCT, "factor": round(f["crime"], 6)},
            "asb": {"percent": ASB_EFFECT_PCT, "factor": round(f["asb"], 6)},
        },
        "spillover": {
            "kind": _spill_kind(spillover),
            "fraction": spillover,
            "percent": round(100.0 * spillover, 6),
            "factor": round(1.0 + spillover, 6),
            "ring_m": ring_m,
            "applies_to": ["crime", "asb"],
        },
        "target": {
            "crs_geojson": S.CRS_DISPLAY,
            "geojson": _geojson(target),
            "crs_wkt": S.CRS_METRES,
            "wkt_27700": shapely.to_wkt(target),
            "area_km2": round(float(target.area) / 1e6, 6),
            "n_snap_points": int((zone == 0).sum()),
        },
        "ring": {
            "crs_geojson": S.CRS_DISPLAY,
            "geojson": _geojson(ring) if not ring.is_empty else None,
            "crs_wkt": S.CRS_METRES,
            "wkt_27700": shapely.to_wkt(ring),
            "width_m": ring_m,
            "area_km2": round(float(ring.area) / 1e6, 6),
            "n_snap_points": int((zone == 1).sum()),
        },
        "model": {
            "counts": "Poisson given lambda = scale * B[l,c] * T_k(m) * S_lk(m) * E_lk(m)"
            + (
                " * U_k(m) * V_lk(m), U and V gamma with mean 1" if params["dispersion"] > 1 else ""
            ),
            "month_effect_var": MONTH_EFFECT_VAR * (params["dispersion"] - 1),
            "location_month_effect_var": LOCATION_MONTH_VAR * (params["dispersion"] - 1),
            "trend_per_year": {
                kd: round(float(np.exp(12 * cal.slope[j]) - 1), 6) for j, kd in enumerate(_KINDS)
            },
            "season_amplitude": SEASON_AMPLITUDE,
            "seaside_amplitude": SEASIDE_AMPLITUDE,
            "seaside_decay_m": SEASIDE_DECAY_M,
            "peak_month": PEAK_MONTH,
            "asb_subtype_shares": dict(zip(S.ASB_SUBTYPES, ASB_SUBTYPE_SHARES, strict=True)),
            "calibration_months": list(cal.months),
        },
        "windows_summary": summary,
        "notes": list(notes),
    }


# =================================================================================
# Writing
# =================================================================================
def mapping_toml(name: str = "Simulated NICHE extract") -> str:
    """The force-export column mapping for :meth:`Simulation.force_export_frame`, as TOML."""

    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)

    lines = [
        f"# {SIMULATED_WARNING}",
        "# Column mapping for the simulated force export (hotspots.data.force_export reads it).",
        "",
        "[export]",
        f"name = {q(name)}",
        'delimiter = ","',
        'encoding = "utf-8"',
        "simulated = true  # every record is marked simulated; the app labels it",
        "",
        "[columns]",
        'reference = "OccurrenceRef"',
        'date = "CommittedDate"',
        'date_format = "%d/%m/%Y"',
        'time = "CommittedTime"',
        'easting = "Easting"',
        'northing = "Northing"',
        'location = "LocationText"',
        'category = "OffenceGroup"',
        'asb_subtype = "ASBType"',
        "",
        "[categories]  # local offence group -> police.uk category",
    ]
    lines += [f"{q(local)} = {q(cat)}" for local, cat, _ in LOCAL_CATEGORIES]
    lines += ["", "[asb_subtypes]  # local ASB type -> personal / nuisance / environmental"]
    lines += [f"{q(local)} = {q(sub)}" for local, sub in LOCAL_ASB_TYPES]
    return "\n".join(lines) + "\n"


def _readme(sim: Simulation, layout: str) -> str:
    t = sim.truth
    e = t["effects"]
    sp = t["spillover"]
    if layout == "force-export":
        files = (
            "Files: one force-export CSV with columns\n  "
            + ", ".join(FORCE_EXPORT_COLUMNS)
            + "\n(dates dd/mm/yyyy, times HH:MM, British National Grid metres) and mapping.toml,\n"
            "the column mapping that reads it (hotspots.data.force_export). The mapping says\n"
            "`simulated = true`, so every record read with it is marked simulated, and every\n"
            'reference starts with "SIM".'
        )
    else:
        files = (
            "Files: YYYY-MM/YYYY-MM-dorset-street.csv, one police.uk street file per month.\n"
            f'"Reported by" and "Falls within" read "{SIMULATED_LABEL}", so the\n'
            "hotspots readers mark every record as simulated."
        )
    return f"""{SIMULATED_WARNING}
{"=" * len(SIMULATED_WARNING)}

Every record in this folder was made up by `hotspots simulate` ({GENERATOR}
version {GENERATOR_VERSION}; seed {sim.seed}, scale {sim.scale:g}, months {sim.start} to {sim.end}).
The locations and their "On or near" texts are real police.uk map points in
Bournemouth, Christchurch and Poole, but no record describes a real incident.

{files}

The known truth is in truth.json: a "{INTERVENTION_NAME}" in the town-centre open
spaces from {AFTER[0]} to {AFTER[1]} changed crime by {e["crime"]["percent"]:+.2f}% and ASB by {e["asb"]["percent"]:+.2f}%
against what would otherwise have happened; in a ring of {sp["ring_m"]:g} m around it
counts changed by {sp["percent"]:+g}% ({sp["kind"]}). Compare before = {BEFORE[0]}..{BEFORE[1]}
with after = {AFTER[0]}..{AFTER[1]}. The data-generating process is documented in the
module {GENERATOR}.
"""


def _csv_text(frame: pd.DataFrame) -> tuple[bytes, bytes, np.ndarray]:
    """A frame as CSV, quoted as pandas ``to_csv`` quotes (only fields that need it), "\\n" lines.

    Returns the header line, the body and the byte offset where each row starts
    (plus the end), so callers can cut one file per month from one body. Built with
    pyarrow compute, ~10x faster than ``DataFrame.to_csv`` at 100k+ rows.
    """

    text = pa.large_string()
    empty, quote = pa.scalar("", text), pa.scalar('"', text)

    def quoted(col: pa.Array) -> pa.Array:
        col = pc.fill_null(col.cast(text), empty)
        needs = pc.match_substring_regex(col, '[,"\r\n]')
        if not pc.any(needs).as_py():
            return col
        sub = pc.replace_substring(pc.filter(col, needs), '"', '""')
        return pc.replace_with_mask(
            col, needs, pc.binary_join_element_wise(quote, sub, quote, empty)
        )

    header = ",".join(quoted(pa.array([str(c) for c in frame.columns])).to_pylist()) + "\n"
    if len(frame) == 0:
        return header.encode("utf-8"), b"", np.zeros(1, dtype=np.int64)
    cols = [quoted(pa.array(frame[c], from_pandas=True)) for c in frame.columns]
    lines = pc.binary_join_element_wise(*cols, pa.scalar(",", text))
    lines = pc.binary_join_element_wise(lines, empty, pa.scalar("\n", text))
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    _, off_buf, data_buf = lines.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    body = data_buf.to_pybytes()[offsets[0] : offsets[-1]]
    return header.encode("utf-8"), body, offsets - offsets[0]


def _clear_previous(out: Path) -> None:
    """Remove the files a previous simulation wrote here; refuse folders holding anything else."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError("out", str(out), "a folder", "Choose a new or empty folder.")
    entries = list(out.iterdir())
    if not entries:
        return
    truth_path = out / "truth.json"
    previous = None
    if truth_path.is_file():
        try:
            previous = json.loads(truth_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None
    if not isinstance(previous, dict) or previous.get("generator") != GENERATOR:
        raise InputError(
            "out",
            str(out),
            "a new or empty folder, or one written by an earlier `hotspots simulate`",
            "The folder holds other files; choose another folder so nothing is overwritten.",
        )
    root = out.resolve()
    for rel in [*previous.get("files", []), "truth.json"]:
        p = (out / rel).resolve()
        if root in p.parents and p.is_file():
            p.unlink()
    for d in sorted((p for p in out.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(d.iterdir()):
            d.rmdir()


def write_simulation(
    sim: Simulation,
    out_dir: str | Path,
    force_export: bool = False,
    *,
    force_export_name: str = "force_export.csv",
) -> list[Path]:
    """Write a simulation to ``out_dir`` with ``truth.json`` and ``README.txt``.

    Layout (police.uk, the default)::

        out_dir/truth.json, out_dir/README.txt
        out_dir/YYYY-MM/YYYY-MM-dorset-street.csv (+ README.txt)   one per month

    With ``force_export``, instead::

        out_dir/truth.json, out_dir/README.txt, out_dir/mapping.toml,
        out_dir/<force_export_name>

    A folder written by an earlier simulation is cleared first (only the files
    its ``truth.json`` lists); any other non-empty folder is refused.

    Returns
    -------
    list of Path: every file written, ``truth.json`` last.
    """
    out = Path(out_dir)
    _clear_previous(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if force_export:
        csv = out / force_export_name
        header, body, _ = _csv_text(sim.force_export_frame())
        csv.write_bytes(header + body)
        (out / "mapping.toml").write_text(mapping_toml(), encoding="utf-8")
        written += [csv, out / "mapping.toml"]
    else:
        # month by month: the CSV text of one month at a time (records are in month order)
        month = sim.records[S.MONTH].to_numpy(object)
        bounds = np.r_[0, np.flatnonzero(month[1:] != month[:-1]) + 1, len(month)]
        short = f"{SIMULATED_WARNING}. See ../README.txt and ../truth.json.\n"
        for i0, i1 in zip(bounds[:-1], bounds[1:], strict=False):
            if i1 <= i0:
                continue
            m = month[i0]
            d = out / m
            d.mkdir(exist_ok=True)
            csv = d / f"{m}-dorset-street.csv"
            header, body, _ = _csv_text(sim.police_uk_frame(slice(int(i0), int(i1))))
            csv.write_bytes(header + body)
            del body
            (d / "README.txt").write_text(short, encoding="utf-8")
            written += [csv, d / "README.txt"]
    (out / "README.txt").write_text(
        _readme(sim, "force-export" if force_export else "police.uk"), encoding="utf-8"
    )
    written.append(out / "README.txt")
    truth = dict(sim.truth)
    truth["layout"] = "force-export" if force_export else "police.uk"
    truth["files"] = [p.relative_to(out).as_posix() for p in written]
    (out / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False), "utf-8")
    written.append(out / "truth.json")
    return written
