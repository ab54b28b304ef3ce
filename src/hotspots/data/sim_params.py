"""The simulator's parameters: the truth it plants, its model constants and its labels.

The data-generating process these enter is written down in :mod:`hotspots.data.simulate`.
Everything the simulator writes carries :data:`SIMULATED_LABEL` and :data:`SIMULATED_WARNING`.
"""

from __future__ import annotations

import numpy as np
from pyproj import Transformer

from hotspots.data import schema as S
from hotspots.data.police_uk import HEADER

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
#: Known unusual months (for the Overview's control chart): every location's expected count
#: of a category multiplied by a factor in one month. Outside the Seasonal Response windows.
SPIKES: tuple[tuple[str, str, float], ...] = (
    ("2020-10", "Burglary", 2.0),
    ("2023-02", "Anti-social behaviour", 1.4),
)
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
SEAFRONT_LATLON = (
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
HOUR_PROFILES: dict[str, tuple[tuple[float, float, float], ...]] = {
    # (weight, peak hour, concentration)
    "asb": ((1.0, 20.5, 2.5),),  # evenings
    "night": ((0.7, 23.0, 2.5), (0.3, 15.0, 1.5)),  # violence, disorder: late evening and night
    "day": ((1.0, 14.0, 2.0),),  # thefts: shop hours
    "any": ((0.5, 2.0, 2.0), (0.5, 13.0, 1.5)),  # burglary, vehicle: night and day
}
CATEGORY_PROFILE = {
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

TO_BNG = Transformer.from_crs(S.CRS_DISPLAY, S.CRS_METRES, always_xy=True)
TO_WGS = Transformer.from_crs(S.CRS_METRES, S.CRS_DISPLAY, always_xy=True)
N_CAT = len(S.CATEGORIES)
IS_ASB = np.array([c == S.ASB for c in S.CATEGORIES])
KINDS = ("crime", "asb")
ZONES = ("target", "ring", "control")
