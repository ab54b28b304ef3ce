"""The records at a clicked map point (hotspots.present.drilldown)."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.data import schema as S
from hotspots.present.drilldown import lonlat_to_metres, records_at


def _records():
    return pd.DataFrame(
        {
            S.X: [1000.0] * 6 + [1500.0],
            S.Y: [2000.0] * 6 + [2000.0],
            S.LOCATION: ["On or near Gervis Place"] * 6 + ["On or near Exeter Road"],
            S.MONTH: ["2024-01", "2024-03", "2024-02", "2024-03", "2024-01", "2024-02", "2024-01"],
            S.CATEGORY: ["Shoplifting", "Anti-social behaviour", "Shoplifting", "Drugs",
                         "Anti-social behaviour", "Public order", "Drugs"],
            S.OUTCOME: ["Under investigation", None, "Offender given a caution", None,
                        None, "Unable to prosecute suspect", None],
        },
    )  # fmt: skip


def test_nearest_point_lists_its_records_newest_first():
    r = records_at(_records(), 1010.0, 2005.0)
    assert r.location == "On or near Gervis Place" and r.count == 6 and r.shown == "6"
    assert r.distance_m == pytest.approx((10**2 + 5**2) ** 0.5)
    assert list(r.table.columns) == ["Month", "Category", "Last outcome"]
    assert list(r.table["Month"]) == [
        "2024-03",
        "2024-03",
        "2024-02",
        "2024-02",
        "2024-01",
        "2024-01",
    ]
    assert r.table.iloc[0].tolist() == ["2024-03", "Anti-social behaviour", "No outcome published"]


def test_viewers_see_less_than_five_and_no_records():
    r = records_at(_records(), 1500.0, 2000.0, suppress_below=5)
    assert r.count == 1 and r.shown == "<5" and r.suppressed and r.table.empty
    big = records_at(_records(), 1000.0, 2000.0, suppress_below=5)
    assert not big.suppressed and len(big.table) == 6


def test_click_far_from_any_point_finds_nothing():
    r = records_at(_records(), 9000.0, 9000.0)
    assert r.location == "" and r.count == 0 and r.table.empty
    assert records_at(_records().iloc[:0], 0, 0).count == 0


def test_lonlat_to_metres_bournemouth_square():
    x, y = lonlat_to_metres(-1.8796, 50.7202)
    assert x == pytest.approx(408_500, abs=300) and y == pytest.approx(91_200, abs=300)
