"""Reader for data.police.uk monthly "street" files (any force, LSOA 2011 or 2021).

Format facts (see geodata/SOURCES.md): header ``Crime ID,Month,Reported by,Falls
within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome
category,Context``; ASB rows have an empty Crime ID and no outcome; locations are
snapped to anonymised map points; 10–271 rows a month have no coordinates.

Validation looks at each distinct value of a column once (months, categories and
coordinates repeat endlessly), then maps the verdicts to rows by index.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots.data import schema as S
from hotspots.data.checks import (
    GB_NI,
    MONTH_PATTERN,
    Rejects,
    coordinate_problems,
    in_gb_ni,
    parse_numbers,
)
from hotspots.data.readers import content_identity, read_rows

if TYPE_CHECKING:
    from hotspots.data.csvtext import TableRead

__all__ = [
    "HEADER",
    "REQUIRED",
    "SIMULATED_MARK",
    "StreetReader",
    "force_slug",
    "parse_street_table",
    "street_identity",
]

HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
# Columns a file must have to be read as police.uk street data.
REQUIRED = ["Crime ID", "Month", "Longitude", "Latitude", "Location", "Crime type"]
PLAIN_COLUMNS = ("Crime ID",)  # mostly unique: not dictionary-encoded

SIMULATED_MARK = "(SIMULATED)"
_MONTH = re.compile(f"^{MONTH_PATTERN}$")


def force_slug(force: str) -> str:
    """Return the slug police.uk names a force's files by (``Dorset Police`` -> ``dorset``).

    ``(SIMULATED)`` in the name becomes ``-simulated``.
    """
    text = str(force)
    sim = SIMULATED_MARK in text
    text = text.replace(SIMULATED_MARK, "").strip().lower()
    text = re.sub(r"\b(police service|constabulary|police)\b", " ", text)
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "unknown-force"
    return slug + ("-simulated" if sim else "")


def street_identity(pairs: list[tuple[str, str]]) -> str:
    """Return what a street file *is*, from its own rows.

    ``2024-01-dorset-street.csv`` for month 2024-01 of Dorset Police, whatever the file is called;
    ``2024-01..2024-03-dorset-street.csv`` for a file holding several months. ``pairs`` are its
    distinct (month, force) values.
    """
    months = sorted({m for m, _ in pairs})
    forces = sorted({force_slug(f) for _, f in pairs})
    span = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
    return f"{span}-{'+'.join(forces)}-street.csv"


def _exact_repeats(
    tr: TableRead,
    ok: np.ndarray,
    group: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, pa.Array, bool]:
    """Rows (among ``ok``) equal in every field to an earlier row, with a non-empty Crime ID.

    police.uk publishes rows sharing a Crime ID with different locations or outcomes
    (kept); a row repeated byte for byte is a duplicate. Only rows whose ID repeats are
    compared, so this costs nothing on a normal file. ``group`` (a batch of files read
    as one table): each row's file; only rows of the same file are compared.

    Returns (repeats, each row's Crime ID as an integer code: equal IDs, equal codes; -1
    where there is none; the Crime IDs stripped; whether every ID is police.uk's own 64 hex
    digits or empty), the one hash pass the later ID checks reuse.
    """
    out = np.zeros(len(tr), dtype=bool)
    cid = tr.arrow.column("Crime ID")
    cid = cid.cast(pa.string()) if pa.types.is_dictionary(cid.type) else cid
    raw = cid.combine_chunks() if cid.num_chunks else pa.array([], pa.string())
    fast = _hex_id_codes(raw)
    if fast is not None:
        # police.uk's own IDs (64 hex digits, or none): nothing to strip, no text hashed
        flat, id_codes = raw, fast
        nonempty = id_codes >= 0
    else:
        # in Arrow: a Python strip per row was ~8% of a whole import
        flat = pc.utf8_trim_whitespace(raw)
        nonempty = pc.fill_null(pc.not_equal(flat, ""), True).to_numpy(zero_copy_only=False)
        # one hash pass (Arrow): an ID's code, then how many rows hold each code
        codes = pc.dictionary_encode(flat).indices
        codes = np.asarray(codes.to_numpy(zero_copy_only=False), dtype=np.int64)
        id_codes = np.where(nonempty, codes, -1)
    valid = np.where(nonempty, id_codes, 0)
    counts = np.bincount(id_codes[nonempty], minlength=1)  # rows per ID (none: not counted)
    repeated = nonempty & (counts[valid] > 1)
    cand = ok & nonempty & repeated
    if not cand.any():
        return out, id_codes, flat, fast is not None
    idx = np.flatnonzero(cand)
    taken = tr.arrow.take(pa.array(idx))
    # decoded before pandas: a dictionary column would bring its whole dictionary along
    taken = pa.table(
        [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in taken.columns],
        names=taken.column_names,
    )
    sub = taken.to_pandas().astype(str)
    if group is not None:
        sub[-1] = group[idx]  # an int key: no header name can equal it
    rep = sub.duplicated(keep="first").to_numpy()
    out[idx[rep]] = True
    return out, id_codes, flat, fast is not None


_HEX_DIGIT = np.zeros(256, dtype=bool)
_HEX_DIGIT[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = True


def _hex_id_codes(ids: pa.Array) -> np.ndarray | None:
    """Each row's Crime ID as an integer code (-1: empty), when every ID is police.uk's own.

    That is 64 lower-case hex digits or empty, with no nulls (as the CSV reader gives
    them); else None. Equal IDs get equal codes, as from a hash of the text, but only the
    first 8 bytes are hashed (numpy): IDs sharing those are told apart by their whole text,
    and they are few (repeats of one ID, or a chance match of 8 bytes of two SHA-256 digests).
    """
    if ids.null_count or not pa.types.is_string(ids.type):
        return None
    n = len(ids)
    lengths = np.frombuffer(ids.buffers()[1], dtype=np.int32)[ids.offset : ids.offset + n + 1]
    size = np.diff(lengths)
    has = size == 64
    if not (has | (size == 0)).all():
        return None
    # the non-empty IDs as (k, 64) bytes, read in place: empty values take no bytes
    k = int(has.sum())
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8) if k else np.zeros(0, np.uint8)
    rows = data[int(lengths[0]) : int(lengths[0]) + 64 * k].reshape(k, 64)
    if not _HEX_DIGIT[rows].all():
        return None
    head = np.ascontiguousarray(rows[:, :8]).view(np.uint64).ravel()
    code, uniq = pd.factorize(head)
    k = len(uniq)
    shared = np.bincount(code, minlength=k)[code] > 1
    if shared.any():
        # a head met more than once: the whole 64 bytes decide (codes k, k + 1, ...)
        at = np.flatnonzero(shared)
        whole = np.ascontiguousarray(rows[at]).view(f"S{64}").ravel()
        code[at] = k + pd.factorize(whole)[0]
    out = np.full(n, -1, dtype=np.int64)
    out[has] = code
    return out


def _parse_numbers(col) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column's distinct values as :func:`~hotspots.data.checks.parse_numbers` does.

    By Arrow in one call when every value is a number or blank (the usual case); otherwise
    value by value by that function, so the verdicts are the same.
    """
    text = pc.utf8_trim_whitespace(col.arrow_values)
    empty_a = pc.equal(text, "")
    try:
        num_a = pc.cast(pc.if_else(empty_a, pa.scalar(None, pa.string()), text), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return parse_numbers(col.values)  # some value is not a plain number: say which
    empty = np.asarray(empty_a.to_numpy(zero_copy_only=False), dtype=bool)
    num = np.asarray(num_a.to_numpy(zero_copy_only=False), dtype="float64")
    return num, empty, ~empty & ~np.isfinite(num)


# reject(mask, field, reason, values of the masked rows): where a check's verdicts go
RejectFn = Callable[[np.ndarray, str, str, np.ndarray], None]


@dataclass
class StreetChecked:
    """The verdicts of :func:`check_street_table` on one table (a file, or a batch of files)."""

    ok: np.ndarray  # bool per row: accepted
    repeats: np.ndarray  # bool per row: an exact repeat of an earlier row of its file
    lon: np.ndarray
    lat: np.ndarray
    month_text: np.ndarray  # the Month column's distinct values, stripped (object array)
    simulated: np.ndarray  # bool per row
    id_codes: np.ndarray  # int64 per row: the Crime ID's code (equal IDs, equal codes; -1: none)
    crime_ids: pa.Array  # per row: the Crime ID, stripped ("" where none)
    hex_ids: bool = False  # every Crime ID is police.uk's own (64 hex digits) or empty


def check_street_table(
    tr: TableRead,
    reject: RejectFn,
    group: np.ndarray | None = None,
) -> StreetChecked:
    """Validate a police.uk street table, each rejected row once, for its first problem.

    ``reject`` receives (rows' mask, field, reason, the masked rows' values). ``group``:
    each row's file when ``tr`` holds several files (only exact repeats look at it).
    Every check looks at each distinct value of its column once.
    """
    n = len(tr)
    ok = np.ones(n, dtype=bool)

    month = tr.column("Month")
    mv = np.array([str(v).strip() for v in month.values], dtype=object)
    m_ok_u = np.array([bool(_MONTH.match(v)) for v in mv], dtype=bool)
    m_empty_u = mv == ""
    bad = ~m_ok_u[month.index]
    empty = m_empty_u[month.index]
    reject(bad & empty, "Month", "missing month", mv[month.index[bad & empty]])
    reject(
        bad & ~empty,
        "Month",
        "unparseable month (expected YYYY-MM)",
        mv[month.index[bad & ~empty]],
    )
    ok &= ~bad

    cat = tr.column("Crime type")
    cv = np.array([str(v).strip() for v in cat.values], dtype=object)
    c_ok_u = np.isin(cv, np.array(S.CATEGORIES, dtype=object))
    bad = ~c_ok_u[cat.index] & ok
    empty = (cv == "")[cat.index]
    reject(bad & empty, "Crime type", "missing category", cv[cat.index[bad & empty]])
    reject(bad & ~empty, "Crime type", "unknown category", cv[cat.index[bad & ~empty]])
    ok &= c_ok_u[cat.index]

    lon_c, lat_c = tr.column("Longitude"), tr.column("Latitude")
    # each distinct string parsed once, the verdicts mapped to rows
    lon_u, lon_e, lon_b = _parse_numbers(lon_c)
    lat_u, lat_e, lat_b = _parse_numbers(lat_c)
    lon = lon_u[lon_c.index] if len(lon_u) else np.empty(0)
    lat = lat_u[lat_c.index] if len(lat_u) else np.empty(0)
    empty = lon_e[lon_c.index] | lat_e[lat_c.index] if n else np.zeros(0, bool)
    unparse = lon_b[lon_c.index] | lat_b[lat_c.index] if n else np.zeros(0, bool)
    problems, valid = coordinate_problems(empty, unparse, in_gb_ni(lon, lat), GB_NI)

    def pair(mask: np.ndarray) -> np.ndarray:
        return lon_c.rows(mask).astype(str) + "," + lat_c.rows(mask).astype(str)

    for mask, reason in problems:
        m = mask & ok
        if m.any():
            reject(m, "Longitude/Latitude", reason, pair(m))
    ok &= valid
    repeats, id_codes, crime_ids, hex_ids = _exact_repeats(tr, ok, group)
    ok &= ~repeats

    sim = np.zeros(n, dtype=bool)
    for name in ("Falls within", "Reported by"):
        if name in tr.header:
            c = tr.column(name)
            flag_u = np.array([SIMULATED_MARK in str(v) for v in c.values], dtype=bool)
            sim |= flag_u[c.index] if len(flag_u) else False
    return StreetChecked(ok, repeats, lon, lat, mv, sim, id_codes, crime_ids, hex_ids)


def street_frame(tr: TableRead, chk: StreetChecked, file_key: str) -> pd.DataFrame:
    """Return the accepted rows of a checked street table as a partial canonical frame."""
    ok = chk.ok
    out = {
        S.CRIME_ID: tr.strings("Crime ID", ok),
        S.SOURCE_FILE: S.string_column(file_key, int(ok.sum())),
        S.SOURCE_ROW: tr.rows[ok],
        S.MONTH: tr.column("Month").take(ok, pa.compute.utf8_trim_whitespace),
        S.CATEGORY: tr.column("Crime type").take(ok, pa.compute.utf8_trim_whitespace),
        S.LON: chk.lon[ok],
        S.LAT: chk.lat[ok],
        S.LOCATION: tr.column("Location").take(ok, pa.compute.utf8_trim_whitespace),
    }
    for col, name in (
        (S.LSOA_CODE, "LSOA code"),
        (S.LSOA_NAME, "LSOA name"),
        (S.OUTCOME, "Last outcome category"),
    ):
        out[col] = (
            tr.column(name).take(ok, pa.compute.utf8_trim_whitespace)
            if name in tr.header
            else pd.array([pd.NA] * int(ok.sum()), dtype="string")
        )
    out[S.SIMULATED] = chk.simulated[ok]
    src = np.array([S.SOURCE_POLICE_UK, S.SOURCE_SIMULATED], dtype=object)
    out[S.SOURCE] = _repeat(src, chk.simulated[ok].astype(np.int32))
    return pd.DataFrame(out)


def force_column(tr: TableRead) -> str | None:
    """Return the column naming a row's force (``Falls within``, else ``Reported by``), if any."""
    return next((c for c in ("Falls within", "Reported by") if c in tr.header), None)


def parse_street_table(
    tr: TableRead,
    file_name: str,
    file_key: str,
    rejects: Rejects,
) -> pd.DataFrame:
    """Validate a police.uk street table; return accepted rows (partial canonical frame).

    Each rejected row goes to ``rejects`` once, for its first problem, with file,
    row, field and reason.
    """
    rows = tr.rows

    def reject(mask: np.ndarray, field: str, reason: str, values: np.ndarray) -> None:
        rejects.add(file_name, rows, mask, field, reason, masked_values=values)

    chk = check_street_table(tr, reject)
    ok = chk.ok
    frame = street_frame(tr, chk, file_key)
    mv = chk.month_text
    month = tr.column("Month")
    force_col = force_column(tr)
    if ok.any():
        m_idx = month.index[ok].astype(np.int64)
        if force_col:
            fc = tr.column(force_col)
            f_idx = fc.index[ok].astype(np.int64)
            codes = np.unique(m_idx * (len(fc.values) + 1) + f_idx)
            pairs = [
                (
                    str(mv[c // (len(fc.values) + 1)]),
                    str(fc.values[c % (len(fc.values) + 1)]).strip(),
                )
                for c in codes
            ]
        else:
            pairs = [(str(mv[c]), "unknown force") for c in np.unique(m_idx)]
        frame.attrs["identity"] = street_identity(pairs)
        frame.attrs["months"] = sorted({m for m, _ in pairs})
    frame.attrs["exact_repeats"] = int(chk.repeats.sum())
    return frame


def _repeat(values: np.ndarray, idx: np.ndarray) -> pd.arrays.ArrowStringArray:
    arr = pa.array(list(values), type=pa.string()).take(pa.array(idx, type=pa.int32()))
    return pd.arrays.ArrowStringArray(pa.chunked_array([arr]))


@dataclass(frozen=True)
class StreetReader:
    """The police.uk street-file reader (a :class:`hotspots.data.readers.Reader`)."""

    name: str = "police.uk"

    def read(
        self,
        data: bytes,
        file_name: str,
        fallback_identity: str,
        rejects: Rejects,
    ) -> tuple[pd.DataFrame, int]:
        """Read one police.uk street file: accepted rows (canonical schema) and the rows read."""
        tr, n = read_rows(data, file_name, REQUIRED, rejects, plain_columns=PLAIN_COLUMNS)
        return parse_street_table(tr, file_name, fallback_identity, rejects), n

    def identity(self, file_name: str, accepted: pd.DataFrame, digest: str) -> str:
        """Month(s) and force from the file's own rows (:func:`street_identity`).

        A file with no accepted row is its bare name plus its content hash (it adds nothing).
        """
        ident = accepted.attrs.get("identity")
        if ident:
            return str(ident)
        return content_identity(file_name.replace(chr(92), "/").rsplit("/", 1)[-1], digest)
