"""The row checks under their old name: they live in :mod:`hotspots.data.checks`.

Kept so modules written against ``hotspots.data.validate`` (the readers, the store's
import) keep working; new code imports :mod:`hotspots.data.checks`.
"""

from __future__ import annotations

from hotspots.data.checks import (
    BNG,
    E_RANGE,
    GB_NI,
    LAT_RANGE,
    LON_RANGE,
    MONTH_PATTERN,
    N_RANGE,
    REJECT_COLUMNS,
    Rejects,
    check_lonlat,
    check_month,
    check_xy,
    coordinate_problems,
    in_gb_ni,
    parse_numbers,
)

__all__ = [
    "BNG",
    "E_RANGE",
    "GB_NI",
    "LAT_RANGE",
    "LON_RANGE",
    "MONTH_PATTERN",
    "N_RANGE",
    "REJECT_COLUMNS",
    "Rejects",
    "check_lonlat",
    "check_month",
    "check_xy",
    "coordinate_problems",
    "in_gb_ni",
    "parse_numbers",
]
