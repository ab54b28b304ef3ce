"""Reading many files into canonical records, losing nothing.

Every row read is accepted, rejected with a reason, or dropped as a duplicate,
and the report's counts add up::

    rows_read == rows_accepted + rows_rejected + rows_duplicate + rows_replaced + rows_not_kept

(``rows_replaced``: rows of a file superseded by a later version of the same month
read in the same import; ``rows_not_kept``: valid rows an import's ``--keep`` choice
does not store, e.g. other forces' rows far from BCP.) Files that cannot be read at all
are listed with a one-line problem and do not stop the other files (unless ``strict``). Coordinates are projected and joined to
wards once per distinct location, not once per row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyproj import Transformer

from hotspots.data import schema as S
from hotspots.data.boundaries import load_boundaries, locate
from hotspots.data.checks import Rejects
from hotspots.data.csvtext import TableRead, read_bodies
from hotspots.data.force_export import ExportMapping, ExportReader
from hotspots.data.points import unique_locations
from hotspots.data.police_uk import (
    HEADER,
    PLAIN_COLUMNS,
    StreetChecked,
    StreetReader,
    check_street_table,
    street_identity,
)
from hotspots.data.readers import content_identity
from hotspots.data.sources import READ_LIMITS, iter_inputs
from hotspots.data.store_layout import STORE_SCHEMA, encode_table, pack_crime_ids, to_frame
from hotspots.data.store_points import POINT_CODE, new_point_codes
from hotspots.errors import FileReadError, HotspotsError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from hotspots.data.readers import Reader
    from hotspots.data.sources import InputFile

__all__ = [
    "READERS",
    "IngestReport",
    "ReadResult",
    "complete_records",
    "expand_inputs",
    "read_force_export",
    "read_inputs",
    "read_items",
    "read_police_uk",
    "reader_for",
]

# The formats an import reads: format name -> the reader for a column mapping (only a
# force export has one; the mapping may be an ExportMapping, a mapping file or its dict).
READERS: dict[str, Callable[[ExportMapping | str | Path | dict | None], Reader]] = {
    "police.uk": lambda mapping: StreetReader(),
    "force-export": ExportReader.of,
}

_TO_BNG = Transformer.from_crs(S.CRS_DISPLAY, S.CRS_METRES, always_xy=True)
_TO_WGS = Transformer.from_crs(S.CRS_METRES, S.CRS_DISPLAY, always_xy=True)


@dataclass
class IngestReport:
    """Where every row went. ``to_dict()`` is what ``hotspots ingest --json`` prints."""

    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    rows_replaced: int = 0
    rows_not_kept: int = 0
    store_rows_replaced: int = 0
    rows_in_bcp: int = 0
    rejections: dict[str, int] = field(default_factory=dict)
    files_read: list[dict] = field(default_factory=list)
    files_skipped: list[dict] = field(default_factory=list)
    files_failed: list[dict] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        """Add another batch's report to this one (counts add; lists extend)."""
        for name in (
            "rows_read",
            "rows_accepted",
            "rows_rejected",
            "rows_duplicate",
            "rows_replaced",
            "rows_not_kept",
            "store_rows_replaced",
            "rows_in_bcp",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for k, v in other.rejections.items():
            self.rejections[k] = self.rejections.get(k, 0) + v
        for name in ("files_read", "files_skipped", "files_failed", "notices"):
            getattr(self, name).extend(getattr(other, name))

    @property
    def reconciles(self) -> bool:
        """Whether every row read was accepted or rejected (the counts add up)."""
        return self.rows_read == (
            self.rows_accepted
            + self.rows_rejected
            + self.rows_duplicate
            + self.rows_replaced
            + self.rows_not_kept
        )

    def skipped_by_kind(self) -> dict[str, int]:
        """Files not read, counted by kind: ``outcomes``, ``stop-and-search``, ``other``."""
        out = {"outcomes": 0, "stop-and-search": 0, "other": 0}
        for f in self.files_skipped:
            name = str(f.get("file", "")).lower()
            kind = (
                "outcomes"
                if name.endswith("-outcomes.csv")
                else "stop-and-search"
                if name.endswith("-stop-and-search.csv")
                else "other"
            )
            out[kind] += 1
        return out

    def to_dict(self) -> dict:
        """Return the report's counts and details, JSON-safe."""
        return {
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "rows_duplicate": self.rows_duplicate,
            "rows_replaced": self.rows_replaced,
            "rows_not_kept": self.rows_not_kept,
            "store_rows_replaced": self.store_rows_replaced,
            "rows_in_bcp": self.rows_in_bcp,
            "rows_outside_bcp": self.rows_accepted - self.rows_in_bcp,
            "reconciles": self.reconciles,
            "rejections": dict(sorted(self.rejections.items(), key=lambda kv: -kv[1])),
            "files_read": self.files_read,
            "files_skipped": self.files_skipped,
            "skipped_by_kind": self.skipped_by_kind(),
            "files_failed": self.files_failed,
            "notices": self.notices,
        }


class ReadResult:
    """Accepted canonical records, rejected rows and the report.

    A rejected row is (file, row, field, reason, value). The records are held either as the
    canonical frame (``records``) or as an Arrow table in the stored layout (``table``, see
    :data:`~hotspots.data.store_layout.STORE_SCHEMA`: what a store import writes, with no
    pandas round trip); each is made from the other when first asked for.
    """

    def __init__(
        self,
        records: pd.DataFrame | None,
        rejected: pd.DataFrame,
        report: IngestReport,
        *,
        table: pa.Table | None = None,
    ) -> None:
        self._records = records
        self._table = table
        self.rejected = rejected
        self.report = report

    @property
    def records(self) -> pd.DataFrame:
        """The accepted rows as the canonical frame (:mod:`hotspots.data.schema`)."""
        if self._records is None:
            if self._table is None:
                self._records = S.empty_records()
            else:
                t = self._table
                if POINT_CODE in t.column_names:  # the points writer's hint, not a field
                    t = t.drop_columns([POINT_CODE])
                self._records = to_frame(t)
                self._table = None  # one copy of the rows, not two
        return self._records

    @records.setter
    def records(self, frame: pd.DataFrame | None) -> None:
        # None: no rows (an empty frame is made only if asked for)
        self._records, self._table = frame, None

    @property
    def table(self) -> pa.Table:
        """The accepted rows in the stored layout (:data:`STORE_SCHEMA`).

        Read by the police.uk batch reader, the table also holds each row's point code
        (:data:`~hotspots.data.store_points.POINT_CODE`, last), for the store's points writer.
        """
        if self._table is None:
            self._table = encode_table(self.records)
            self._records = None
        return self._table

    @table.setter
    def table(self, t: pa.Table) -> None:
        self._table, self._records = t, None


def complete_records(part: pd.DataFrame) -> pd.DataFrame:
    """Fill x/y from lon/lat (or the reverse), wards, towns and the BCP flag; conform to the schema.

    ``part`` must hold either lon/lat or x/y for every row. Projection and the
    point-in-polygon join run once per distinct location.
    """
    if part.empty:
        return S.empty_records()
    part = part.copy(deep=False)  # new columns go on a new frame; the data is shared (CoW)
    has_xy = S.X in part.columns and part[S.X].notna().all()
    if has_xy:
        pts = unique_locations(part[S.X].to_numpy(), part[S.Y].to_numpy())
        lon, lat = _TO_WGS.transform(pts.x, pts.y)
        part[S.LON] = np.round(lon, 6)[pts.inverse]
        part[S.LAT] = np.round(lat, 6)[pts.inverse]
        at = pts.inverse
        located = _Located.of(pts.x, pts.y)
        in_bcp, wards = located.in_bcp, located.wards
    else:
        at, located = _places(part[S.LON].to_numpy(), part[S.LAT].to_numpy())
        part[S.X] = np.round(located.x, 2)[at]
        part[S.Y] = np.round(located.y, 2)[at]
        in_bcp, wards = located.in_bcp, located.wards
    part[S.IN_BCP] = in_bcp[at]
    ats = pa.array(at)
    for col in _WARD_COLUMNS:
        part[col] = pd.arrays.ArrowStringArray(pa.chunked_array([wards[col].take(ats)]))
    return S.conform(part)


_WARD_COLUMNS = (S.WARD_CODE, S.WARD_NAME, S.TOWN)


@dataclass(frozen=True)
class _Located:
    """Points projected to EPSG:27700 and joined to wards (one entry per point)."""

    x: np.ndarray  # metres, as projected (not rounded)
    y: np.ndarray
    in_bcp: np.ndarray  # bool
    wards: dict[str, pa.Array]  # ward code, ward name, town (null outside every ward)

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray) -> _Located:
        """Join points in metres to wards (:func:`~hotspots.data.boundaries.locate`)."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        loc = locate(x, y)
        wards = {c: _flat_strings(loc[c].array) for c in _WARD_COLUMNS}
        return cls(x, y, loc[S.IN_BCP].to_numpy(bool), wards)

    def take(self, at: np.ndarray) -> _Located:
        """Return the points ``at`` (indices)."""
        ats = pa.array(at, pa.int64())
        return _Located(
            self.x[at],
            self.y[at],
            self.in_bcp[at],
            {c: v.take(ats) for c, v in self.wards.items()},
        )

    @staticmethod
    def concat(parts: list[_Located]) -> _Located:
        """Return the points of ``parts``, in order."""
        return _Located(
            np.concatenate([p.x for p in parts]),
            np.concatenate([p.y for p in parts]),
            np.concatenate([p.in_bcp for p in parts]),
            {c: pa.concat_arrays([p.wards[c] for p in parts]) for c in _WARD_COLUMNS},
        )


def _places(
    lon: np.ndarray,
    lat: np.ndarray,
    codes: np.ndarray | None = None,
) -> tuple[np.ndarray, _Located]:
    """Project WGS84 points to EPSG:27700 and join them to wards, once per distinct point.

    Returns (each row's point, the points). Points are the distinct coordinates to 1e-6
    degrees (police.uk's precision), each projected from its first row. ``codes``
    (optional): per row, an integer naming its distinct coordinate text (equal text, equal
    code): the points are then found from the codes' first rows, not by hashing every
    row's floats, and points met in earlier batches are looked up (:class:`_PlaceCache`)
    instead of projected and joined again.
    """
    if codes is not None and len(codes):
        inv, uniq = pd.factorize(codes, sort=False)  # first-seen order
        first = np.empty(len(uniq), dtype=np.int64)
        # repeated-index assignment keeps the last write: reversed, the first occurrence
        first[inv[::-1]] = np.arange(len(inv) - 1, -1, -1, dtype=np.int64)
        pts = unique_locations(lon[first] * 1e4, lat[first] * 1e4)
        return pts.inverse[inv], _PLACES.project(pts.x / 1e4, pts.y / 1e4)
    # deduplicate on lon/lat (degrees scaled so the 1e-6 police.uk precision survives)
    pts = unique_locations(lon * 1e4, lat * 1e4)
    ux, uy = _TO_BNG.transform(pts.x / 1e4, pts.y / 1e4)
    return pts.inverse, _Located.of(ux, uy)


class _PlaceCache:
    """Points already projected and joined to wards, kept for later batches of the process.

    police.uk snaps every record to a fixed set of map points, so each month of a force
    brings back the points of the month before: an import of many batches projects and
    joins each point once. Looked up by the exact bits of (lon, lat), so an answer is the
    very value a fresh projection and join give; at most :attr:`MAX_POINTS` points are kept
    (about 100 bytes each), and the cache is emptied when the boundaries change.
    """

    MAX_POINTS = 1_000_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clear(None)

    def _clear(self, boundaries: object) -> None:
        self.boundaries = boundaries
        self.index = pd.Index(np.zeros(0, np.uint64))
        self.lonlat = np.zeros((0, 2))
        self.points: _Located | None = None

    @staticmethod
    def _keys(lonlat: np.ndarray) -> np.ndarray:
        bits = np.ascontiguousarray(lonlat).view(np.uint64)
        return bits[:, 0] ^ (bits[:, 1] * np.uint64(0x9E3779B97F4A7C15))

    def project(self, lon: np.ndarray, lat: np.ndarray) -> _Located:
        """Return the points (lon, lat) projected and joined to wards."""
        b = load_boundaries()
        lonlat = np.column_stack([lon, lat]).astype(np.float64)
        keys = self._keys(lonlat)
        with self._lock:
            if self.boundaries is not b:
                self._clear(b)
            index, known = self.index, self.points
            at = index.get_indexer(keys) if len(index) else np.full(len(keys), -1)
            hit = at >= 0
            hit[hit] = (self.lonlat[at[hit]] == lonlat[hit]).all(axis=1)  # not a collision
        miss = np.flatnonzero(~hit)
        mx, my = _TO_BNG.transform(lon[miss], lat[miss])
        fresh = _Located.of(mx, my)
        self._add(b, index, keys[miss], lonlat[miss], fresh)
        if known is None or not hit.any():
            return fresh
        pos = np.empty(len(keys), dtype=np.int64)
        pos[hit] = at[hit]
        pos[miss] = len(known.x) + np.arange(len(miss))
        return _Located.concat([known, fresh]).take(pos)

    def _add(
        self,
        b: object,
        index: pd.Index,
        keys: np.ndarray,
        lonlat: np.ndarray,
        fresh: _Located,
    ) -> None:
        """Keep new points (each key once; none when full or changed meanwhile)."""
        if not len(keys):
            return
        with self._lock:
            if self.boundaries is not b or self.index is not index:
                return  # another import changed the cache meanwhile: not worth merging
            if len(self.index) + len(keys) > self.MAX_POINTS:
                return
            k = pd.Index(keys)
            new = ~k.isin(self.index) & ~k.duplicated()
            if not new.any():
                return
            at = np.flatnonzero(new)
            self.index = self.index.append(pd.Index(keys[at]))
            self.lonlat = np.concatenate([self.lonlat, lonlat[at]])
            add = fresh.take(at)
            self.points = add if self.points is None else _Located.concat([self.points, add])


_PLACES = _PlaceCache()


def _flat_strings(values: object) -> pa.Array:
    """Return a pandas string array (or any array) as one Arrow string array."""
    x = pa.array(values).cast(pa.string())
    return x.combine_chunks() if isinstance(x, pa.ChunkedArray) else x


def _id_codes(frame: pd.DataFrame) -> np.ndarray:
    """Each row's Crime ID as an integer code (equal IDs, equal codes; -1 where there is none).

    The one hash pass over the batch's IDs that every later check works from.
    """
    idx = pc.dictionary_encode(_flat_strings(frame[S.CRIME_ID].array)).indices
    return pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _record_ids(frame: pd.DataFrame, codes: np.ndarray) -> tuple[pd.Series, np.ndarray, int]:
    """:func:`_record_id_arrays` of a frame's rows (``_file``: each row's input)."""
    rid, dup, n_within = _record_id_arrays(
        _flat_strings(frame[S.CRIME_ID].array),
        _flat_strings(frame[S.SOURCE_FILE].array),
        frame[S.SOURCE_ROW].to_numpy(),
        frame["_file"].to_numpy(),
        codes,
    )
    out = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([rid])), index=frame.index)
    return out, dup, n_within


def _record_id_arrays(
    cid: pa.Array,
    source_file: pa.Array,
    source_row: np.ndarray,
    file_no: np.ndarray,
    codes: np.ndarray,
) -> tuple[pa.Array, np.ndarray, int]:
    """Return the record IDs, and the rows whose ID repeats an earlier one.

    Returns (record IDs, rows repeating an ID already read from an earlier file, rows
    sharing an ID with an earlier row of their own file).

    A record ID is the Crime ID (with ``~k`` for its k-th repeat inside one file, see
    :func:`_id_repeats`), else ``file#row``. ``cid``: the Crime IDs (null: none);
    ``source_file`` and ``source_row``: each row's file identity
    and row; ``file_no``: each row's input.
    """
    has = codes >= 0
    if (~has).any():
        # file#row only where there is no ID (ASB rows), not for every row
        m = ~has
        fallback = pc.binary_join_element_wise(
            source_file.filter(pa.array(m)),
            pc.cast(pa.array(source_row[m]), pa.string()),
            "#",
        )
        if isinstance(fallback, pa.ChunkedArray):
            fallback = fallback.combine_chunks()
        rid = pc.replace_with_mask(cid, pa.array(m), fallback)
    else:
        rid = cid
    dup, n_within, rows, k = _id_repeats(codes, file_no)
    return _with_suffixes(rid, rows, cid.take(pa.array(rows)), k), dup, n_within


def _with_suffixes(rid: pa.Array, rows: np.ndarray, cid: pa.Array, k: np.ndarray) -> pa.Array:
    """Return ``rid`` with ``<Crime ID>~k`` at ``rows`` (``cid``: those rows' IDs).

    See :func:`_id_repeats` for ``k``.
    """
    if not len(rows):
        return rid
    ids = np.asarray(cid.to_pylist(), dtype=object)
    new = ids + "~" + k.astype(str).astype(object)
    mask = np.zeros(len(rid), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(rid, pa.array(mask), pa.array(list(new), pa.string()))


def _id_repeats(
    codes: np.ndarray,
    file_no: np.ndarray,
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Rows repeating a Crime ID: of an earlier file (duplicates), or of their own file.

    Returns (duplicates: bool per row, how many rows share an ID with an earlier row of
    their own file and are kept, the rows whose record ID takes a suffix, and each one's
    ``k``: the k-th repeat of its ID inside its file, k >= 1).

    Worked out on the integer ``codes`` of :func:`_id_codes` (numpy): only rows whose ID
    occurs more than once are sorted, so a normal batch costs one hash pass. ``file_no``:
    each row's input.
    """
    n = len(codes)
    has = codes >= 0
    dup = np.zeros(n, dtype=bool)
    none = np.zeros(0, dtype=np.int64)
    counts = np.bincount(codes[has], minlength=1) if has.any() else np.zeros(1, np.int64)
    rep = np.flatnonzero(has & (counts[np.where(has, codes, 0)] > 1))
    if not len(rep):
        return dup, 0, none, none
    # the k-th row of an ID inside one file (k = 0, 1, ...): a stable sort of the
    # repeated rows by (file, ID)
    f_no = pd.factorize(file_no[rep])[0].astype(np.int64)
    key = f_no * (int(codes.max()) + 1) + codes[rep]
    order = np.argsort(key, kind="stable")
    sk = key[order]
    first = np.r_[True, sk[1:] != sk[:-1]]
    pos = np.arange(len(rep))
    k_sorted = pos - np.maximum.accumulate(np.where(first, pos, 0))
    k = np.empty(len(rep), dtype=np.int64)
    k[order] = k_sorted
    # an (ID, k) met again is the same record read from a later file: a duplicate
    rk = codes[rep] * (int(k.max()) + 1) + k
    _, first_at = np.unique(rk, return_index=True)
    again = np.ones(len(rep), dtype=bool)
    again[first_at] = False
    dup[rep[again]] = True
    n_within = int(((k > 0) & ~again).sum())
    suffixed = k > 0
    return dup, n_within, rep[suffixed], k[suffixed]


def _not_read(report: IngestReport, item: InputFile | FileReadError, *, strict: bool) -> bool:
    """Count an input that is not read (a file that failed, or one skipped by kind); True if so."""
    if isinstance(item, FileReadError):
        if strict:
            raise item
        report.files_failed.append({"file": item.path, "problem": item.problem})
        return True
    if item.kind == "skip":
        why = item.why or "police.uk outcomes / stop-and-search file, not street crime"
        report.files_skipped.append({"file": item.name, "why": why})
        return True
    return False


def _note_same_file(report: IngestReport, name: str, n: int, first: str) -> None:
    """Count a file whose bytes are those of an earlier one: every row is a duplicate."""
    report.notices.append(f"{name}: same content as {first}; its {n} rows counted as duplicates")
    report.files_read.append(
        {
            "file": name,
            "rows_read": n,
            "rows_rejected": 0,
            "rows_duplicate": n,
            "duplicate_of": first,
        },
    )


def _note_repeats(report: IngestReport, name: str, repeats: int) -> None:
    """Say how many rows of a file repeat an earlier row of it in every field."""
    if repeats:
        report.notices.append(
            f"{name}: {repeats} rows repeat an earlier row of the file in every field; "
            "counted as duplicates",
        )


def _note_replaced(report: IngestReport, name: str, later: str, identity: str, n_rep: int) -> None:
    """Count an earlier version of a month replaced by a later one (``n_rep`` rows)."""
    report.rows_replaced += n_rep
    report.notices.append(
        f"{name} and {later} are two versions of {identity}; the later one is used "
        f"and the earlier one's {n_rep} rows are counted as replaced",
    )
    for fr in report.files_read:
        if fr["file"] == name:
            fr["replaced_by"] = later
            fr["rows_replaced"] = n_rep
            fr["rows_rejected"] = 0


def reader_for(fmt: str, mapping: ExportMapping | str | Path | dict | None = None) -> Reader:
    """Return the registered reader of format ``fmt`` (see :data:`READERS`)."""
    make = READERS.get(fmt)
    if make is None:
        msg = f"unknown input format {fmt!r}: use {' or '.join(READERS)}"
        raise HotspotsError(msg)
    return make(mapping)


def _relabel(
    item: InputFile | FileReadError,
    labels: dict[str, str],
) -> InputFile | FileReadError:
    if isinstance(item, FileReadError):
        return FileReadError(labels[item.path], item.problem) if item.path in labels else item
    if item._path is not None and str(item._path) in labels:
        return dataclasses.replace(item, name=labels[str(item._path)])
    return item


def read_inputs(
    paths,
    *,
    fmt: str = "police.uk",
    mapping=None,
    strict: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    labels: dict[str, str] | None = None,
) -> ReadResult:
    """Read files, folders and zips into canonical records with a full account of every row.

    Parameters
    ----------
    paths : path or list of paths (CSV files, folders searched recursively, .zip archives).
    fmt : a format of :data:`READERS`: ``police.uk`` (street files) or ``force-export``
        (needs ``mapping``).
    mapping : for force exports, a :class:`hotspots.data.force_export.ExportMapping`, a
        mapping file (TOML or JSON) or its parsed dict.
    strict : raise on the first file that cannot be read instead of reporting it.
    progress : called as ``progress(done, total, file_name)`` after each file.
    labels : what to call a path in messages and reports (``{str(path): name}``), e.g. an
        upload's own file name instead of the server's temporary path.

    Identity comes from content, never from the name: a police.uk street file is
    "month M of force F" from its own Month and Falls within values
    (``source_file`` holds that identity, e.g. ``2024-01-dorset-street.csv``), a force
    export is its declared source plus its content hash. The same bytes twice count
    wholly as duplicates; two versions of one identity: the later replaces the earlier,
    whose rows are counted as ``rows_replaced``. A Crime ID (or force reference)
    already read from another file is a duplicate; rows sharing an ID inside one file
    are kept (police.uk publishes such rows separately, with different locations or
    outcomes) unless every field is equal.
    """
    return read_items(
        expand_inputs(paths, labels),
        fmt=fmt,
        mapping=mapping,
        strict=strict,
        progress=progress,
    )


def read_police_uk(paths, **kwargs) -> ReadResult:
    """:func:`read_inputs` of police.uk street CSVs, folders or zips."""
    return read_inputs(paths, fmt="police.uk", **kwargs)


def read_force_export(paths, mapping, **kwargs) -> ReadResult:
    """:func:`read_inputs` of force-export CSVs with a mapping (path, dict or ExportMapping)."""
    return read_inputs(paths, fmt="force-export", mapping=mapping, **kwargs)


def expand_inputs(paths, labels: dict[str, str] | None = None) -> list:
    """Paths -> the input files (and unusable paths as FileReadError) they hold, labelled."""
    if isinstance(paths, (str, bytes)) or not hasattr(paths, "__iter__"):
        paths = [paths]
    return [_relabel(item, labels or {}) for item in iter_inputs(list(paths))]


def read_items(
    inputs: list,
    *,
    fmt: str = "police.uk",
    mapping=None,
    strict: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> ReadResult:
    """:func:`read_inputs` on already expanded inputs (see :func:`expand_inputs`).

    ``on_rows(rows_read)`` is called after each file read (rows so far in this call).
    police.uk street files in police.uk's own layout are read as one table
    (:func:`_read_street_batch`); anything else file by file, with the same verdicts.
    """
    if fmt == "police.uk" and len(inputs) > 1:
        fast = _read_street_batch(inputs, strict=strict, progress=progress, on_rows=on_rows)
        if fast is not None:
            return fast
    report = IngestReport()
    rejects = Rejects()
    reader: Reader | None = (
        None  # made at the first file read (a bad format with no file says nothing)
    )
    parts: list[pd.DataFrame] = []
    seen_digests: dict[str, str] = {}
    by_identity: dict[str, tuple[int, str]] = {}
    n_dup = 0
    for i, item in enumerate(inputs):
        if _not_read(report, item, strict=strict):
            continue
        before = len(rejects)
        try:
            data = item.read_bytes()
        except OSError as exc:
            exc2 = FileReadError(item.name, f"cannot be read ({exc.strerror or exc})")
            if strict:
                raise exc2 from None
            report.files_failed.append({"file": exc2.path, "problem": exc2.problem})
            continue
        digest = hashlib.sha1(data).hexdigest()
        reader = reader or reader_for(fmt, mapping)
        try:
            part, n = reader.read(
                data,
                item.name,
                # the fallback identity (no rows parsed yet): an empty frame without attrs
                # (not S.empty_records(): building its 23 typed columns cost ~20% of a read)
                reader.identity(item.name, pd.DataFrame(), digest),
                rejects,
            )
        except FileReadError as exc:
            if strict:
                raise
            report.files_failed.append({"file": exc.path, "problem": exc.problem})
            continue
        del data
        n_rejected = len(rejects) - before  # this file's (an earlier version's may go below)
        report.rows_read += n
        if n == 0:
            report.notices.append(f"{item.name}: header only, no rows")
        if digest in seen_digests:
            # the very same file twice (a folder and a zip of it): every row is a duplicate
            rejects.drop_last(n_rejected)
            n_dup += n
            _note_same_file(report, item.name, n, seen_digests[digest])
            continue
        seen_digests[digest] = item.name
        repeats = int(part.attrs.get("exact_repeats", 0))
        n_dup += repeats
        _note_repeats(report, item.name, repeats)
        identity = reader.identity(item.name, part, digest)
        if len(part):
            part[S.SOURCE_FILE] = S.string_column(identity, len(part))
        earlier = by_identity.get(identity)
        if earlier is not None:
            # another version of the same month of the same force (a re-download, a
            # re-publication): the later one is used, the earlier one's rows are replaced
            k, name = earlier
            n_rep = len(parts[k]) + rejects.drop_file(name)
            parts[k] = parts[k].iloc[:0]
            _note_replaced(report, name, item.name, identity, n_rep)
        part["_file"] = np.full(len(part), i, dtype=np.int32)  # which input (item.name)
        by_identity[identity] = (len(parts), item.name)
        parts.append(part)
        report.files_read.append(
            {
                "file": item.name,
                "identity": identity,
                "sha1": digest,
                "rows_read": n,
                "rows_rejected": n_rejected,
                "rows_duplicate": repeats,
            },
        )
        if progress:
            progress(i + 1, len(inputs), item.name)
        if on_rows:
            on_rows(report.rows_read)
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=[S.CRIME_ID, S.SOURCE_FILE, S.SOURCE_ROW])
    )
    parts.clear()  # the concatenated frame holds them: free the pieces
    return _finish(frame, rejects, report, n_dup)


def _report_rejected(rejects: Rejects, report: IngestReport, n_dup: int) -> pd.DataFrame:
    """Put a batch's rejected rows, skipped files and exact repeats in its report.

    Returns the rejected rows.
    """
    if report.files_skipped:
        report.notices.append(
            f"{len(report.files_skipped)} file(s) not read: "
            + "; ".join(f"{f['file']} ({f['why']})" for f in report.files_skipped[:20])
            + (" …" if len(report.files_skipped) > 20 else ""),
        )
    rejected = rejects.frame()
    report.rows_rejected = len(rejected)
    report.rejections = rejected["reason"].value_counts().to_dict() if len(rejected) else {}
    report.rows_duplicate = n_dup
    return rejected


def _note_id_repeats(
    report: IngestReport,
    dup: np.ndarray,
    dup_files: pd.Series,
    n_within: int,
) -> None:
    """Count rows repeating a Crime ID of an earlier file (``dup_files``: theirs), and say so."""
    # a duplicate is an ID already read from an earlier *file* (repeats inside one
    # file carry a ~k suffix, so one file alone cannot hold duplicates)
    report.rows_duplicate += int(dup.sum())
    if dup.any():
        per_file = dup_files.value_counts()
        report.notices.append(
            f"{int(dup.sum())} rows dropped as duplicates of Crime IDs already read from "
            f"another file ({', '.join(f'{k}: {v}' for k, v in per_file.items())})",
        )
    if n_within:
        report.notices.append(
            f"{n_within} rows share a Crime ID with another row of the same file; kept "
            "(police.uk publishes them as separate rows with different locations or outcomes)",
        )


def _finish(
    frame: pd.DataFrame,
    rejects: Rejects,
    report: IngestReport,
    n_dup: int,
) -> ReadResult:
    """Read rows of a batch (``_file``: each row's input) -> record IDs, duplicates, wards."""
    rejected = _report_rejected(rejects, report, n_dup)
    if frame.empty:
        report.rows_accepted = 0
        return ReadResult(None, rejected, report)

    rid, dup, n_within = _record_ids(frame, _id_codes(frame))
    frame[S.RECORD_ID] = rid.array
    _note_id_repeats(report, dup, frame.loc[dup, S.SOURCE_FILE], n_within)
    records = complete_records(frame.loc[~dup] if dup.any() else frame)
    del frame
    report.rows_accepted = len(records)
    report.rows_in_bcp = int(records[S.IN_BCP].sum())
    return ReadResult(records, rejected, report)


# --- police.uk street files: a batch read as one table ----------------------------------

_STREET_HEADER_LINE = (
    b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    b"LSOA code,LSOA name,Crime type,Last outcome category,Context"
)


_NEWLINE = 0x0A
_HEX_ID_LEN = 64  # a police.uk Crime ID: the hex digits of a SHA-256


class _BatchText:
    """The rows of a batch's police.uk street files, one after another in one buffer.

    Each file is read straight into the buffer's end (a plain file by ``readinto``: no
    copy of its bytes, no joined copy of the batch); once checked to be in police.uk's own
    layout, its header line (with any BOM) is overwritten with newlines, blank lines the
    CSV parser skips, so the buffer parses as the files' rows alone.
    """

    def __init__(self, items: list) -> None:
        cap = 1
        for item in items:
            path = getattr(item, "_path", None)
            if path is not None and getattr(item, "_zip", None) is None:
                with contextlib.suppress(OSError):
                    cap += path.stat().st_size + 1
        self.buf = bytearray(cap)
        self.end = 0

    def _room(self, n: int) -> None:
        if self.end + n > len(self.buf):
            new = bytearray(max(2 * len(self.buf), self.end + n))
            new[: self.end] = memoryview(self.buf)[: self.end]
            self.buf = new

    def read(self, item: InputFile) -> int:
        """Read ``item`` to the buffer's end (not yet kept); its size in bytes.

        Raises OSError as :meth:`InputFile.read_bytes` does (which reads any file the
        plain read does not, and says why one cannot be read).
        """
        path = getattr(item, "_path", None) if getattr(item, "_zip", None) is None else None
        if path is not None:
            with contextlib.suppress(OSError), path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size <= READ_LIMITS["max_file_bytes"]:
                    self._room(size + 1)
                    got = fh.readinto(memoryview(self.buf)[self.end : self.end + size])
                    if got == size and not fh.read(1):
                        return size
        data = item.read_bytes()
        self._room(len(data) + 1)
        self.buf[self.end : self.end + len(data)] = data
        return len(data)

    def keep(self, n: int) -> tuple[str, int] | None:
        """Keep the file just read (``n`` bytes): its SHA-1 and row count.

        None (nothing kept) unless it is a police.uk street file exactly as police.uk
        publishes it: UTF-8 (a BOM allowed), the 12 columns in police.uk's order. A blank
        line is skipped by the parser, so the batch's records fall short of its lines; a
        lone carriage return inside a row splits it into two malformed rows: either way the
        batch is read file by file (see :func:`~hotspots.data.csvtext.read_bodies`).
        """
        b, s = self.buf, self.end
        digest = hashlib.sha1(memoryview(b)[s : s + n]).hexdigest()
        if not n or b.find(b"\x00", s, s + min(n, 65536)) >= 0:
            return None
        start = s + 3 if b.startswith(b"\xef\xbb\xbf", s, s + n) else s
        nl = b.find(b"\n", start, s + n)
        if nl < 0 or bytes(b[start:nl]).rstrip(b"\r") != _STREET_HEADER_LINE:
            return None
        lines = b.count(b"\n", nl + 1, s + n)
        if nl + 1 < s + n and b[s + n - 1] != _NEWLINE:
            b[s + n] = _NEWLINE  # the last row ends with a newline, as the parser needs
            lines += 1
            n += 1
        b[s : nl + 1] = b"\n" * (nl + 1 - s)
        self.end = s + n
        return digest, lines

    def text(self) -> memoryview:
        """The rows kept, in the order read."""
        return memoryview(self.buf)[: self.end]


def _read_street_batch(
    inputs: list,
    *,
    strict: bool,
    progress: Callable[[int, int, str], None] | None,
    on_rows: Callable[[int], None] | None,
) -> ReadResult | None:
    """Run :func:`read_items` for police.uk street files, as one batch.

    The whole batch is parsed, checked and
    reconciled as one Arrow table (one CSV read, each check once over the batch's
    distinct values), with the same verdicts, reasons, row numbers, identities and report
    as reading file by file. Returns None (read file by file) when some file is not in
    police.uk's own layout or some line is not exactly one record.
    """
    report = IngestReport()
    files: list[tuple[int, InputFile, str, int]] = []  # (input index, item, sha1, lines)
    text = _BatchText(inputs)
    for i, item in enumerate(inputs):
        if _not_read(report, item, strict=strict):
            continue
        try:
            n = text.read(item)
        except OSError as exc:
            exc2 = FileReadError(item.name, f"cannot be read ({exc.strerror or exc})")
            if strict:
                raise exc2 from None
            report.files_failed.append({"file": exc2.path, "problem": exc2.problem})
            continue
        kept = text.keep(n)
        if kept is None:
            return None
        files.append((i, item, kept[0], kept[1]))
    lines = np.array([f[3] for f in files], dtype=np.int64)
    if not files:
        return None  # nothing to read: the file-by-file path says so as it always has
    tbl = read_bodies([text.text()], lines.tolist(), HEADER, PLAIN_COLUMNS)
    del text
    if tbl is None:
        return None
    nf = len(files)
    file_of = np.repeat(np.arange(nf, dtype=np.int64), lines)
    starts = np.cumsum(lines) - lines
    rows = np.arange(len(file_of), dtype=np.int64) - starts[file_of] + 2
    tr = TableRead(tbl, rows, [], HEADER)

    # rejected rows per file: kept apart until the file is known to count
    rej: list[list[tuple[np.ndarray, str, str, np.ndarray]]] = [[] for _ in files]

    def reject(mask: np.ndarray, field: str, reason: str, values: np.ndarray) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        vals = np.asarray(values, dtype=object)
        f = file_of[idx]
        for k in np.unique(f):
            sel = f == k
            rej[k].append((rows[idx[sel]], field, reason, vals[sel]))

    chk = check_street_table(tr, reject, group=file_of)
    ok = chk.ok
    codes = chk.id_codes
    n_ok = np.bincount(file_of[ok], minlength=nf)
    n_rej = np.array([sum(len(r[0]) for r in parts) for parts in rej], dtype=np.int64)
    repeats = np.bincount(file_of[chk.repeats], minlength=nf)

    # each file's identity: its distinct (month, force) pairs among accepted rows
    month, force = tr.column("Month"), tr.column("Falls within")
    mv, fv = chk.month_text, force.values if len(force.arrow_values) else np.array([], object)
    n_m, n_f = max(len(mv), 1), max(len(fv), 1)
    key = (file_of[ok] * n_m + month.index[ok]) * n_f + force.index[ok]
    pairs: list[list[tuple[str, str]]] = [[] for _ in files]
    for c in np.unique(key).tolist():
        k, rest = divmod(c, n_m * n_f)
        m, f = divmod(rest, n_f)
        pairs[k].append((str(mv[m]), str(fv[f]).strip()))
    idents = [
        street_identity(p)
        if p
        else content_identity(item.name.replace(chr(92), "/").rsplit("/", 1)[-1], digest)
        for p, (_i, item, digest, _n) in zip(pairs, files, strict=True)
    ]

    keep = np.ones(nf, dtype=bool)
    seen_digests: dict[str, str] = {}
    by_identity: dict[str, int] = {}
    n_dup = 0
    for k, (i, item, digest, n) in enumerate(files):
        n = int(n)
        report.rows_read += n
        if n == 0:
            report.notices.append(f"{item.name}: header only, no rows")
        if digest in seen_digests:
            # the very same file twice (a folder and a zip of it): every row is a duplicate
            keep[k] = False
            n_rej[k] = 0
            n_dup += n
            _note_same_file(report, item.name, n, seen_digests[digest])
            continue
        seen_digests[digest] = item.name
        rep_k = int(repeats[k])
        n_dup += rep_k
        _note_repeats(report, item.name, rep_k)
        identity = idents[k]
        j = by_identity.get(identity)
        if j is not None:
            # another version of the same month of the same force: the later one is used
            name = files[j][1].name
            n_rep = int(n_ok[j]) + int(n_rej[j])
            keep[j] = False
            n_rej[j] = 0
            _note_replaced(report, name, item.name, identity, n_rep)
        by_identity[identity] = k
        report.files_read.append(
            {
                "file": item.name,
                "identity": identity,
                "sha1": digest,
                "rows_read": n,
                "rows_rejected": int(n_rej[k]),
                "rows_duplicate": rep_k,
            },
        )
        if progress:
            progress(i + 1, len(inputs), item.name)
        if on_rows:
            on_rows(report.rows_read)

    rejects = Rejects()
    for k, (_i, item, _d, _n) in enumerate(files):
        for r, column, reason, vals in rej[k] if n_rej[k] else ():  # 0: the file does not count
            rejects.add(item.name, r, np.ones(len(r), bool), column, reason, masked_values=vals)
    rejected = _report_rejected(rejects, report, n_dup)
    sel = np.flatnonzero(ok & keep[file_of])
    if not len(sel):
        report.rows_accepted = 0
        return ReadResult(None, rejected, report)
    at = file_of[sel]
    source_file = pa.array(idents, pa.string()).take(pa.array(at))
    dup, n_within, s_rows, s_k = _id_repeats(
        codes[sel],
        np.array([f[0] for f in files], dtype=np.int32)[at],
    )
    _note_id_repeats(
        report,
        dup,
        pd.Series(
            pd.arrays.ArrowStringArray(pa.chunked_array([source_file.filter(pa.array(dup))])),
        ),
        n_within,
    )
    # stored, a record ID is null where it is derived (the Crime ID, or file#row without
    # one: see store_layout.STORE_SCHEMA): only a repeat inside its file carries its own
    rid = _with_suffixes(
        pa.nulls(len(sel), pa.string()),
        s_rows,
        chk.crime_ids.take(pa.array(sel[s_rows])),
        s_k,
    )
    if dup.any():
        kept = pa.array(~dup)
        sel, rid, source_file = sel[~dup], rid.filter(kept), source_file.filter(kept)
    packed = (
        _pack_hex_ids(chk.crime_ids, sel)
        if chk.hex_ids
        else pack_crime_ids(_null_if_empty(chk.crime_ids.take(pa.array(sel))))
    )
    table = _street_records(tr, chk, sel, packed, rid, source_file)
    report.rows_accepted = table.num_rows
    report.rows_in_bcp = int(pc.sum(table.column(S.IN_BCP)).as_py() or 0)
    return ReadResult(None, rejected, report, table=table)


def _pack_hex_ids(ids: pa.Array, sel: np.ndarray) -> pa.Array:
    """The rows ``sel`` of police.uk Crime IDs (64 hex digits, or empty) as stored.

    What :func:`~hotspots.data.store_layout.pack_crime_ids` makes of them (each ID's 32
    bytes; empty: null), read from the IDs' buffers in place: the caller has checked every
    ID is 64 lower-case hex digits or empty (:func:`~hotspots.data.police_uk._hex_id_codes`).
    """
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32)[
        ids.offset : ids.offset + len(ids) + 1
    ]
    has_all = np.diff(offsets) == _HEX_ID_LEN
    data = (
        np.frombuffer(ids.buffers()[2], dtype=np.uint8) if has_all.any() else np.zeros(0, np.uint8)
    )
    k_all = int(has_all.sum())
    start = int(offsets[0])
    rows = data[start : start + _HEX_ID_LEN * k_all].reshape(k_all, _HEX_ID_LEN)
    has = has_all[sel]
    at = (np.cumsum(has_all) - 1)[sel[has]]  # each present ID's place among all present
    packed = bytes.fromhex(rows[at].tobytes().decode("ascii"))
    out_offsets = np.zeros(len(sel) + 1, dtype=np.int32)
    np.cumsum(np.where(has, 32, 0), out=out_offsets[1:])
    n_null = int(len(sel) - has.sum())
    mask = pa.array(has).buffers()[1] if n_null else None
    return pa.BinaryArray.from_buffers(
        pa.binary(),
        len(sel),
        [mask, pa.py_buffer(out_offsets), pa.py_buffer(packed)],
        n_null,
    )


