"""Reading a store: records, counts and distinct values, as DuckDB queries over its month files.

Counts and filtered selections run as embedded DuckDB queries over exactly the files
the manifest lists (never a glob), so their memory follows what is asked for, not the
store's size. Every read goes through :meth:`StoreFiles._consistent`: a month file a
writer replaced under a reader makes it read the new manifest.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hotspots.data import schema as S
from hotspots.data.store_layout import (
    STORE_SCHEMA,
    StoreFiles,
    decode_table,
    points_files,
    relation_arrow,
    sql_list,
    to_frame,
)
from hotspots.data.store_points import POINT_COLUMNS, POINT_ID, attach_points, read_points
from hotspots.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

    from hotspots.data.areas import Area

__all__ = ["StoreQueries", "records_sql", "store_cursor"]

SMALL_ROWS = 4096  # below this, testing every row costs less than finding distinct locations
_CONNECTION: dict[int, Any] = {}  # process id -> the process's DuckDB connection
_CONNECTION_LOCK = threading.Lock()
_THREAD = threading.local()
# SQL that needs the point columns: ``SELECT *`` / ``r.*`` (not ``count(*)``) or a point column
_NEEDS_POINTS = re.compile(r"(?<!\()\*|\b(?:" + "|".join(POINT_COLUMNS) + r")\b")


@functools.lru_cache(maxsize=4096)
def _names_points(path: str) -> bool:
    """Tell whether a month file names its points by ``point_id``.

    A file's name never changes what it holds, so its footer is read once a process.
    """
    return POINT_ID in pq.read_schema(path).names


def records_sql(files: list[Path], points: list[Path], *, with_points: bool = True) -> str:
    """Return the SQL relation of the records in ``files``, their points joined from ``points``.

    Columns in :data:`~hotspots.data.store_layout.STORE_SCHEMA` order. Month files of the
    earlier layout (the point columns in each file; ``points`` empty) are read as they are;
    so is any layout when ``with_points`` is False (the query needs no point column, and
    the join is left out).
    """
    src = f"read_parquet({sql_list(str(f) for f in files)}, hive_partitioning = false)"
    if not files or not _names_points(str(files[0])) or not with_points:
        return src
    cols = ", ".join(
        f'p."{f.name}"' if f.name in POINT_COLUMNS else f'r."{f.name}"' for f in STORE_SCHEMA
    )
    pts = f"read_parquet({sql_list(str(f) for f in points)})"
    return f"(SELECT {cols} FROM {src} AS r JOIN {pts} AS p ON r.{POINT_ID} = p.{POINT_ID})"


def store_cursor(path: str | Path | None = None):
    """Return this thread's DuckDB cursor on the process's one in-memory connection.

    Every store of this process shares it (``path`` is accepted for the callers' clarity;
    any store's files are read through it).

    Opening a DuckDB connection costs more than a small query (the issue measured 2-10x
    plain DuckDB with a connection per query), so it is opened once. One for the whole
    process rather than one per store: an in-memory DuckDB reads any Parquet file, and
    a connection per store would keep one alive for every temporary store a long process
    (a server, the test suite) ever opened. A DuckDB connection is not thread-safe and
    Streamlit reruns a script from several threads, so each thread gets its own cursor
    (``connection.cursor()``, DuckDB's documented way to share one database between
    threads). Keyed by process id, so a forked child never uses its parent's connection.
    """
    import duckdb

    pid = os.getpid()
    cur = getattr(_THREAD, "cursor", None)
    if cur is None or getattr(_THREAD, "pid", None) != pid:
        with _CONNECTION_LOCK:
            con = _CONNECTION.get(pid)
            if con is None:
                con = duckdb.connect(config={"threads": min(4, os.cpu_count() or 1)})
                _CONNECTION.clear()  # a parent's connection is not ours to use
                _CONNECTION[pid] = con
            cur = con.cursor()
        _THREAD.cursor, _THREAD.pid = cur, pid
    return cur


def stored_columns(names: object, argument: str) -> tuple[str, ...]:
    """``names`` checked against the store's columns before they reach SQL.

    Column names are interpolated into the queries (SQL has no parameters for identifiers),
    so every one must be a column of :data:`~hotspots.data.store_layout.STORE_SCHEMA`; they
    are also quoted as identifiers. An :class:`InputError` names ``argument`` otherwise.
    """
    allowed = STORE_SCHEMA.names
    if isinstance(names, str) or not isinstance(names, (list, tuple)) or not names:
        raise InputError(argument, names, "a non-empty list of store columns")
    for name in names:
        if not isinstance(name, str) or name not in allowed:
            raise InputError(argument, name, "one of the store's columns: " + ", ".join(allowed))
    return tuple(names)


class StoreQueries(StoreFiles):
    """The read side of a store (see :class:`hotspots.data.store.Store`)."""

    def records(
        self,
        months: tuple[str, str] | None = None,
        categories: tuple[str, ...] | list[str] | str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        *,
        area: Area | str | None = None,
        bcp_only: bool = False,
    ) -> pd.DataFrame:
        """Return canonical records of a month window (inclusive), categories, a box, an area.

        Parameters
        ----------
        months : (first, last) ``YYYY-MM``; only those months' files are opened.
        categories : anything :func:`hotspots.data.schema.resolve_categories` accepts.
        bbox : (xmin, ymin, xmax, ymax) in EPSG:27700 metres, edges included; row groups
            outside the id range of the points inside it are skipped.
        area : an :class:`~hotspots.data.areas.Area` or anything
            :func:`~hotspots.data.areas.resolve_area` takes; records inside it, exactly as
            :func:`~hotspots.data.areas.records_in_area` decides. BCP is the stored
            ``in_bcp`` flag, in SQL; with ``bcp_only`` a ward is the stored ``ward_code``
            (written at import by the same polygon test); any other area is its bounding
            box in SQL, then the exact point-in-polygon test on the few rows left.
        bcp_only : only records in BCP (the stored ``in_bcp`` flag, in SQL).

        Without a filter the month files are read whole (Arrow); with one, the store's
        DuckDB connection reads only matching row groups, so memory follows the
        selection. Row order is the store's (month, source file, line).
        """
        cats = S.resolve_categories(categories) if categories is not None else S.CATEGORIES
        exact, area_where = self._area_filter(area, bcp_only)
        # conditions on the month files' own columns, and on the point columns (x/y)
        on_month = " AND ".join(
            w
            for w in (self._where(cats, None, bcp_only=bcp_only), area_where)
            if w and not _NEEDS_POINTS.search(w)
        )
        on_points = " AND ".join(
            w
            for w in (self._where(S.CATEGORIES, bbox, bcp_only=False), area_where)
            if w and _NEEDS_POINTS.search(w)
        )
        if not on_month and not on_points:

            def read(man):
                parts = [pq.read_table(f) for f in self.month_files(months, man)]
                if not parts:
                    return S.empty_records()
                if any(POINT_ID in p.column_names for p in parts):
                    points = read_points(self.path, man)
                    parts = [attach_points(p, points) for p in parts]
                # a store written by an earlier version may hold months of several layouts
                # (Crime IDs as text or as bytes): each is decoded before they are joined
                if len({p.schema for p in parts}) > 1:
                    parts = [decode_table(p) for p in parts]
                return to_frame(pa.concat_tables(parts, promote_options="permissive"))

            return self._consistent(read)

        def query(man):
            files = self.month_files(months, man)
            if not files:
                return S.empty_records()
            boxes = [b for b in (bbox, self._area_box(area, bcp_only=bcp_only)) if b is not None]
            tbl = self._select(files, man, on_month, on_points, boxes)
            if exact is not None and tbl.num_rows:
                tbl = tbl.filter(pa.array(self._inside(tbl, exact)))
            return to_frame(tbl)

        return self._consistent(query)

    def _select(
        self,
        files: list[Path],
        man: dict,
        on_month: str,
        on_points: str,
        boxes: list[tuple[float, float, float, float]],
    ) -> pa.Table:
        """Rows of month ``files`` meeting both conditions, as stored columns, in file order.

        In the point layout the ``boxes`` (the point condition's boxes) pick point ids from
        the points table in memory, the month files are scanned alone for the rest and those
        ids' range (a plain scan keeps
        the files' row order; row groups outside the range are skipped), the ids are then
        matched exactly, and the point columns attached in Arrow (a ``take``).
        """
        src = records_sql(files, [], with_points=False)
        if not _names_points(str(files[0])):
            where = " AND ".join(w for w in (on_month, on_points) if w)
            return relation_arrow(store_cursor(self.path).sql(f"SELECT * FROM {src} WHERE {where}"))
        cur = store_cursor(self.path)
        cond = [on_month] if on_month else []
        points = read_points(self.path, man)  # kept in memory: read once a process
        ids = None
        if on_points:
            # the points inside every box (the same test as SQL's BETWEEN, on the points
            # table in memory), then the month rows naming them: a plain scan keeps the
            # files' order, the ids' range skips row groups
            x = points.column(S.X).to_numpy(zero_copy_only=False)
            y = points.column(S.Y).to_numpy(zero_copy_only=False)
            inside = np.ones(len(x), dtype=bool)
            for x0, y0, x1, y1 in boxes:
                inside &= (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
            ids = pa.array(np.flatnonzero(inside).astype(np.int32))
            if not len(ids):
                return attach_points(
                    relation_arrow(cur.sql(f"SELECT * FROM {src} LIMIT 0")),
                    points,
                )
            cond.append(f"{POINT_ID} BETWEEN {int(ids[0].as_py())} AND {int(ids[-1].as_py())}")
        tbl = relation_arrow(cur.sql(f"SELECT * FROM {src} WHERE {' AND '.join(cond)}"))
        if ids is not None:
            tbl = tbl.filter(pc.is_in(tbl.column(POINT_ID), value_set=ids))
        return attach_points(tbl, points)

    @staticmethod
    def _area_box(
        area: Area | str | None,
        *,
        bcp_only: bool = False,
    ) -> tuple[float, float, float, float] | None:
        """Return the bounding box :meth:`_area_filter` tests in SQL for ``area`` (or None)."""
        if area is None:
            return None
        from hotspots.data.areas import Area, resolve_area

        a = area if isinstance(area, Area) else resolve_area(area)
        if a.kind == "bcp" or (bcp_only and a.kind == "ward" and a.spec.startswith("ward:")):
            return None
        x0, y0, x1, y1 = (float(v) for v in a.geometry.bounds)
        return (x0, y0, x1, y1)

    @staticmethod
    def _area_filter(area, bcp_only: bool = False) -> tuple[Area | None, str]:
        """(area still to test exactly or None, SQL condition) for ``area``.

        BCP is the stored ``in_bcp`` flag (as :func:`~hotspots.data.areas.records_in_area`
        rules). A ward, among records in BCP (``bcp_only``), is the stored ``ward_code``:
        the importer gave each record in BCP the ward whose polygon holds it, from the
        same bundled boundaries (:func:`hotspots.data.boundaries.locate`), so the column
        is the polygon test, done once at import (the same for every bundled ward: tested).
        Any other area is its bounding box, then the exact test on the rows left.
        """
        if area is None:
            return None, ""
        from hotspots.data.areas import Area, resolve_area

        a = area if isinstance(area, Area) else resolve_area(area)
        if a.kind == "bcp":
            return None, S.IN_BCP
        if bcp_only and a.kind == "ward" and a.spec.startswith("ward:"):
            return None, f"{S.IN_BCP} AND {S.WARD_CODE} = {sql_list([a.spec[5:]])[1:-1]}"
        x0, y0, x1, y1 = (float(v) for v in a.geometry.bounds)
        return a, f"{S.X} BETWEEN {x0!r} AND {x1!r} AND {S.Y} BETWEEN {y0!r} AND {y1!r}"

    @staticmethod
    def _inside(tbl: pa.Table, area: Area) -> np.ndarray:
        """Rows of ``tbl`` (x/y columns) inside ``area``, each distinct location tested once."""
        from hotspots.data.areas import area_mask
        from hotspots.data.points import unique_locations

        x = tbl.column(S.X).to_numpy().astype("float64", copy=False)
        y = tbl.column(S.Y).to_numpy().astype("float64", copy=False)
        if len(x) <= SMALL_ROWS:  # few rows (counts grouped by location): test each
            return area_mask(x, y, area)
        pts = unique_locations(x, y)
        return area_mask(pts.x, pts.y, area)[pts.inverse]

    @staticmethod
    def _where(cats, bbox, bcp_only: bool) -> str:
        """Return a SQL condition for categories / bounding box / BCP ('' when none applies)."""
        cond = []
        if bcp_only:
            cond.append(S.IN_BCP)
        if len(cats) < len(S.CATEGORIES):
            cond.append(f"{S.CATEGORY} IN ({sql_list(cats)[1:-1]})")
        if bbox is not None:
            x0, y0, x1, y1 = (float(v) for v in bbox)
            cond.append(f"{S.X} BETWEEN {x0!r} AND {x1!r} AND {S.Y} BETWEEN {y0!r} AND {y1!r}")
        return " AND ".join(cond)

    def query(self, sql: str, files: list[Path], man: dict | None = None):
        """Run ``sql`` on the store's DuckDB connection with ``{records}`` standing for the files.

        ``{records}`` is the records of the month ``files`` with every stored column
        (:data:`~hotspots.data.store_layout.STORE_SCHEMA`): when the SQL names a point
        column (or ``*``), the store's points are joined on ``point_id``
        (:func:`records_sql`). ``man``: the manifest the files were taken from (read
        again when None; points are only ever added, so a newer one serves as well).

        Returns the DuckDB relation (call ``.df()``, ``.arrow()`` or ``.fetchall()`` on the
        thread that ran the query). The files are named one by one (the manifest's list,
        never a glob); hive partition parsing is off because ``month`` is a column of
        every file. The connection is the store's one (:func:`store_cursor`).
        """
        with_points = bool(_NEEDS_POINTS.search(sql.replace("{records}", "")))
        points: list[Path] = []
        if with_points and files and _names_points(str(files[0])):
            points = [self.path / rel for rel in points_files(man or self.manifest())]
        src = records_sql(files, points, with_points=with_points)
        return store_cursor(self.path).sql(sql.replace("{records}", src))

    def counts(
        self,
        by: list[str] | tuple[str, ...],
        *,
        months: tuple[str, str] | None = None,
        categories=None,
        bbox: tuple[float, float, float, float] | None = None,
        bcp_only: bool = True,
        area: Area | str | None = None,
    ) -> pd.DataFrame:
        """Record counts grouped by columns ``by`` (a DuckDB aggregate over the month files).

        Columns: the ``by`` columns, ``records`` (int64) and ``asb`` (ASB records, int64).
        Sorted by ``by``. Only the ``by`` columns, category, in_bcp (and x/y for an area)
        are read. ``area`` as in :meth:`records`: BCP is the ``in_bcp`` flag; any other
        area is its bounding box in SQL, the counts grouped by location as well, then the
        exact point-in-polygon test on those locations and their counts summed.
        """
        cats = S.resolve_categories(categories) if categories is not None else S.CATEGORIES
        exact, area_where = self._area_filter(area, bcp_only)
        where = " AND ".join(w for w in (self._where(cats, bbox, bcp_only), area_where) if w)
        by = stored_columns(by, "by")
        keys = ", ".join(f'"{c}"' for c in by)

        def q(man):
            files = self.month_files(months, man)
            if not files:
                return pd.DataFrame(
                    {
                        **{c: pd.Series(dtype="string") for c in by},
                        "records": pd.Series(dtype="int64"),
                        "asb": pd.Series(dtype="int64"),
                    },
                )
            cond = f"WHERE {where}" if where else ""
            asb = f"count(*) FILTER (WHERE {S.CATEGORY} = '{S.ASB}')::BIGINT AS asb"
            if exact is None:
                sql = (
                    f"SELECT {keys}, count(*)::BIGINT AS records, {asb} FROM {{records}} "
                    f"{cond} GROUP BY {keys} ORDER BY {keys}"
                )
                return self.query(sql, files, man).df()
            located = ", ".join([keys, *(c for c in (S.X, S.Y) if c not in by)])
            sql = (
                f"SELECT {located}, count(*)::BIGINT AS records, {asb} "
                f"FROM {{records}} {cond} GROUP BY {located}"
            )
            tbl = relation_arrow(self.query(sql, files, man))
            if tbl.num_rows:
                tbl = tbl.filter(pa.array(self._inside(tbl, exact)))
            agg = tbl.group_by(list(by), use_threads=False).aggregate(
                [("records", "sum"), ("asb", "sum")],
            )
            agg = agg.select([*by, "records_sum", "asb_sum"]).rename_columns(
                [*by, "records", "asb"],
            )
            agg = agg.sort_by([(c, "ascending") for c in by])  # nulls last, as in SQL
            return agg.to_pandas()  # the same dtypes as DuckDB's .df() above

        return self._consistent(q)

    def distinct(self, columns: list[str] | tuple[str, ...], months=None) -> pd.DataFrame:
        """Distinct combinations of ``columns`` over the store (a DuckDB query), sorted."""
        columns = stored_columns(columns, "columns")
        keys = ", ".join(f'"{c}"' for c in columns)

        def q(man):
            files = self.month_files(months, man)
            if not files:
                return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
            return self.query(
                f"SELECT DISTINCT {keys} FROM {{records}} ORDER BY {keys}",
                files,
                man,
            ).df()

        return self._consistent(q)
