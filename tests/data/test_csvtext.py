"""Tests for hotspots.data.csvtext: bytes -> table, row numbers, one-line file errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.data.csvtext import check_bytes, read_table
from hotspots.errors import FileReadError


def _read(data: bytes, required=("a", "b"), **kw):
    return read_table(data, "f.csv", list(required), **kw)


def _problem(data: bytes, required=("a", "b"), **kw) -> str:
    with pytest.raises(FileReadError) as info:
        _read(data, required, **kw)
    assert info.value.path == "f.csv"
    assert "\n" not in str(info.value)
    return info.value.problem


# --- whole-file problems -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [(b"", "the file is empty"), (b" \r\n\n\t\n", "the file is empty")],
)
def test_empty(data, problem):
    with pytest.raises(FileReadError, match=problem):
        check_bytes(data, "f.csv")
    assert _problem(data) == problem


def test_binary():
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100)
    assert _problem(data) == "binary file (NUL bytes), not a CSV text file"


def test_good_bytes_pass_the_check():
    assert check_bytes(b"a,b\n1,2\n", "f.csv") is None


def test_wrong_header_names_missing_columns_and_shows_the_header():
    problem = _problem(b"x,y,z\n1,2,3\n")
    assert problem == "wrong header: missing column(s) a, b; the header is 'x,y,z'"


def test_long_header_is_shortened():
    header = ",".join(f"column{i}" for i in range(40)).encode()
    problem = _problem(header + b"\n")
    assert problem.endswith("...'") and len(problem) < 200


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (b"a;b;c\n1;2;3\n", "semicolons"),
        (b"a\tb\tc\n1\t2\t3\n", "tabs"),
        (b"a|b|c\n1|2|3\n", "pipes"),
    ],
)
def test_wrong_delimiter(data, label):
    assert _problem(data) == f"wrong delimiter: the header is separated by {label}, expected ','"


def test_comma_file_read_with_semicolon_setting():
    assert "separated by commas, expected ';'" in _problem(b"a,b,c\n1,2,3\n", delimiter=";")


def test_repeated_column_names():
    assert "repeated column names" in _problem(b"a,b,a\n1,2,3\n")


@pytest.mark.parametrize(
    ("data", "line"),
    [(b"a,b\n1,2\n3,caf\xe9\n", 3), (b"a,b,caf\xe9\n1,2,3\n", 1)],
)
def test_wrong_encoding_names_byte_and_line(data, line):
    problem = _problem(data)
    assert problem.startswith(f"not valid utf-8 text (byte 0xe9 on line {line})")
    assert "save it as UTF-8" in problem


def test_wrong_encoding_on_the_slow_path_too():
    # a bad row sends the file to the csv module; the encoding error is still one line
    assert "byte 0xe9 on line 3" in _problem(b"a,b\n1,2\n3,caf\xe9\n5\n")


def test_declared_encoding_is_used():
    tr = _read("a,b\n1,caf\xe9 \u2013 \u00a3\n".encode("cp1252"), encoding="cp1252")
    assert tr.table["b"].tolist() == ["caf\xe9 \u2013 \u00a3"]


# --- rows and row numbers ------------------------------------------------------------------


def test_rows_are_numbered_from_two():
    tr = _read(b"a,b\n1,2\n3,4\n5,6\n")
    assert len(tr) == 3
    assert tr.rows.tolist() == [2, 3, 4]
    assert tr.bad_rows == []
    assert tr.header == ["a", "b"]
    assert tr.table.to_dict("list") == {
        "a": ["1", "3", "5"],
        "b": ["2", "4", "6"],
        "_row": [2, 3, 4],
    }


def test_blank_lines_count_in_the_numbering():
    tr = _read(b"a,b\n1,2\n\n3,4\n")
    assert tr.rows.tolist() == [2, 4]


def test_rows_with_too_few_or_too_many_fields_are_returned_for_rejection():
    tr = _read(b"a,b\n1,2\n5\n3,4\n6,7,8\n9,10\n")
    assert tr.rows.tolist() == [2, 4, 6]
    assert tr.bad_rows == [
        (3, "wrong number of fields (1, expected 2)", "5"),
        (5, "wrong number of fields (3, expected 2)", "6,7,8"),
    ]
    assert tr.table["a"].tolist() == ["1", "3", "9"]


def test_values_are_kept_as_text():
    tr = _read(b'a,b\r\n007, x \r\n"Bournemouth, Christchurch and Poole 001A",""\r\n')
    assert tr.table["a"].tolist() == ["007", "Bournemouth, Christchurch and Poole 001A"]
    assert tr.table["b"].tolist() == [" x ", ""]  # the readers strip, not the parser
    assert tr.rows.tolist() == [2, 3]


def test_bom_is_skipped():
    tr = _read(b"\xef\xbb\xbfa,b\n1,2\n")
    assert tr.header == ["a", "b"] and tr.rows.tolist() == [2]


@pytest.mark.parametrize("data", [b"a,b\n", b"a,b"])
def test_header_only(data):
    tr = _read(data)
    assert len(tr) == 0 and tr.rows.tolist() == [] and list(tr.table.columns) == ["a", "b", "_row"]


def test_last_line_without_newline():
    assert _read(b"a,b\n1,2\n3,4").rows.tolist() == [2, 3]


def test_extra_columns_are_kept():
    tr = _read(b"a,b,Context\n1,2,\n")
    assert tr.header == ["a", "b", "Context"] and tr.table["Context"].tolist() == [""]


def test_dictionary_columns():
    tr = _read(b"a,b\nx,1\ny,2\nx,3\n", required=("a",))
    col = tr.column("a")
    assert col.values.tolist() == ["x", "y"]
    assert col.index.tolist() == [0, 1, 0]
    assert col.rows(np.array([True, False, True])).tolist() == ["x", "x"]
    assert list(col.take()) == ["x", "y", "x"]
    assert list(tr.strings("b")) == ["1", "2", "3"]


def test_plain_columns_read_as_strings():
    tr = _read(b"a,b\n id1 ,1\n,2\n", plain_columns=("a",))
    out = list(tr.strings("a"))
    assert out[0] == "id1" and pd.isna(out[1])  # stripped; empty -> NA


# --- known problems (reported to the lead; csvtext.py is theirs) ----------------------------


def test_multiline_record_numbered_by_its_first_line_on_both_paths():
    fast = _read(b'a,b\n1,"x\ny"\n3,4\n')
    slow = _read(b'a,b\n1,"x\ny"\n5\n3,4\n')
    assert fast.rows.tolist()[0] == slow.rows.tolist()[0] == 2


def test_unbalanced_quote_does_not_swallow_rows():
    data = b'a,b\n1,"oops\n3,4\n5,6\n7,8\n'
    try:
        tr = _read(data)
    except FileReadError:
        return  # refusing the file with a message is fine too
    assert len(tr) + len(tr.bad_rows) == 4


def test_quoted_text_spanning_lines_is_kept_when_it_holds_no_records():
    r"""'Bus Station,\\nPoole' is text over two lines, not an unbalanced quote."""
    tr = _read(b'a,b\n"Bus Station,\nPoole",2\n3,4\n')
    assert tr.bad_rows == []
    assert tr.rows.tolist() == [2, 4]
    assert tr.table["a"].tolist() == ["Bus Station,\nPoole", "3"]
