"""Every check an uploaded or imported file goes through, named for what it checks.

One module for the page (``app_pages/5_Data.py``), the CLI ingest and the readers
(:mod:`hotspots.data.sources`, :mod:`hotspots.data.csvtext`,
:mod:`hotspots.data.police_uk`, :mod:`hotspots.data.force_export`), in the order a
file meets them:

1. **Size** (:data:`MAX_FILE_MB`, :data:`MAX_UPLOAD_MB`, :func:`check_upload_sizes`):
   the one upload limit, read by the page, the readers (``READ_LIMITS``) and
   ``.streamlit/config.toml``'s ``maxUploadSize``.
2. **File type** (:data:`UPLOAD_TYPES`, :func:`skip_reason`, :func:`check_zip_members`):
   what is read, what is skipped with a reason, and which archives are refused.
3. **Encoding** (:func:`check_bytes`, :func:`encoding_error`): empty, binary, UTF-16
   or wrongly encoded files are refused with the byte and line.
4. **Header** (:func:`check_header`): the columns a format needs, the delimiter.
5. **Rows** (:class:`Rejects`, :func:`check_month`, :func:`check_lonlat`,
   :func:`check_xy`): each refused row gets file, row, field and reason, once, for its
   first problem, so rows read = accepted + rejected.

A file-level problem raises :class:`~hotspots.errors.FileReadError` (file and
reason); a row-level one is recorded in :class:`Rejects`. :mod:`hotspots.validation`
checks function *arguments*, not files. Checks are vectorised: each row check takes
the column as strings, the row numbers, and the mask of rows still accepted.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from hotspots.errors import FileReadError

if TYPE_CHECKING:
    import zipfile
    from collections.abc import Sequence

__all__ = [
    "MAPPING_TYPES",
    # size
    "MAX_FILE_MB",
    "MAX_UPLOAD_MB",
    "MONTH_PATTERN",
    "OTHER_POLICE_FILE",
    "REJECT_COLUMNS",
    # file type
    "UPLOAD_TYPES",
    "ZIP_LIMITS",
    # rows
    "Rejects",
    "UploadRefusal",
    # encoding
    "check_bytes",
    # header
    "check_header",
    "check_lonlat",
    "check_month",
    "check_upload_sizes",
    "check_xy",
    "check_zip_members",
    "coordinate_problems",
    "encoding_error",
    "in_gb_ni",
    "parse_numbers",
    "skip_reason",
]

MIB = 1024**2

# --- 1. size ------------------------------------------------------------------------
#: The one file-size limit, in MiB (1024**2 bytes, as Streamlit counts its MB): the readers
#: refuse a larger file, the Data page a larger upload, and .streamlit/config.toml's
#: ``[server] maxUploadSize`` must equal it (tests/data/test_sources.py checks the three agree).
MAX_FILE_MB = 80
#: All files of one upload on the Data page together, in MiB (Streamlit holds uploads in memory).
MAX_UPLOAD_MB = 200


class UploadRefusal(NamedTuple):
    """A file of an upload refused before it is read."""

    name: str  # as uploaded
    message: str  # says the file, the limit and what to do instead


def check_upload_sizes(
    files: Sequence[tuple[str, int]],
    *,
    max_file_mb: float = MAX_FILE_MB,
    max_upload_mb: float = MAX_UPLOAD_MB,
) -> tuple[list[int], list[UploadRefusal]]:
    """Which files of one upload may be read, by size.

    Parameters
    ----------
    files : ``(name, size in bytes)`` in the order uploaded.
    max_file_mb, max_upload_mb : a file's limit and the whole upload's, in MiB.

    Returns
    -------
    (positions of the files accepted, refusals naming each other file): a file over
    ``max_file_mb``, and every file from the one that takes the running total over
    ``max_upload_mb`` (the order uploaded decides which files fit).
    """
    kept: list[int] = []
    refused: list[UploadRefusal] = []
    total = 0
    for i, (name, size) in enumerate(files):
        total += int(size)
        if size > max_file_mb * MIB or total > max_upload_mb * MIB:
            refused.append(
                UploadRefusal(
                    name,
                    f"{name}: refused: uploads are limited to {max_file_mb:g} MB a file and "
                    f"{max_upload_mb:g} MB at once (import a large archive with `hotspots ingest`).",
                ),
            )
        else:
            kept.append(i)
    return kept, refused


# --- 2. file type -------------------------------------------------------------------
#: What the Data page's uploader takes (its ``type=``); the readers look at names too.
UPLOAD_TYPES = ("csv", "zip")
#: A force export's column mapping.
MAPPING_TYPES = ("toml", "json")
#: police.uk files that are not street crime (read never, listed always).
OTHER_POLICE_FILE = re.compile(r"-(outcomes|stop-and-search)\.csv$", re.IGNORECASE)
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tgz", ".tar")
# Refuse archives that would expand beyond these limits (declared sizes: a quick first check;
# what is really decompressed is counted as it streams, hotspots.data.sources.READ_LIMITS).
ZIP_LIMITS = {
    "max_members": 10_000,
    "max_total_bytes": 4 * 1024**3,  # 4 GiB uncompressed
    "max_ratio": 200.0,  # uncompressed / compressed, per member (CSV compresses ~10x)
}


def skip_reason(name: str) -> str:
    """Why a file is not read ("" when it is read): every file found is read or listed."""
    low = name.replace("\\", "/").lower()
    if low.endswith(".csv"):
        return (
            "police.uk outcomes / stop-and-search file, not street crime"
            if OTHER_POLICE_FILE.search(low)
            else ""
        )
    if low.endswith(".zip"):
        return "nested archive (unzip it and import its files)"
    if low.endswith(_COMPRESSED):
        return "compressed member (decompress it and import the CSV)"
    if ".csv." in low.rsplit("/", 1)[-1]:
        return "not a .csv file (renamed CSV? give it the .csv extension)"
    return "not a CSV file"


def check_zip_members(path: Path, infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """Return an archive's members, or raise :class:`FileReadError` for an unsafe archive.

    Unsafe: too many members, an unsafe path (absolute, ``..``, a drive letter), or a member or
    whole that would expand beyond :data:`ZIP_LIMITS` (a possible decompression bomb).
    """
    if len(infos) > ZIP_LIMITS["max_members"]:
        raise FileReadError(
            str(path),
            f"zip has {len(infos)} members; refused (limit {ZIP_LIMITS['max_members']})",
        )
    total = 0
    for info in infos:
        p = PurePosixPath(info.filename.replace("\\", "/"))
        if p.is_absolute() or ".." in p.parts or re.match(r"^[A-Za-z]:", info.filename):
            raise FileReadError(
                str(path),
                f"zip member {info.filename!r} has an unsafe path; archive refused",
            )
        total += info.file_size
        if info.compress_size > 0 and info.file_size / info.compress_size > ZIP_LIMITS["max_ratio"]:
            raise FileReadError(
                str(path),
                f"zip member {info.filename!r} expands {info.file_size / info.compress_size:.0f}x; "
                "refused as a possible decompression bomb",
            )
    if total > ZIP_LIMITS["max_total_bytes"]:
        raise FileReadError(
            str(path),
            f"zip would expand to {total / 1024**3:.1f} GiB; refused (limit 4 GiB)",
        )
    return infos


# --- 3. encoding --------------------------------------------------------------------
def check_bytes(data: bytes, name: str) -> None:
    """Refuse empty, UTF-16 and binary files."""
    if len(data) == 0 or (len(data) < 1 << 20 and not data.strip()):
        raise FileReadError(name, "the file is empty")
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(head):
        raise FileReadError(name, "UTF-16 text; save as UTF-8 (in Excel: CSV UTF-8)")
    if b"\x00" in head:
        raise FileReadError(name, "binary file (NUL bytes), not a CSV text file")


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte-order mark: every other byte is NUL, the rest is text."""
    if len(head) < 8:
        return False
    printable = set(range(0x20, 0x7F)) | {9, 10, 13}
    for zeros, text in ((head[1::2], head[0::2]), (head[0::2], head[1::2])):
        if zeros.count(0) >= 0.9 * len(zeros) and sum(b in printable for b in text) >= 0.9 * len(
            text,
        ):
            return True
    return False


