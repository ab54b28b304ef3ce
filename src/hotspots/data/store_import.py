"""Importing into a store: batches of files read, staged beside the old months, swapped in once.

Files are known by their identity (see :func:`hotspots.data.ingest.read_inputs`): the
same identity with the same content again is a duplicate; with other content it is a
re-publication of that month and replaces the earlier rows (counted and said). Crime IDs
already stored from other files are dropped as duplicates; the report still reconciles.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import json
import os
import re
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hotspots.data import audit
from hotspots.data import schema as S
from hotspots.data.store_layout import (
    FORMAT_VERSION,
    STORE_SCHEMA,
    StoreFiles,
    encode_table,
    fixed_rows,
    new_month_path,
    pack_crime_ids,
    packed_layout,
    relation_arrow,
    sql_list,
    to_frame,
    unpack_crime_ids,
    write_parquet,
)
from hotspots.data.store_points import (
    POINT_CODE,
    POINT_ID,
    PointsWriter,
    attach_points,
    stored_point_codes,
)
from hotspots.data.store_versions import (
    history_rows,
    prune_versions,
    record_versions,
    restore_manifest,
)
from hotspots.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from hotspots.data.ingest import ReadResult
    from hotspots.data.sources import InputFile
    from hotspots.errors import FileReadError

__all__ = ["BATCH_BYTES", "KEEP_CHOICES", "KEEP_MARGIN_M", "StoreImport"]

# Files are read and stored in batches of about this many bytes of CSV text, so an
# import's peak memory depends on the batch, not on the size of what is imported.
BATCH_BYTES = int(os.environ.get("HOTSPOTS_BATCH_MB", "64")) * 1024**2
# --keep: what an import stores. bcp = rows within the BCP outline's bounding box grown
# by KEEP_MARGIN_M (buffers and hotspots at the boundary see their neighbours); force =
# every row of the files (forces) that hold any BCP row; all = everything.
KEEP_CHOICES = ("bcp", "force", "all")
KEEP_MARGIN_M = 2000.0


def _size(item: InputFile | FileReadError) -> int:
    size = getattr(item, "size", None)  # an InputFile (a FileReadError has none)
    return size() if callable(size) else 0


def _return_memory(*, collect: bool = True) -> None:
    """Give memory freed by an import back to the system.

    Arrow's pool, Python's garbage (``collect``), then glibc's free lists: a long-running
    app server would otherwise keep its peak.
    """
    if collect:
        gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


_MONTH_NAME = re.compile(r"(\d{4}-\d{2})-[^/\\!]*$")


def _month_of(item: InputFile | FileReadError) -> str | None:
    """Return the month a police.uk file's name starts with, if any.

    For example ``2024-01`` for ``2024-01-dorset-street.csv``.
    """
    m = _MONTH_NAME.search(str(getattr(item, "name", "")))
    return m.group(1) if m else None


def _batches(items: list, budget: int) -> list[list]:
    """Consecutive groups of inputs of at most ``budget`` bytes (one file alone may exceed it).

    A batch at least half full ends where a new month (by file name) begins, so months
    smaller than half the budget are written whole by one batch, never half-written, read
    back and merged by the next. Never past the budget: a month larger than it is split
    (measured on a 500k-row national month, 107 MiB: split in two batches, peak 651 MB;
    one batch of twice the budget, 733 MB).
    """
    out: list[list] = [[]]
    size = 0
    for item in items:
        n = _size(item)
        if out[-1] and (
            size + n > budget or (2 * size >= budget and _month_of(item) != _month_of(out[-1][-1]))
        ):
            out.append([])
            size = 0
        out[-1].append(item)
        size += n
    return out


def _keep_bbox() -> tuple[float, float, float, float]:
    """Return the BCP outline's bounding box grown by :data:`KEEP_MARGIN_M` (EPSG:27700)."""
    from hotspots.data.boundaries import load_boundaries

    x0, y0, x1, y1 = load_boundaries().outline.bounds
    m = KEEP_MARGIN_M
    return (x0 - m, y0 - m, x1 + m, y1 + m)


