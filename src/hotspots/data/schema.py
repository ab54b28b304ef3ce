"""The canonical record schema, written down once.

Every reader (police.uk, force export, simulator) produces a pandas DataFrame
with exactly the columns of :data:`RECORD_COLUMNS`, in that order, with the
dtypes of :data:`RECORD_DTYPES`. Everything downstream (store, methods,
comparisons, pages) uses the column-name constants below, never string literals.

==============  ===============  ==========================================================
column          dtype            meaning
==============  ===============  ==========================================================
record_id       string           Crime ID where the source has one; otherwise
                                 ``<source_file>#<source_row>`` (stable across re-imports)
crime_id        string / NA      the source's own reference (police.uk Crime ID, force ref)
source          string           ``police.uk``, ``force-export`` or ``simulated``
source_file     string           file name (no folders) the row came from
source_row      int64            1-based line number in that file (header is line 1)
month           string           ``YYYY-MM``
date            datetime64 / NaT day of the event, when the source gives it
hour            Int8 / NA        hour of day 0-23, when the source gives a time
category        string           one of the 14 police.uk categories (:data:`CATEGORIES`)
asb_subtype     string / NA      ``personal``, ``nuisance`` or ``environmental`` (ASB only)
lon, lat        float64          WGS84 degrees (display only)
x, y            float64          British National Grid metres, EPSG:27700 (analysis)
location        string           location text as given ("On or near Poole Bus Station")
lsoa_code       string / NA      LSOA code as given (2011 or 2021 vintage)
lsoa_name       string / NA      LSOA name as given
ward_code       string / NA      BCP ward (2019) by point-in-polygon; NA outside BCP
ward_name       string / NA      its name
town            string / NA      Bournemouth, Christchurch or Poole (from the ward)
in_bcp          bool             point in the BCP outline (E06000058)
outcome         string / NA      last outcome category as given
simulated       bool             True for simulator output: the app labels it wherever shown
==============  ===============  ==========================================================
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# --- record columns ---------------------------------------------------------
RECORD_ID = "record_id"
CRIME_ID = "crime_id"
SOURCE = "source"
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"
MONTH = "month"
DATE = "date"
HOUR = "hour"
CATEGORY = "category"
ASB_SUBTYPE = "asb_subtype"
LON = "lon"
LAT = "lat"
X = "x"
Y = "y"
LOCATION = "location"
LSOA_CODE = "lsoa_code"
LSOA_NAME = "lsoa_name"
WARD_CODE = "ward_code"
WARD_NAME = "ward_name"
TOWN = "town"
IN_BCP = "in_bcp"
OUTCOME = "outcome"
SIMULATED = "simulated"

RECORD_DTYPES: dict[str, str] = {
    RECORD_ID: "string",
    CRIME_ID: "string",
    SOURCE: "string",
    SOURCE_FILE: "string",
    SOURCE_ROW: "int64",
    MONTH: "string",
    DATE: "datetime64[ns]",
    HOUR: "Int8",
    CATEGORY: "string",
    ASB_SUBTYPE: "string",
    LON: "float64",
    LAT: "float64",
    X: "float64",
    Y: "float64",
    LOCATION: "string",
    LSOA_CODE: "string",
    LSOA_NAME: "string",
    WARD_CODE: "string",
    WARD_NAME: "string",
    TOWN: "string",
    IN_BCP: "bool",
    OUTCOME: "string",
    SIMULATED: "bool",
}
RECORD_COLUMNS: list[str] = list(RECORD_DTYPES)

# --- sources ----------------------------------------------------------------
SOURCE_POLICE_UK = "police.uk"
SOURCE_FORCE_EXPORT = "force-export"
SOURCE_SIMULATED = "simulated"

# --- categories ---------------------------------------------------------------
ASB = "Anti-social behaviour"
CATEGORIES: tuple[str, ...] = (
    ASB,
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
CRIME_CATEGORIES: tuple[str, ...] = tuple(c for c in CATEGORIES if c != ASB)
ASB_SUBTYPES: tuple[str, ...] = ("personal", "nuisance", "environmental")

# Category groups the pages and CLI accept as shorthands in ``--types``.
CATEGORY_GROUPS: dict[str, tuple[str, ...]] = {
    "all": CATEGORIES,
    "crime": CRIME_CATEGORIES,
    "asb": (ASB,),
}

TOWNS: tuple[str, ...] = ("Bournemouth", "Christchurch", "Poole")

# --- CRS ----------------------------------------------------------------------
CRS_METRES = "EPSG:27700"  # British National Grid: all analysis
CRS_DISPLAY = "EPSG:4326"  # WGS84: drawing only

# --- hotspot result columns (every hotspot method returns these) -------------
HOTSPOT_ID = "hotspot_id"
RANK = "rank"
NAME = "name"
COUNT = "count"
SHARE = "share"
AREA_KM2 = "area_km2"
DENSITY_PER_KM2 = "density_per_km2"
TOP_CATEGORIES = "top_categories"
TOP_LOCATIONS = "top_locations"
HOTSPOT_COLUMNS: list[str] = [
    HOTSPOT_ID,
    RANK,
    NAME,
    WARD_NAME,
    COUNT,
    SHARE,
    AREA_KM2,
    DENSITY_PER_KM2,
    TOP_CATEGORIES,
    TOP_LOCATIONS,
    "geometry",
]

# --- hotspot description columns (filled by methods.naming.describe_hotspots) --
# They follow HOTSPOT_COLUMNS (before any method-specific column) in this order.
PLACES = "places"  # string: gazetteer places considered for the name, "; "-separated
BUSIEST_LOCATION = "busiest_location"  # string: location text of the busiest police.uk map point
BUSIEST_X = "busiest_x"  # float64, metres (EPSG:27700)
BUSIEST_Y = "busiest_y"  # float64, metres (EPSG:27700)
N_LOCATIONS = "n_locations"  # int64: distinct police.uk map points holding the records
CAVEAT = "caveat"  # string: plain-English note on police.uk anonymisation, "" when none
HOTSPOT_DESCRIPTION_DTYPES: dict[str, str] = {
    PLACES: "string",
    BUSIEST_LOCATION: "string",
    BUSIEST_X: "float64",
    BUSIEST_Y: "float64",
    N_LOCATIONS: "int64",
    CAVEAT: "string",
}
HOTSPOT_DESCRIPTION_COLUMNS: list[str] = list(HOTSPOT_DESCRIPTION_DTYPES)


def empty_records() -> pd.DataFrame:
    """Return a zero-row frame with the canonical columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in RECORD_DTYPES.items()})


