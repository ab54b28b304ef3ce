"""Fixtures for the hotspot-method tests: hand-made canonical records and the real 2024 months.

``make_records`` builds canonical frames from (x, y, count) rows so that each test
writes its toy input and expected values out in full. ``bcp_2024`` is the bundled
real police.uk data for 2024-01..2024-03, inside BCP (read once per session from
the bundled store, which builds itself in the session's temporary store root).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.data import schema as S


def _make_records(
    rows: list[tuple[float, float, int]] | np.ndarray,
    *,
    category: str | list[str] = S.ASB,
    location: str | list[str] | None = None,
    ward: str | list[str | None] | None = None,
    month: str = "2024-01",
) -> pd.DataFrame:
    """Canonical records: ``count`` records at each (x, y) metres.

    ``category``, ``location`` and ``ward`` are one value for all, or one per row
    of ``rows`` (repeated for that row's records).
    """
    rows = list(rows)
    counts = [int(r[2]) for r in rows]

    def per_row(v, default):
        if v is None:
            v = default
        if isinstance(v, str) or v is pd.NA:
            return [v] * len(rows)
        return list(v)

    xs = np.repeat([float(r[0]) for r in rows], counts)
    ys = np.repeat([float(r[1]) for r in rows], counts)
    cats = np.repeat(np.array(per_row(category, S.ASB), dtype=object), counts)
    locs = np.repeat(
        np.array(
            per_row(location, [f"On or near Toy Road {i}" for i in range(len(rows))]),
            dtype=object,
        ),
        counts,
    )
    wards = np.repeat(np.array(per_row(ward, [None] * len(rows)), dtype=object), counts)
    n = len(xs)
    df = pd.DataFrame(
        {
            S.RECORD_ID: [f"toy#{i}" for i in range(n)],
            S.SOURCE: S.SOURCE_SIMULATED,
            S.SOURCE_FILE: "toy.csv",
            S.SOURCE_ROW: np.arange(2, n + 2),
            S.MONTH: month,
            S.CATEGORY: cats,
            S.X: xs,
            S.Y: ys,
            S.LOCATION: locs,
            S.WARD_NAME: wards,
            S.IN_BCP: True,
        },
    )
    return S.conform(df)


@pytest.fixture
def make_records():
    """Factory: ``make_records([(x, y, count), ...], category=..., location=..., ward=...)``."""
    return _make_records


@pytest.fixture
def no_places() -> gpd.GeoDataFrame:
    """An empty gazetteer: hotspots are named by their location text only."""
    return gpd.GeoDataFrame({"name": pd.Series(dtype="string")}, geometry=[], crs=S.CRS_METRES)


@pytest.fixture
def toy_places():
    """Factory for a gazetteer of (name, x, y) in metres."""

    def build(places: list[tuple[str, float, float]]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {"name": [p[0] for p in places], "place": [p[0] for p in places]},
            geometry=gpd.points_from_xy([p[1] for p in places], [p[2] for p in places]),
            crs=S.CRS_METRES,
        )

    return build


@pytest.fixture(scope="session")
def bundled_records() -> pd.DataFrame:
    """All canonical records of the bundled real police.uk data (8 months)."""
    from hotspots.data.store import open_dataset

    return open_dataset("bundled").records()


@pytest.fixture(scope="session")
def bcp_2024(bundled_records) -> pd.DataFrame:
    """Bundled real records of 2024-01..2024-03, all categories, inside BCP."""
    from hotspots.data.select import filter_records

    return filter_records(bundled_records, months=("2024-01", "2024-03"))