def encoding_error(data: bytes, name: str, encoding: str) -> FileReadError:
    """Return the error for bytes that are not ``encoding`` text: the first bad byte, its line."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return FileReadError(
            name,
            f"not valid {encoding} text (byte 0x{data[exc.start]:02x} on line {line}); "
            "save it as UTF-8 or set the encoding in the column mapping",
        )
    return FileReadError(name, f"could not be read as {encoding} CSV")


# --- 4. header ----------------------------------------------------------------------
def _sniff_problem(first_line: str, delimiter: str) -> str:
    for d, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes"), (",", "commas")):
        if d != delimiter and first_line.count(d) >= 2 and first_line.count(delimiter) < 2:
            return f"wrong delimiter: the header is separated by {label}, expected {delimiter!r}"
    return ""


def check_header(
    header: list[str],
    first_line: str,
    required: Sequence[str],
    name: str,
    delimiter: str = ",",
) -> None:
    """Refuse a header that lacks a ``required`` column or repeats a name.

    The header is ``first_line`` split into ``header``; the message says when another delimiter is
    the likely cause.
    """
    missing = [c for c in required if c not in header]
    if missing:
        problem = _sniff_problem(first_line, delimiter)
        if problem:
            raise FileReadError(name, problem)
        shown = first_line if len(first_line) < 120 else first_line[:117] + "..."
        raise FileReadError(
            name,
            f"wrong header: missing column(s) {', '.join(missing)}; the header is {shown!r}",
        )
    if len(set(header)) != len(header):
        raise FileReadError(name, f"wrong header: repeated column names in {first_line!r}")


# --- 5. rows ------------------------------------------------------------------------
REJECT_COLUMNS = ["file", "row", "field", "reason", "value"]

# Great Britain and Northern Ireland with a margin: police.uk points outside this are impossible.
LON_RANGE = (-9.0, 2.1)
LAT_RANGE = (49.5, 61.0)
# British National Grid extent (metres).
E_RANGE = (0.0, 700_000.0)
N_RANGE = (0.0, 1_300_000.0)


class Rejects:
    """Collects rejected rows (kept as arrays; ``frame()`` builds the one table)."""

    def __init__(self) -> None:
        # (file, rows, field, reason, values): a frame per add cost ~3 ms, per file
        self._parts: list[tuple[str, np.ndarray, str, str, np.ndarray]] = []

    def add(
        self,
        file: str,
        rows,
        mask,
        field: str,
        reason: str,
        values=None,
        masked_values=None,
    ) -> None:
        """Reject rows where ``mask``; ``values`` is per row, or ``masked_values`` only for masked rows."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        rows = np.asarray(rows)
        if masked_values is not None:
            vals = np.asarray(masked_values, dtype=object).astype(str).astype(object)
        elif values is None:
            vals = np.full(mask.sum(), "", dtype=object)
        else:
            vals = np.asarray(pd.Series(values).astype(str).to_numpy())[mask]
            vals = np.array([v if len(v) <= 200 else v[:197] + "..." for v in vals], dtype=object)
        self._parts.append((file, rows[mask], field, reason, vals))

    def add_one(self, file: str, row: int, field: str, reason: str, value: str = "") -> None:
        """Reject one row of ``file``: its row number, the field, the reason and the raw value."""
        self._parts.append((file, np.array([row]), field, reason, np.array([value], dtype=object)))

    def drop_file(self, file: str) -> int:
        """Forget every rejected row of ``file``; returns how many there were."""
        n = sum(len(p[1]) for p in self._parts if p[0] == file)
        self._parts = [p for p in self._parts if p[0] != file]
        return n

    def drop_last(self, n: int) -> None:
        """Forget the last ``n`` rejected rows (used when a whole file turns out to be a repeat)."""
        while n > 0 and self._parts:
            f, rows, field, reason, vals = self._parts[-1]
            if len(rows) <= n:
                n -= len(rows)
                self._parts.pop()
            else:
                k = len(rows) - n
                self._parts[-1] = (f, rows[:k], field, reason, vals[:k])
                n = 0

    def frame(self) -> pd.DataFrame:
        """Return the rejected rows as a table with the columns :data:`REJECT_COLUMNS`."""
        if not self._parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "row" else "string") for c in REJECT_COLUMNS},
            )
        sizes = [len(p[1]) for p in self._parts]

        def rep(i):
            return np.repeat(np.array([p[i] for p in self._parts], dtype=object), sizes)

        out = pd.DataFrame(
            {
                "file": rep(0),
                "row": np.concatenate([p[1] for p in self._parts]).astype("int64"),
                "field": rep(2),
                "reason": rep(3),
                "value": np.concatenate([p[4] for p in self._parts]),
            },
        )
        return out.sort_values(["file", "row"], kind="stable").reset_index(drop=True)

    def __len__(self) -> int:
        """Return the number of rejected rows."""
        return sum(len(p[1]) for p in self._parts)