def _apply_keep(result: ReadResult, keep: str) -> None:
    """Drop accepted rows that ``keep`` does not store, counting them as not kept."""
    if keep == "all" or not result.report.rows_accepted:
        return
    t = result.table
    in_bcp = _bools(t.column(S.IN_BCP))
    if keep == "bcp":
        x0, y0, x1, y1 = _keep_bbox()
        x = t.column(S.X).to_numpy()
        y = t.column(S.Y).to_numpy()
        ok = ((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)) | in_bcp
    else:  # force: the files (force-months) that hold any BCP row
        files = t.column(S.SOURCE_FILE)
        with_bcp = pc.unique(files.filter(pa.array(in_bcp)))
        ok = _bools(pc.is_in(files, value_set=with_bcp))
    n = int((~ok).sum())
    if not n:
        return
    result.report.rows_not_kept += n
    result.report.rows_accepted -= n
    result.table = t.filter(pa.array(ok))


def _bools(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Return an Arrow boolean column as a numpy bool array (null: False)."""
    return np.asarray(pc.fill_null(col, False).to_numpy(zero_copy_only=False), dtype=bool)


def current_layout(path: Path) -> bool:
    """Whether a month file is in the current layout (points by ``point_id``, Crime IDs packed)."""
    return POINT_ID in pq.read_schema(path).names and packed_layout(path)


def _stored_table(path: Path, points: PointsWriter) -> pa.Table:
    """Return a month file (any layout) as the stored columns (:data:`STORE_SCHEMA`).

    ``points``: the write session's points (those of the store and those it added).
    """
    t = pq.read_table(path)
    codes = None
    if POINT_ID in t.column_names:
        codes = stored_point_codes(t.column(POINT_ID))
        t = attach_points(t, points.points())
    if pa.types.is_fixed_size_binary(t.schema.field(S.CRIME_ID).type):
        i = t.column_names.index(S.CRIME_ID)
        t = t.set_column(i, S.CRIME_ID, t.column(i).cast(pa.binary()))
    if t.schema.equals(STORE_SCHEMA):
        # each row's point code (its stored point): rewritten, the month's ids are found
        # once per point (see store_points.POINT_CODE)
        return t if codes is None else t.append_column(POINT_CODE, codes)
    return encode_table(to_frame(t))


def _concat_stored(old: pa.Table, new: pa.Table) -> pa.Table:
    """Return stored tables ``old`` then ``new`` as one, with point codes if both have them."""
    if POINT_CODE in old.column_names and POINT_CODE in new.column_names:
        schema = STORE_SCHEMA.append(pa.field(POINT_CODE, pa.int64()))
        return pa.concat_tables([old.cast(schema), new.cast(schema)])
    old, new = (
        t.drop_columns([POINT_CODE]) if POINT_CODE in t.column_names else t for t in (old, new)
    )
    return pa.concat_tables([old.cast(STORE_SCHEMA), new.cast(STORE_SCHEMA)])


class _ImportedIds:
    """The Crime IDs one import has written so far, as sorted 8-byte prefixes (8 bytes an ID).

    So a batch's duplicate check does not read back the months earlier batches of the same
    import wrote (it did: the check grew with the store, batch after batch). A prefix found
    is only a candidate: the caller reads the months back for those IDs alone. Covers months
    new to the store (``pre`` are the months it held before the import) whose files hold
    only rows this import wrote; only police.uk's 32-byte IDs (any other: not covered).
    """

    #: Prefixes in one merged part at most (32 MiB): merging two parts briefly holds both
    #: and their copy, so parts are not merged past this (at 20M rows the last merges of
    #: ~120 MB of prefixes held ~2-3x that at the import's peak); ~4 parts a 15M IDs.
    MAX_MERGED = 1 << 22

    def __init__(self, pre: set[str]) -> None:
        self.pre = pre
        self.parts: list[np.ndarray] = []  # sorted, sizes shrinking (merged like a log)
        self.files: set[str] = set()
        self.months: set[str] = set()
        self.usable = True

    @staticmethod
    def _prefixes(ids: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        ids = ids.drop_null() if ids.null_count else ids
        if pa.types.is_fixed_size_binary(ids.type):
            ids = ids.cast(pa.binary())
        if len(ids) and not pc.all(pc.equal(pc.binary_length(ids), 32)).as_py():
            return None
        rows = fixed_rows(ids, 32)
        return np.ascontiguousarray(rows[:, :8]).view(np.uint64).ravel()

    def add(self, ids: pa.Array | pa.ChunkedArray, files: set[str], months: set[str]) -> None:
        """Remember the packed ``ids`` written in ``months`` from ``files``."""
        self.files |= files
        self.months |= months
        p = self._prefixes(ids) if self.usable else None
        if p is None:
            self.usable = False
            self.parts = []
            return
        self.parts.append(np.sort(p))
        while (
            len(self.parts) > 1
            and len(self.parts[-2]) <= 2 * len(self.parts[-1])
            and len(self.parts[-2]) + len(self.parts[-1]) <= self.MAX_MERGED
        ):
            merged = np.concatenate(self.parts[-2:])
            del self.parts[-2:]  # the two runs freed before the sort, which works in place
            merged.sort(kind="stable")
            self.parts.append(merged)

    def covers(self, months: Iterable[str], exclude: set[str]) -> set[str]:
        """Which of ``months`` the index answers for (none when a file it holds is excluded)."""
        if not self.usable or exclude & self.files:
            return set()
        return {m for m in months if m in self.months and m not in self.pre}

    def maybe(self, ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Per packed ID: whether its prefix was written (a candidate duplicate)."""
        q = self._prefixes(ids)
        if q is None:
            return np.ones(len(ids), dtype=bool)
        order = np.argsort(q)
        qs = q[order]  # sorted queries walk each part in order (cache-friendly)
        found = np.zeros(len(q), dtype=bool)
        for part in self.parts:
            if len(part):
                at = np.minimum(np.searchsorted(part, qs), len(part) - 1)
                found |= part[at] == qs
        out = np.empty(len(q), dtype=bool)
        out[order] = found
        return out


def _in_order(t: pa.Table) -> bool:
    """Whether rows are sorted by (month, source file, source row): adjacent rows compared."""
    n = t.num_rows
    if n < 2:
        return True

    def pairs(name: str) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
        col = t.column(name)
        return col.slice(0, n - 1), col.slice(1)

    (m0, m1), (f0, f1), (r0, r1) = pairs(S.MONTH), pairs(S.SOURCE_FILE), pairs(S.SOURCE_ROW)
    ok = pc.or_(
        pc.less(m0, m1),
        pc.and_(
            pc.equal(m0, m1),
            pc.or_(pc.less(f0, f1), pc.and_(pc.equal(f0, f1), pc.less_equal(r0, r1))),
        ),
    )
    return bool(pc.all(pc.fill_null(ok, False)).as_py())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreImport(StoreFiles):
    """The write side of a store (see :class:`hotspots.data.store.Store`)."""

    # the points a write session (ingest, write, restore; writer lock held) adds
    _points: PointsWriter | None = None

    def _session_points(self) -> PointsWriter:
        if self._points is None:
            msg = "month files are written only within a write session (the writer lock held)"
            raise RuntimeError(msg)
        return self._points

    def ingest(
        self,
        paths,
        *,
        fmt: str = "police.uk",
        mapping=None,
        strict: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
        replace: bool = False,
        labels: dict[str, str] | None = None,
        keep: str = "all",
        on_rows: Callable[[int, float], None] | None = None,
        replace_smaller: bool = False,
    ) -> ReadResult:
        """Read files and merge them into the store, in one atomic step. Returns the read result.

        Inputs are read in batches of about ``BATCH_BYTES`` (64 MiB) of text; each batch's
        month files are written beside the old ones (staged) and the manifest is replaced
        once, at the end, so memory stays bounded by the batch while the import stays
        atomic: interrupted, the store is as it was before the import (the staged files
        are removed). The writer lock is held for the whole import. With one batch (the
        usual case) ``result.records`` holds the accepted rows; with several it is empty
        (they are in the store).

        ``replace``: the new records replace the whole store, but only if some row was
        accepted (a failed import leaves the store as it was). ``labels``: see
        :func:`~hotspots.data.ingest.read_inputs`. ``keep``: one of :data:`KEEP_CHOICES`
        (``bcp``: within the BCP outline's bounding box grown by 2 km; ``force``: the
        files that hold any BCP row; ``all``); rows not kept are counted in
        ``report.rows_not_kept``. ``on_rows(rows_read, seconds)`` is called after each
        file (for a rows-per-second display).

        Every month the import changes keeps its previous version (see
        :mod:`hotspots.data.store_versions`); an import that would remove more than
        ``SHRINK_TOLERANCE_PCT`` % of a month's rows raises
        :class:`~hotspots.errors.ShrinkRefusedError` and changes nothing, unless
        ``replace_smaller`` (or ``replace``) asks for it.
        """
        # the readers (pyproj, every file format) only when importing: a store that is
        # only read (``hotspots detect``) never loads them
        from hotspots.data.ingest import expand_inputs, read_items

        if keep not in KEEP_CHOICES:
            raise InputError("keep", keep, "one of " + ", ".join(KEEP_CHOICES))
        items = expand_inputs(paths, labels)
        batches = _batches(items, BATCH_BYTES)
        total: ReadResult | None = None
        done = 0
        t0 = time.monotonic()
        rows_before = 0
        with self.writer():
            notices = self._repair_if_damaged()
            man = self.manifest()
            before = man
            replace_asked = replace
            written: list[Path] = []
            seen = _ImportedIds(set(before["months"]))
            self._points = PointsWriter(self.path, man)
            try:
                for batch in batches:

                    def step(i: int, n: int, name: str, _done: int = done) -> None:
                        if progress:
                            progress(_done + i, len(items), name)

                    rows_cb = None
                    if on_rows:

                        def rows_cb(n: int, _before: int = rows_before) -> None:
                            on_rows(_before + n, time.monotonic() - t0)

                    result = read_items(
                        batch,
                        fmt=fmt,
                        mapping=mapping,
                        strict=strict,
                        progress=step,
                        on_rows=rows_cb,
                    )
                    done += len(batch)
                    rows_before += result.report.rows_read
                    _apply_keep(result, keep)
                    wipe = replace and result.report.rows_accepted > 0
                    man = self._merge(result, man, written, replace=wipe, seen=seen)
                    replace = replace and not wipe  # only the first batch with rows wipes
                    if total is None:
                        total = result
                        if len(batches) > 1:  # in the store; not held through the next batch
                            total.records = None  # made (empty) when asked for
                    else:
                        total.report.merge(result.report)
                        total.rejected = pd.concat(
                            [total.rejected, result.rejected],
                            ignore_index=True,
                        )
                        total.records = None  # in the store; not kept in memory
                    del result
                    if len(batches) > 1:
                        # each batch's peak, not their sum, stays resident (no full garbage
                        # collection: a batch's rows are Arrow and numpy buffers, freed by
                        # reference counting; a collection cost ~40 ms a batch)
                        _return_memory(collect=False)
                if total is None:
                    total = read_items([], fmt=fmt, mapping=mapping)
                total.report.notices[:0] = notices
                if len(batches) > 1:
                    total.report.notices.append(
                        f"read in {len(batches)} batches of at most "
                        f"{BATCH_BYTES / 1024**2:.0f} MiB (memory stays bounded) and stored "
                        "in one atomic step",
                    )
                if man["months"] != before["months"]:
                    man = self._upgrade_layout(man, written)
                man = record_versions(
                    self.path,
                    before,
                    man,
                    now=_now(),
                    replace_smaller=replace_smaller or replace_asked,
                    how="import (replacing the store)" if replace_asked else "import",
                )
                man = self._session_points().commit(man, written)
                new_man = self._commit(man, total, written)
            except BaseException:
                for f in written:
                    f.unlink(missing_ok=True)
                raise
            finally:
                self._end_points()
            self._collect_garbage(new_man)
        _return_memory()
        return total

    def _repair_if_damaged(self) -> list[str]:
        """Repair a damaged store first (lock held); the notice to report, if any."""
        if not (self.exists() and self.check()):
            return []
        done = self._repair_locked()
        return [
            (
                f"the store was damaged ({len(done['missing_files'])} listed files missing); "
                f"repaired first: months dropped {', '.join(done['months_dropped']) or 'none'}"
            ),
        ]

    def write(
        self,
        result: ReadResult,
        *,
        replace: bool = False,
        replace_smaller: bool = False,
    ) -> None:
        """Merge a read result under the writer lock, in one atomic manifest swap.

        A store found damaged is repaired first (said in the report's notices). Months keep
        their versions and are not shrunk unasked, as in :meth:`ingest`.
        """
        with self.writer():
            result.report.notices[:0] = self._repair_if_damaged()
            written: list[Path] = []
            try:
                before = self.manifest()
                self._points = PointsWriter(self.path, before)
                man = self._merge(result, before, written, replace=replace)
                if man["months"] != before["months"]:
                    man = self._upgrade_layout(man, written)
                man = record_versions(
                    self.path,
                    before,
                    man,
                    now=_now(),
                    replace_smaller=replace_smaller or replace,
                )
                man = self._session_points().commit(man, written)
                new_man = self._commit(man, result, written)
            except BaseException:
                for f in written:
                    f.unlink(missing_ok=True)
                raise
            finally:
                self._end_points()
            self._collect_garbage(new_man)

    def _plan_identities(self, result: ReadResult, man: dict) -> tuple[set[str], pa.Table]:
        """Decide, per file identity in ``result``, duplicate or replacement.

        Duplicate: the same content already stored; replacement: a re-publication. Returns
        (identities whose stored rows go, new rows in the stored layout).
        """
        new = result.table
        rep = result.report
        replace_ids: set[str] = set()
        dup_ids: set[str] = set()
        for fr in rep.files_read:
            ident = fr.get("identity")
            if not ident or "replaced_by" in fr or ident not in man["files"]:
                continue
            old = man["files"][ident]
            if old.get("sha1") == fr.get("sha1"):
                dup_ids.add(ident)
                # the very same file again: its rejected rows were counted before too
                k = int(fr.get("rows_rejected", 0))
                if k:
                    rej = result.rejected
                    result.rejected = rej[rej["file"] != fr["file"]].reset_index(drop=True)
                    rep.rows_rejected -= k
                    rep.rows_duplicate += k
                    for reason, n in (
                        rej.loc[rej["file"] == fr["file"], "reason"].value_counts().items()
                    ):
                        rep.rejections[reason] -= int(n)
                        if not rep.rejections[reason]:
                            del rep.rejections[reason]
                    fr["rows_rejected"] = 0
                rep.notices.append(
                    f"{fr['file']}: already in the store (same content as {old.get('name', ident)},"
                    f" imported {old.get('imported_at', '?')}); its rows counted as duplicates",
                )
            else:
                replace_ids.add(ident)
                rep.store_rows_replaced += int(old.get("rows", 0))
                rep.notices.append(
                    f"{fr['file']} is a re-publication of {ident} (imported earlier as "
                    f"{old.get('name', ident)}); it replaces that file's "
                    f"{int(old.get('rows', 0)):,} rows",
                )
                fr["replaces"] = {"file": old.get("name", ident), "rows": int(old.get("rows", 0))}
        if dup_ids and new.num_rows:
            drop = _bools(
                pc.is_in(new.column(S.SOURCE_FILE), value_set=pa.array(sorted(dup_ids))),
            )
            self._drop_as_duplicates(result, drop)
            new = result.table
        return replace_ids, new

    @staticmethod
    def _drop_as_duplicates(result: ReadResult, drop: np.ndarray) -> None:
        n = int(drop.sum())
        if not n:
            return
        new = result.table
        rep = result.report
        rep.rows_duplicate += n
        rep.rows_accepted -= n
        rep.rows_in_bcp -= int(_bools(new.column(S.IN_BCP))[drop].sum())
        result.table = new.filter(pa.array(~drop))

    def _merge(
        self,
        result: ReadResult,
        man: dict,
        written: list[Path],
        replace: bool,
        seen: _ImportedIds | None = None,
    ) -> dict:
        """Stage one read result on top of manifest ``man`` (caller holds the lock).

        Returns the manifest that would describe the result; nothing is swapped.

        Rows of replaced identities go, Crime IDs already stored from other files are
        dropped as duplicates (the report still reconciles). With ``replace`` the result
        replaces everything. New files are appended to ``written``.
        """
        # replacing the whole store: nothing stored is "already there" (the same file again
        # would otherwise be dropped as a duplicate of rows that are about to go)
        replace_ids, new = self._plan_identities(result, {**man, "files": {}} if replace else man)
        new_files = set(pc.unique(new.column(S.SOURCE_FILE)).to_pylist())
        gone = set(replace_ids)
        if replace:
            gone |= set(man["files"])
        touched = set(pc.unique(new.column(S.MONTH)).to_pylist())
        for f in gone & set(man["files"]):
            touched |= set(man["files"][f]["months"])

        self.path.mkdir(parents=True, exist_ok=True)
        months = dict(man["months"])
        # old months being rewritten, as stored (Arrow, Crime IDs packed): never a pandas
        # round trip for rows that do not change
        drop_files = pa.array(sorted(gone | new_files), pa.string())
        old_by_month: dict[str, pa.Table] = {}
        for month in sorted(touched):
            if month in months:
                old = _stored_table(self.path / months[month], self._session_points())
                keep_rows = pc.invert(pc.is_in(old.column(S.SOURCE_FILE), value_set=drop_files))
                old_by_month[month] = old.filter(keep_rows)
        # the new rows in the stored layout (Crime IDs packed once, for the duplicate
        # check and the files alike)
        new_t = new  # already in the stored layout (ReadResult.table)
        if new.num_rows:
            dup = self._stored_crime_ids(new, man, old_by_month, gone | new_files, seen)
            if dup.any():
                self._drop_as_duplicates(result, dup)
                result.report.notices.append(
                    f"{int(dup.sum())} rows dropped as duplicates of Crime IDs already in the "
                    "store from other files",
                )
                new = new_t = result.table
        # ordered once (a copy of the batch only when out of order); each month is a slice
        if new_t.num_rows and not _in_order(new_t):
            new_t = new_t.take(
                pc.sort_indices(
                    new_t,
                    sort_keys=[
                        (S.MONTH, "ascending"),
                        (S.SOURCE_FILE, "ascending"),
                        (S.SOURCE_ROW, "ascending"),
                    ],
                ),
            )
        month_col = new_t.column(S.MONTH).to_numpy(zero_copy_only=False)
        for month in sorted(touched):
            lo, hi = (
                int(np.searchsorted(month_col, month, "left")),
                int(np.searchsorted(month_col, month, "right")),
            )
            part = new_t.slice(lo, hi - lo)
            old = old_by_month.pop(month, None)
            if old is not None and old.num_rows:
                merged = _concat_stored(old, part)
                # both are in (file, line) order; when the new files all sort after the
                # stored ones (an archive read in order) the concatenation already is, and
                # no sorted copy of the whole month is made
                in_order = not part.num_rows or (
                    old.column(S.SOURCE_FILE)[-1].as_py() < part.column(S.SOURCE_FILE)[0].as_py()
                )
                if not in_order:
                    merged = merged.take(
                        pc.sort_indices(
                            merged,
                            sort_keys=[(S.SOURCE_FILE, "ascending"), (S.SOURCE_ROW, "ascending")],
                        ),
                    )
            else:
                merged = part
            if merged.num_rows == 0:
                months.pop(month, None)
                continue
            months[month] = self._stage(month, merged, written)
            del merged, part, old
        if seen is not None:
            seen.add(new_t.column(S.CRIME_ID), new_files, touched)

        files = {k: v for k, v in man["files"].items() if k not in gone | new_files}
        now = datetime.now(UTC).isoformat(timespec="seconds")
        by_ident = {
            fr["identity"]: fr
            for fr in result.report.files_read
            if fr.get("identity") and "replaced_by" not in fr
        }
        if new.num_rows:
            # per file, in one pass over the rows (a groupby per file cost ~1 ms a file)
            cols = new.select([S.SOURCE_FILE, S.MONTH, S.SIMULATED, S.SOURCE])
            months_of: dict[str, list[str]] = {}
            for row in (
                cols.group_by([S.SOURCE_FILE, S.MONTH])
                .aggregate([])
                .sort_by([(S.SOURCE_FILE, "ascending"), (S.MONTH, "ascending")])
                .to_pylist()
            ):
                months_of.setdefault(str(row[S.SOURCE_FILE]), []).append(str(row[S.MONTH]))
            per_file = (
                cols.group_by(S.SOURCE_FILE, use_threads=False)  # "first": the file's first row
                .aggregate([(S.SIMULATED, "count"), (S.SIMULATED, "any"), (S.SOURCE, "first")])
                .sort_by(S.SOURCE_FILE)
                .to_pylist()
            )
            for row in per_file:
                ident = str(row[S.SOURCE_FILE])
                fr = by_ident.get(ident, {})
                files[ident] = {
                    "name": fr.get("file", ident),
                    "sha1": fr.get("sha1"),
                    "months": months_of[ident],
                    "rows": int(row[f"{S.SIMULATED}_count"]),
                    "source": str(row[f"{S.SOURCE}_first"]),
                    "simulated": bool(row[f"{S.SIMULATED}_any"]),
                    "imported_at": now,
                }
        return {**man, "months": months, "files": files}

    def _commit(self, man: dict, result: ReadResult, written: list[Path]) -> dict:
        """Write the report and its rejected rows, then swap in manifest ``man``.

        One atomic ``os.replace``. Returns the manifest now in place.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rep_id = uuid.uuid4().hex
        rep_rel = f"reports/{rep_id}.json"
        rej_rel = f"reports/{rep_id}.rejected.parquet"
        (self.path / "reports").mkdir(parents=True, exist_ok=True)
        written += [self.path / rep_rel, self.path / rej_rel]
        (self.path / rep_rel).write_text(
            json.dumps(result.report.to_dict()),  # the C encoder (no indent): fast
            encoding="utf-8",
        )
        result.rejected.to_parquet(self.path / rej_rel, index=False)
        reports = ([*man.get("reports", []), {"report": rep_rel, "rejected": rej_rel, "at": now}])[
            -5:
        ]
        content = json.dumps(sorted(man["months"].items())).encode()
        new_man = {
            "format": FORMAT_VERSION,
            "id": hashlib.sha1(content + rep_id.encode()).hexdigest()[:16],
            "months": man["months"],
            "files": man["files"],
            "reports": reports,
            "updated_at": now,
        }
        if "versions" in man:
            new_man["versions"] = man["versions"]
        if "points" in man:
            new_man["points"] = man["points"]
        head = audit.current_head()  # the audit log's head now: evidence kept apart from it
        if head is not None:
            new_man["audit_head"] = head
        self._swap_manifest(new_man)
        return new_man

    # --- versions of months ------------------------------------------------------
    def history(self, month: str | None = None) -> list[dict]:
        """Every kept version of every month (or of ``month``), oldest first.

        Month, version, rows, at, how, files, current (see :mod:`hotspots.data.store_versions`).
        """
        return history_rows(self.manifest(), month)

    def restore(self, month: str, version: int) -> dict:
        """Bring ``month`` back to kept ``version`` exactly (its very file).

        Under the writer lock, in one atomic manifest swap; recorded as a new version (so a restore
        is itself undone by restoring the version before it). Returns that new version.
        """
        with self.writer():
            self._repair_if_damaged()
            new_man = restore_manifest(self.path, self.manifest(), month, version, now=_now())
            rel = new_man["months"][month]
            if not current_layout(self.path / rel):
                # a version kept from an earlier layout (Crime IDs as text, points in the
                # month file): the same rows, in the current layout (a store never mixes
                # layouts; see _upgrade_layout)
                written: list[Path] = []
                try:
                    self._points = PointsWriter(self.path, new_man)
                    up = self._upgrade_layout({**new_man, "months": {month: rel}}, written)
                    new_man["months"][month] = up["months"][month]
                    new_man["versions"][month][-1]["file"] = up["months"][month]
                    new_man = self._session_points().commit(new_man, written)
                    self._swap_manifest(new_man)
                except BaseException:
                    for f in written:
                        f.unlink(missing_ok=True)
                    raise
                finally:
                    self._end_points()
            else:
                self._swap_manifest(new_man)
            self._collect_garbage(new_man)
        return {k: v for k, v in new_man["versions"][month][-1].items() if k != "sources"}

    def prune_versions(self, keep: int) -> int:
        """Keep the last ``keep`` versions of each month; returns how many were dropped."""
        with self.writer():
            man = self.manifest()
            new_man = prune_versions(man, keep)
            dropped = sum(len(v) for v in man.get("versions", {}).values()) - sum(
                len(v) for v in new_man.get("versions", {}).values()
            )
            if dropped:
                self._swap_manifest(new_man)
                self._collect_garbage(new_man)
        return dropped

    def _stored_crime_ids(
        self,
        new: pa.Table,
        man: dict,
        old_by_month: dict,
        exclude: set[str],
        seen: _ImportedIds | None = None,
    ) -> np.ndarray:
        """Rows of ``new`` (stored layout) whose Crime ID is already stored from another file.

        Compared as stored (police.uk IDs as their 32 bytes, see
        :func:`~hotspots.data.store_layout.pack_crime_ids`): months being rewritten in
        Arrow; the rest of the store with one DuckDB semi-join that reads only the
        crime_id and source_file columns (never a Python set of every ID in the store:
        that grew with the store, ~200 bytes an ID). A row repeating an ID inside its own
        file (``record_id`` ``<id>~k``) is not compared: only the ID's first row is.
        ``seen``: the IDs
        earlier batches of this import wrote (months only they wrote are not read back).
        """
        packed = new.column(S.CRIME_ID)
        # a record ID equal to its Crime ID is stored as null (see STORE_SCHEMA)
        cand = _bools(pc.and_(pc.is_null(new.column(S.RECORD_ID)), pc.is_valid(packed)))
        dup = np.zeros(new.num_rows, dtype=bool)
        if not cand.any():
            return dup
        idx = np.flatnonzero(cand)
        ids = packed.take(pa.array(idx))
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        hit = np.zeros(len(idx), dtype=bool)
        for old in old_by_month.values():
            stored = old.column(S.CRIME_ID)
            if stored.null_count < len(stored):
                hit |= pc.is_in(ids, value_set=stored.combine_chunks().drop_null()).to_numpy(
                    zero_copy_only=False,
                )
        rest = {m: self.path / rel for m, rel in man["months"].items() if m not in old_by_month}
        # months only this import wrote (an earlier batch): looked up in its own index of
        # ID prefixes, and read back only for an ID that index finds (a true duplicate)
        known = seen.covers(rest, exclude) if seen is not None else set()
        queries = []
        if known and seen is not None:
            maybe = np.flatnonzero(seen.maybe(ids))
            if len(maybe):
                queries.append(([rest[m] for m in sorted(known)], maybe))
        others = [f for m, f in sorted(rest.items()) if m not in known]
        if others:
            queries.append((others, np.arange(len(ids))))
        for files, at in queries:
            hit[at] |= self._ids_in_files(files, ids.take(pa.array(at)), exclude)
        dup[idx[hit]] = True
        return dup

    @staticmethod
    def _ids_in_files(files: list[Path], ids: pa.Array, exclude: set[str]) -> np.ndarray:
        """Which of the packed ``ids`` the month ``files`` hold outside the ``exclude`` files.

        One DuckDB semi-join reading only the crime_id and source_file columns.
        """
        import duckdb

        hit = np.zeros(len(ids), dtype=bool)
        con = duckdb.connect()
        wanted = pa.table({"id": pc.unique(ids)})
        wanted = wanted.append_column("hex", unpack_crime_ids(wanted.column("id")))
        con.register("wanted", wanted)
        excl = sql_list(sorted(exclude)) if exclude else "[]"
        packed = [f for f in files if packed_layout(f)]
        text = [f for f in files if f not in set(packed)]  # months not yet upgraded
        for group, key in ((packed, "id"), (text, "hex")):
            if not group:
                continue
            found = relation_arrow(
                con.sql(
                    f"SELECT DISTINCT {S.CRIME_ID} FROM read_parquet("
                    f"{sql_list(str(f) for f in group)}, hive_partitioning = false) "
                    f"WHERE {S.CRIME_ID} IN (SELECT {key} FROM wanted) "
                    f"AND NOT list_contains({excl}::VARCHAR[], {S.SOURCE_FILE})",
                ),
            )
            if found.num_rows:
                got = found.column(0).combine_chunks()
                got = pack_crime_ids(got) if key == "hex" else got.cast(pa.binary())
                hit |= pc.is_in(ids, value_set=got).to_numpy(zero_copy_only=False)
        return hit

    def _end_points(self) -> None:
        if self._points is not None:
            self._points.close()
            self._points = None

    def _stage(self, month: str, table: pa.Table, written: list[Path]) -> str:
        """Write one month's stored table beside the current files; its relative path.

        ``table`` holds the stored columns (:data:`STORE_SCHEMA`); the file holds its point
        ids instead of the seven point columns (see :mod:`hotspots.data.store_points`).
        """
        rel = new_month_path(month)
        out = self.path / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        written += [tmp, out]
        write_parquet(self._session_points().split(table), tmp)
        os.replace(tmp, out)
        return rel

    def _upgrade_layout(self, man: dict, written: list[Path]) -> dict:
        """Return ``man`` with every month file of the earlier layouts rewritten in the current one.

        The earlier layouts held Crime IDs as text (2) or the seven point columns in every
        month file (3); the rewritten files are staged like an import's files (the caller
        swaps the manifest), their points added to the session's points table.

        Done on the first write to such a store, one month at a time (memory stays one
        month's), so a store never mixes layouts: DuckDB reads a list of files with the
        first file's types.
        """
        months = dict(man["months"])
        for month, rel in sorted(man["months"].items()):
            if not current_layout(self.path / rel):
                table = encode_table(to_frame(pq.read_table(self.path / rel)))
                months[month] = self._stage(month, table, written)
        return {**man, "months": months} if months != man["months"] else man
