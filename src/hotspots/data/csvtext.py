"""Turning a file's bytes into a table, with one-line errors for unreadable files.

The fast path reads with pyarrow's multi-threaded CSV reader into
dictionary-encoded columns, so validation can look at each *distinct* value once
(police.uk files repeat their months, categories and snap points endlessly).
Rows with too few or too many fields are never padded or dropped silently: the
file is then re-read with the ``csv`` module to report each bad row by number.
The file checks it applies (bytes, encoding, header) are in :mod:`hotspots.data.checks`.
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from hotspots.data.checks import check_bytes, check_header, encoding_error
from hotspots.errors import FileReadError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DictColumn", "TableRead", "check_bytes", "read_table"]

_BOM = b"\xef\xbb\xbf"


class DictColumn:
    """A column as (distinct values, per-row index into them)."""

    def __init__(
        self,
        values: np.ndarray | None,
        index: np.ndarray,
        arrow_values: pa.Array,
    ) -> None:
        self._values = values  # object array of str, shape (k,); None: made on first use
        self.index = index  # int32 array, shape (n,)
        self.arrow_values = arrow_values

    @property
    def values(self) -> np.ndarray:
        """The distinct values as an object array of str, built when first asked for.

        A column only taken as a whole, such as Location, never needs Python strings.
        """
        if self._values is None:
            self._values = np.asarray(self.arrow_values.to_pylist(), dtype=object)
        return self._values

    def rows(self, mask: np.ndarray) -> np.ndarray:
        """Return the string value of each row where ``mask`` is True."""
        return self.values[self.index[mask]]

    def take(
        self,
        mask: np.ndarray | None = None,
        map_values: Callable[[pa.Array], pa.Array] | None = None,
    ) -> pd.api.extensions.ExtensionArray:
        """Return a pandas ``string`` array of the (masked) rows, built in Arrow, no Python objects.

        ``map_values`` (optional) transforms the distinct values first (e.g. strip).
        Empty strings become NA.
        """
        out = self.arrow_take(mask, map_values)
        return pd.arrays.ArrowStringArray(pa.chunked_array([out], type=pa.string()))

    def arrow_take(
        self,
        rows: np.ndarray | None = None,
        map_values: Callable[[pa.Array], pa.Array] | None = None,
    ) -> pa.Array:
        """Return the rows (a mask or indices; all when None) as an Arrow string array.

        As :meth:`take`: ``map_values`` transforms the distinct values first, and empty
        strings become null.
        """
        vals = self.arrow_values if map_values is None else map_values(self.arrow_values)
        vals = pa.compute.if_else(pa.compute.equal(vals, ""), pa.scalar(None, pa.string()), vals)
        idx = self.index if rows is None else self.index[rows]
        return vals.take(pa.array(idx, type=pa.int32()))


class TableRead:
    """Result of :func:`read_table`.

    An Arrow table of the good rows, their row numbers (header = row 1) and the bad rows as (row,
    reason, raw text of the row).
    """

    def __init__(
        self,
        arrow: pa.Table,
        rows: np.ndarray,
        bad_rows: list[tuple[int, str, str]],
        header: list[str],
    ) -> None:
        self.arrow = arrow
        self.rows = rows
        self.bad_rows = bad_rows
        self.header = header
        self._dict: dict[str, DictColumn] = {}

    def __len__(self) -> int:
        """Return the number of rows."""
        return self.arrow.num_rows

    def column(self, name: str) -> DictColumn:
        """Return the dictionary view of a column (distinct values + indices)."""
        if name not in self._dict:
            col = self.arrow.column(name)
            if not pa.types.is_dictionary(col.type):
                col = pa.compute.dictionary_encode(col)
            arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
            if isinstance(arr, pa.ChunkedArray):  # zero chunks
                arr = pa.array([], type=pa.dictionary(pa.int32(), pa.string()))
            dictionary = arr.dictionary.cast(pa.string())
            idx = arr.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
            self._dict[name] = DictColumn(None, idx, dictionary)
        return self._dict[name]

    def strings(
        self,
        name: str,
        mask: np.ndarray | None = None,
    ) -> pd.api.extensions.ExtensionArray:
        """Return a plain (not dictionary) column as a pandas string array, empty -> NA."""
        col = self.arrow.column(name)
        if pa.types.is_dictionary(col.type):
            return self.column(name).take(mask, pa.compute.utf8_trim_whitespace)
        arr = pa.compute.utf8_trim_whitespace(
            col.combine_chunks() if col.num_chunks else pa.array([], pa.string()),
        )
        arr = pa.compute.if_else(pa.compute.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        if mask is not None:
            arr = arr.filter(pa.array(mask))
        return pd.arrays.ArrowStringArray(pa.chunked_array([arr], type=pa.string()))

    @property
    def table(self) -> pd.DataFrame:
        """The good rows as a pandas frame of str, with a ``_row`` column (slower; small files)."""
        df = pd.DataFrame(
            {
                h: np.asarray(self.arrow.column(h).cast(pa.string()).to_pylist(), dtype=object)
                for h in self.header
            },
        )
        df["_row"] = self.rows
        return df


def read_table(
    data: bytes,
    name: str,
    required: list[str],
    delimiter: str = ",",
    encoding: str = "utf-8",
    plain_columns: tuple[str, ...] = (),
) -> TableRead:
    """Parse CSV bytes whose header must contain ``required`` columns.

    Columns are dictionary-encoded except ``plain_columns`` (mostly-unique ones
    such as IDs). Raises FileReadError for empty or binary files, a wrong encoding,
    a wrong delimiter or a header missing required columns.
    """
    check_bytes(data, name)
    utf8 = codecs.lookup(encoding).name == "utf-8"
    if not utf8:
        try:
            data = data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            raise encoding_error(data, name, encoding) from None
    start = 3 if data.startswith(_BOM) else 0
    nl = data.find(b"\n", start)
    first_b = data[start : nl if nl >= 0 else len(data)]
    try:
        first = first_b.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise encoding_error(data, name, encoding) from None
    try:
        header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        header = []
    check_header(header, first, required, name, delimiter)

    bad_seen: list[int] = []

    def on_bad(row: pacsv.InvalidRow) -> str:
        bad_seen.append(row.actual_columns)
        return "skip"

    types = {
        h: (pa.string() if h in plain_columns else pa.dictionary(pa.int32(), pa.string()))
        for h in header
    }
    body = pa.py_buffer(data)[start:]  # zero-copy: pyarrow reads the bytes in place
    try:
        tbl = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(
                use_threads=True,
                block_size=1 << 24,
                column_names=header,
                skip_rows=1,
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_bad),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            raise encoding_error(data, name, "utf-8") from None
        return _read_with_csv_module(data[start:], name, header, delimiter)
    rows = _row_numbers(data[start:] if start else data, tbl.num_rows)
    if bad_seen or rows is None:
        # malformed rows, or records spanning lines (quotes): the csv module gives exact
        # row numbers and catches unbalanced quotes
        return _read_with_csv_module(data[start:], name, header, delimiter)
    return TableRead(tbl, rows, [], header)


def _row_numbers(data: bytes, n: int) -> np.ndarray | None:
    """Row numbers (header = 1) of the n parsed records, or None if records and lines disagree.

    Blank lines are skipped by the parser but still count as rows in the file, so
    numbers match what a text editor shows. None means some record spans lines
    (a quoted newline, or an unbalanced quote): the caller re-reads carefully.
    """
    physical = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if physical - 1 == n:
        return np.arange(2, n + 2, dtype=np.int64)
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    nonblank = [i + 1 for i, line in enumerate(lines[1:], start=1) if line.strip()]
    if len(nonblank) != n:
        return None
    return np.asarray(nonblank, dtype=np.int64)


def _swallows_records(field: str, delimiter: str, ncol: int) -> bool:
    r"""Return True when a quoted field's later lines look like whole records.

    That is, an unbalanced quote ran on, rather than text that merely spans lines
    ("Bus Station,\nPoole").
    """
    lines = field.split("\n")[1:]
    return any(line.count(delimiter) >= max(ncol - 1, 1) for line in lines)


def _read_with_csv_module(data: bytes, name: str, header: list[str], delimiter: str) -> TableRead:
    """Careful path: exact row numbers for every bad row, and unbalanced quotes caught.

    A record is numbered by the line it starts on. A record that spans lines is
    kept when it is otherwise well formed, unless its quoted text swallowed
    lines that look like records (an unbalanced quote): then every line it
    covers is rejected, so no row disappears without a reason.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise encoding_error(data, name, "utf-8") from None
    lines = text.split("\n")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    ncol = len(header)
    rows: list[list[str]] = []
    bad: list[tuple[int, str, str]] = []

    def raw(first: int, last: int) -> str:
        text = "\n".join(lines[first - 1 : last]).rstrip("\r")
        return text if len(text) <= 500 else text[:497] + "..."

    nums: list[int] = []
    try:
        next(reader, None)
        prev_end = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            end = reader.line_num
            first = prev_end + 1
            while first < end and not lines[first - 1].strip():
                first += 1
            prev_end = end
            if not row or all(not f.strip() for f in row):
                continue
            if end > first and any(_swallows_records(f, delimiter, ncol) for f in row):
                for line in range(first, end + 1):
                    if lines[line - 1].strip():
                        bad.append(
                            (
                                line,
                                (
                                    f"unbalanced quote: a quoted field opened on row {first} "
                                    f"runs to row {end}"
                                ),
                                raw(line, line),
                            ),
                        )
                continue
            if len(row) != ncol:
                bad.append(
                    (
                        first,
                        f"wrong number of fields ({len(row)}, expected {ncol})",
                        raw(first, end),
                    ),
                )
            else:
                rows.append(row)
                nums.append(first)
    except csv.Error as exc:
        raise FileReadError(name, f"not a readable CSV (line {reader.line_num}: {exc})") from None
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    tbl = pa.table(
        {h: pa.array(list(c), type=pa.string()) for h, c in zip(header, cols, strict=True)},
    )
    return TableRead(tbl, np.asarray(nums, dtype=np.int64), bad, header)


