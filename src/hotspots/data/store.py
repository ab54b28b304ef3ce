"""The record store: Parquet files partitioned by month, swapped in atomically.

Layout of a store directory::

    manifest.json                               the only file readers trust
    records/month=YYYY-MM/part-<uuid>.parquet   one file per month (hive-style folder names)
    reports/<uuid>.json, <uuid>.rejected.parquet   the last ingests' reports and rejected rows

One writer at a time, readers never blocked: a writer takes an inter-process lock
(``fcntl.flock`` on ``.writer.lock``) before it reads the manifest and keeps it until
the new manifest is in place and unnamed files are removed; a second writer waits
(saying so) and fails with :class:`~hotspots.errors.StoreBusyError` after a timeout.
A write puts new month files (new names) beside the old ones, then replaces
``manifest.json`` with ``os.replace`` (atomic on POSIX), then deletes files no manifest
names (only the lock holder deletes, so no writer's new files are ever lost). Readers
take no lock: a reader that finds a month file gone (replaced under it) reads the new
manifest again. An interruption at any point leaves the store as the old manifest
describes it. A manifest naming missing files (a store damaged by hand or by an old
version without the lock) is reported by :meth:`Store.check` and mended by
:meth:`Store.repair` (``hotspots repair``), which every write also runs first.

Files are known by their identity (see :func:`hotspots.data.ingest.read_inputs`):
the same identity with the same content again is a duplicate; with other content it
is a re-publication of that month and replaces the earlier rows (counted and said).

The month files are plain Parquet that query engines read as they are (DuckDB,
pyarrow datasets, Spark, pandas/GeoPandas; see :data:`STORE_SCHEMA` and the README's
"Store layout"): zstd-compressed, dictionary-encoded text columns, rows sorted by source
file (so, for police.uk, by force) then line, in row groups of :data:`ROW_GROUP_ROWS`
rows whose x/y statistics let a bounding box skip other forces. Counts and filtered
selections run as embedded DuckDB queries over exactly the files the manifest lists
(never a glob), so their memory follows what is asked for, not the store's size.

Where stores live: ``--store DIR`` names one store directory. Otherwise the
dataset name picks ``<root>/<dataset>`` where root is ``HOTSPOTS_STORE`` or the
user cache directory (``~/.cache/hotspots`` on Linux). The ``bundled`` dataset
builds itself from ``geodata/police_uk`` on first use; ``simulated`` builds itself
from the simulator (seed 1).
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
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hotspots.data import schema as S
from hotspots.data.ingest import ReadResult, expand_inputs, read_items
from hotspots.errors import (
    HotspotsError,
    InputError,
    NoDataError,
    StoreBusyError,
    StoreDamagedError,
)

__all__ = [
    "Store",
    "store_root",
    "dataset_path",
    "open_dataset",
    "DATASETS",
    "add_store_arguments",
    "store_from_args",
    "LOCK_FILE",
    "STORE_SCHEMA",
    "KEEP_CHOICES",
]

MANIFEST = "manifest.json"
LOCK_FILE = ".writer.lock"
FORMAT_VERSION = 3  # 3: records/month=YYYY-MM/part-*.parquet, compact types (2 still read)
DATASETS = ("bundled", "simulated", "uploaded")
LOCK_TIMEOUT_S = float(os.environ.get("HOTSPOTS_LOCK_TIMEOUT", "600"))
# Files are read and stored in batches of about this many bytes of CSV text, so an
# import's peak memory depends on the batch, not on the size of what is imported.
BATCH_BYTES = int(os.environ.get("HOTSPOTS_BATCH_MB", "64")) * 1024**2


def _size(item) -> int:
    try:
        if getattr(item, "_zip", None) is not None:
            with zipfile.ZipFile(item._zip) as zf:
                return zf.getinfo(item._member).file_size
        if getattr(item, "_path", None) is not None:
            return item._path.stat().st_size
    except (OSError, KeyError, zipfile.BadZipFile):
        pass
    return 0


def _return_memory() -> None:
    """Give memory freed by an import back to the system (a long-running app server would
    otherwise keep its peak): Arrow's pool, Python's garbage, then glibc's free lists."""
    import ctypes
    import gc

    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _batches(items: list, budget: int) -> list[list]:
    """Consecutive groups of inputs of at most ``budget`` bytes (one file alone may exceed it)."""
    out: list[list] = [[]]
    size = 0
    for item in items:
        n = _size(item)
        if out[-1] and size + n > budget:
            out.append([])
            size = 0
        out[-1].append(item)
        size += n
    return out


