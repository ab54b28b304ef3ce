"""Tests for hotspots.data.validate: the checks both readers share, one wording for both.

Inputs: hand-made strings with one problem each; outputs: the verdict and reason per row,
and the same reasons from the police.uk reader and from a force export's lon/lat.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hotspots.data.validate import (
    LAT_RANGE,
    LON_RANGE,
    MONTH_PATTERN,
    Rejects,
    check_lonlat,
    check_xy,
    coordinate_problems,
    in_gb_ni,
    parse_numbers,
)


def test_parse_numbers_takes_a_series_or_an_array():
    for values in (pd.Series([" 1.5", "", "x", "inf"]), np.array([" 1.5", "", "x", "inf"], object)):
        num, empty, bad = parse_numbers(values)
        assert num[0] == 1.5
        assert empty.tolist() == [False, True, False, False]
        assert bad.tolist() == [False, False, True, True]


def test_month_pattern_bounds():
    ok = ["1990-01", "2024-12", "2100-06"]
    refused = ["1989-12", "2024-13", "2024-00", "2101-01", "24-01", "2024-1"]
    assert all(re.fullmatch(MONTH_PATTERN, m) for m in ok)
    assert not any(re.fullmatch(MONTH_PATTERN, m) for m in refused)


def test_gb_ni_box_includes_its_edges_and_refuses_nan():
    lon = np.array([LON_RANGE[0], LON_RANGE[1], LON_RANGE[1] + 1e-9, np.nan])
    lat = np.array([LAT_RANGE[0], LAT_RANGE[1], LAT_RANGE[1], LAT_RANGE[0]])
    assert in_gb_ni(lon, lat).tolist() == [True, True, False, False]


def test_coordinate_problems_give_the_first_problem_only():
    empty = np.array([True, True, False, False, False])
    bad = np.array([True, False, True, False, False])
    inside = np.array([False, False, False, False, True])
    problems, valid = coordinate_problems(empty, bad, inside, "somewhere")
    got = {reason: mask.tolist() for mask, reason in problems}
    assert got == {
        "missing coordinates": [True, True, False, False, False],
        "unparseable coordinates": [False, False, True, False, False],
        "impossible coordinates (outside somewhere)": [False, False, False, True, False],
    }
    assert valid.tolist() == [False, False, False, False, True]


def test_lonlat_and_xy_checks_reject_each_row_once():
    rows = np.arange(2, 6)
    ok = np.ones(4, bool)
    rej = Rejects()
    lon = pd.Series(["-1.98", "", "abc", "5.0"])
    lat = pd.Series(["50.72", "50.7", "50.7", "50.7"])
    _, _, valid = check_lonlat(lon, lat, rows, "f.csv", rej, ok)
    assert valid.tolist() == [True, False, False, False]
    e = pd.Series(["408000", "0", "x", ""])
    n = pd.Series(["91500", "91500", "1", "1"])
    _, _, valid = check_xy(e, n, rows, "g.csv", "E/N", rej, ok)
    assert valid.tolist() == [True, False, False, False]
    got = rej.frame()[["file", "row", "reason"]].values.tolist()
    assert got == [
        ["f.csv", 3, "missing coordinates"],
        ["f.csv", 4, "unparseable coordinates"],
        ["f.csv", 5, "impossible coordinates (outside Great Britain and Northern Ireland)"],
        ["g.csv", 3, "impossible coordinates (outside the British National Grid)"],
        ["g.csv", 4, "unparseable coordinates"],
        ["g.csv", 5, "missing coordinates"],
    ]