def _null_if_empty(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Return text with empty values as null, as one array."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)


def _street_records(
    tr: TableRead,
    chk: StreetChecked,
    sel: np.ndarray,
    packed: pa.Array,
    rid: pa.Array,
    source_file: pa.Array,
) -> pa.Table:
    """Return the rows ``sel`` of a checked street batch in the stored layout.

    What :func:`~hotspots.data.police_uk.street_frame`, :func:`complete_records` and
    :func:`~hotspots.data.store_layout.encode_table` make, built in Arrow
    (:data:`~hotspots.data.store_layout.STORE_SCHEMA`: ``packed`` Crime IDs, ``rid`` null
    where derived): projection and wards once per distinct (Longitude, Latitude) text.
    """
    n = len(sel)
    lon_c, lat_c = tr.column("Longitude"), tr.column("Latitude")
    lon, lat = chk.lon[sel], chk.lat[sel]
    codes = lon_c.index[sel].astype(np.int64) * (len(lat_c.arrow_values) + 1) + lat_c.index[sel]
    at, pts = _places(lon, lat, codes)
    trim = pc.utf8_trim_whitespace

    def text(name: str) -> pa.Array:
        return tr.column(name).arrow_take(sel, trim)

    sim = chk.simulated[sel]
    cols = {
        S.RECORD_ID: rid,
        S.CRIME_ID: packed,
        S.SOURCE: pa.array([S.SOURCE_POLICE_UK, S.SOURCE_SIMULATED], pa.string()).take(
            pa.array(sim.astype(np.int8)),
        ),
        S.SOURCE_FILE: source_file,
        S.SOURCE_ROW: pa.array(tr.rows[sel], pa.int32()),
        S.MONTH: text("Month"),
        S.DATE: pa.nulls(n, pa.timestamp("ns")),
        S.HOUR: pa.nulls(n, pa.int8()),
        S.CATEGORY: text("Crime type"),
        S.ASB_SUBTYPE: pa.nulls(n, pa.string()),
        S.LON: pa.array(lon),
        S.LAT: pa.array(lat),
        S.X: pa.array(np.round(pts.x, 2)[at]),
        S.Y: pa.array(np.round(pts.y, 2)[at]),
        S.LOCATION: text("Location"),
        S.LSOA_CODE: text("LSOA code"),
        S.LSOA_NAME: text("LSOA name"),
        S.IN_BCP: pa.array(pts.in_bcp[at]),
        S.OUTCOME: text("Last outcome category"),
        S.SIMULATED: pa.array(sim),
    }
    ats = pa.array(at)
    for col in _WARD_COLUMNS:
        cols[col] = pts.wards[col].take(ats)
    t = pa.Table.from_arrays([cols[f.name] for f in STORE_SCHEMA], schema=STORE_SCHEMA)
    return t.append_column(POINT_CODE, _point_codes(tr, sel, codes))


def _point_codes(tr: TableRead, sel: np.ndarray, lonlat: np.ndarray) -> pa.Array:
    """Return each row's point code (:data:`~hotspots.data.store_points.POINT_CODE`).

    A row's seven point columns are functions of its (Longitude, Latitude) text
    (``lonlat``: equal text, equal code) and of its Location, LSOA code and LSOA name
    texts (their dictionary indices), so rows equal in all of these hold the same point.
    The codes are reserved process-wide (a batch's never equal another's), so the points
    writer finds ids once per code instead of hashing every row's seven values.
    """
    if not len(sel):
        return pa.array([], pa.int64())
    code, _ = pd.factorize(lonlat, sort=False)
    for name in ("Location", "LSOA code", "LSOA name"):
        col = tr.column(name)
        code = code.astype(np.int64) * (len(col.arrow_values) + 1) + col.index[sel]
        code, _ = pd.factorize(code, sort=False)
    first = new_point_codes(int(code.max()) + 1)
    return pa.array(code.astype(np.int64) + first, pa.int64())
