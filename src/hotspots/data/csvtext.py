"""Turning a file's bytes into a table of strings, with one-line errors for unreadable files.

Every row of the returned table keeps its row number (the header is row 1), and
rows with too few or too many fields are returned for rejection, not dropped or
padded silently.
"""

from __future__ import annotations

import codecs
import csv
import io

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from hotspots.errors import FileReadError

__all__ = ["decode", "read_table", "TableRead"]

def decode(data: bytes, name: str, encoding: str = "utf-8") -> str:
    """Decode bytes, refusing empty and binary files and naming the bad byte for wrong encodings."""
    if not data.strip():
        raise FileReadError(name, "the file is empty")
    if b"\x00" in data[:65536]:
        raise FileReadError(name, "binary file (NUL bytes), not a CSV text file")
    enc = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileReadError(
            name,
            f"not valid {encoding} text (byte 0x{data[exc.start]:02x} on line {line}); "
            "save it as UTF-8 or set the encoding in the column mapping",
        ) from None


class TableRead:
    """Result of :func:`read_table`.

    ``table``: DataFrame of strings with the header's columns and a ``_row``
    column (row number in the file, header = 1); ``bad_rows``: list of
    (row, n_fields) for rows whose field count differs from the header.
    """

    def __init__(self, table: pd.DataFrame, bad_rows: list[tuple[int, int]], header: list[str]):
        self.table = table
        self.bad_rows = bad_rows
        self.header = header


def _sniff_problem(first_line: str, required: list[str], delimiter: str) -> str:
    for d, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
        if d != delimiter and first_line.count(d) >= 2 and first_line.count(delimiter) < 2:
            return f"wrong delimiter: the header is separated by {label}, expected {delimiter!r}"
    return ""


def read_table(text: str, name: str, required: list[str], delimiter: str = ",") -> TableRead:
    """Parse CSV text whose header must contain ``required`` columns.

    Raises FileReadError for a wrong delimiter or a header missing required columns.
    """
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    try:
        header = next(csv.reader([first], delimiter=delimiter))
    except (csv.Error, StopIteration):
        header = []
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        problem = _sniff_problem(first, required, delimiter)
        if problem:
            raise FileReadError(name, problem)
        shown = first if len(first) < 120 else first[:117] + "..."
        raise FileReadError(
            name, f"wrong header: missing column(s) {', '.join(missing)}; the header is {shown!r}"
        )
    bad_seen: list[int] = []

    def on_bad(row) -> str:
        bad_seen.append(row.actual_columns)
        return "skip"

    try:
        tbl = pacsv.read_csv(
            io.BytesIO(text.lstrip("\ufeff").encode("utf-8")),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_bad),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError):
        return _read_with_csv_module(text, name, header, delimiter)
    if bad_seen or len(set(header)) != len(header):
        # exact row numbers for the report: re-read with the csv module
        return _read_with_csv_module(text, name, header, delimiter)
    df = pd.DataFrame({h: tbl.column(h).to_numpy(zero_copy_only=False) for h in header})
    df["_row"] = _row_numbers(text, len(df))
    return TableRead(df, [], header)


def _row_numbers(text: str, n: int):
    """Row numbers (header = 1) of the n parsed records.

    Blank lines are skipped by the parser but still count as rows in the file, so
    numbers match what a text editor or spreadsheet shows. If records span lines
    (quoted newlines), numbering falls back to record order.
    """
    import numpy as np

    body = text.lstrip("\ufeff").replace("\r\n", "\n")
    physical = body.count("\n") + (0 if body.endswith("\n") else 1)
    if "\n\n" not in body.rstrip("\n") and physical - 1 == n:
        return np.arange(2, n + 2, dtype=np.int64)
    lines = body.split("\n")
    nonblank = [i + 1 for i, line in enumerate(lines[1:], start=1) if line.strip()]
    if len(nonblank) != n:
        return np.arange(2, n + 2, dtype=np.int64)
    return np.asarray(nonblank, dtype=np.int64)


def _read_with_csv_module(text: str, name: str, header: list[str], delimiter: str) -> TableRead:
    """Slow path for files the C parser refuses (rows with many extra fields)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    next(reader, None)
    rows, bad, nums = [], [], []
    ncol = len(header)
    for row in reader:
        num = reader.line_num
        if not row or all(not f.strip() for f in row):
            continue
        if len(row) != ncol:
            bad.append((num, len(row)))
        else:
            rows.append(row)
            nums.append(num)
    df = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    df["_row"] = nums
    return TableRead(df, bad, header)
