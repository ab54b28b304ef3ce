"""Fixtures for the comparison tests: toy canonical records, the bundled real data, a simulation.

``toy_records`` builds canonical frames from rows written out in full in each test:
``(x, y, month, category, count)`` with an optional sixth item, the ASB subtype.
``bundled`` is the real police.uk data (8 months, from the session's bundled store);
``sim_short`` is one simulation (seed 1) over the evaluation windows only.
``scipy_ratio_ci`` is the independent reference for the exact rate-ratio interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from hotspots.data import schema as S
from hotspots.data.areas import Area


def _toy(rows, *, in_bcp: bool = True) -> pd.DataFrame:
    xs, ys, months, cats, subs = [], [], [], [], []
    for row in rows:
        x, y, month, cat, count = row[:5]
        sub = row[5] if len(row) > 5 else None
        xs += [float(x)] * count
        ys += [float(y)] * count
        months += [month] * count
        cats += [cat] * count
        subs += [sub] * count
    n = len(xs)
    df = pd.DataFrame(
        {
            S.RECORD_ID: [f"toy#{i}" for i in range(n)],
            S.SOURCE: S.SOURCE_SIMULATED,
            S.SOURCE_FILE: "toy.csv",
            S.SOURCE_ROW: np.arange(2, n + 2),
            S.MONTH: months,
            S.CATEGORY: cats,
            S.ASB_SUBTYPE: pd.array(subs, dtype="string"),
            S.X: xs,
            S.Y: ys,
            S.IN_BCP: in_bcp,
        },
    )
    return S.conform(df)


@pytest.fixture
def toy_records():
    """Factory: ``toy_records([(x, y, "2024-01", category, count[, subtype]), ...])``."""
    return _toy


@pytest.fixture
def toy_area():
    """Factory: a square :class:`Area` (EPSG:27700) with corner (x0, y0) and side ``size`` m."""

    def build(
        x0: float = 0.0,
        y0: float = 0.0,
        size: float = 2000.0,
        name: str = "Toy square",
    ) -> Area:
        return Area(name, "polygon", "toy", shapely.box(x0, y0, x0 + size, y0 + size))

    return build


@pytest.fixture(scope="session")
def bundled_store():
    from hotspots.data.store import open_dataset

    return open_dataset("bundled")


@pytest.fixture(scope="session")
def bundled(bundled_store) -> pd.DataFrame:
    """All canonical records of the bundled real data (2018-10..2019-02, 2024-01..2024-03)."""
    return bundled_store.records()


@pytest.fixture(scope="session")
def sim_short():
    """A simulation (seed 1, default spill-over -10% in a 400 m ring) over 2021-04..2022-08."""
    from hotspots.data.simulate import simulate

    return simulate(seed=1, start="2021-04", end="2022-08")


@pytest.fixture(scope="session")
def scipy_ratio_ci():
    """The reference: scipy's exact binomial interval for b of a+b, mapped to the rate ratio."""

    def ci(a: int, b: int, ta: float, tb: float, conf: float = 0.95) -> tuple[float, float]:
        pi = stats.binomtest(b, a + b).proportion_ci(conf, method="exact")

        def to_ratio(p: float) -> float:
            return math.inf if p >= 1 else p * ta / ((1 - p) * tb)

        return to_ratio(pi.low), to_ratio(pi.high)

    return ci
