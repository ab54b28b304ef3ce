"""The record store: Parquet files partitioned by month, swapped in atomically.

Layout of a store directory::

    manifest.json                               the only file readers trust
    records/month=YYYY-MM/part-<uuid>.parquet   one file per month (hive-style folder names)
    points/part-<uuid>.parquet                  the map points, append-only (store_points)
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
rows. A record's map point (``lon``, ``lat``, ``x``, ``y``, ``location``, the LSOA code and
name) is stored once for the whole store in ``points/`` and named in the month file by an
integer ``point_id`` (:mod:`hotspots.data.store_points`); readers join it back. Counts and filtered
selections run as embedded DuckDB queries over exactly the files the manifest lists
(never a glob), so their memory follows what is asked for, not the store's size.

Where stores live: ``--store DIR`` names one store directory. Otherwise the
dataset name picks ``<root>/<dataset>`` where root is ``HOTSPOTS_STORE`` or the
user cache directory (``~/.cache/hotspots`` on Linux). The ``bundled`` dataset
builds itself from ``geodata/police_uk`` on first use; ``simulated`` builds itself
from the simulator (seed 1).

The store's code is in four modules: :mod:`hotspots.data.store_layout` (layout,
manifest, lock, check and repair), :mod:`hotspots.data.store_query` (records, counts,
distinct), :mod:`hotspots.data.store_import` (staged, atomic imports) and this one
(:class:`Store`, the datasets and their opening). Every name is importable from here.
"""

from __future__ import annotations

import json
from pathlib import Path

from hotspots.data import schema as S
from hotspots.data.store_import import BATCH_BYTES, KEEP_CHOICES, KEEP_MARGIN_M, StoreImport
from hotspots.data.store_layout import (
    FORMAT_VERSION,
    LOCK_FILE,
    MANIFEST,
    ROW_GROUP_ROWS,
    STORE_SCHEMA,
    dataset_path,
    known_datasets,
    store_root,
)
from hotspots.data.store_query import StoreQueries
from hotspots.errors import InputError, NoDataError

__all__ = [
    "BATCH_BYTES",
    "DATASETS",
    "FORMAT_VERSION",
    "KEEP_CHOICES",
    "KEEP_MARGIN_M",
    "LOCK_FILE",
    "MANIFEST",
    "ROW_GROUP_ROWS",
    "STORE_SCHEMA",
    "Store",
    "add_store_arguments",
    "dataset_path",
    # also importable from here (defined in the store_* modules)
    "known_datasets",
    "open_dataset",
    "store_from_args",
    "store_root",
]

DATASETS = ("bundled", "simulated", "uploaded")


class Store(StoreImport, StoreQueries):
    """A store directory. Cheap to create; reads the manifest on demand.

    ``lock_timeout`` (seconds) is how long a writer waits for another writer;
    ``on_wait(message)`` is called once when it has to wait (default: stderr).

    Its methods come from :class:`~hotspots.data.store_layout.StoreFiles` (manifest,
    lock, check, repair, clear), :class:`~hotspots.data.store_query.StoreQueries`
    (``records``, ``counts``, ``distinct``, ``query``) and
    :class:`~hotspots.data.store_import.StoreImport` (``ingest``, ``write``).
    """


def _build_bundled(store: Store) -> None:
    from hotspots.data.boundaries import POLICE_UK_DIR, geodata_dir

    store.ingest([geodata_dir() / POLICE_UK_DIR])


def _build_simulated(store: Store, seed: int = 1) -> None:
    from hotspots.data.simulate import simulate

    sim = simulate(seed=seed)
    from hotspots.data.ingest import IngestReport, ReadResult

    rep = IngestReport(
        rows_read=len(sim.records),
        rows_accepted=len(sim.records),
        rows_in_bcp=int(sim.records[S.IN_BCP].sum()),
        notices=[f"SIMULATED DATA generated by the simulator with seed {seed}"],
    )
    from hotspots.data.checks import Rejects

    store.write(ReadResult(sim.records, Rejects().frame(), rep))
    (store.path / "truth.json").write_text(json.dumps(sim.truth, indent=1), encoding="utf-8")


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
            msg = f"no store at {st.path} (import files into it with `hotspots ingest`)"
            raise NoDataError(msg)
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
    elif build and name == "bundled":
        from hotspots.data.growth import add_missing_bundled

        add_missing_bundled(st)  # the real dataset layers on the package's months
    if must_exist and not st.exists():
        msg = f"no dataset named {name!r}; known datasets: {', '.join(known_datasets())}"
        raise NoDataError(msg)
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
    """Return the store a command names.

    Reading commands (``build=True``) refuse a dataset or store that does not exist; ``ingest``
    (``build=False``) creates it.
    """
    return open_dataset(
        getattr(args, "dataset", None),
        getattr(args, "store", None),
        build=build,
        must_exist=build,
    )
