"""The store's on-disk layout: where stores live, the manifest, month files, the writer lock.

Layout of a store directory::

    manifest.json                               the only file readers trust
    records/month=YYYY-MM/part-<uuid>.parquet   one file per month (hive-style folder names)
    points/part-<uuid>.parquet                  the map points months name by point_id
    reports/<uuid>.json, <uuid>.rejected.parquet   the last ingests' reports and rejected rows

:class:`StoreFiles` is what every store operation stands on: reading the manifest,
naming its month files, the inter-process writer lock, swapping a manifest in
atomically, checking and mending a damaged store, removing files no manifest names.
Queries (:mod:`hotspots.data.store_query`) and imports (:mod:`hotspots.data.store_import`)
build on it; :class:`hotspots.data.store.Store` is all three. See
:mod:`hotspots.data.store` for the whole design.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hotspots.data import schema as S
from hotspots.data.store_versions import version_files
from hotspots.errors import HotspotsError, InputError, StoreBusyError, StoreDamagedError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = [
    "FORMAT_VERSION",
    "LOCK_FILE",
    "MANIFEST",
    "ROW_GROUP_ROWS",
    "STORE_SCHEMA",
    "StoreFiles",
    "dataset_path",
    "decode_table",
    "fixed_rows",
    "known_datasets",
    "pack_crime_ids",
    "packed_layout",
    "points_files",
    "store_root",
    "unpack_crime_ids",
]

MANIFEST = "manifest.json"
LOCK_FILE = ".writer.lock"
# 4: month files name their map point by point_id, the points once in points/ (see
# hotspots.data.store_points); 3: the point columns in every month file; 2: Crime IDs as
# text. 2 and 3 are still read, and rewritten as 4 on a store's next write.
FORMAT_VERSION = 4
LOCK_TIMEOUT_S = float(os.environ.get("HOTSPOTS_LOCK_TIMEOUT", "600"))


def _stderr_wait(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def store_root() -> Path:
    """Root folder for dataset stores: ``HOTSPOTS_STORE`` or the user cache directory."""
    env = os.environ.get("HOTSPOTS_STORE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hotspots"))


def dataset_path(dataset: str) -> Path:
    """Return the folder of ``dataset`` under the store root (a plain name, never a path)."""
    if not dataset or any(ch in dataset for ch in "/\\") or dataset.startswith("."):
        raise InputError("dataset", dataset, "a plain name such as bundled, simulated or uploaded")
    return store_root() / dataset


def known_datasets() -> list[str]:
    """Dataset names that exist under the store root, plus the ones built on first use."""
    root = store_root()
    have = {p.name for p in root.iterdir() if (p / MANIFEST).exists()} if root.is_dir() else set()
    return sorted(have | {"bundled", "simulated"})


# The stored columns: the canonical columns with compact types (a month file holds them
# with ``point_id`` in place of the seven point columns, see hotspots.data.store_points). ``record_id`` is null where
# it equals ``coalesce(crime_id, source_file || '#' || source_row)`` (nearly always: it
# would otherwise repeat a 64-character Crime ID), and readers fill it back. ``crime_id``
# is binary (see :func:`pack_crime_ids`): a police.uk Crime ID, 64 hex digits of a SHA-256,
# as its 32 bytes; readers turn it back into the same hex text.
STORE_SCHEMA = pa.schema(
    [
        (S.RECORD_ID, pa.string()),
        (S.CRIME_ID, pa.binary()),
        (S.SOURCE, pa.string()),
        (S.SOURCE_FILE, pa.string()),
        (S.SOURCE_ROW, pa.int32()),
        (S.MONTH, pa.string()),
        (S.DATE, pa.timestamp("ns")),
        (S.HOUR, pa.int8()),
        (S.CATEGORY, pa.string()),
        (S.ASB_SUBTYPE, pa.string()),
        (S.LON, pa.float64()),
        (S.LAT, pa.float64()),
        (S.X, pa.float64()),
        (S.Y, pa.float64()),
        (S.LOCATION, pa.string()),
        (S.LSOA_CODE, pa.string()),
        (S.LSOA_NAME, pa.string()),
        (S.WARD_CODE, pa.string()),
        (S.WARD_NAME, pa.string()),
        (S.TOWN, pa.string()),
        (S.IN_BCP, pa.bool_()),
        (S.OUTCOME, pa.string()),
        (S.SIMULATED, pa.bool_()),
    ],
)
# High-cardinality text is not dictionary-encoded (its dictionary would be the column).
_PLAIN = [S.RECORD_ID, S.CRIME_ID]
ROW_GROUP_ROWS = 64 * 1024


_TEXT_MARK = b"\xff"  # never starts UTF-8 text: marks a 32-byte text ID (see pack_crime_ids)
_HEX64 = "^[0-9a-f]{64}$"


def _flat(arr) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks else pa.array([], arr.type)
    return arr


def fixed_rows(arr: pa.Array, width: int) -> np.ndarray:
    """Return a (large_)string/binary array of ``width``-byte values as a ``(n, width)`` array.

    The uint8 array is read from Arrow's buffers, with no Python objects.
    """
    arr = _flat(arr)
    n = len(arr)
    if n == 0:
        return np.empty((0, width), dtype=np.uint8)
    big = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    offs = np.frombuffer(arr.buffers()[1], dtype=np.int64 if big else np.int32)
    start = int(offs[arr.offset])
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    return data[start : start + n * width].reshape(n, width)


def pack_crime_ids(ids) -> pa.Array:
    """Crime IDs (text) -> the binary ``crime_id`` column stored on disk.

    A police.uk Crime ID is the hex text of a SHA-256 (64 lower-case hex digits): it is
    stored as its 32 bytes (``bytes.fromhex``), half the text and incompressible anyway.
    Any other ID (a force reference) is stored as its UTF-8 bytes, with a leading 0xFF
    byte when those are exactly 32 bytes long (0xFF never starts UTF-8 text), so every
    value reads back unambiguously (:func:`unpack_crime_ids`). Nulls stay null.
    """
    ids = _flat(ids)
    if not pa.types.is_string(ids.type):
        ids = ids.cast(pa.string())
    n = len(ids)
    valid = ids.is_valid().to_numpy(zero_copy_only=False)
    k = int(valid.sum())
    if k and (pc.binary_length(ids).to_numpy(zero_copy_only=False)[valid] == 64).all():
        # the usual case (police.uk): every ID present is 64 characters long
        present = ids.drop_null() if ids.null_count else ids
        text = fixed_rows(present, 64).tobytes()
        try:
            packed = bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            packed = b""
        if packed.hex().encode() == text:  # lower-case hex and nothing else: packs losslessly
            offsets = np.zeros(n + 1, dtype=np.int32)
            np.cumsum(np.where(valid, 32, 0), out=offsets[1:])
            mask = pa.array(valid).buffers()[1] if ids.null_count else None
            return pa.BinaryArray.from_buffers(
                pa.binary(),
                n,
                [mask, pa.py_buffer(offsets), pa.py_buffer(packed)],
                ids.null_count,
            )
    is_hex = pc.fill_null(pc.match_substring_regex(ids, _HEX64), False)
    hexes = is_hex.to_numpy(zero_copy_only=False)
    hex_idx, other_idx = np.flatnonzero(hexes), np.flatnonzero(~hexes)
    packed = bytes.fromhex(
        fixed_rows(ids.take(pa.array(hex_idx, pa.int64())), 64).tobytes().decode(),
    )
    hex_bin = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(32),
        len(hex_idx),
        [None, pa.py_buffer(packed)],
    ).cast(pa.binary())
    if len(hex_idx) == n:
        return hex_bin
    other = ids.take(pa.array(other_idx, pa.int64())).cast(pa.binary())
    if len(other):
        marked = pc.binary_join_element_wise(pa.scalar(_TEXT_MARK, pa.binary()), other, b"")
        other = pc.if_else(pc.equal(pc.binary_length(other), 32), marked, other)
    # back into the rows' order: position of each row in concat(hex_bin, other)
    where = np.empty(n, dtype=np.int64)
    where[hex_idx] = np.arange(len(hex_idx))
    where[other_idx] = len(hex_idx) + np.arange(len(other_idx))
    return pa.concat_arrays([hex_bin, other]).take(pa.array(where))


def unpack_crime_ids(col) -> pa.Array:
    """Return the stored ``crime_id`` (binary, see :func:`pack_crime_ids`) -> the IDs as text.

    Text columns (stores written before Crime IDs were packed) are returned as they are;
    a 64-byte value (such a file's text read as binary next to packed files) is text.
    """
    col = _flat(col)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return col.cast(pa.string())
    if pa.types.is_fixed_size_binary(col.type) or pa.types.is_large_binary(col.type):
        col = col.cast(pa.binary())
    n = len(col)
    size = pc.binary_length(col).to_numpy(zero_copy_only=False)
    valid = col.is_valid().to_numpy(zero_copy_only=False)
    is_packed = valid & (np.nan_to_num(size, nan=0) == 32)
    if n and is_packed.sum() == valid.sum():
        # the usual case: every ID present is packed; nulls keep their place (length 0)
        digits = fixed_rows(col.drop_null() if col.null_count else col, 32).tobytes().hex()
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.where(valid, 64, 0), out=offsets[1:])
        mask = None if not col.null_count else pa.array(valid).buffers()[1]
        return pa.StringArray.from_buffers(
            n,
            pa.py_buffer(offsets),
            pa.py_buffer(digits.encode()),
            mask,
            col.null_count,
        )
    hex_idx = np.flatnonzero(is_packed)
    text = fixed_rows(col.take(pa.array(hex_idx, pa.int64())), 32).tobytes().hex().encode()
    offsets = np.arange(len(hex_idx) + 1, dtype=np.int32) * 64
    hex_txt = pa.StringArray.from_buffers(len(hex_idx), pa.py_buffer(offsets), pa.py_buffer(text))
    if len(hex_idx) == n:
        return hex_txt
    other_idx = np.flatnonzero(~is_packed)
    other = col.take(pa.array(other_idx, pa.int64()))
    if len(other):
        marked = pc.fill_null(
            pc.and_(
                pc.equal(pc.binary_length(other), 33),
                pc.equal(pc.binary_slice(other, 0, 1), pa.scalar(_TEXT_MARK, pa.binary())),
            ),
            False,
        )
        other = pc.if_else(marked, pc.binary_slice(other, 1, 33), other)
    other = other.cast(pa.string())
    where = np.empty(n, dtype=np.int64)
    where[hex_idx] = np.arange(len(hex_idx))
    where[other_idx] = len(hex_idx) + np.arange(len(other_idx))
    return pa.concat_arrays([hex_txt, other]).take(pa.array(where))


def _derived_record_id(t: pa.Table) -> pa.Array:
    """``coalesce(crime_id, source_file || '#' || source_row)``.

    The text is built only for the rows without a Crime ID (ASB rows).
    """
    cid = _flat(pc.cast(t.column(S.CRIME_ID), pa.string()))
    if not cid.null_count:
        return cid
    missing = cid.is_null()
    sub = t.filter(missing)
    fallback = pc.binary_join_element_wise(
        _flat(pc.cast(sub.column(S.SOURCE_FILE), pa.string())),
        _flat(pc.cast(sub.column(S.SOURCE_ROW), pa.string())),
        "#",
    )
    return pc.replace_with_mask(cid, missing, fallback)


def encode_table(frame: pd.DataFrame) -> pa.Table:
    """Canonical frame -> the on-disk table (:data:`STORE_SCHEMA`)."""
    t = pa.Table.from_pandas(S.conform(frame), preserve_index=False)
    text_schema = STORE_SCHEMA.set(1, pa.field(S.CRIME_ID, pa.string()))
    cols = [t.column(f.name).cast(f.type) for f in text_schema]
    t = pa.Table.from_arrays(cols, schema=text_schema)
    rid = _flat(t.column(S.RECORD_ID))
    cid = _flat(t.column(S.CRIME_ID))
    # derived where it equals the Crime ID, or (no Crime ID) file#row: the text built only
    # for the rows without one, never a copy of every ID
    same = pc.fill_null(pc.equal(rid, cid), False).to_numpy(zero_copy_only=False)
    if cid.null_count:
        missing = cid.is_null()
        same[missing.to_numpy(zero_copy_only=False)] = pc.fill_null(
            pc.equal(
                rid.filter(missing),
                _derived_record_id(
                    t.select([S.CRIME_ID, S.SOURCE_FILE, S.SOURCE_ROW]).filter(missing),
                ),
            ),
            False,
        ).to_numpy(zero_copy_only=False)
    rid = pc.if_else(pa.array(same), pa.scalar(None, pa.string()), rid)
    t = t.set_column(0, S.RECORD_ID, rid)
    return t.set_column(1, S.CRIME_ID, pack_crime_ids(t.column(S.CRIME_ID)))


def _decode(t: pa.Table) -> pa.Table:
    """On-disk table -> Arrow table with the Crime IDs as text and record_id filled back."""
    if S.CRIME_ID in t.column_names:
        i = t.column_names.index(S.CRIME_ID)
        t = t.set_column(i, S.CRIME_ID, unpack_crime_ids(t.column(S.CRIME_ID)))
    if S.RECORD_ID in t.column_names and S.CRIME_ID in t.column_names:
        i = t.column_names.index(S.RECORD_ID)
        rid = pc.cast(t.column(S.RECORD_ID), pa.string())
        t = t.set_column(i, S.RECORD_ID, pc.coalesce(rid, _derived_record_id(t)))
    return t


def decode_table(t: pa.Table) -> pa.Table:
    """Return a stored month file's table (either layout) with canonical text Crime and record IDs.

    What must be applied to each file before tables of different layouts are concatenated.
    """
    return _decode(t)


def packed_layout(path: Path) -> bool:
    """Whether a stored month file holds Crime IDs as binary (its footer only is read)."""
    schema = pq.read_schema(path)
    if S.CRIME_ID not in schema.names:
        return True
    kind = schema.field(S.CRIME_ID).type
    return not (pa.types.is_string(kind) or pa.types.is_large_string(kind))


# source_row counts up within each file (rows are stored in file order): deltas of 1 cost
# a few bits a row, where dictionary indices cost ~2 bytes. point_id (format 4, see
# hotspots.data.store_points): a force's few thousand points in file order; as deltas
# 1.95 bytes a row, as a dictionary 2.86 (its dictionary page repeats the ids each row
# group), plain 2.19 (measured on a 40,727-row month of benchmarks/scale.py's archive)
POINT_ID = "point_id"
_DELTA = [S.SOURCE_ROW, POINT_ID]


def write_parquet(t: pa.Table, path: Path) -> None:
    """Write a stored table: zstd, dictionaries for repeated text, ``source_row`` as deltas.

    Crime IDs are FIXED_LEN_BYTE_ARRAY(32) when every one present is a packed police.uk ID (no
    length prefix per value; readers see binary either way).
    """
    i = t.column_names.index(S.CRIME_ID) if S.CRIME_ID in t.column_names else -1
    if i >= 0 and pa.types.is_binary(t.schema.field(i).type):
        cid = t.column(i)
        lengths = pc.binary_length(cid)
        if cid.null_count == len(cid) or pc.all(pc.equal(lengths, 32)).as_py():
            t = t.set_column(i, S.CRIME_ID, cid.cast(pa.binary(32)))
    delta = [c for c in _DELTA if c in t.column_names]
    pq.write_table(
        t,
        path,
        compression="zstd",
        use_dictionary=[c for c in t.column_names if c not in _PLAIN and c not in delta],
        column_encoding=dict.fromkeys(delta, "DELTA_BINARY_PACKED") or None,
        row_group_size=ROW_GROUP_ROWS,
        write_statistics=True,
    )


def points_files(man: dict) -> list[str]:
    """Return the points files (relative paths) a manifest lists, in id order."""
    return [p["file"] for p in man.get("points", [])]


def relation_arrow(rel) -> pa.Table:
    """Return a DuckDB relation's result as an Arrow table (across DuckDB versions)."""
    if hasattr(rel, "to_arrow_table"):
        return rel.to_arrow_table()
    out = rel.arrow()
    return out.read_all() if hasattr(out, "read_all") else out


def new_month_path(month: str) -> str:
    return f"records/month={month}/part-{uuid.uuid4().hex}.parquet"


def sql_list(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def _string_dtype(t: pa.DataType):
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype("pyarrow")
    return None


def to_frame(tbl: pa.Table) -> pd.DataFrame:
    """Turn a stored Arrow table into the canonical frame, strings staying in Arrow memory."""
    return S.conform(_decode(tbl).to_pandas(types_mapper=_string_dtype))


class StoreFiles:
    """A store directory's files: manifest, month files, writer lock, check and repair.

    ``lock_timeout`` (seconds) is how long a writer waits for another writer;
    ``on_wait(message)`` is called once when it has to wait (default: stderr).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        lock_timeout: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path).expanduser()
        self.lock_timeout = LOCK_TIMEOUT_S if lock_timeout is None else lock_timeout
        self.on_wait = on_wait or _stderr_wait

    # --- the writer lock -------------------------------------------------------
    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        """Hold the store's inter-process writer lock (blocking up to ``lock_timeout``)."""
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.lock_timeout
            told = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                    if time.monotonic() >= deadline:
                        msg = (
                            f"another import is writing to the store {self.path} ({holder or 'unknown'})"
                            f" and did not finish within {self.lock_timeout:.0f} s; "
                            "try again when it has finished"
                        )
                        raise StoreBusyError(msg) from None
                    if not told:
                        self.on_wait(
                            f"waiting for another import into {self.path} to finish "
                            f"({holder or 'unknown'})…",
                        )
                        told = True
                    time.sleep(0.05)
            os.ftruncate(fd, 0)
            os.pwrite(
                fd,
                f"pid {os.getpid()}, since {datetime.now(UTC).isoformat(timespec='seconds')}".encode(),
                0,
            )
            yield
        finally:
            os.close(fd)  # releases the lock

    # --- reading -------------------------------------------------------------
    def manifest(self) -> dict:
        """Return the current manifest (an empty one when the dataset has none yet)."""
        f = self.path / MANIFEST
        if not f.exists():
            return {
                "format": FORMAT_VERSION,
                "id": "empty",
                "months": {},
                "files": {},
                "reports": [],
            }
        try:
            return json.loads(f.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            msg = f"{f}: the store manifest is damaged; delete the folder {self.path} and import again"
            raise HotspotsError(msg) from None

    def exists(self) -> bool:
        """Whether the dataset has a manifest (has been built)."""
        return (self.path / MANIFEST).exists()

    @property
    def version(self) -> str:
        """Changes whenever the store's content changes (use it as a cache key)."""
        return f"{self.path}@{self.manifest()['id']}"

    def months(self) -> list[str]:
        """Return the months the dataset holds, sorted (``YYYY-MM``)."""
        return sorted(self.manifest()["months"])

    def files(self) -> dict:
        """Return the imported files: name -> {months, rows, source, imported_at}."""
        return self.manifest()["files"]

    def month_files(
        self,
        months: tuple[str, str] | None = None,
        man: dict | None = None,
    ) -> list[Path]:
        """Return the Parquet files of the months in ``months`` (inclusive; all when None).

        As the manifest names them: what a query engine should read (never a glob of the folder).
        """
        man = man or self.manifest()
        return [
            self.path / rel
            for month, rel in sorted(man["months"].items())
            if not months or months[0] <= month <= months[1]
        ]

    def _consistent(self, read: Callable[[dict], object]):
        """``read(manifest)``, again on a newer manifest if a writer replaced a file under it.

        Takes no lock: a month file removed by a writer between reading the manifest and
        the file means a newer manifest is in place, so it is read again. A file missing
        from a manifest that does not change raises
        :class:`~hotspots.errors.StoreDamagedError` (mend with ``hotspots repair``).
        """
        import duckdb

        for _attempt in range(20):
            man = self.manifest()
            try:
                return read(man)
            except (FileNotFoundError, duckdb.IOException):
                if self.manifest()["id"] != man["id"]:
                    continue  # replaced under us by a writer: read the new manifest
                time.sleep(0.05)
                if self.manifest()["id"] != man["id"]:
                    continue
                if not self.check():
                    raise  # not a missing file: a real read error
                raise self._damaged(man) from None
        msg = f"the store {self.path} kept changing while being read; try again"
        raise StoreBusyError(msg)

    # --- checking and mending -----------------------------------------------------
    def check(self) -> list[str]:
        """Files the manifest names that are missing (empty list: the store is whole)."""
        man = self.manifest()
        named = list(man["months"].values())
        named += sorted(version_files(man) - set(named))  # kept versions of months
        for r in man.get("reports", []):
            named += [r["report"], r["rejected"]]
        named += points_files(man)
        return [rel for rel in named if not (self.path / rel).exists()]

    def staged_files(self) -> list[dict]:
        """Files in the store's folders that no manifest names.

        Month files and reports staged by an import that was killed (or is running now), temporary
        manifests. Each as ``{"file": relative path, "bytes": size}``; ``repair`` removes them.
        """
        man = self.manifest()
        keep = set(man["months"].values()) | version_files(man) | set(points_files(man))
        for r in man.get("reports", []):
            keep |= {r["report"], r["rejected"]}
        found = [
            f
            for sub in ("records", "reports", "points")
            for f in (self.path / sub).rglob("*")
            if f.is_file() and str(f.relative_to(self.path)) not in keep
        ]
        found += list(self.path.glob(MANIFEST + ".*.tmp"))
        out = []
        for f in sorted(found):
            with contextlib.suppress(FileNotFoundError):
                out.append({"file": str(f.relative_to(self.path)), "bytes": f.stat().st_size})
        return out

    def writer_active(self) -> str:
        """Who holds the writer lock now (``"pid …, since …"``), or "" when nobody does."""
        lock = self.path / LOCK_FILE
        if not lock.exists():
            return ""
        fd = os.open(lock, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            return ""
        finally:
            os.close(fd)

    def _damaged(self, man: dict) -> StoreDamagedError:
        missing = self.check()
        months = sorted(m for m, rel in man["months"].items() if rel in missing)
        return StoreDamagedError(
            f"the store {self.path} is damaged: {len(missing)} file(s) it lists are missing"
            + (f" (months {', '.join(months)})" if months else "")
            + "; run `hotspots repair"
            + (f" --store {self.path}`" if self.path else "`")
            + " to drop them, then import those months again",
        )

    def repair(self) -> dict:
        """Drop what the manifest names but the disk lacks; returns what was done.

        Months whose file is missing are dropped (their files' entries lose those
        months and their row counts are recounted), reports whose files are missing
        are forgotten, and files no manifest names are removed.
        """
        with self.writer():
            return self._repair_locked()

    def _repair_locked(self) -> dict:
        man = self.manifest()
        missing = set(self.check())
        done: dict[str, list] = {
            "missing_files": sorted(missing),
            "months_dropped": [],
            "files_affected": [],
            "staged_files_removed": self.staged_files(),
        }
        if not missing:
            if self.exists():
                self._collect_garbage(man)
            return done
        lost = sorted(missing & set(points_files(man)))
        if lost:
            # point ids are never reused, so a lost part cannot be dropped and renumbered
            # around, and its points cannot be made up: the months need importing again
            msg = (
                f"the store {self.path} is damaged beyond repair: its points file(s) "
                f"{', '.join(lost)} are missing, and the months that name those points "
                f"cannot be read; move the folder aside and import the files again"
            )
            raise StoreDamagedError(msg)
        months = {m: rel for m, rel in man["months"].items() if rel not in missing}
        done["months_dropped"] = sorted(set(man["months"]) - set(months))
        counts: dict[str, int] = {}
        for rel in months.values():
            t = pq.read_table(self.path / rel, columns=[S.SOURCE_FILE]).column(0).to_pandas()
            for k, v in t.value_counts().items():
                counts[str(k)] = counts.get(str(k), 0) + int(v)
        files = {}
        for key, entry in man["files"].items():
            kept = [m for m in entry.get("months", []) if m in months]
            if kept != entry.get("months", []):
                done["files_affected"].append(key)
            if kept and counts.get(key, 0):
                files[key] = {**entry, "months": kept, "rows": counts[key]}
        reports = [
            r
            for r in man.get("reports", [])
            if r["report"] not in missing and r["rejected"] not in missing
        ]
        versions = {
            m: [v for v in vs if not v.get("file") or v["file"] not in missing]
            for m, vs in man.get("versions", {}).items()
        }
        new_man = {**man, "months": months, "files": files, "reports": reports}
        if versions:
            new_man["versions"] = versions
        new_man["id"] = hashlib.sha1(json.dumps(sorted(months.items())).encode()).hexdigest()[:16]
        new_man["repaired_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._swap_manifest(new_man)
        self._collect_garbage(new_man)
        return done

    def _swap_manifest(self, new_man: dict) -> None:
        tmp = self.path / (MANIFEST + f".{uuid.uuid4().hex}.tmp")
        # no indent: json's C encoder (indented output takes the pure-Python one, ~10x slower
        # on a manifest listing thousands of files)
        tmp.write_text(json.dumps(new_man), encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / MANIFEST)

    def last_report(self) -> dict | None:
        """Return the latest import's report, or None before any import."""
        reps = self.manifest().get("reports", [])
        if not reps:
            return None
        return json.loads((self.path / reps[-1]["report"]).read_text(encoding="utf-8"))

    def last_rejected(self) -> pd.DataFrame:
        """Return the latest import's rejected rows (an empty table before any import)."""
        reps = self.manifest().get("reports", [])
        if not reps:
            from hotspots.data.checks import Rejects

            return Rejects().frame()
        return pd.read_parquet(self.path / reps[-1]["rejected"])

    def is_simulated(self) -> bool:
        """Whether any imported file is simulated."""
        return any(f.get("simulated") for f in self.files().values())

    def _collect_garbage(self, man: dict) -> None:
        """Remove files no manifest names.

        Only called with the writer lock held, so no other writer has files in flight; readers of
        the previous manifest re-read.
        """
        keep = {self.path / rel for rel in man["months"].values()}
        keep |= {self.path / rel for rel in version_files(man)}
        keep |= {self.path / rel for rel in points_files(man)}
        for r in man.get("reports", []):
            keep |= {self.path / r["report"], self.path / r["rejected"]}
        for sub in ("records", "reports", "points"):
            for f in (self.path / sub).rglob("*"):
                if f.is_file() and f not in keep:
                    f.unlink(missing_ok=True)
        for f in self.path.glob(MANIFEST + ".*.tmp"):
            f.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every record (an empty manifest is written atomically first)."""
        with self.writer():
            empty = {
                "format": FORMAT_VERSION,
                "id": uuid.uuid4().hex[:16],
                "months": {},
                "files": {},
                "reports": [],
            }
            self._swap_manifest(empty)
            self._collect_garbage(empty)