# ``YYYY-MM`` with month 01-12 and year 1990-2100 (police.uk's Month, a force export's month).
MONTH_PATTERN = r"(199\d|20\d\d|2100)-(0[1-9]|1[0-2])"


def check_month(values: pd.Series, rows, file: str, field: str, rejects: Rejects, ok) -> np.ndarray:
    """``YYYY-MM`` with month 01-12 and year 1990-2100 (:data:`MONTH_PATTERN`)."""
    v = values.astype(str).str.strip()
    m = v.str.fullmatch(MONTH_PATTERN).fillna(False).to_numpy(dtype=bool)
    empty = (v == "").to_numpy()
    rejects.add(file, rows, ~m & empty & ok, field, "missing month", v)
    rejects.add(file, rows, ~m & ~empty & ok, field, "unparseable month (expected YYYY-MM)", v)
    return m


def parse_numbers(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strings (a Series or an array) -> (float, empty, unparseable); surrounding blanks ignored."""
    s = pd.Series(values, dtype=object).astype(str).str.strip()
    empty = (s == "").to_numpy()
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
    bad = ~empty & ~np.isfinite(num)
    return num, empty, bad


def in_gb_ni(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Inside :data:`LON_RANGE` x :data:`LAT_RANGE` (edges included; NaN is outside)."""
    with np.errstate(invalid="ignore"):
        return (
            (lon >= LON_RANGE[0])
            & (lon <= LON_RANGE[1])
            & (lat >= LAT_RANGE[0])
            & (lat <= LAT_RANGE[1])
        )


def coordinate_problems(
    empty: np.ndarray,
    bad: np.ndarray,
    inside: np.ndarray,
    region: str,
) -> tuple[list[tuple[np.ndarray, str]], np.ndarray]:
    """Return a coordinate pair's verdict per row, first problem first.

    ``empty`` / ``bad``: either value of the pair missing / unparseable; ``inside``: the
    pair lies in ``region``. Returns ([(rows, reason)] for missing, unparseable and
    impossible coordinates, the rows with none of them): one wording for every reader.
    """
    missing = np.asarray(empty, dtype=bool)
    unparse = ~missing & bad
    impossible = ~missing & ~unparse & ~inside
    problems = [
        (missing, "missing coordinates"),
        (unparse, "unparseable coordinates"),
        (impossible, f"impossible coordinates (outside {region})"),
    ]
    return problems, ~missing & ~unparse & inside


GB_NI = "Great Britain and Northern Ireland"
BNG = "the British National Grid"


def check_lonlat(lon_s, lat_s, rows, file: str, rejects: Rejects, ok):
    """Longitude/latitude present, numeric and inside GB/NI. Returns (lon, lat, valid)."""
    lon, lon_empty, lon_bad = parse_numbers(lon_s)
    lat, lat_empty, lat_bad = parse_numbers(lat_s)
    problems, valid = coordinate_problems(
        lon_empty | lat_empty,
        lon_bad | lat_bad,
        in_gb_ni(lon, lat),
        GB_NI,
    )
    vals = lon_s.astype(str) + "," + lat_s.astype(str)
    for mask, reason in problems:
        rejects.add(file, rows, mask & ok, "Longitude/Latitude", reason, vals)
    return lon, lat, valid


def check_xy(e_s, n_s, rows, file: str, fields: str, rejects: Rejects, ok):
    """Easting/northing present, numeric and inside the British National Grid. Returns (x, y, valid)."""
    x, x_empty, x_bad = parse_numbers(e_s)
    y, y_empty, y_bad = parse_numbers(n_s)
    with np.errstate(invalid="ignore"):
        inside = (x > E_RANGE[0]) & (x < E_RANGE[1]) & (y > N_RANGE[0]) & (y < N_RANGE[1])
    problems, valid = coordinate_problems(x_empty | y_empty, x_bad | y_bad, inside, BNG)
    vals = e_s.astype(str) + "," + n_s.astype(str)
    for mask, reason in problems:
        rejects.add(file, rows, mask & ok, fields, reason, vals)
    return x, y, valid
