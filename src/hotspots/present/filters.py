"""The filters every dashboard page shares, and the one pass that applies them.

:class:`Filters` is hashable (part of cache keys and permalinks); :func:`apply_filters`
selects a dataset's canonical records by window, categories, area and, where
records carry a date and hour (force exports), hours of the day and days of the
week. :mod:`hotspots.present.views` computes each page from the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hotspots.data import schema as S
from hotspots.data.select import filter_records

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DAYS", "VIEW_COLUMNS", "Filters", "apply_filters", "narrow"]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Filters:
    """The filters every page shares (hashable: part of cache keys and permalinks).

    ``hours`` is an inclusive (from, to) hour range, wrapping past midnight when
    from > to (18–02 is the evening and night); ``days`` are weekday numbers 0=Mon.
    Both apply only to records that have a date / time (force exports).
    """

    start: str
    end: str
    categories: tuple[str, ...] = S.CATEGORIES
    area: str = "bcp"
    hours: tuple[int, int] | None = None
    days: tuple[int, ...] | None = None

    @property
    def window(self) -> tuple[str, str]:
        """The month window ``(start, end)``."""
        return (self.start, self.end)

    def with_(self, **changes) -> Filters:
        """Return a copy with ``changes`` applied."""
        d = {**self.__dict__, **changes}
        return Filters(**d)


# Columns the pages use: selecting rows of these only is about twice as fast as of
# all 23 (record and crime IDs are long strings). CSV exports of records use the store.
VIEW_COLUMNS = [
    S.MONTH, S.DATE, S.HOUR, S.CATEGORY, S.ASB_SUBTYPE, S.LON, S.LAT, S.X, S.Y, S.LOCATION,
    S.LSOA_CODE, S.WARD_CODE, S.WARD_NAME, S.TOWN, S.IN_BCP, S.SIMULATED, S.OUTCOME,
]  # fmt: skip


def narrow(records: pd.DataFrame) -> pd.DataFrame:
    """Return the columns the pages use (no copy under pandas copy-on-write)."""
    if list(records.columns) == VIEW_COLUMNS:
        return records
    return records[[c for c in VIEW_COLUMNS if c in records.columns]]


def apply_filters(records: pd.DataFrame, f: Filters, *, window: bool = True) -> pd.DataFrame:
    """BCP records in the window, categories, area, and (where known) hours and days."""
    records = narrow(records)
    out = filter_records(
        records,
        months=f.window if window else None,
        categories=f.categories,
        area=f.area,
    )
    if f.hours is not None and len(out):
        h = out[S.HOUR]
        lo, hi = f.hours
        known = h.notna().to_numpy()
        hv = h.fillna(-1).to_numpy(dtype=int)
        inside = (hv >= lo) & (hv <= hi) if lo <= hi else (hv >= lo) | (hv <= hi)
        out = out[~known | inside] if not known.any() else out[known & inside]
    if f.days is not None and len(out):
        d = out[S.DATE]
        known = d.notna().to_numpy()
        if known.any():
            wd = d.dt.day_of_week.fillna(-1).to_numpy(dtype=int)
            out = out[known & np.isin(wd, list(f.days))]
    return out