def _missing(dtype: str, n: int):
    """Return an all-missing column of ``dtype`` built without Python objects."""
    if dtype == "string":
        import pyarrow as pa

        return pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(n, pa.string())]))
    if dtype == "bool":
        return np.zeros(n, dtype=bool)
    if dtype == "datetime64[ns]":
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if dtype == "Int8":
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int8), np.ones(n, dtype=bool))
    if dtype == "int64":  # source_row: 0 means "not from a file row" (int64 has no NA)
        return np.zeros(n, dtype=np.int64)
    return np.full(n, np.nan, dtype=dtype)


def string_column(values, n: int | None = None):
    """Make a pandas ``string`` column from a scalar (repeated ``n`` times) or array, via Arrow."""
    import pyarrow as pa

    if isinstance(values, str):
        if n is None:
            msg = "string_column: a scalar value needs the length n"
            raise ValueError(msg)
        arr = pa.array([values], type=pa.string()).take(pa.array(np.zeros(n, dtype=np.int32)))
        return pd.arrays.ArrowStringArray(pa.chunked_array([arr]))
    return pd.array(values, dtype="string")


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with exactly the canonical columns, order and dtypes.

    Missing optional columns are added as all-NA (all-False for flags); extra
    columns are dropped. Columns already of the right dtype are not copied.
    """
    n = len(df)
    out = {}
    for col, dtype in RECORD_DTYPES.items():
        if col not in df.columns:
            out[col] = _missing(dtype, n)
            continue
        s = df[col]
        if str(s.dtype) == dtype:
            out[col] = s.to_numpy() if dtype in ("bool", "float64", "int64") else s.array
        elif dtype == "datetime64[ns]":
            out[col] = pd.to_datetime(s, errors="coerce").astype("datetime64[ns]").array
        elif dtype == "string" and isinstance(s.dtype, pd.StringDtype):
            out[col] = s.astype("string").array
        else:
            out[col] = s.astype(dtype).array
    return pd.DataFrame(out)


def name_key(text: str) -> str:
    """Return the form names are matched in.

    Lower case, "&" as "and", every run of other characters as one "-" ("Westbourne & West Cliff"
    and "westbourne-and-west-cliff" give the same key; so do "Bicycle theft", "bicycle-theft" and
    "BICYCLE_THEFT").
    """
    low = str(text).lower().replace("&", " and ")
    return "-".join(re.findall(r"[a-z0-9]+", low))


def resolve_categories(
    categories: str | list[str] | tuple[str, ...] | None,
    argument: str = "categories",
) -> tuple[str, ...]:
    """Turn a ``categories`` value (``--types``, a link's ``cats``) into police.uk categories.

    Accepts ``None`` (all), a comma-separated string or a list; items may be category
    names in any case or as slugs (``Bicycle theft``, ``bicycle-theft``; see
    :func:`name_key`) or the groups ``all``, ``crime``, ``asb``. An unknown item is an
    :class:`~hotspots.errors.InputError` naming ``argument``.
    """
    from hotspots.errors import InputError

    if categories is None:
        return CATEGORIES
    if isinstance(categories, str):
        items = [t.strip() for t in categories.split(",")]
    else:
        items = list(categories)
    lookup = {name_key(c): c for c in CATEGORIES}
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InputError(argument, item, "category names or all / crime / asb (text)")
        if not item:
            continue
        key = name_key(item)
        if key in CATEGORY_GROUPS:
            out.extend(CATEGORY_GROUPS[key])
        elif key in lookup:
            out.append(lookup[key])
        else:
            raise InputError(
                argument,
                item,
                "a police.uk category or one of all / crime / asb",
                "Categories: " + "; ".join(CATEGORIES) + ".",
            )
    # keep canonical order, no repeats
    return tuple(c for c in CATEGORIES if c in set(out))
