"""The store's points table: each snap point's seven columns once for the whole store.

police.uk snaps every record to one of a fixed set of map points, and a point comes back
about once a month, so a month file that held ``lon``, ``lat``, ``x``, ``y``, ``location``,
``lsoa_code`` and ``lsoa_name`` for every row held nearly every value again in each
month's dictionaries (~21 bytes a row at 2M rows). The store keeps them once instead::

    points/part-<uuid>.parquet   point_id (int32), lon, lat, x, y, location, lsoa_code, lsoa_name

and a month file holds the small integer ``point_id`` in their place. A point is the exact
combination of the seven values (floats compared by their bits, nulls equal to nulls), so
every record reads back bit for bit. A batch's points are grouped by a 64-bit hash in numpy
and looked up among the known ones by it, every match then checked value for value; on any
collision the exact join in DuckDB (``IS NOT DISTINCT FROM``) takes over. The table is
append-only: an import adds one part holding only the points no earlier part has, numbered
on from the last id; nothing there is ever rewritten or renumbered, so every month file (and
every kept version of one) keeps meaning what it meant. The manifest lists the parts in id order
(``"points": [{"file": …, "first": 0, "rows": n}, …]``), and row ``i`` of their
concatenation is point ``i``, so joining a month to its points is one ``take``.

References: Apache Parquet, "Encodings" (dictionary and RLE/bit-packing of the id
column); DuckDB, "IS [NOT] DISTINCT FROM" (null-safe equality in the join that finds
known points).
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hotspots.data import schema as S
from hotspots.data.store_layout import POINT_ID, STORE_SCHEMA, relation_arrow
from hotspots.errors import StoreDamagedError

if TYPE_CHECKING:
    from pathlib import Path

    import duckdb

__all__ = [
    "MONTH_SCHEMA",
    "POINTS_SCHEMA",
    "POINT_COLUMNS",
    "POINT_ID",
    "PointsWriter",
    "attach_points",
    "read_points",
]

POINT_COLUMNS = (S.LON, S.LAT, S.X, S.Y, S.LOCATION, S.LSOA_CODE, S.LSOA_NAME)
_FLOATS = (S.LON, S.LAT, S.X, S.Y)
POINTS_SCHEMA = pa.schema(
    [(POINT_ID, pa.int32()), *(STORE_SCHEMA.field(c) for c in POINT_COLUMNS)],
)
# A month file: the stored columns with point_id where the seven point columns were.
_AT = STORE_SCHEMA.get_field_index(S.LON)
MONTH_SCHEMA = pa.schema(
    [
        *(
            f
            for f in STORE_SCHEMA
            if f.name not in POINT_COLUMNS and STORE_SCHEMA.get_field_index(f.name) < _AT
        ),
        pa.field(POINT_ID, pa.int32()),
        *(
            f
            for f in STORE_SCHEMA
            if f.name not in POINT_COLUMNS and STORE_SCHEMA.get_field_index(f.name) > _AT
        ),
    ],
)

_CACHE: dict[tuple[str, tuple[str, ...]], pa.Table] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 4


def _flat(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks else pa.array([], arr.type)
    return arr


def _load(root: Path, parts: list[dict]) -> pa.Table:
    """Return the parts' points (point_id dropped), row ``i`` being point ``i``; checked."""
    tables = []
    for part in parts:
        t = pq.read_table(root / part["file"]).cast(POINTS_SCHEMA)
        ids = t.column(POINT_ID).to_numpy()
        want = np.arange(part["first"], part["first"] + part["rows"], dtype=np.int64)
        if len(ids) != len(want) or not np.array_equal(ids, want):
            msg = (
                f"the store {root} is damaged: its points file {part['file']} does not hold "
                f"points {part['first']}-{part['first'] + part['rows'] - 1} in order"
            )
            raise StoreDamagedError(msg)
        tables.append(t.drop_columns([POINT_ID]))
    if not tables:
        return STORE_SCHEMA.empty_table().select(list(POINT_COLUMNS))
    return pa.concat_tables(tables).combine_chunks()