def _keep_bbox() -> tuple[float, float, float, float]:
    """The BCP outline's bounding box grown by :data:`KEEP_MARGIN_M` (EPSG:27700)."""
    from hotspots.data.boundaries import load_boundaries

    x0, y0, x1, y1 = load_boundaries().outline.bounds
    m = KEEP_MARGIN_M
    return (x0 - m, y0 - m, x1 + m, y1 + m)


def _apply_keep(result: ReadResult, keep: str) -> None:
    """Drop accepted rows that ``keep`` does not store, counting them as not kept."""
    rec = result.records
    if keep == "all" or not len(rec):
        return
    if keep == "bcp":
        x0, y0, x1, y1 = _keep_bbox()
        x, y = rec[S.X].to_numpy(), rec[S.Y].to_numpy()
        ok = ((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)) | rec[S.IN_BCP].to_numpy(bool)
    else:  # force: the files (force-months) that hold any BCP row
        with_bcp = rec.loc[rec[S.IN_BCP].to_numpy(bool), S.SOURCE_FILE].unique()
        ok = rec[S.SOURCE_FILE].isin(with_bcp).to_numpy(bool)
    n = int((~ok).sum())
    if not n:
        return
    from hotspots.data.select import select_rows

    result.report.rows_not_kept += n
    result.report.rows_accepted -= n
    result.records = select_rows(rec, ok).reset_index(drop=True)


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
    if not dataset or any(ch in dataset for ch in "/\\") or dataset.startswith("."):
        raise InputError("dataset", dataset, "a plain name such as bundled, simulated or uploaded")
    return store_root() / dataset


# What is on disk: the canonical columns with compact types. ``record_id`` is null where
# it equals ``coalesce(crime_id, source_file || '#' || source_row)`` (nearly always: it
# would otherwise repeat a 64-character Crime ID), and readers fill it back.
STORE_SCHEMA = pa.schema(
    [
        (S.RECORD_ID, pa.string()),
        (S.CRIME_ID, pa.string()),
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
    ]
)
# High-cardinality text is not dictionary-encoded (its dictionary would be the column).
_PLAIN = [S.RECORD_ID, S.CRIME_ID]
ROW_GROUP_ROWS = 64 * 1024
# --keep: what an import stores. bcp = rows within the BCP outline's bounding box grown
# by KEEP_MARGIN_M (buffers and hotspots at the boundary see their neighbours); force =
# every row of the files (forces) that hold any BCP row; all = everything.
KEEP_CHOICES = ("bcp", "force", "all")
KEEP_MARGIN_M = 2000.0
# The SQL that gives back the canonical record_id (see STORE_SCHEMA).
_RECORD_ID_SQL = f"coalesce({S.RECORD_ID}, {S.CRIME_ID}, {S.SOURCE_FILE} || '#' || CAST({S.SOURCE_ROW} AS VARCHAR))"


def _derived_record_id(t: pa.Table) -> pa.ChunkedArray:
    fallback = pc.binary_join_element_wise(
        pc.cast(t.column(S.SOURCE_FILE), pa.string()),
        pc.cast(t.column(S.SOURCE_ROW), pa.string()),
        "#",
    )
    return pc.coalesce(pc.cast(t.column(S.CRIME_ID), pa.string()), fallback)


