"""The one disclosure rule: who sees counts under 5, and how withheld figures read."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.errors import InputError
from hotspots.present.disclosure import (
    count_columns_as_text,
    count_text,
    suppress_below_for,
    withheld,
    withhold_in_text,
)

# ----------------------------------------------------------------------------- inputs


def test_an_unknown_role_is_refused():
    with pytest.raises(InputError, match="role"):
        suppress_below_for("councillor")


# ----------------------------------------------------------------------------- outputs


@pytest.mark.parametrize(
    ("role", "exact", "expected"),
    [
        ("viewer", False, 5),
        ("viewer", True, 5),  # a viewer never gets exact counts, whatever the setting
        ("analyst", False, 5),
        ("analyst", True, None),
        ("admin", True, None),
        ("local", False, 5),  # the CLI without --exact-counts
        (None, True, None),
    ],
)
def test_the_rule_by_role_and_setting(role, exact, expected):
    assert suppress_below_for(role, exact_counts=exact) == expected


def test_counts_1_to_4_are_withheld_and_0_and_5_are_not():
    assert [count_text(n, 5) for n in (0, 1, 4, 5, 1234)] == ["0", "<5", "<5", "5", "1,234"]
    assert [count_text(n, None) for n in (1, 4)] == ["1", "4"]
    assert withheld((7, 1), 5) and not withheld((0, 5, 9), 5) and not withheld((1,), None)


def test_tables_and_notes():
    df = pd.DataFrame({"month": ["2024-01", "2024-02"], "Crime": [3, 12], "ASB": [0, 4]})
    out = count_columns_as_text(df, ["Crime", "ASB"], 5)
    assert out.to_dict("list") == {
        "month": ["2024-01", "2024-02"], "Crime": ["<5", "12"], "ASB": ["0", "<5"],
    }  # fmt: skip
    assert count_columns_as_text(df, ["Crime"], None) is df
    assert withhold_in_text("2 records in Bournemouth Central; 12 records", 5) == (
        "<5 records in Bournemouth Central; 12 records"
    )
    assert withhold_in_text("1 record, 2.5 records a month", 5) == "<5 record, 2.5 records a month"


def test_published_tables_withhold_counts_and_their_changes():
    from hotspots.comparison.tables import PublishedTable
    from hotspots.present.disclosure import published_table_for_people

    t = PublishedTable(
        "Quarterly", pd.DataFrame({"indicator": ["Robbery", "ASB"], "q1": [3, 120],
                                   "q2": [7, 0], "pct_change": [133.3, -10.0]}),
    )  # fmt: skip
    shown = published_table_for_people(t, 5)
    assert shown.frame.to_dict("list") == {
        "indicator": ["Robbery", "ASB"], "q1": ["<5", 120], "q2": [7, 0],
        "pct_change": ["withheld", -10.0],
    }  # fmt: skip
    assert "&lt;5" in shown.to_html() and "<5" in shown.to_csv() and "133" not in shown.to_csv()
    assert published_table_for_people(t, None) is t


def test_count_pairs_in_notes():
    note = "very small counts (12 and 2; flagged below 30): windows (2 and 1 months of data)"
    assert withhold_in_text(note, 5) == (
        "very small counts (12 and <5; flagged below 30): windows (2 and 1 months of data)"
    )