def read_points(root: Path, man: dict) -> pa.Table:
    """Return the store's points table (the seven point columns; row ``i`` is point ``i``).

    Kept in memory for the few stores last read (a part file is never rewritten: its
    name says what it holds), so a reader pays the read once.
    """
    parts = man.get("points", [])
    key = (str(root), tuple(p["file"] for p in parts))
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    t = _load(root, parts)
    with _CACHE_LOCK:
        for old in [k for k in _CACHE if k[0] == key[0]]:
            del _CACHE[old]  # the same store before its last import: superseded
        while len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = t
    return t


def attach_points(t: pa.Table, points: pa.Table) -> pa.Table:
    """Turn a month-layout table (``point_id``) into the stored columns (:data:`STORE_SCHEMA`).

    The join is a ``take``: point ``i`` is row ``i`` of ``points``. Columns ``t`` lacks are
    left out (a projection of a month file reads back as the same projection).
    """
    if POINT_ID not in t.column_names:
        return t
    ids = _flat(t.column(POINT_ID))
    if len(ids) and (ids.null_count or pc.max(ids).as_py() >= points.num_rows):
        msg = (
            f"a month file names points the store's points table lacks (it holds "
            f"{points.num_rows:,}); run `hotspots check`"
        )
        raise StoreDamagedError(msg)
    got = points.take(ids)
    cols, names = [], []
    for f in STORE_SCHEMA:
        if f.name in POINT_COLUMNS:
            cols.append(got.column(f.name))
        elif f.name in t.column_names:
            cols.append(t.column(f.name))
        else:
            continue
        names.append(f.name)
    extra = [c for c in t.column_names if c not in names and c != POINT_ID]
    return pa.table(cols + [t.column(c) for c in extra], names=names + extra)


def _keys(t: pa.Table) -> pa.Table:
    """Return the seven point columns with the floats as their int64 bits (exact, null-safe)."""
    cols = []
    for c in POINT_COLUMNS:
        a = _flat(t.column(c))
        if c in _FLOATS:
            a = a.cast(pa.float64())
            bits = a.to_numpy(zero_copy_only=False).astype(np.float64, copy=False).view(np.int64)
            mask = a.is_null().to_numpy(zero_copy_only=False) if a.null_count else None
            a = pa.array(bits, pa.int64(), mask=mask)
        else:
            a = a.cast(pa.string())
        cols.append(a)
    return pa.table(cols, names=list(POINT_COLUMNS))


_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing's odd constant


def _text_words(values: list) -> np.ndarray:
    """Return a 64-bit word per distinct text (Python's string hash: stable in a process)."""
    return np.array([hash(v) for v in values], dtype=np.int64).view(np.uint64)


def _columns(keys: pa.Table) -> tuple[np.ndarray, list[np.ndarray]]:
    """Return a 64-bit hash of each row's point and the exact key columns as numpy arrays.

    The hash mixes the floats' bits, a word per distinct text and every null flag, so it
    is the same for the same point in any table of this process. The exact columns
    (float bits, the table's own dictionary codes, null flags) check a grouping made by
    hash within one table.
    """
    n = keys.num_rows
    h = np.zeros(n, dtype=np.uint64)
    exact: list[np.ndarray] = []
    with np.errstate(over="ignore"):
        for c in POINT_COLUMNS:
            a = _flat(keys.column(c))
            null = a.is_null().to_numpy(zero_copy_only=False)
            if c in _FLOATS:
                word = a.fill_null(0).to_numpy().view(np.uint64)
                exact.append(word)
            else:
                enc = pc.dictionary_encode(a)
                idx = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
                exact.append(idx)
                words = _text_words(enc.dictionary.to_pylist())
                word = np.zeros(n, np.uint64)  # null: 0 (its flag is mixed in below)
                if len(words):
                    word[idx >= 0] = words[idx[idx >= 0]]
            exact.append(null)
            for v in (word, null.astype(np.uint64)):
                h = (h ^ v) * _MIX
                h ^= h >> np.uint64(29)
    return h, exact


def _same_points(a: pa.Table, b: pa.Table) -> bool:
    """Tell whether key tables ``a`` and ``b`` hold the same points, row for row (exact)."""
    for c in POINT_COLUMNS:
        x, y = _flat(a.column(c)), _flat(b.column(c))
        both_null = pc.and_(x.is_null(), y.is_null())
        same = pc.or_(pc.fill_null(pc.equal(x, y), False), both_null)
        if not pc.all(same).as_py():
            return False
    return True