def _encode(frame: pd.DataFrame) -> pa.Table:
    """Canonical frame -> the on-disk table (:data:`STORE_SCHEMA`)."""
    t = pa.Table.from_pandas(S.conform(frame), preserve_index=False)
    cols = [t.column(f.name).cast(f.type) for f in STORE_SCHEMA]
    t = pa.Table.from_arrays(cols, schema=STORE_SCHEMA)
    same = pc.fill_null(pc.equal(t.column(S.RECORD_ID), _derived_record_id(t)), False)
    rid = pc.if_else(same, pa.scalar(None, pa.string()), t.column(S.RECORD_ID))
    return t.set_column(0, S.RECORD_ID, rid)


def _decode(t: pa.Table) -> pa.Table:
    """On-disk table -> Arrow table with the canonical record_id filled back."""
    if S.RECORD_ID in t.column_names and S.CRIME_ID in t.column_names:
        i = t.column_names.index(S.RECORD_ID)
        rid = pc.cast(t.column(S.RECORD_ID), pa.string())
        t = t.set_column(i, S.RECORD_ID, pc.coalesce(rid, _derived_record_id(t)))
    return t


def _write_parquet(t: pa.Table, path: Path) -> None:
    pq.write_table(
        t,
        path,
        compression="zstd",
        use_dictionary=[c for c in t.column_names if c not in _PLAIN],
        row_group_size=ROW_GROUP_ROWS,
        write_statistics=True,
    )


def _arrow(rel) -> pa.Table:
    """A DuckDB relation's result as an Arrow table (across DuckDB versions)."""
    if hasattr(rel, "to_arrow_table"):
        return rel.to_arrow_table()
    out = rel.arrow()
    return out.read_all() if hasattr(out, "read_all") else out


def _month_rel(month: str) -> str:
    return f"records/month={month}/part-{uuid.uuid4().hex}.parquet"


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def _string_dtype(t: pa.DataType):
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype("pyarrow")
    return None


def _to_frame(tbl: pa.Table) -> pd.DataFrame:
    """Stored Arrow table -> canonical frame, strings staying in Arrow memory."""
    return S.conform(_decode(tbl).to_pandas(types_mapper=_string_dtype))