def read_bodies(
    bodies: list[bytes | memoryview],
    lines: list[int],
    header: list[str],
    plain_columns: tuple[str, ...] = (),
) -> pa.Table | None:
    """Parse the bodies (rows after the header) of many files sharing ``header`` as one table.

    One multi-threaded pyarrow read for a whole batch of files instead of one per file. Each
    body must end with a newline and hold ``lines[i]`` lines (blank lines between bodies,
    such as a header overwritten with newlines, are skipped). Returns None unless every
    line is exactly one well-formed record (a malformed row, a blank line, a quoted
    newline, an unbalanced quote: blank lines are skipped and quoted newlines join lines,
    so the records fall short of the lines; the others are invalid rows): the caller then
    reads those files one by one (:func:`read_table`), which reports each such row by number. Row ``j`` of file ``i``
    is then row ``sum(lines[:i]) + j`` of the table.
    """
    bad = False

    def on_bad(_row: pacsv.InvalidRow) -> str:
        nonlocal bad
        bad = True
        return "skip"

    types = {
        h: (pa.string() if h in plain_columns else pa.dictionary(pa.int32(), pa.string()))
        for h in header
    }
    data = bodies[0] if len(bodies) == 1 else b"".join(bodies)  # one buffer: no copy
    try:
        tbl = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(
                use_threads=True,
                block_size=1 << 24,
                column_names=header,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=",",
                invalid_row_handler=on_bad,
            ),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return None  # not UTF-8, or not parseable as one table: file by file says why
    if bad or tbl.num_rows != sum(lines):
        return None
    return tbl
