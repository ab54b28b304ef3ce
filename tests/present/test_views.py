"""Views for the pages: the outcome mix (police.uk's Last outcome category)."""

from __future__ import annotations

import pandas as pd

from hotspots.data import schema as S
from hotspots.present.views import NO_OUTCOME, outcome_mix


def test_outcome_mix_counts_shares_and_missing_outcomes():
    rec = pd.DataFrame(
        {S.OUTCOME: ["Under investigation"] * 3 + ["Local resolution"] + [None] * 2 + [" "] * 2},
    )
    mix = outcome_mix(rec)
    assert mix.to_dict("list") == {
        "outcome": [NO_OUTCOME, "Under investigation", "Local resolution"],
        "records": [4, 3, 1],
        "share (%)": [50.0, 37.5, 12.5],
    }


def test_outcome_mix_sums_the_tail_and_handles_no_column():
    rec = pd.DataFrame({S.OUTCOME: [f"o{k}" for k in range(5) for _ in range(5 - k)]})
    mix = outcome_mix(rec, top=2)
    assert mix["outcome"].tolist() == ["o0", "o1", "Other outcomes"]
    assert mix["records"].tolist() == [5, 4, 6]
    assert len(outcome_mix(pd.DataFrame({"x": [1]}))) == 0
