"""Fixtures for the presentation tests: toy boundaries, records and hotspots written out in full.

Coordinates are EPSG:27700 metres around Bournemouth (x 408,000, y 91,000). The
toy boundaries (two square wards) keep map tests fast; ``real_boundaries`` loads
the bundled ones (about 8 s, once per session) for the payload measurement.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries

XSS = "<img src=x onerror=alert(1)>"
XSS_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def make_records(
    rows: list[tuple[float, float, int, str]],
    *,
    category: str | list[str] = S.ASB,
    month: str | list[str] = "2024-01",
    ward: str | None = None,
    simulated: bool = False,
) -> pd.DataFrame:
    """Canonical records: ``count`` records at (x, y) with location text, per row."""
    counts = [r[2] for r in rows]
    n = sum(counts)

    def per_row(v):
        return np.repeat(
            np.array([v] * len(rows) if isinstance(v, str) else v, dtype=object),
            counts,
        )

    df = pd.DataFrame(
        {
            S.RECORD_ID: [f"toy#{i}" for i in range(n)],
            S.SOURCE: S.SOURCE_SIMULATED if simulated else S.SOURCE_POLICE_UK,
            S.SOURCE_FILE: "toy.csv",
            S.SOURCE_ROW: np.arange(2, n + 2),
            S.MONTH: per_row(month),
            S.CATEGORY: per_row(category),
            S.X: np.repeat([float(r[0]) for r in rows], counts),
            S.Y: np.repeat([float(r[1]) for r in rows], counts),
            S.LOCATION: np.repeat(np.array([r[3] for r in rows], dtype=object), counts),
            S.WARD_NAME: ward,
            S.IN_BCP: True,
            S.SIMULATED: simulated,
        },
    )
    return S.conform(df)


@pytest.fixture
def records_factory():
    return make_records


@pytest.fixture(scope="session")
def toy_boundaries() -> Boundaries:
    """Two 2 km square wards side by side; the outline is their union."""
    west = shapely.box(406000, 90000, 408000, 92000)
    east = shapely.box(408000, 90000, 410000, 92000)
    wards = gpd.GeoDataFrame(
        {
            S.WARD_CODE: ["E05000001", "E05000002"],
            S.WARD_NAME: ["West & <Ward>", "East Ward"],
            S.TOWN: ["Poole", "Bournemouth"],
        },
        geometry=[west, east],
        crs=S.CRS_METRES,
    )
    empty = gpd.GeoDataFrame({"lsoa_code": [], "lsoa_name": []}, geometry=[], crs=S.CRS_METRES)
    gaz = gpd.GeoDataFrame({"place": [], "name": []}, geometry=[], crs=S.CRS_METRES)
    return Boundaries(
        outline=shapely.union_all([west, east]),
        wards=wards,
        lsoa11=empty,
        lsoa21=empty.copy(),
        gazetteer=gaz,
    )


@pytest.fixture(scope="session")
def real_boundaries() -> Boundaries:
    from hotspots.data.boundaries import load_boundaries

    return load_boundaries()


@pytest.fixture
def toy_hotspots() -> gpd.GeoDataFrame:
    """Two hotspots with every HOTSPOT_COLUMNS column; #2 has 3 records (suppressible)."""
    return gpd.GeoDataFrame(
        {
            S.HOTSPOT_ID: [11, 12],
            S.RANK: [1, 2],
            S.NAME: ["Lower Gardens", XSS],
            S.WARD_NAME: ["East Ward", "West & <Ward>"],
            S.COUNT: [250, 3],
            S.SHARE: [0.25, 0.003],
            S.AREA_KM2: [0.196, 0.071],
            S.DENSITY_PER_KM2: [1275.5, 42.3],
            S.TOP_CATEGORIES: [
                [("Violence and sexual offences", 100), ("Anti-social behaviour", 80)],
                "Drugs (3)",
            ],
            S.TOP_LOCATIONS: [["On or near Nightclub"], ["On or near " + XSS]],
        },
        geometry=[
            shapely.Point(409000, 91000).buffer(250),
            shapely.Point(407000, 91000).buffer(150),
        ],
        crs=S.CRS_METRES,
    )


@pytest.fixture
def tile_server():
    from tile_server import TileServer  # tests/tile_server.py

    """A local tile server that needs the API key ``s3cret-KEY-42`` (see :class:`TileServer`)."""
    srv = TileServer(key="s3cret-KEY-42")
    yield srv
    srv.close()
