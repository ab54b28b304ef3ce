"""Reading a store: records, counts and distinct values, as DuckDB queries over its month files.

Counts and filtered selections run as embedded DuckDB queries over exactly the files
the manifest lists (never a glob), so their memory follows what is asked for, not the
store's size. Every read goes through :meth:`StoreFiles._consistent`: a month file a
writer replaced under a reader makes it read the new manifest.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hotspots.data import schema as S
from hotspots.data.store_layout import (
    STORE_SCHEMA,
    StoreFiles,
    decode_table,
    relation_arrow,
    sql_list,
    to_frame,
)
from hotspots.errors import InputError

__all__ = ["StoreQueries"]


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
                # (Crime IDs as text or as bytes): each is decoded before they are joined
                if len({p.schema for p in parts}) > 1:
                    parts = [decode_table(p) for p in parts]
                return to_frame(pa.concat_tables(parts, promote_options="permissive"))

            return self._consistent(read)

        def query(man):
            files = self.month_files(months, man)
            if not files:
                return S.empty_records()
            return to_frame(
                relation_arrow(self.query(f"SELECT * FROM {{records}} WHERE {where}", files))
            )

        return self._consistent(query)

    @staticmethod
    def _where(cats, bbox, bcp_only: bool) -> str:
        """A SQL condition for categories / bounding box / BCP ('' when none applies)."""
        cond = []
        if bcp_only:
            cond.append(S.IN_BCP)
        if len(cats) < len(S.CATEGORIES):
            cond.append(f"{S.CATEGORY} IN ({sql_list(cats)[1:-1]})")
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
        src = f"read_parquet({sql_list(str(f) for f in files)}, hive_partitioning = false)"
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
        columns = stored_columns(columns, "columns")
        keys = ", ".join(f'"{c}"' for c in columns)

        def q(man):
            files = self.month_files(months, man)
            if not files:
                return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
            return self.query(
                f"SELECT DISTINCT {keys} FROM {{records}} ORDER BY {keys}", files
            ).df()

        return self._consistent(q)
