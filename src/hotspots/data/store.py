"""The record store: Parquet files partitioned by month, swapped in atomically.

Layout of a store directory::

    manifest.json                      the only file readers trust
    records/YYYY-MM/<uuid>.parquet     one file per month (canonical schema, x/y in EPSG:27700)
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
]

MANIFEST = "manifest.json"
LOCK_FILE = ".writer.lock"
FORMAT_VERSION = 2
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


def _string_dtype(t: pa.DataType):
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype("pyarrow")
    return None


def _to_frame(tbl: pa.Table) -> pd.DataFrame:
    """Arrow table -> canonical frame, strings staying in Arrow memory."""
    return S.conform(tbl.to_pandas(types_mapper=_string_dtype))


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

    def records(self, months: tuple[str, str] | None = None) -> pd.DataFrame:
        """All canonical records (optionally a month window, inclusive).

        Takes no lock: a month file removed by a writer between reading the manifest
        and the file means a newer manifest is in place, so it is read again. A file
        missing from a manifest that does not change raises
        :class:`~hotspots.errors.StoreDamagedError` (mend with ``hotspots repair``).
        """
        for _attempt in range(20):
            man = self.manifest()
            try:
                parts = [
                    pq.read_table(self.path / rel)
                    for month, rel in sorted(man["months"].items())
                    if not months or months[0] <= month <= months[1]
                ]
            except FileNotFoundError:
                if self.manifest()["id"] != man["id"]:
                    continue  # replaced under us by a writer: read the new manifest
                time.sleep(0.05)
                if self.manifest()["id"] != man["id"]:
                    continue
                raise self._damaged(man) from None
            if not parts:
                return S.empty_records()
            return _to_frame(pa.concat_tables(parts))
        raise StoreBusyError(f"the store {self.path} kept changing while being read; try again")

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
    ) -> ReadResult:
        """Read files and merge them into the store. Returns the read result.

        Inputs are read and stored in batches of about ``BATCH_BYTES`` (64 MiB) of text,
        each merged atomically under the writer lock, so memory does not grow with the
        size of the import. An interrupted import keeps the batches already stored
        (each is whole; importing the same files again completes it, as duplicates
        are recognised). With one batch (the usual case) ``result.records`` holds the
        accepted rows; with several it is empty (they are in the store).

        ``replace``: the new records replace the whole store, but only if some row was
        accepted (a failed import leaves the store as it was). Files are read before
        the writer lock is taken (reading needs nothing from the store); the lock is
        held from planning the merge to the manifest swap. ``labels``: see
        :func:`~hotspots.data.ingest.read_inputs`.
        """
        items = expand_inputs(paths, labels)
        batches = _batches(items, BATCH_BYTES)
        total: ReadResult | None = None
        done = 0
        for batch in batches:

            def step(i, n, name, _done=done):
                if progress:
                    progress(_done + i, len(items), name)

            result = read_items(batch, fmt=fmt, mapping=mapping, strict=strict, progress=step)
            done += len(batch)
            self.write(result, replace=replace and result.report.rows_accepted > 0)
            replace = replace and result.report.rows_accepted == 0  # only the first batch wipes
            if total is None:
                total = result
            else:
                total.report.merge(result.report)
                total.rejected = pd.concat([total.rejected, result.rejected], ignore_index=True)
                total.records = S.empty_records()  # in the store; not kept in memory
            del result
        if len(batches) > 1:
            total.report.notices.append(
                f"read and stored in {len(batches)} batches of at most "
                f"{BATCH_BYTES / 1024**2:.0f} MiB (memory stays bounded)"
            )
        _return_memory()
        return total

    def write(self, result: ReadResult, *, replace: bool = False) -> None:
        """Merge a read result under the writer lock (see :meth:`_write`).

        A store found damaged is repaired first (said in the report's notices).
        """
        with self.writer():
            if self.exists() and self.check():
                done = self._repair_locked()
                result.report.notices.append(
                    f"the store was damaged ({len(done['missing_files'])} listed files missing); "
                    f"repaired first: months dropped {', '.join(done['months_dropped']) or 'none'}"
                )
            self._write(result, replace=replace)

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

    def _write(self, result: ReadResult, replace: bool = False) -> None:
        """Merge (caller holds the lock): rows of replaced identities go, Crime IDs already
        stored from other files are dropped as duplicates (the report still reconciles).
        With ``replace`` the result replaces everything, in the same atomic swap."""
        man = self.manifest()
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
        written: list[Path] = []
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
        try:
            for month in sorted(touched):
                part = new[new[S.MONTH] == month] if len(new) else new
                old = old_by_month.get(month)
                merged = (
                    pd.concat([old, part], ignore_index=True)
                    if old is not None and len(old)
                    else part
                )
                if len(merged) == 0:
                    months.pop(month, None)
                    continue
                merged = S.conform(merged).sort_values([S.SOURCE_FILE, S.SOURCE_ROW], kind="stable")
                rel = f"records/{month}/{uuid.uuid4().hex}.parquet"
                out = self.path / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                tmp = out.with_suffix(".tmp")
                written += [tmp, out]
                merged.to_parquet(tmp, index=False)
                os.replace(tmp, out)
                months[month] = rel

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
            rep_id = uuid.uuid4().hex
            rep_rel = f"reports/{rep_id}.json"
            rej_rel = f"reports/{rep_id}.rejected.parquet"
            (self.path / "reports").mkdir(exist_ok=True)
            written += [self.path / rep_rel, self.path / rej_rel]
            (self.path / rep_rel).write_text(
                json.dumps(result.report.to_dict(), indent=1), encoding="utf-8"
            )
            result.rejected.to_parquet(self.path / rej_rel, index=False)
            reports = (
                man.get("reports", []) + [{"report": rep_rel, "rejected": rej_rel, "at": now}]
            )[-5:]
            content = json.dumps(sorted(months.items())).encode()
            new_man = {
                "format": FORMAT_VERSION,
                "id": hashlib.sha1(content + rep_id.encode()).hexdigest()[:16],
                "months": months,
                "files": files,
                "reports": reports,
                "updated_at": now,
            }
            self._swap_manifest(new_man)
        except BaseException:
            for f in written:
                f.unlink(missing_ok=True)
            raise
        self._collect_garbage(new_man)

    def _stored_crime_ids(
        self, new: pd.DataFrame, man: dict, old_by_month: dict, exclude: set[str]
    ) -> np.ndarray:
        """Rows of ``new`` whose Crime ID is already stored from another file.

        One month at a time, in Arrow (a hash set per month file, never a Python set
        of every ID in the store: that grew with the store, ~200 bytes an ID)."""
        has_id = new[S.CRIME_ID].notna().to_numpy()
        dup = np.zeros(len(new), dtype=bool)
        if not has_id.any():
            return dup
        ids = pa.Array.from_pandas(new[S.RECORD_ID].astype("string[pyarrow]"))
        excl = pa.array(sorted(exclude), type=pa.string())
        for month, rel in man["months"].items():
            if month in old_by_month:
                old = old_by_month[month]
                cid = pa.Array.from_pandas(old[S.CRIME_ID].astype("string[pyarrow]"))
            else:
                t = pq.read_table(self.path / rel, columns=[S.CRIME_ID, S.SOURCE_FILE])
                keep = pc.invert(pc.is_in(t.column(S.SOURCE_FILE), value_set=excl))
                cid = t.column(S.CRIME_ID).filter(keep)
                cid = cid.combine_chunks() if cid.num_chunks else pa.array([], pa.string())
            cid = pc.drop_null(cid)
            if len(cid):
                dup |= pc.is_in(ids, value_set=cid).to_numpy(zero_copy_only=False)
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