def _values(keys: pa.Table) -> pa.Table:
    """Key columns (floats as bits) back to the point columns."""
    cols = []
    for c in POINT_COLUMNS:
        a = _flat(keys.column(c))
        if c in _FLOATS:
            vals = a.fill_null(0).to_numpy().view(np.float64)
            mask = a.is_null().to_numpy(zero_copy_only=False) if a.null_count else None
            a = pa.array(vals, pa.float64(), mask=mask)
        cols.append(a)
    return pa.table(cols, names=list(POINT_COLUMNS))


class PointsWriter:
    """The points one write session adds to a store (the caller holds the writer lock).

    :meth:`split` turns a month's stored table into the month-file layout, numbering
    points not seen before from the last id on; :meth:`commit` stages them as one new
    part and returns the manifest listing it. Parts already listed are never touched.
    """

    def __init__(self, root: Path, man: dict) -> None:
        self.root = root
        self.parts = [dict(p) for p in man.get("points", [])]
        self.known = _keys(read_points(root, man))
        self.known = self.known.append_column(
            POINT_ID,
            pa.array(np.arange(self.known.num_rows, dtype=np.int32)),
        )
        self.first_new = self.known.num_rows
        self._values: pa.Table | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        # the known points' hashes, sorted, with their ids: a batch's points are looked up
        # here (then checked exactly); a hash two known points share sends every lookup
        # through the exact DuckDB join instead
        h, _ = _columns(self.known)
        order = np.argsort(h, kind="stable")
        self.hash_sorted, self.id_sorted = h[order], order.astype(np.int32)
        self.by_hash = len(np.unique(self.hash_sorted)) == len(h)

    def points(self) -> pa.Table:
        """Return the store's points and those this session added (row ``i`` is point ``i``)."""
        if self._values is None or self._values.num_rows != self.known.num_rows:
            self._values = _values(self.known)
        return self._values

    def split(self, t: pa.Table) -> pa.Table:
        """Turn a stored table (:data:`STORE_SCHEMA`) into a month file's (:data:`MONTH_SCHEMA`)."""
        keys = _keys(t)
        ids = self._ids_by_hash(keys) if keys.num_rows and self.by_hash else None
        if ids is None and keys.num_rows:
            self.by_hash = False  # a collision: exact joins from now on
            self._add_new(keys)
            ids = self._ids(keys)
        if ids is None:
            ids = pa.array([], pa.int32())
        cols = [ids if f.name == POINT_ID else t.column(f.name) for f in MONTH_SCHEMA]
        return pa.table(cols, schema=MONTH_SCHEMA)

    def _ids_by_hash(self, keys: pa.Table) -> pa.Array | None:
        """Each row's point id, new points numbered in order of first appearance.

        Grouped and looked up by hash, every match checked exactly; None on a collision.
        """
        h, exact = _columns(keys)
        _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        if not all(np.array_equal(v, v[first][inverse]) for v in exact):
            return None
        hr = h[first]
        pos = np.minimum(np.searchsorted(self.hash_sorted, hr), max(len(self.hash_sorted) - 1, 0))
        if len(self.hash_sorted):
            found = self.hash_sorted[pos] == hr
            cand = self.id_sorted[pos]
        else:
            found = np.zeros(len(hr), dtype=bool)
            cand = np.zeros(len(hr), dtype=np.int32)
        rep_ids = np.empty(len(hr), dtype=np.int32)
        at = np.flatnonzero(found)
        if len(at):
            got = keys.take(pa.array(first[at]))
            if not _same_points(got, self.known.take(pa.array(cand[at]))):
                return None
            rep_ids[at] = cand[at]
        new = np.flatnonzero(~found)
        if len(new):
            # numbered by LSOA then position: neighbours' floats and names sit together in
            # the part, which zstd packs ~23% tighter than in order of first appearance
            new = new[np.argsort(first[new], kind="stable")]
            order = pc.sort_indices(
                keys.take(pa.array(first[new])),
                sort_keys=[(S.LSOA_CODE, "ascending"), (S.X, "ascending"), (S.Y, "ascending")],
            )
            new = new[order.to_numpy()]
            start = self.known.num_rows
            rep_ids[new] = np.arange(start, start + len(new), dtype=np.int32)
            added = keys.take(pa.array(first[new])).append_column(
                POINT_ID,
                pa.array(rep_ids[new]),
            )
            self.known = pa.concat_tables([self.known, added]).combine_chunks()
            order = np.argsort(hr[new], kind="stable")
            ins = np.searchsorted(self.hash_sorted, hr[new][order])
            self.hash_sorted = np.insert(self.hash_sorted, ins, hr[new][order])
            self.id_sorted = np.insert(self.id_sorted, ins, rep_ids[new][order])
            if len(np.unique(hr[new])) != len(new) or np.any(
                self.hash_sorted[1:] == self.hash_sorted[:-1],
            ):
                self.by_hash = False  # two points share a hash: exact joins from now on
        return pa.array(rep_ids[inverse])

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """DuckDB, connected on first use (only the exact join after a collision needs it)."""
        if self._con is None:
            import duckdb

            self._con = duckdb.connect(config={"threads": 2})
        return self._con

    def _on(self) -> str:
        return " AND ".join(f'b."{c}" IS NOT DISTINCT FROM k."{c}"' for c in POINT_COLUMNS)

    def _add_new(self, keys: pa.Table) -> None:
        cols = ", ".join(f'"{c}"' for c in POINT_COLUMNS)
        self.con.register("b_all", keys)
        self.con.register("k", self.known)
        new = self.con.sql(
            f"WITH b AS (SELECT DISTINCT {cols} FROM b_all) "
            f"SELECT b.* FROM b LEFT JOIN k ON {self._on()} WHERE k.{POINT_ID} IS NULL "
            f"ORDER BY {cols}",
        )
        new = relation_arrow(new)
        self.con.unregister("b_all")
        self.con.unregister("k")
        if new.num_rows:
            start = self.known.num_rows
            new = new.cast(self.known.schema.remove(self.known.schema.get_field_index(POINT_ID)))
            new = new.append_column(
                POINT_ID,
                pa.array(np.arange(start, start + new.num_rows, dtype=np.int32)),
            )
            self.known = pa.concat_tables([self.known, new]).combine_chunks()

    def _ids(self, keys: pa.Table) -> pa.Array:
        n = keys.num_rows
        b = keys.append_column("i", pa.array(np.arange(n, dtype=np.int64)))
        self.con.register("b", b)
        self.con.register("k", self.known)
        got = relation_arrow(
            # the lowest id, should a store hold one point twice (never renumbered away)
            self.con.sql(
                f"SELECT b.i, min(k.{POINT_ID}) AS {POINT_ID} FROM b JOIN k ON {self._on()} "
                "GROUP BY b.i",
            ),
        )
        self.con.unregister("b")
        self.con.unregister("k")
        if got.num_rows != n:
            msg = f"internal error: {got.num_rows:,} point ids found for {n:,} rows"
            raise RuntimeError(msg)
        out = np.empty(n, dtype=np.int32)
        out[got.column("i").to_numpy()] = got.column(POINT_ID).to_numpy()
        return pa.array(out)

    def commit(self, man: dict, written: list[Path]) -> dict:
        """Stage the points this session added as one new part; ``man`` listing it."""
        added = self.known.num_rows - self.first_new
        parts = list(self.parts)
        if added:
            new = self.known.slice(self.first_new)
            table = _values(new).add_column(0, POINT_ID, new.column(POINT_ID))
            rel = f"points/part-{uuid.uuid4().hex}.parquet"
            out = self.root / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp")
            written += [tmp, out]
            pq.write_table(
                table.cast(POINTS_SCHEMA),
                tmp,
                compression="zstd",
                compression_level=9,  # written once, small: 12% smaller than level 1
                use_dictionary=[S.LOCATION, S.LSOA_CODE, S.LSOA_NAME],
                column_encoding={POINT_ID: "DELTA_BINARY_PACKED"},
                write_statistics=True,
            )
            tmp.replace(out)
            parts.append({"file": rel, "first": self.first_new, "rows": added})
            # the next split in this session numbers on from here
            self.parts, self.first_new = parts, self.known.num_rows
        return {**man, "points": parts} if parts or "points" in man else man

    def close(self) -> None:
        """Close the DuckDB connection, if one was opened."""
        if self._con is not None:
            self._con.close()
            self._con = None
