"""Tests for hotspots.data.checks: each file check by what it checks, in the order a file
meets them (size, file type, encoding, header, rows).

Inputs: hand-made uploads, bytes and strings with one problem each; outputs: the
refusal or the verdict and reason per row, and the same reasons from the police.uk
reader and from a force export's lon/lat.
"""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from hotspots.data import checks
from hotspots.data.checks import (
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
from hotspots.errors import FileReadError

MIB = 1024**2


# --- size -------------------------------------------------------------------------------------
def test_upload_sizes_refuse_a_file_over_the_limit_and_what_overflows_the_upload():
    files = [("a.csv", 10 * MIB), ("big.zip", 81 * MIB), ("b.csv", 79 * MIB), ("c.csv", 79 * MIB),
             ("d.csv", 40 * MIB), ("e.csv", 1)]  # fmt: skip
    kept, refused = checks.check_upload_sizes(files)
    # a.csv 10 + big 81 (refused, counted) + b 79 = 170; c takes the total to 249 > 200
    assert kept == [0, 2]
    assert [r.name for r in refused] == ["big.zip", "c.csv", "d.csv", "e.csv"]
    assert refused[0].message == (
        "big.zip: refused: uploads are limited to 80 MB a file and 200 MB at once "
        "(import a large archive with `hotspots ingest`)."
    )


def test_upload_size_limits_are_inclusive_and_the_one_setting():
    assert checks.MAX_FILE_MB == 80 and checks.MAX_UPLOAD_MB == 200
    kept, refused = checks.check_upload_sizes([("x.csv", 80 * MIB), ("y.csv", 80 * MIB + 1)])
    assert kept == [0] and [r.name for r in refused] == ["y.csv"]
    kept, _ = checks.check_upload_sizes([("x.csv", 3)], max_file_mb=2 / MIB)
    assert kept == []
    assert checks.check_upload_sizes([]) == ([], [])


# --- file type --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("2024-01-dorset-street.csv", ""),
        ("my export.CSV", ""),
        ("2024-01/2024-01-dorset-outcomes.csv", "police.uk outcomes / stop-and-search file, not street crime"),
        ("2024-01-dorset-stop-and-search.csv", "police.uk outcomes / stop-and-search file, not street crime"),
        ("inner\\months.zip", "nested archive (unzip it and import its files)"),
        ("x.csv.gz", "compressed member (decompress it and import the CSV)"),
        ("x.csv.txt", "not a .csv file (renamed CSV? give it the .csv extension)"),
        ("notes.docx", "not a CSV file"),
    ],
)  # fmt: skip
def test_skip_reason_names_why_a_file_is_not_read(name, why):
    assert checks.skip_reason(name) == why


def test_upload_types_are_what_the_readers_read():
    assert checks.UPLOAD_TYPES == ("csv", "zip")
    assert all(checks.skip_reason(f"a.{t}") in ("", "nested archive (unzip it and import its files)")
               for t in checks.UPLOAD_TYPES)  # fmt: skip


def _zip(tmp_path, members):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    with zipfile.ZipFile(path) as zf:
        return path, zf.infolist()


def test_zip_members_refuse_unsafe_paths_and_bombs(tmp_path):
    path, infos = _zip(tmp_path, [("2024-01/a.csv", "a,b\n1,2\n")])
    assert checks.check_zip_members(path, infos) == infos
    path, infos = _zip(tmp_path, [("../evil.csv", "x")])
    with pytest.raises(FileReadError, match="unsafe path; archive refused"):
        checks.check_zip_members(path, infos)
    path, infos = _zip(tmp_path, [("zeros.csv", "0" * 2_000_000)])
    with pytest.raises(
        FileReadError,
        match=r"expands \d+x; refused as a possible decompression bomb",
    ):
        checks.check_zip_members(path, infos)


# --- encoding ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        ("Month,Crime type\n".encode("utf-16"), "UTF-16 text; save as UTF-8"),
        ("Month,Crime type\n".encode("utf-16-le"), "UTF-16 text; save as UTF-8"),
        (b"PK\x03\x04\x00\x00binary", "binary file (NUL bytes)"),
    ],
)
def test_check_bytes_refuses_empty_utf16_and_binary_files(data, problem):
    with pytest.raises(FileReadError, match=re.escape(problem)) as exc:
        checks.check_bytes(data, "up.csv")
    assert str(exc.value).startswith("up.csv")


def test_encoding_error_names_the_byte_and_the_line():
    err = checks.encoding_error(b"Month\n2024-01\nCaf\xe9\n", "f.csv", "utf-8")
    assert "not valid utf-8 text (byte 0xe9 on line 3)" in str(err) and "f.csv" in str(err)
    assert "could not be read as utf-8 CSV" in str(checks.encoding_error(b"ok", "f.csv", "utf-8"))


# --- header -----------------------------------------------------------------------------------
def test_check_header_names_missing_columns_delimiters_and_repeats():
    checks.check_header(["Month", "Crime type"], "Month,Crime type", ["Month"], "f.csv")
    with pytest.raises(
        FileReadError,
        match="missing column\\(s\\) Crime type; the header is 'Month,X'",
    ):
        checks.check_header(["Month", "X"], "Month,X", ["Month", "Crime type"], "f.csv")
    with pytest.raises(FileReadError, match="separated by semicolons, expected ','"):
        checks.check_header(["Month;Crime type;X"], "Month;Crime type;X", ["Month"], "f.csv")
    with pytest.raises(FileReadError, match="repeated column names"):
        checks.check_header(["Month", "Month"], "Month,Month", ["Month"], "f.csv")


def test_the_readers_use_these_checks():
    """One module: the old names are the same objects, so no second copy can drift."""
    import importlib.util

    from hotspots.data import csvtext, sources

    assert sources.skip_reason is checks.skip_reason and sources.ZIP_LIMITS is checks.ZIP_LIMITS
    assert sources.MAX_FILE_MB is checks.MAX_FILE_MB
    assert csvtext.check_bytes is checks.check_bytes
    # the old re-export module is gone: nothing can import the row checks under a second name
    assert importlib.util.find_spec("hotspots.data.validate") is None


# --- rows -------------------------------------------------------------------------------------


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
