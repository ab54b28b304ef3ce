"""What happened at a map point: the records behind one police.uk location, as police.uk shows them.

A click on the map gives a longitude and latitude; :func:`records_at` finds the
police.uk map point nearest to it (within a few metres of the circle drawn there) and
lists its records: month, category and last outcome. For viewers counts under
``suppress_below`` are not shown ("<5") and neither are the records themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyproj import Transformer

from hotspots.data import schema as S
from hotspots.present.tables import format_count, is_suppressed

__all__ = ["PointRecords", "lonlat_to_metres", "records_at"]

_TO_BNG = Transformer.from_crs(S.CRS_DISPLAY, S.CRS_METRES, always_xy=True)
NO_OUTCOME_TEXT = "No outcome published"


def lonlat_to_metres(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 degrees (a map click) to EPSG:27700 metres."""
    x, y = _TO_BNG.transform(float(lon), float(lat))
    return float(x), float(y)


@dataclass(frozen=True)
class PointRecords:
    """The records at one map point.

    Attributes
    ----------
    location : the police.uk location text ("On or near ..."), or "" if none is near.
    count : records there (for the filters in force).
    shown : ``count`` as a viewer may see it ("<5" when suppressed).
    table : ``Month``, ``Category``, ``Last outcome`` per record, newest first; empty
        when suppressed or nothing is there.
    suppressed : the records are hidden because there are fewer than ``suppress_below``.
    distance_m : from the click to the map point.
    """

    location: str
    count: int
    shown: str
    table: pd.DataFrame
    suppressed: bool
    distance_m: float


def records_at(
    records: pd.DataFrame,
    x: float,
    y: float,
    *,
    within_m: float = 60.0,
    suppress_below: int | None = None,
) -> PointRecords:
    """Return the records at the map point nearest ``(x, y)`` (metres), if within ``within_m``.

    ``within_m`` allows for a click anywhere on a drawn circle (16 px at street scale is
    about 20 m; at town scale 60 m). Records share a map point when their x and y are equal
    (police.uk snaps every record to one).
    """
    empty = pd.DataFrame({"Month": [], "Category": [], "Last outcome": []})
    if not len(records):
        return PointRecords("", 0, "0", empty, False, float("inf"))
    xs, ys = records[S.X].to_numpy(dtype="float64"), records[S.Y].to_numpy(dtype="float64")
    d2 = (xs - x) ** 2 + (ys - y) ** 2
    k = int(np.nanargmin(d2))
    dist = float(np.sqrt(d2[k]))
    if dist > within_m:
        return PointRecords("", 0, "0", empty, False, dist)
    here = records[(xs == xs[k]) & (ys == ys[k])]
    n = len(here)
    loc = here[S.LOCATION].astype("string").fillna("").iloc[0]
    hidden = is_suppressed(n, suppress_below)
    if hidden:
        table = empty
    else:
        outcome = (
            here[S.OUTCOME].astype("string").fillna(NO_OUTCOME_TEXT)
            if S.OUTCOME in here.columns
            else pd.Series([NO_OUTCOME_TEXT] * n, index=here.index, dtype="string")
        )
        table = (
            pd.DataFrame(
                {
                    "Month": here[S.MONTH].astype("string").to_numpy(),
                    "Category": here[S.CATEGORY].astype("string").to_numpy(),
                    "Last outcome": outcome.to_numpy(),
                },
            )
            .sort_values(["Month", "Category"], ascending=[False, True], kind="stable")
            .reset_index(drop=True)
        )
    return PointRecords(str(loc), n, format_count(n, suppress_below), table, hidden, dist)
