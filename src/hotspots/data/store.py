"""The record store: Parquet files partitioned by month, swapped in atomically.

Layout of a store directory::

    manifest.json                      the only file readers trust
    records/YYYY-MM/<uuid>.parquet     one file per month (canonical schema, x/y in EPSG:27700)
    reports/<uuid>.json, <uuid>.rejected.parquet   the last ingests' reports and rejected rows

A write puts new month files (new names) beside the old ones, then replaces
``manifest.json`` with ``os.replace`` (atomic on POSIX), then deletes files the new
manifest no longer names. An interruption at any point leaves the store as the
old manifest describes it. Re-importing a file replaces that file's earlier rows
(matched by file name), so importing the same files twice changes nothing.

Where stores live: ``--store DIR`` names one store directory. Otherwise the
dataset name picks ``<root>/<dataset>`` where root is ``HOTSPOTS_STORE`` or the
user cache directory (``~/.cache/hotspots`` on Linux). The ``bundled`` dataset
builds itself from ``geodata/police_uk`` on first use; ``simulated`` builds itself
from the simulator (seed 1).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hotspots.data import schema as S
from hotspots.data.ingest import ReadResult, read_inputs
from hotspots.data.sources import file_key
from hotspots.errors import HotspotsError, InputError

__all__ = [
    "Store",
    "store_root",
    "dataset_path",
    "open_dataset",
    "DATASETS",
    "add_store_arguments",
    "store_from_args",
]

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
DATASETS = ("bundled", "simulated", "uploaded")
_LOCK = threading.Lock()


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
    """A store directory. Cheap to create; reads the manifest on demand."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()

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
        """All canonical records (optionally a month window, inclusive)."""
        man = self.manifest()
        parts = []
        for month, rel in sorted(man["months"].items()):
            if months and not (months[0] <= month <= months[1]):
                continue
            parts.append(pq.read_table(self.path / rel))
        if not parts:
            return S.empty_records()
        return _to_frame(pa.concat_tables(parts))

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
    ) -> ReadResult:
        """Read files and merge them into the store atomically. Returns the read result.

        ``replace``: the new records replace the whole store, but only if some row was
        accepted (a failed import leaves the store as it was).
        """
        result = read_inputs(paths, fmt=fmt, mapping=mapping, strict=strict, progress=progress)
        self.write(result, replace=replace and result.report.rows_accepted > 0)
        return result

    def write(self, result: ReadResult, *, replace: bool = False) -> None:
        """Merge a read result: rows of re-imported files replace their earlier rows.

        Crime IDs already in the store from *other* files are dropped and added to
        the result's duplicate count, so the report still reconciles. With
        ``replace`` the result replaces everything in the store, in the same atomic
        manifest swap (nothing is removed before the new records are written).
        """
        with _LOCK:
            self._write(result, replace=replace)

    def _write(self, result: ReadResult, replace: bool = False) -> None:
        new = result.records
        man = self.manifest()
        new_files = set(new[S.SOURCE_FILE].unique()) if len(new) else set()
        if replace:
            new_files |= set(man["files"])
        new_files |= {file_key(f["file"].split("!")[-1]) for f in result.report.files_read}
        touched = set(new[S.MONTH].unique()) if len(new) else set()
        for f in new_files & set(man["files"]):
            touched |= set(man["files"][f]["months"])

        self.path.mkdir(parents=True, exist_ok=True)
        months = dict(man["months"])
        written: list[Path] = []
        # rows kept from other files, used to drop cross-file Crime ID repeats
        kept_ids: set[str] = set()
        old_by_month: dict[str, pd.DataFrame] = {}
        for month in sorted(touched):
            if month in months:
                old = _to_frame(pq.read_table(self.path / months[month]))
                old = old[~old[S.SOURCE_FILE].isin(new_files)]
                old_by_month[month] = old
                kept_ids.update(old[S.CRIME_ID].dropna().astype(str))
        if len(new):
            other_ids = kept_ids | self._ids_outside(man, touched, new_files)
            dup = new[S.RECORD_ID].isin(other_ids).to_numpy() & new[S.CRIME_ID].notna().to_numpy()
            if dup.any():
                n = int(dup.sum())
                result.report.rows_duplicate += n
                result.report.rows_accepted -= n
                result.report.rows_in_bcp -= int(new.loc[dup, S.IN_BCP].sum())
                result.report.notices.append(
                    f"{n} rows dropped as duplicates of Crime IDs already in the store from other files"
                )
                new = new[~dup]
                result.records = new.reset_index(drop=True)
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
                merged.to_parquet(tmp, index=False)
                os.replace(tmp, out)
                written.append(out)
                months[month] = rel

            files = {k: v for k, v in man["files"].items() if k not in new_files}
            now = datetime.now(UTC).isoformat(timespec="seconds")
            if len(new):
                g = new.groupby(S.SOURCE_FILE)
                for fname, grp in g:
                    files[str(fname)] = {
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
            (self.path / rep_rel).write_text(
                json.dumps(result.report.to_dict(), indent=1), encoding="utf-8"
            )
            result.rejected.to_parquet(self.path / rej_rel, index=False)
            written += [self.path / rep_rel, self.path / rej_rel]
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
            tmp = self.path / (MANIFEST + ".tmp")
            tmp.write_text(json.dumps(new_man, indent=1), encoding="utf-8")
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path / MANIFEST)
        except BaseException:
            for f in written:
                f.unlink(missing_ok=True)
            raise
        self._collect_garbage(new_man)

    def _ids_outside(self, man: dict, touched: set[str], new_files: set[str]) -> set[str]:
        ids: set[str] = set()
        for month, rel in man["months"].items():
            if month in touched:
                continue
            t = pq.read_table(self.path / rel, columns=[S.CRIME_ID, S.SOURCE_FILE]).to_pandas()
            ids.update(t.loc[~t[S.SOURCE_FILE].isin(new_files), S.CRIME_ID].dropna().astype(str))
        return ids

    def _collect_garbage(self, man: dict) -> None:
        keep = {self.path / rel for rel in man["months"].values()}
        for r in man.get("reports", []):
            keep |= {self.path / r["report"], self.path / r["rejected"]}
        for sub in ("records", "reports"):
            for f in (self.path / sub).rglob("*"):
                if f.is_file() and f not in keep:
                    f.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every record (an empty manifest is written atomically first)."""
        with _LOCK:
            self.path.mkdir(parents=True, exist_ok=True)
            empty = {
                "format": FORMAT_VERSION,
                "id": uuid.uuid4().hex[:16],
                "months": {},
                "files": {},
                "reports": [],
            }
            tmp = self.path / (MANIFEST + ".tmp")
            tmp.write_text(json.dumps(empty), encoding="utf-8")
            os.replace(tmp, self.path / MANIFEST)
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


def open_dataset(
    dataset: str | None = None, store: str | Path | None = None, build: bool = True
) -> Store:
    """Open a store by directory or dataset name, building ``bundled``/``simulated`` on first use."""
    if store:
        return Store(store)
    name = dataset or "bundled"
    st = Store(dataset_path(name))
    if build and not st.exists():
        if name == "bundled":
            _build_bundled(st)
        elif name == "simulated":
            _build_simulated(st)
    return st


def add_store_arguments(parser) -> None:
    """``--store DIR`` and ``--dataset NAME`` for CLI commands."""
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="store directory (default: <HOTSPOTS_STORE or user cache>/<dataset>)",
    )
    parser.add_argument(
        "--dataset",
        default="bundled",
        help="dataset name: bundled (real police.uk data, built on first use), simulated, "
        "uploaded, or any name you ingested into (default: bundled)",
    )


def store_from_args(args, build: bool = True) -> Store:
    return open_dataset(getattr(args, "dataset", None), getattr(args, "store", None), build=build)
