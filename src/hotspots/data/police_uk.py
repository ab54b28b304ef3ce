"""Reader for data.police.uk monthly "street" files (any force, LSOA 2011 or 2021).

Format facts (see geodata/SOURCES.md): header ``Crime ID,Month,Reported by,Falls
within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome
category,Context``; ASB rows have an empty Crime ID and no outcome; locations are
snapped to anonymised map points; 10–271 rows a month have no coordinates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots.data import schema as S
from hotspots.data.csvtext import TableRead
from hotspots.data.validate import Rejects, check_lonlat, check_month

__all__ = ["HEADER", "REQUIRED", "parse_street_table", "read_police_uk"]

HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
# Columns a file must have to be read as police.uk street data.
REQUIRED = ["Crime ID", "Month", "Longitude", "Latitude", "Location", "Crime type"]

SIMULATED_MARK = "(SIMULATED)"


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series("", index=df.index, dtype=object)


def parse_street_table(tr: TableRead, file_name: str, file_key: str, rejects: Rejects) -> pd.DataFrame:
    """Validate a police.uk street table; return accepted rows (partial canonical frame).

    Rejected rows go to ``rejects`` with file, row, field and reason.
    """
    df = tr.table
    rows = df["_row"].to_numpy()
    ok = np.ones(len(df), dtype=bool)

    month_ok = check_month(_col(df, "Month"), rows, file_name, "Month", rejects, ok)
    ok &= month_ok

    cat = _col(df, "Crime type").str.strip()
    cat_ok = cat.isin(S.CATEGORIES).to_numpy()
    rejects.add(file_name, rows, ~cat_ok & ok, "Crime type", "unknown category", cat)
    ok &= cat_ok

    lon, lat, coord_ok = check_lonlat(
        _col(df, "Longitude"), _col(df, "Latitude"), rows, file_name, rejects, ok
    )
    ok &= coord_ok

    acc = df[ok]
    crime_id = _col(acc, "Crime ID").str.strip()
    crime_id = crime_id.where(crime_id != "", None)
    falls = _col(acc, "Falls within").astype(str) + " " + _col(acc, "Reported by").astype(str)
    simulated = falls.str.contains(SIMULATED_MARK, regex=False).to_numpy()
    outcome = _col(acc, "Last outcome category").str.strip()
    lsoa_code = _col(acc, "LSOA code").str.strip()
    lsoa_name = _col(acc, "LSOA name").str.strip()
    return pd.DataFrame(
        {
            S.CRIME_ID: crime_id.to_numpy(),
            S.SOURCE: np.where(simulated, S.SOURCE_SIMULATED, S.SOURCE_POLICE_UK),
            S.SOURCE_FILE: file_key,
            S.SOURCE_ROW: rows[ok],
            S.MONTH: _col(acc, "Month").str.strip().to_numpy(),
            S.CATEGORY: cat[ok].to_numpy(),
            S.LON: lon[ok],
            S.LAT: lat[ok],
            S.LOCATION: _col(acc, "Location").str.strip().to_numpy(),
            S.LSOA_CODE: lsoa_code.where(lsoa_code != "", None).to_numpy(),
            S.LSOA_NAME: lsoa_name.where(lsoa_name != "", None).to_numpy(),
            S.OUTCOME: outcome.where(outcome != "", None).to_numpy(),
            S.SIMULATED: simulated,
        }
    )


def read_police_uk(paths, **kwargs):
    """Read police.uk street CSVs, folders or zips. See :func:`hotspots.data.ingest.read_inputs`."""
    from hotspots.data.ingest import read_inputs

    return read_inputs(paths, fmt="police.uk", **kwargs)
