"""Selecting records: month window, categories, area, BCP only."""

from __future__ import annotations

import re

import pandas as pd

from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.errors import InputError

__all__ = ["parse_month", "parse_window", "month_range", "filter_records"]

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str, argument: str = "month") -> str:
    """Validate ``YYYY-MM`` and return it."""
    m = _MONTH_RE.match(str(value).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(argument, value, "a month written YYYY-MM", "For example 2024-01.")
    return m.group(0)


def parse_window(value: str, argument: str = "window") -> tuple[str, str]:
    """``FROM:TO`` (or a single ``YYYY-MM``) -> (from, to), inclusive, validated."""
    text = str(value).strip()
    a, sep, b = text.partition(":")
    start = parse_month(a, argument)
    end = parse_month(b, argument) if sep else start
    if end < start:
        raise InputError(argument, value, "FROM:TO with FROM not after TO")
    return start, end


def month_range(start: str, end: str) -> list[str]:
    """All months from ``start`` to ``end`` inclusive, as ``YYYY-MM``."""
    return [str(p) for p in pd.period_range(start, end, freq="M")]


def filter_records(
    records: pd.DataFrame,
    *,
    months: tuple[str, str] | None = None,
    categories: tuple[str, ...] | list[str] | str | None = None,
    area: Area | str | None = None,
    bcp_only: bool = True,
) -> pd.DataFrame:
    """Records in a month window (inclusive), of some categories, inside an area.

    ``area`` None means all of BCP when ``bcp_only`` (the default), else everywhere.
    """
    mask = pd.Series(True, index=records.index)
    if bcp_only:
        mask &= records[S.IN_BCP].to_numpy(dtype=bool)
    if months is not None:
        start, end = months
        m = records[S.MONTH]
        mask &= ((m >= start) & (m <= end)).fillna(False).to_numpy(dtype=bool)
    if categories is not None:
        cats = S.resolve_categories(categories)
        if len(cats) < len(S.CATEGORIES):
            mask &= records[S.CATEGORY].isin(cats).to_numpy(dtype=bool)
    if area is not None:
        a = resolve_area(area)
        if a.kind != "bcp":
            sub = records[mask.to_numpy()]
            inside = records_in_area(sub, a)
            keep = pd.Series(False, index=records.index)
            keep.loc[sub.index[inside]] = True
            mask &= keep
    return records[mask.to_numpy()]