class Store:
    """A store directory. Cheap to create; reads the manifest on demand.

    ``lock_timeout`` (seconds) is how long a writer waits for another writer;
    ``on_wait(message)`` is called once when it has to wait (default: stderr).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        lock_timeout: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ):
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
                        raise StoreBusyError(
                            f"another import is writing to the store {self.path} ({holder or 'unknown'})"
                            f" and did not finish within {self.lock_timeout:.0f} s; "
                            "try again when it has finished"
                        ) from None
                    if not told:
                        self.on_wait(
                            f"waiting for another import into {self.path} to finish "
                            f"({holder or 'unknown'})…"
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
            raise HotspotsError(
                f"{f}: the store manifest is damaged; delete the folder {self.path} and import again"
            ) from None

    def exists(self) -> bool:
        return (self.path / MANIFEST).exists()

    @property
    def version(self) -> str:
        """Changes whenever the store's content changes (use it as a cache key)."""
        return f"{self.path}@{self.manifest()['id']}"

    def months(self) -> list[str]:
        return sorted(self.manifest()["months"])

    def files(self) -> dict:
        """Imported files: name -> {months, rows, source, imported_at}."""
        return self.manifest()["files"]

    def month_files(
        self, months: tuple[str, str] | None = None, man: dict | None = None
    ) -> list[Path]:
        """The Parquet files of the months in ``months`` (inclusive; all when None), as the
        manifest names them: what a query engine should read (never a glob of the folder)."""
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
        raise StoreBusyError(f"the store {self.path} kept changing while being read; try again")

    def records(
        self,
        months: tuple[str, str] | None = None,
        categories: tuple[str, ...] | list[str] | str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> pd.DataFrame:
        """Canonical records of a month window (inclusive), some categories, a bounding box.

        Parameters
        ----------
        months : (first, last) ``YYYY-MM``; only those months' files are opened.
        categories : anything :func:`hotspots.data.schema.resolve_categories` accepts.
        bbox : (xmin, ymin, xmax, ymax) in EPSG:27700 metres, edges included; row groups
            whose x/y statistics lie outside are skipped.

        Without ``categories`` and ``bbox`` the month files are read whole (Arrow);
        with them an embedded DuckDB query reads only matching row groups, so memory
        follows the selection. Row order is the store's (month, source file, line).
        """
        cats = S.resolve_categories(categories) if categories is not None else S.CATEGORIES
        where = self._where(cats, bbox, bcp_only=False)
        if not where:

            def read(man):
                parts = [pq.read_table(f) for f in self.month_files(months, man)]
                if not parts:
                    return S.empty_records()
                # a store written by an earlier version may hold months of both layouts
                return _to_frame(pa.concat_tables(parts, promote_options="permissive"))

            return self._consistent(read)

        def query(man):
            files = self.month_files(months, man)
            if not files:
                return S.empty_records()
            return _to_frame(_arrow(self.query(f"SELECT * FROM {{records}} WHERE {where}", files)))

        return self._consistent(query)

    @staticmethod
    def _where(cats, bbox, bcp_only: bool) -> str:
        """A SQL condition for categories / bounding box / BCP ('' when none applies)."""
        cond = []
        if bcp_only:
            cond.append(S.IN_BCP)
        if len(cats) < len(S.CATEGORIES):
            cond.append(f"{S.CATEGORY} IN ({_sql_list(cats)[1:-1]})")
        if bbox is not None:
            x0, y0, x1, y1 = (float(v) for v in bbox)
            cond.append(f"{S.X} BETWEEN {x0!r} AND {x1!r} AND {S.Y} BETWEEN {y0!r} AND {y1!r}")
        return " AND ".join(cond)

    @staticmethod
    def query(sql: str, files: list[Path]):
        """Run ``sql`` in embedded DuckDB with ``{records}`` standing for the month files.

        Returns the DuckDB relation (call ``.df()``, ``.arrow()`` or ``.fetchall()``).
        The files are named one by one (the manifest's list, never a glob); hive
        partition parsing is off because ``month`` is a column of every file.
        """
        import duckdb

        con = duckdb.connect(config={"threads": min(4, os.cpu_count() or 1)})
        src = f"read_parquet({_sql_list(str(f) for f in files)}, hive_partitioning = false)"
        return con.sql(sql.replace("{records}", src))

    def counts(
        self,
        by: list[str] | tuple[str, ...],
        *,
        months: tuple[str, str] | None = None,
        categories=None,
        bbox: tuple[float, float, float, float] | None = None,
        bcp_only: bool = True,
    ) -> pd.DataFrame:
        """Record counts grouped by columns ``by`` (a DuckDB aggregate over the month files).

        Columns: the ``by`` columns, ``records`` (int64) and ``asb`` (ASB records, int64).
        Sorted by ``by``. Only the ``by`` columns, category and in_bcp are read.
        """
        cats = S.resolve_categories(categories) if categories is not None else S.CATEGORIES
        where = self._where(cats, bbox, bcp_only)
        keys = ", ".join(by)

        def q(man):
            files = self.month_files(months, man)
            if not files:
                return pd.DataFrame(
                    {
                        **{c: pd.Series(dtype="string") for c in by},
                        "records": pd.Series(dtype="int64"),
                        "asb": pd.Series(dtype="int64"),
                    }
                )
            sql = (
                f"SELECT {keys}, count(*)::BIGINT AS records, "
                f"count(*) FILTER (WHERE {S.CATEGORY} = '{S.ASB}')::BIGINT AS asb "
                f"FROM {{records}} {'WHERE ' + where if where else ''} "
                f"GROUP BY {keys} ORDER BY {keys}"
            )
            return self.query(sql, files).df()

        return self._consistent(q)

    def distinct(self, columns: list[str] | tuple[str, ...], months=None) -> pd.DataFrame:
        """Distinct combinations of ``columns`` over the store (a DuckDB query), sorted."""
        keys = ", ".join(columns)

        def q(man):
            files = self.month_files(months, man)
            if not files:
                return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
            return self.query(
                f"SELECT DISTINCT {keys} FROM {{records}} ORDER BY {keys}", files
            ).df()

        return self._consistent(q)

    # --- checking and mending -----------------------------------------------------
    def check(self) -> list[str]:
        """Files the manifest names that are missing (empty list: the store is whole)."""
        man = self.manifest()
        named = list(man["months"].values())
        for r in man.get("reports", []):
            named += [r["report"], r["rejected"]]
        return [rel for rel in named if not (self.path / rel).exists()]

    def _damaged(self, man: dict) -> StoreDamagedError:
        missing = self.check()
        months = sorted(m for m, rel in man["months"].items() if rel in missing)
        return StoreDamagedError(
            f"the store {self.path} is damaged: {len(missing)} file(s) it lists are missing"
            + (f" (months {', '.join(months)})" if months else "")
            + "; run `hotspots repair"
            + (f" --store {self.path}`" if self.path else "`")
            + " to drop them, then import those months again"
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
        done = {"missing_files": sorted(missing), "months_dropped": [], "files_affected": []}
        if not missing:
            if self.exists():
                self._collect_garbage(man)
            return done
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
        new_man = {**man, "months": months, "files": files, "reports": reports}
        new_man["id"] = hashlib.sha1(json.dumps(sorted(months.items())).encode()).hexdigest()[:16]
        new_man["repaired_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._swap_manifest(new_man)
        self._collect_garbage(new_man)
        return done

    def _swap_manifest(self, new_man: dict) -> None:
        tmp = self.path / (MANIFEST + f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(new_man, indent=1), encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / MANIFEST)

    def last_report(self) -> dict | None:
        reps = self.manifest().get("reports", [])
        if not reps:
            return None
        return json.loads((self.path / reps[-1]["report"]).read_text(encoding="utf-8"))

    def last_rejected(self) -> pd.DataFrame:
        reps = self.manifest().get("reports", [])
        if not reps:
            from hotspots.data.validate import Rejects

            return Rejects().frame()
        return pd.read_parquet(self.path / reps[-1]["rejected"])

    def is_simulated(self) -> bool:
        return any(f.get("simulated") for f in self.files().values())

    # --- writing -------------------------------------------------------------
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
        """
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
            written: list[Path] = []
            try:
                for batch in batches:

                    def step(i, n, name, _done=done):
                        if progress:
                            progress(_done + i, len(items), name)

                    rows_cb = None
                    if on_rows:

                        def rows_cb(n, _before=rows_before):
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
                    man = self._merge(result, man, written, replace=wipe)
                    replace = replace and not wipe  # only the first batch with rows wipes
                    if total is None:
                        total = result
                    else:
                        total.report.merge(result.report)
                        total.rejected = pd.concat(
                            [total.rejected, result.rejected], ignore_index=True
                        )
                        total.records = S.empty_records()  # in the store; not kept in memory
                    del result
                if total is None:
                    total = read_items([], fmt=fmt, mapping=mapping)
                total.report.notices[:0] = notices
                if len(batches) > 1:
                    total.report.notices.append(
                        f"read in {len(batches)} batches of at most "
                        f"{BATCH_BYTES / 1024**2:.0f} MiB (memory stays bounded) and stored "
                        "in one atomic step"
                    )
                new_man = self._commit(man, total, written)
            except BaseException:
                for f in written:
                    f.unlink(missing_ok=True)
                raise
            self._collect_garbage(new_man)
        _return_memory()
        return total

    def _repair_if_damaged(self) -> list[str]:
        """Repair a damaged store first (lock held); the notice to report, if any."""
        if not (self.exists() and self.check()):
            return []
        done = self._repair_locked()
        return [
            f"the store was damaged ({len(done['missing_files'])} listed files missing); "
            f"repaired first: months dropped {', '.join(done['months_dropped']) or 'none'}"
        ]

    def write(self, result: ReadResult, *, replace: bool = False) -> None:
        """Merge a read result under the writer lock, in one atomic manifest swap.

        A store found damaged is repaired first (said in the report's notices).
        """
        with self.writer():
            result.report.notices[:0] = self._repair_if_damaged()
            written: list[Path] = []
            try:
                man = self._merge(result, self.manifest(), written, replace=replace)
                new_man = self._commit(man, result, written)
            except BaseException:
                for f in written:
                    f.unlink(missing_ok=True)
                raise
            self._collect_garbage(new_man)

    def _plan_identities(self, result: ReadResult, man: dict) -> tuple[set[str], pd.DataFrame]:
        """Decide, per file identity in ``result``, duplicate (same content already stored)
        or replacement (a re-publication). Returns (identities whose stored rows go, new rows)."""
        new = result.records
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
                    f" imported {old.get('imported_at', '?')}); its rows counted as duplicates"
                )
            else:
                replace_ids.add(ident)
                rep.store_rows_replaced += int(old.get("rows", 0))
                rep.notices.append(
                    f"{fr['file']} is a re-publication of {ident} (imported earlier as "
                    f"{old.get('name', ident)}); it replaces that file's {int(old.get('rows', 0)):,} rows"
                )
                fr["replaces"] = {"file": old.get("name", ident), "rows": int(old.get("rows", 0))}
        if dup_ids and len(new):
            drop = new[S.SOURCE_FILE].isin(dup_ids).to_numpy()
            self._drop_as_duplicates(result, drop)
            new = result.records
        return replace_ids, new

    @staticmethod
    def _drop_as_duplicates(result: ReadResult, drop) -> None:
        n = int(drop.sum())
        if not n:
            return
        new = result.records
        rep = result.report
        rep.rows_duplicate += n
        rep.rows_accepted -= n
        rep.rows_in_bcp -= int(new.loc[drop, S.IN_BCP].sum())
        result.records = new[~drop].reset_index(drop=True)

    def _merge(self, result: ReadResult, man: dict, written: list[Path], replace: bool) -> dict:
        """Stage one read result on top of manifest ``man`` (caller holds the lock) and
        return the manifest that would describe the result; nothing is swapped.

        Rows of replaced identities go, Crime IDs already stored from other files are
        dropped as duplicates (the report still reconciles). With ``replace`` the result
        replaces everything. New files are appended to ``written``."""
        replace_ids, new = self._plan_identities(result, man)
        new_files = set(new[S.SOURCE_FILE].unique()) if len(new) else set()
        gone = set(replace_ids)
        if replace:
            gone |= set(man["files"])
        touched = set(new[S.MONTH].unique()) if len(new) else set()
        for f in gone & set(man["files"]):
            touched |= set(man["files"][f]["months"])

        self.path.mkdir(parents=True, exist_ok=True)
        months = dict(man["months"])
        old_by_month: dict[str, pd.DataFrame] = {}
        for month in sorted(touched):
            if month in months:
                old = _to_frame(pq.read_table(self.path / months[month]))
                old = old[~old[S.SOURCE_FILE].isin(gone | new_files)]
                old_by_month[month] = old
        if len(new):
            dup = self._stored_crime_ids(new, man, old_by_month, gone | new_files)
            if dup.any():
                self._drop_as_duplicates(result, dup)
                result.report.notices.append(
                    f"{int(dup.sum())} rows dropped as duplicates of Crime IDs already in the "
                    "store from other files"
                )
                new = result.records
        for month in sorted(touched):
            part = new[new[S.MONTH] == month] if len(new) else new
            old = old_by_month.pop(month, None)
            merged = (
                pd.concat([old, part], ignore_index=True) if old is not None and len(old) else part
            )
            if len(merged) == 0:
                months.pop(month, None)
                continue
            merged = S.conform(merged).sort_values([S.SOURCE_FILE, S.SOURCE_ROW], kind="stable")
            rel = _month_rel(month)
            out = self.path / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp")
            written += [tmp, out]
            _write_parquet(_encode(merged), tmp)
            os.replace(tmp, out)
            months[month] = rel
            del merged, part, old

        files = {k: v for k, v in man["files"].items() if k not in gone | new_files}
        now = datetime.now(UTC).isoformat(timespec="seconds")
        by_ident = {
            fr["identity"]: fr
            for fr in result.report.files_read
            if fr.get("identity") and "replaced_by" not in fr
        }
        if len(new):
            for ident, grp in new.groupby(S.SOURCE_FILE):
                fr = by_ident.get(str(ident), {})
                files[str(ident)] = {
                    "name": fr.get("file", str(ident)),
                    "sha1": fr.get("sha1"),
                    "months": sorted(grp[S.MONTH].unique().tolist()),
                    "rows": len(grp),
                    "source": str(grp[S.SOURCE].iloc[0]),
                    "simulated": bool(grp[S.SIMULATED].any()),
                    "imported_at": now,
                }
        return {**man, "months": months, "files": files}

    def _commit(self, man: dict, result: ReadResult, written: list[Path]) -> dict:
        """Write the report and its rejected rows, then swap in manifest ``man`` (one
        atomic ``os.replace``). Returns the manifest now in place."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rep_id = uuid.uuid4().hex
        rep_rel = f"reports/{rep_id}.json"
        rej_rel = f"reports/{rep_id}.rejected.parquet"
        (self.path / "reports").mkdir(parents=True, exist_ok=True)
        written += [self.path / rep_rel, self.path / rej_rel]
        (self.path / rep_rel).write_text(
            json.dumps(result.report.to_dict(), indent=1), encoding="utf-8"
        )
        result.rejected.to_parquet(self.path / rej_rel, index=False)
        reports = (man.get("reports", []) + [{"report": rep_rel, "rejected": rej_rel, "at": now}])[
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
        self._swap_manifest(new_man)
        return new_man

    def _stored_crime_ids(
        self, new: pd.DataFrame, man: dict, old_by_month: dict, exclude: set[str]
    ) -> np.ndarray:
        """Rows of ``new`` whose Crime ID is already stored from another file.

        Months being rewritten are checked in Arrow; the rest of the store with one DuckDB
        semi-join that reads only the crime_id and source_file columns (never a Python
        set of every ID in the store: that grew with the store, ~200 bytes an ID)."""
        has_id = new[S.CRIME_ID].notna().to_numpy()
        dup = np.zeros(len(new), dtype=bool)
        if not has_id.any():
            return dup
        ids = pa.Array.from_pandas(new[S.RECORD_ID].astype("string[pyarrow]"))
        for old in old_by_month.values():
            cid = pc.drop_null(pa.Array.from_pandas(old[S.CRIME_ID].astype("string[pyarrow]")))
            if len(cid):
                dup |= pc.is_in(ids, value_set=cid).to_numpy(zero_copy_only=False)
        rest = [self.path / rel for m, rel in man["months"].items() if m not in old_by_month]
        if rest:
            import duckdb

            con = duckdb.connect()
            wanted = pa.table({"id": pc.unique(pc.drop_null(ids))})
            con.register("wanted", wanted)
            excl = _sql_list(sorted(exclude)) if exclude else "[]"
            found = _arrow(
                con.sql(
                    f"SELECT DISTINCT {S.CRIME_ID} FROM read_parquet("
                    f"{_sql_list(str(f) for f in rest)}, hive_partitioning = false) "
                    f"WHERE {S.CRIME_ID} IN (SELECT id FROM wanted) "
                    f"AND NOT list_contains({excl}::VARCHAR[], {S.SOURCE_FILE})"
                )
            )
            if found.num_rows:
                dup |= pc.is_in(ids, value_set=found.column(0).combine_chunks()).to_numpy(
                    zero_copy_only=False
                )
        return dup & has_id

    def _collect_garbage(self, man: dict) -> None:
        """Remove files no manifest names. Only called with the writer lock held, so
        no other writer has files in flight; readers of the previous manifest re-read."""
        keep = {self.path / rel for rel in man["months"].values()}
        for r in man.get("reports", []):
            keep |= {self.path / r["report"], self.path / r["rejected"]}
        for sub in ("records", "reports"):
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


def _build_bundled(store: Store) -> None:
    from hotspots.data.boundaries import POLICE_UK_DIR, geodata_dir

    store.ingest([geodata_dir() / POLICE_UK_DIR])


def _build_simulated(store: Store, seed: int = 1) -> None:
    from hotspots.data.simulate import simulate

    sim = simulate(seed=seed)
    from hotspots.data.ingest import IngestReport

    rep = IngestReport(
        rows_read=len(sim.records),
        rows_accepted=len(sim.records),
        rows_in_bcp=int(sim.records[S.IN_BCP].sum()),
        notices=[f"SIMULATED DATA generated by the simulator with seed {seed}"],
    )
    from hotspots.data.validate import Rejects

    store.write(ReadResult(sim.records, Rejects().frame(), rep))
    (store.path / "truth.json").write_text(json.dumps(sim.truth, indent=1), encoding="utf-8")


def known_datasets() -> list[str]:
    """Dataset names that exist under the store root, plus the ones built on first use."""
    root = store_root()
    have = {p.name for p in root.iterdir() if (p / MANIFEST).exists()} if root.is_dir() else set()
    return sorted(have | {"bundled", "simulated"})


def open_dataset(
    dataset: str | None = None,
    store: str | Path | None = None,
    build: bool = True,
    *,
    must_exist: bool = False,
    principal=None,
) -> Store:
    """Open a store by directory or dataset name, building ``bundled``/``simulated`` on first use.

    ``principal``: the signed-in :class:`~hotspots.data.access.Principal`; a dataset they
    may not read raises :class:`~hotspots.errors.AccessDeniedError` before anything is
    opened or built. None (the CLI, the app without sign-in) is full access.

    ``must_exist``: raise :class:`~hotspots.errors.NoDataError` for a store or dataset
    that does not exist (a misspelt ``--dataset bundeld``) instead of opening it empty.
    An empty dataset name is refused.
    """
    if principal is not None:
        from hotspots.data.access import check_read

        check_read(principal, Path(store).name if store else (dataset or "bundled"), store)
    if store:
        st = Store(store)
        if must_exist and not st.exists():
            raise NoDataError(
                f"no store at {st.path} (import files into it with `hotspots ingest`)"
            )
        return st
    if dataset is not None and not str(dataset).strip():
        raise InputError("dataset", dataset, "a non-empty name such as imported or uploaded")
    name = dataset or "bundled"
    st = Store(dataset_path(name))
    if build and not st.exists():
        if name == "bundled":
            _build_bundled(st)
        elif name == "simulated":
            _build_simulated(st)
    if must_exist and not st.exists():
        raise NoDataError(
            f"no dataset named {name!r}; known datasets: {', '.join(known_datasets())}"
        )
    return st


def add_store_arguments(parser, default_dataset: str = "bundled") -> None:
    """``--store DIR`` and ``--dataset NAME`` for CLI commands."""
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="store directory (default: <HOTSPOTS_STORE or user cache>/<dataset>)",
    )
    parser.add_argument(
        "--dataset",
        default=default_dataset,
        help="dataset name: bundled (real police.uk data, built on first use), simulated, "
        f"uploaded, or any name you ingested into (default: {default_dataset})",
    )


def store_from_args(args, build: bool = True) -> Store:
    """The store a command names. Reading commands (``build=True``) refuse a dataset or
    store that does not exist; ``ingest`` (``build=False``) creates it."""
    return open_dataset(
        getattr(args, "dataset", None),
        getattr(args, "store", None),
        build=build,
        must_exist=build,
    )
