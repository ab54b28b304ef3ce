"""The Overview's "what is new" view-model: currency sentence, rolling totals, unusual months."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots.data import schema as S
from hotspots.present.whats_new import currency_sentence, whats_new


def test_currency_sentence():
    assert currency_sentence([]) == "No data yet."
    assert currency_sentence(["2024-01", "2024-04"]) == "Data up to Apr 2024."
    assert (
        currency_sentence(["2024-04"], last_updated="2024-05-21", imported_at="2026-12-07T10:00")
        == "Data up to Apr 2024 (police.uk last updated 2024-05-21; imported 2026-12-07)."
    )
    assert currency_sentence(["2023-12"], last_updated="x", simulated=True) == (
        "SIMULATED data up to Dec 2023."
    )


def _records(months, counts, category="Burglary"):
    rows = [(m, category) for m, n in zip(months, counts, strict=True) for _ in range(n)]
    f = pd.DataFrame(rows, columns=[S.MONTH, S.CATEGORY])
    f[S.IN_BCP] = True
    f[S.SIMULATED] = False
    return f


def test_rolling_total_unusual_months_and_gaps():
    months = [f"{2021 + i // 12}-{i % 12 + 1:02d}" for i in range(36)]
    rng = np.random.default_rng(5)
    counts = rng.poisson(60, 36)
    counts[20] = 160  # 2022-09
    wn = whats_new(_records(months, list(counts)), months)
    assert wn.latest == "2023-12" and wn.currency == "Data up to Dec 2023."
    assert wn.monthly["rolling_12"].isna().sum() == 11
    assert wn.monthly["rolling_12"].iloc[-1] == counts[-12:].sum()
    assert wn.unusual.to_dict("records")[0]["month"] == "Sep 2022"
    assert list(wn.unusual["unusually"]) == ["high"]


def test_bundled_months_too_few_for_a_chart(bundled_read):
    rec = bundled_read.records
    wn = whats_new(rec, sorted(rec[S.MONTH].unique()))
    assert wn.currency == "Data up to Mar 2024."
    assert wn.chart.table.empty and wn.unusual.empty
    assert wn.monthly["rolling_12"].isna().all()  # no 12 consecutive months
    assert any("at least 12" in n for n in wn.notes)
