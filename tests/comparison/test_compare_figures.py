"""Tests for hotspots.comparison.figures: counts computed from records.

The ward report's figures (:func:`ward_report_figures`, :func:`coerce_report`) are
tested through the report in tests/present/test_reports.py, and
:func:`location_counts` in tests/present/test_present_tables.py.
"""

from __future__ import annotations

import pandas as pd

from hotspots.comparison.figures import NO_OUTCOME, outcome_mix, trend_by_month
from hotspots.data import schema as S


def _records(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({S.MONTH: [m for m, _ in rows], S.CATEGORY: [c for _, c in rows]})


def test_trend_by_month_splits_asb_from_crime_and_counts_empty_months_as_zero():
    rec = _records([("2024-01", S.ASB), ("2024-01", "Drugs"), ("2024-01", "Drugs"),
                    ("2024-03", S.ASB)])  # fmt: skip
    out = trend_by_month(rec, ["2024-01", "2024-02", "2024-03"])
    assert out["month"].tolist() == ["2024-01", "2024-02", "2024-03"]
    assert out["Anti-social behaviour"].tolist() == [1, 0, 1]
    assert out["Crime"].tolist() == [2, 0, 0]
    # by default, the months present, in order
    assert trend_by_month(rec)["month"].tolist() == ["2024-01", "2024-03"]
    assert len(trend_by_month(rec.iloc[0:0])) == 0


def test_outcome_mix_shares_sum_to_100_with_missing_outcomes_named():
    rec = pd.DataFrame({S.OUTCOME: ["Under investigation"] * 3 + [None, ""]})
    mix = outcome_mix(rec)
    assert mix["outcome"].tolist() == ["Under investigation", NO_OUTCOME]
    assert mix["records"].tolist() == [3, 2]
    assert mix["share (%)"].tolist() == [60.0, 40.0]
